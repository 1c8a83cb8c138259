using System;

namespace SnnDsl.Decoding;

/// <summary>What time a neuron that never fires in the window is given by <see cref="FirstSpikeDecoder"/>.</summary>
public enum SilentNeuronTime
{
    /// <summary>
    /// <c>steps - 1</c>, the last step: snnTorch 0.9's <c>accuracy_temporal</c> ("shadow spike at the
    /// final time step"). A silent neuron then ties with one whose first spike is at the last step,
    /// and the lower index wins even if it is the silent one.
    /// </summary>
    LastStep,

    /// <summary><c>steps</c>, one past the window: any spike beats silence.</summary>
    AfterWindow,
}

/// <summary>
/// First-spike (time-to-first-spike) decoding, as snnTorch 0.9's
/// <c>snntorch.functional.acc.accuracy_temporal</c>: the predicted class of a sample is the
/// output neuron that fires earliest, <c>argmin_c firstSpike[b, c]</c>.
/// </summary>
/// <remarks>
/// Spikes are <c>[steps, batch, classes]</c> row-major; a neuron fires at step t when its value is
/// non-zero (snnTorch tests the spike tensor with <c>.bool()</c>). Its first-spike time is the
/// first such t (0-based). A neuron that never fires gets the time chosen by
/// <see cref="SilentNeuronTime"/>; the default, <see cref="SilentNeuronTime.LastStep"/>, reproduces
/// snnTorch exactly. Ties (several neurons first firing at the same step, or all silent) go to the
/// lowest class index, as <c>torch.min(x, dim)</c> returns the first minimal index; a sample with no
/// output spike is therefore predicted as class 0 under either option.
/// </remarks>
public static class FirstSpikeDecoder
{
    /// <summary>Writes each neuron's first-spike step, <c>[batch, classes]</c>, into <paramref name="times"/>.</summary>
    /// <exception cref="ArgumentException">A shape does not match or a size is not positive.</exception>
    public static void FirstSpikeTimes(ReadOnlySpan<float> spikes, int steps, int batch, int classes, Span<int> times,
        SilentNeuronTime silent = SilentNeuronTime.LastStep)
    {
        Shapes.CheckSequence(spikes.Length, steps, batch, classes, nameof(spikes), "classes");
        Shapes.Check(times.Length, nameof(times), "batch, classes", [batch, classes]);
        int silentTime = SilentTime(steps, silent);
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < classes; c++) times[b * classes + c] = FirstSpike(spikes, steps, batch, classes, b, c, silentTime);
        }
    }

    /// <summary>Writes the predicted class of each sample, <c>[batch]</c>, into <paramref name="predictions"/>.</summary>
    /// <exception cref="ArgumentException">A shape does not match or a size is not positive.</exception>
    public static void Predict(ReadOnlySpan<float> spikes, int steps, int batch, int classes, Span<int> predictions,
        SilentNeuronTime silent = SilentNeuronTime.LastStep)
    {
        Shapes.CheckSequence(spikes.Length, steps, batch, classes, nameof(spikes), "classes");
        Shapes.Check(predictions.Length, nameof(predictions), "batch", [batch]);
        int silentTime = SilentTime(steps, silent);
        for (int b = 0; b < batch; b++) predictions[b] = PredictOne(spikes, steps, batch, classes, b, silentTime);
    }

    /// <summary>Fraction of samples whose earliest-firing neuron is its label (snnTorch's <c>accuracy_temporal</c> with the default option).</summary>
    /// <exception cref="ArgumentException">A shape does not match, a size is not positive, or a label is not in [0, classes).</exception>
    public static double Accuracy(ReadOnlySpan<float> spikes, int steps, int batch, int classes, ReadOnlySpan<int> labels,
        SilentNeuronTime silent = SilentNeuronTime.LastStep)
    {
        Shapes.CheckSequence(spikes.Length, steps, batch, classes, nameof(spikes), "classes");
        Shapes.CheckLabels(labels, batch, classes);
        int silentTime = SilentTime(steps, silent);
        int correct = 0;
        for (int b = 0; b < batch; b++)
        {
            if (PredictOne(spikes, steps, batch, classes, b, silentTime) == labels[b]) correct++;
        }

        return (double)correct / batch;
    }

    private static int SilentTime(int steps, SilentNeuronTime silent) => silent switch
    {
        SilentNeuronTime.LastStep => steps - 1,
        SilentNeuronTime.AfterWindow => steps,
        _ => throw new ArgumentOutOfRangeException(nameof(silent), silent, "Expected LastStep or AfterWindow."),
    };

    private static int PredictOne(ReadOnlySpan<float> spikes, int steps, int batch, int classes, int b, int silentTime)
    {
        int best = 0, bestTime = int.MaxValue;
        for (int c = 0; c < classes; c++)
        {
            int time = FirstSpike(spikes, steps, batch, classes, b, c, silentTime);
            if (time < bestTime)
            {
                best = c;
                bestTime = time;
            }
        }

        return best;
    }

    private static int FirstSpike(ReadOnlySpan<float> spikes, int steps, int batch, int classes, int b, int c, int silentTime)
    {
        int stride = batch * classes;
        for (int t = 0, i = b * classes + c; t < steps; t++, i += stride)
        {
            if (spikes[i] != 0f) return t;
        }

        return silentTime;
    }
}
