using System;

namespace SnnDsl.Decoding;

/// <summary>
/// Population vote: <c>M = outputs / classes</c> output neurons per class, neurons
/// <c>[k*M, (k+1)*M)</c> voting for class k, as snnTorch 0.9's <c>accuracy_rate</c> with
/// <c>population_code=True, num_classes=classes</c>. A class's score is the spike count of its
/// group averaged over its M neurons; the predicted class has the highest score.
/// </summary>
/// <remarks>
/// snnTorch sums the group's counts rather than averaging them; with equal groups the two rank
/// classes identically, and <see cref="Predict"/> compares the exact sums, so predictions match
/// snnTorch bit for bit. <see cref="ClassScores"/> reports averages (spikes per neuron), which do
/// not grow with M. Spikes are <c>[steps, batch, outputs]</c>; ties go to the lowest class index.
/// <c>outputs</c> must be a multiple of <c>classes</c> (snnTorch raises the same error).
/// </remarks>
public static class PopulationDecoder
{
    /// <summary>Writes each class's mean spike count per neuron, <c>[batch, classes]</c>, into <paramref name="scores"/>.</summary>
    /// <exception cref="ArgumentException">A shape does not match, a size is not positive, or outputs is not a multiple of classes.</exception>
    public static void ClassScores(ReadOnlySpan<float> spikes, int steps, int batch, int outputs, int classes, Span<float> scores)
    {
        int m = Check(spikes, steps, batch, outputs, classes);
        Shapes.Check(scores.Length, nameof(scores), "batch, classes", [batch, classes]);
        for (int b = 0; b < batch; b++)
        {
            for (int k = 0; k < classes; k++) scores[b * classes + k] = GroupSum(spikes, steps, batch, outputs, m, b, k) / m;
        }
    }

    /// <summary>Writes the predicted class of each sample, <c>[batch]</c>, into <paramref name="predictions"/>.</summary>
    /// <exception cref="ArgumentException">A shape does not match, a size is not positive, or outputs is not a multiple of classes.</exception>
    public static void Predict(ReadOnlySpan<float> spikes, int steps, int batch, int outputs, int classes, Span<int> predictions)
    {
        int m = Check(spikes, steps, batch, outputs, classes);
        Shapes.Check(predictions.Length, nameof(predictions), "batch", [batch]);
        for (int b = 0; b < batch; b++) predictions[b] = PredictOne(spikes, steps, batch, outputs, classes, m, b);
    }

    /// <summary>Fraction of samples whose winning population is its label (snnTorch's <c>accuracy_rate(..., population_code=True, num_classes)</c>).</summary>
    /// <exception cref="ArgumentException">A shape does not match, a size is not positive, outputs is not a multiple of classes, or a label is not in [0, classes).</exception>
    public static double Accuracy(ReadOnlySpan<float> spikes, int steps, int batch, int outputs, int classes, ReadOnlySpan<int> labels)
    {
        int m = Check(spikes, steps, batch, outputs, classes);
        Shapes.CheckLabels(labels, batch, classes);
        int correct = 0;
        for (int b = 0; b < batch; b++)
        {
            if (PredictOne(spikes, steps, batch, outputs, classes, m, b) == labels[b]) correct++;
        }

        return (double)correct / batch;
    }

    private static int Check(ReadOnlySpan<float> spikes, int steps, int batch, int outputs, int classes)
    {
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "Expected at least one class.");
        Shapes.CheckSequence(spikes.Length, steps, batch, outputs, nameof(spikes), "outputs");
        if (outputs % classes != 0)
        {
            throw new ArgumentException($"Expected outputs to be a multiple of classes (M neurons per class); {outputs} outputs do not split into {classes} classes.", nameof(outputs));
        }

        return outputs / classes;
    }

    private static int PredictOne(ReadOnlySpan<float> spikes, int steps, int batch, int outputs, int classes, int m, int b)
    {
        int best = 0;
        float bestSum = 0;
        for (int k = 0; k < classes; k++)
        {
            float sum = GroupSum(spikes, steps, batch, outputs, m, b, k);
            if (k == 0 || Classification.Beats(sum, bestSum))
            {
                best = k;
                bestSum = sum;
            }
        }

        return best;
    }

    /// <summary>Spikes of class k's group for sample b: summed over the group at each step, then over time (snnTorch's <c>.sum(-1).sum(0)</c>).</summary>
    private static float GroupSum(ReadOnlySpan<float> spikes, int steps, int batch, int outputs, int m, int b, int k)
    {
        float total = 0;
        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<float> group = spikes.Slice((t * batch + b) * outputs + k * m, m);
            float s = 0;
            foreach (float v in group) s += v;
            total += s;
        }

        return total;
    }
}
