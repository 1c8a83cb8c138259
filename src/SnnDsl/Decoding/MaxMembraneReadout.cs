using System;

namespace SnnDsl.Decoding;

/// <summary>
/// Max-membrane readout for non-spiking (or spiking) output neurons: the predicted class of a
/// sample is the neuron whose membrane potential reached the highest value at any step,
/// <c>argmax_c max_t mem[t, b, c]</c> (the SpyTorch / Zenke tutorial readout,
/// <c>torch.max(mem, 0)</c> then <c>torch.max(., 1)</c>). snnTorch's <c>functional.acc</c> has no
/// counterpart.
/// </summary>
/// <remarks>
/// Membrane potentials are <c>[steps, batch, classes]</c> row-major. Ties go to the lowest class
/// index; NaN is treated as larger than any number, as torch's max propagates it, so a neuron
/// whose trace holds NaN wins (the first such neuron), which makes a diverged model visible.
/// </remarks>
public static class MaxMembraneReadout
{
    /// <summary>Writes each neuron's maximum over time, <c>[batch, classes]</c>, into <paramref name="max"/>.</summary>
    /// <exception cref="ArgumentException">A shape does not match or a size is not positive.</exception>
    public static void MaxOverTime(ReadOnlySpan<float> membrane, int steps, int batch, int classes, Span<float> max)
    {
        Shapes.CheckSequence(membrane.Length, steps, batch, classes, nameof(membrane), "classes");
        Shapes.Check(max.Length, nameof(max), "batch, classes", [batch, classes]);
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < classes; c++) max[b * classes + c] = Max(membrane, steps, batch, classes, b, c);
        }
    }

    /// <summary>Writes the predicted class of each sample, <c>[batch]</c>, into <paramref name="predictions"/>.</summary>
    /// <exception cref="ArgumentException">A shape does not match or a size is not positive.</exception>
    public static void Predict(ReadOnlySpan<float> membrane, int steps, int batch, int classes, Span<int> predictions)
    {
        Shapes.CheckSequence(membrane.Length, steps, batch, classes, nameof(membrane), "classes");
        Shapes.Check(predictions.Length, nameof(predictions), "batch", [batch]);
        for (int b = 0; b < batch; b++) predictions[b] = PredictOne(membrane, steps, batch, classes, b);
    }

    /// <summary>Fraction of samples whose highest-peaking neuron is its label.</summary>
    /// <exception cref="ArgumentException">A shape does not match, a size is not positive, or a label is not in [0, classes).</exception>
    public static double Accuracy(ReadOnlySpan<float> membrane, int steps, int batch, int classes, ReadOnlySpan<int> labels)
    {
        Shapes.CheckSequence(membrane.Length, steps, batch, classes, nameof(membrane), "classes");
        Shapes.CheckLabels(labels, batch, classes);
        int correct = 0;
        for (int b = 0; b < batch; b++)
        {
            if (PredictOne(membrane, steps, batch, classes, b) == labels[b]) correct++;
        }

        return (double)correct / batch;
    }

    private static int PredictOne(ReadOnlySpan<float> membrane, int steps, int batch, int classes, int b)
    {
        int best = 0;
        float bestValue = 0;
        for (int c = 0; c < classes; c++)
        {
            float v = Max(membrane, steps, batch, classes, b, c);
            if (c == 0 || Classification.Beats(v, bestValue))
            {
                best = c;
                bestValue = v;
            }
        }

        return best;
    }

    private static float Max(ReadOnlySpan<float> membrane, int steps, int batch, int classes, int b, int c)
    {
        int stride = batch * classes, i = b * classes + c;
        float max = membrane[i];
        for (int t = 1; t < steps; t++)
        {
            i += stride;
            if (Classification.Beats(membrane[i], max)) max = membrane[i];
        }

        return max;
    }
}
