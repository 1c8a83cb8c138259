using System;
using System.Numerics.Tensors;

namespace SnnDsl.Decoding;

/// <summary>
/// Rate (spike count) decoding, as snnTorch 0.9's <c>snntorch.functional.acc.accuracy_rate</c>
/// without population code: the predicted class of a sample is the output neuron with the most
/// spikes over the whole window, <c>argmax_c sum_t spikes[t, b, c]</c>.
/// </summary>
/// <remarks>
/// Spikes are <c>[steps, batch, classes]</c> row-major, normally 0/1; the values are summed as
/// they are (snnTorch sums the tensor), so graded or signed spikes count by their value. Ties go
/// to the lowest class index (torch.max), so a sample with no output spike at all is predicted
/// as class 0. See <see cref="Classification"/>.
/// </remarks>
public static class SpikeCountDecoder
{
    /// <summary>Writes each neuron's spike count, <c>[batch, classes]</c>, into <paramref name="counts"/>.</summary>
    /// <exception cref="ArgumentException">A shape does not match or a size is not positive.</exception>
    public static void Counts(ReadOnlySpan<float> spikes, int steps, int batch, int classes, Span<float> counts)
    {
        Shapes.CheckSequence(spikes.Length, steps, batch, classes, nameof(spikes), "classes");
        int n = batch * classes;
        Shapes.Check(counts.Length, nameof(counts), "batch, classes", [batch, classes]);
        counts.Clear();
        for (int t = 0; t < steps; t++) TensorPrimitives.Add(counts, spikes.Slice(t * n, n), counts);
    }

    /// <summary>Writes the predicted class of each sample, <c>[batch]</c>, into <paramref name="predictions"/>.</summary>
    /// <exception cref="ArgumentException">A shape does not match or a size is not positive.</exception>
    public static void Predict(ReadOnlySpan<float> spikes, int steps, int batch, int classes, Span<int> predictions)
    {
        Shapes.CheckSequence(spikes.Length, steps, batch, classes, nameof(spikes), "classes");
        Shapes.Check(predictions.Length, nameof(predictions), "batch", [batch]);
        for (int b = 0; b < batch; b++) predictions[b] = PredictOne(spikes, steps, batch, classes, b);
    }

    /// <summary>Fraction of samples whose predicted class equals its label (snnTorch's <c>accuracy_rate</c>).</summary>
    /// <exception cref="ArgumentException">A shape does not match, a size is not positive, or a label is not in [0, classes).</exception>
    public static double Accuracy(ReadOnlySpan<float> spikes, int steps, int batch, int classes, ReadOnlySpan<int> labels)
    {
        Shapes.CheckSequence(spikes.Length, steps, batch, classes, nameof(spikes), "classes");
        Shapes.CheckLabels(labels, batch, classes);
        int correct = 0;
        for (int b = 0; b < batch; b++)
        {
            if (PredictOne(spikes, steps, batch, classes, b) == labels[b]) correct++;
        }

        return (double)correct / batch;
    }

    private static int PredictOne(ReadOnlySpan<float> spikes, int steps, int batch, int classes, int b)
    {
        int stride = batch * classes;
        int best = 0;
        float bestCount = 0;
        for (int c = 0; c < classes; c++)
        {
            // Summed in time order, as Counts does, so both give the same float.
            float count = 0;
            for (int t = 0, i = b * classes + c; t < steps; t++, i += stride) count += spikes[i];
            if (c == 0 || Classification.Beats(count, bestCount))
            {
                best = c;
                bestCount = count;
            }
        }

        return best;
    }
}
