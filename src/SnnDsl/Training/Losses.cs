using System;
using SnnDsl.Decoding;

namespace SnnDsl.Training;

/// <summary>Which tensor of the output layer a loss reads.</summary>
public enum LossInput
{
    /// <summary>The output spikes <c>[T, batch, classes]</c>.</summary>
    Spikes,

    /// <summary>
    /// The output membrane <c>[T, batch, classes]</c>: the pre-reset first state of a neuron output
    /// layer (its gradient enters the neuron's backward pass as <c>gradFirstState</c>), or the
    /// output itself when the network ends with a dense layer.
    /// </summary>
    Membrane,
}

/// <summary>
/// A classification loss over a window of outputs <c>[T, batch, classes]</c> with its gradient.
/// Losses are immutable values, safe to share between threads.
/// </summary>
public interface ILoss
{
    /// <summary>What the loss reads: spikes or membrane.</summary>
    LossInput Input { get; }

    /// <summary>
    /// Returns <c>scale * sum_b loss_b</c> over the labelled samples and overwrites
    /// <paramref name="gradient"/> (<c>[T, batch, classes]</c>) with its derivative with respect to
    /// <paramref name="output"/>. <paramref name="batch"/> is the layout's row count; only the first
    /// <c>labels.Length</c> samples count, the rest get a zero gradient. Use <c>scale = 1 / batch</c>
    /// for the batch mean (PyTorch's <c>reduction="mean"</c>); a batch split into chunks passes the
    /// whole batch's scale to every chunk and adds the results in chunk order.
    /// </summary>
    double Evaluate(ReadOnlySpan<float> output, int steps, int batch, int classes, ReadOnlySpan<int> labels, Span<float> gradient, float scale);

    /// <summary>The class each sample is predicted as, by the decoder that matches the loss.</summary>
    void Predict(ReadOnlySpan<float> output, int steps, int batch, int classes, Span<int> predictions);
}

/// <summary>Shared pieces of the losses.</summary>
internal static class LossMath
{
    /// <summary>Most classes handled with stack scratch; more allocate per call.</summary>
    public const int StackClasses = 256;

    public static void Check(ReadOnlySpan<float> output, int steps, int batch, int classes, ReadOnlySpan<int> labels, Span<float> gradient)
    {
        Shapes.CheckSequence(output.Length, steps, batch, classes, nameof(output), "classes");
        Shapes.Check(gradient.Length, nameof(gradient), "steps, batch, classes", [steps, batch, classes]);
        if (labels.Length > batch) throw new ArgumentException($"Expected at most {batch} labels, got {labels.Length}.", nameof(labels));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes) throw new ArgumentException($"labels[{i}] = {labels[i]} is not a class index in [0, {classes}).", nameof(labels));
        }
    }

    /// <summary>Cross-entropy of logits <paramref name="z"/> against <paramref name="label"/>: returns <c>logsumexp(z) - z[label]</c> and writes <c>softmax(z) - onehot</c> into <paramref name="dz"/>.</summary>
    public static double CrossEntropy(ReadOnlySpan<float> z, int label, Span<float> dz)
    {
        float max = z[0];
        for (int k = 1; k < z.Length; k++) max = MathF.Max(max, z[k]);
        double sum = 0;
        for (int k = 0; k < z.Length; k++) sum += Math.Exp(z[k] - max);
        double logSum = Math.Log(sum) + max;
        for (int k = 0; k < z.Length; k++) dz[k] = (float)(Math.Exp(z[k] - max) / sum) - (k == label ? 1f : 0f);
        return logSum - z[label];
    }
}

/// <summary>
/// Cross-entropy on spike counts, snnTorch 0.9's <c>ce_count_loss</c>: logits are the spike counts
/// summed over time, <c>z[b, k] = sum_t s[t, b, k]</c>, and <c>loss_b = -log softmax(z_b)[label_b]</c>.
/// The gradient is the same at every step: <c>softmax(z_b)_k - [k = label_b]</c>. Prediction: most spikes.
/// </summary>
public sealed record CrossEntropyCountLoss : ILoss
{
    /// <inheritdoc/>
    public LossInput Input => LossInput.Spikes;

    /// <inheritdoc/>
    public double Evaluate(ReadOnlySpan<float> output, int steps, int batch, int classes, ReadOnlySpan<int> labels, Span<float> gradient, float scale)
    {
        LossMath.Check(output, steps, batch, classes, labels, gradient);
        gradient.Clear();
        Span<float> z = classes <= LossMath.StackClasses ? stackalloc float[classes] : new float[classes];
        Span<float> dz = classes <= LossMath.StackClasses ? stackalloc float[classes] : new float[classes];
        int stride = batch * classes;
        double total = 0;
        for (int b = 0; b < labels.Length; b++)
        {
            z.Clear();
            for (int t = 0; t < steps; t++)
            {
                ReadOnlySpan<float> s = output.Slice(t * stride + b * classes, classes);
                for (int k = 0; k < classes; k++) z[k] += s[k];
            }

            total += LossMath.CrossEntropy(z, labels[b], dz);
            for (int t = 0; t < steps; t++)
            {
                Span<float> g = gradient.Slice(t * stride + b * classes, classes);
                for (int k = 0; k < classes; k++) g[k] = scale * dz[k];
            }
        }

        return scale * total;
    }

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<float> output, int steps, int batch, int classes, Span<int> predictions)
        => SpikeCountDecoder.Predict(output, steps, batch, classes, predictions);
}

/// <summary>
/// Cross-entropy at every step, averaged over time, exactly snnTorch 0.9's <c>ce_rate_loss</c>:
/// <c>loss_b = (1/T) sum_t -log softmax(s[t, b, :])[label_b]</c> (the spikes of each step are the
/// logits). Gradient: <c>(softmax(s[t, b, :])_k - [k = label_b]) / T</c>. Prediction: most spikes.
/// </summary>
public sealed record CrossEntropyRateLoss : ILoss
{
    /// <inheritdoc/>
    public LossInput Input => LossInput.Spikes;

    /// <inheritdoc/>
    public double Evaluate(ReadOnlySpan<float> output, int steps, int batch, int classes, ReadOnlySpan<int> labels, Span<float> gradient, float scale)
    {
        LossMath.Check(output, steps, batch, classes, labels, gradient);
        gradient.Clear();
        int stride = batch * classes;
        float perStep = scale / steps;
        double total = 0;
        for (int t = 0; t < steps; t++)
        {
            for (int b = 0; b < labels.Length; b++)
            {
                int at = t * stride + b * classes;
                Span<float> g = gradient.Slice(at, classes);
                total += LossMath.CrossEntropy(output.Slice(at, classes), labels[b], g);
                for (int k = 0; k < classes; k++) g[k] *= perStep;
            }
        }

        return scale * total / steps;
    }

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<float> output, int steps, int batch, int classes, Span<int> predictions)
        => SpikeCountDecoder.Predict(output, steps, batch, classes, predictions);
}

/// <summary>
/// Cross-entropy on the maximum membrane potential over time, snnTorch 0.9's
/// <c>ce_max_membrane_loss</c> (after SpyTorch): <c>z[b, k] = max_t v[t, b, k]</c>, cross-entropy on z.
/// The gradient reaches only the step of the maximum (the first one on ties, as <c>torch.max</c>).
/// Reads the membrane (<see cref="LossInput.Membrane"/>). Prediction: <see cref="MaxMembraneReadout"/>.
/// </summary>
public sealed record CrossEntropyMaxMembraneLoss : ILoss
{
    /// <inheritdoc/>
    public LossInput Input => LossInput.Membrane;

    /// <inheritdoc/>
    public double Evaluate(ReadOnlySpan<float> output, int steps, int batch, int classes, ReadOnlySpan<int> labels, Span<float> gradient, float scale)
    {
        LossMath.Check(output, steps, batch, classes, labels, gradient);
        gradient.Clear();
        Span<float> z = classes <= LossMath.StackClasses ? stackalloc float[classes] : new float[classes];
        Span<float> dz = classes <= LossMath.StackClasses ? stackalloc float[classes] : new float[classes];
        Span<int> at = classes <= LossMath.StackClasses ? stackalloc int[classes] : new int[classes];
        int stride = batch * classes;
        double total = 0;
        for (int b = 0; b < labels.Length; b++)
        {
            for (int k = 0; k < classes; k++)
            {
                int i = b * classes + k, best = i;
                for (int t = 1; t < steps; t++)
                {
                    i += stride;
                    if (Classification.Beats(output[i], output[best])) best = i;
                }

                at[k] = best;
                z[k] = output[best];
            }

            total += LossMath.CrossEntropy(z, labels[b], dz);
            for (int k = 0; k < classes; k++) gradient[at[k]] = scale * dz[k];
        }

        return scale * total;
    }

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<float> output, int steps, int batch, int classes, Span<int> predictions)
        => MaxMembraneReadout.Predict(output, steps, batch, classes, predictions);
}

/// <summary>
/// snnTorch 0.9's <c>mse_count_loss</c>: the spike count of the correct class is pulled towards
/// <c>on = (int)(T * CorrectRate)</c> and the others towards <c>off = (int)(T * IncorrectRate)</c>
/// (truncated as Python's <c>int()</c>), with <c>MSELoss</c> (mean over batch and classes) divided by T:
/// <c>loss_b = sum_k (count_k - target_k)^2 / (classes * T)</c>. Gradient, at every step:
/// <c>2 (count_k - target_k) / (classes * T)</c>. Prediction: most spikes.
/// </summary>
/// <param name="CorrectRate">Target firing rate of the correct class, spikes per step.</param>
/// <param name="IncorrectRate">Target firing rate of the other classes.</param>
public sealed record MseCountLoss(float CorrectRate = 1f, float IncorrectRate = 0f) : ILoss
{
    /// <inheritdoc/>
    public LossInput Input => LossInput.Spikes;

    /// <inheritdoc/>
    public double Evaluate(ReadOnlySpan<float> output, int steps, int batch, int classes, ReadOnlySpan<int> labels, Span<float> gradient, float scale)
    {
        LossMath.Check(output, steps, batch, classes, labels, gradient);
        gradient.Clear();
        float on = (int)(steps * CorrectRate), off = (int)(steps * IncorrectRate);
        Span<float> count = classes <= LossMath.StackClasses ? stackalloc float[classes] : new float[classes];
        int stride = batch * classes;
        float norm = 1f / (classes * steps);
        double total = 0;
        for (int b = 0; b < labels.Length; b++)
        {
            count.Clear();
            for (int t = 0; t < steps; t++)
            {
                ReadOnlySpan<float> s = output.Slice(t * stride + b * classes, classes);
                for (int k = 0; k < classes; k++) count[k] += s[k];
            }

            double sum = 0;
            for (int k = 0; k < classes; k++)
            {
                float e = count[k] - (k == labels[b] ? on : off);
                sum += (double)e * e;
                count[k] = scale * 2f * e * norm;
            }

            total += sum * norm;
            for (int t = 0; t < steps; t++) count.CopyTo(gradient.Slice(t * stride + b * classes, classes));
        }

        return scale * total;
    }

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<float> output, int steps, int batch, int classes, Span<int> predictions)
        => SpikeCountDecoder.Predict(output, steps, batch, classes, predictions);
}

/// <summary>
/// A first-spike-time loss, snnTorch 0.9's <c>ce_temporal_loss</c> with <c>inverse="negate"</c>:
/// each output neuron's first-spike step <c>time_k</c> (a silent neuron counts as firing at the
/// last step T - 1, snnTorch's "shadow spike"), then cross-entropy on <c>-time</c>, so the correct
/// class is pushed to fire first. The spike time is piecewise constant in the spikes; as snnTorch,
/// its gradient is the sign estimator d(time_k)/d(s[time_k, b, k]) = -1 (zero at other steps),
/// so <c>dL/ds[time_k, b, k] = softmax(-time)_k - [k = label]</c>. Prediction: <see cref="FirstSpikeDecoder"/>.
/// </summary>
public sealed record FirstSpikeTimeLoss : ILoss
{
    /// <inheritdoc/>
    public LossInput Input => LossInput.Spikes;

    /// <inheritdoc/>
    public double Evaluate(ReadOnlySpan<float> output, int steps, int batch, int classes, ReadOnlySpan<int> labels, Span<float> gradient, float scale)
    {
        LossMath.Check(output, steps, batch, classes, labels, gradient);
        gradient.Clear();
        Span<float> z = classes <= LossMath.StackClasses ? stackalloc float[classes] : new float[classes];
        Span<float> dz = classes <= LossMath.StackClasses ? stackalloc float[classes] : new float[classes];
        Span<int> time = classes <= LossMath.StackClasses ? stackalloc int[classes] : new int[classes];
        int stride = batch * classes;
        double total = 0;
        for (int b = 0; b < labels.Length; b++)
        {
            for (int k = 0; k < classes; k++)
            {
                int t = 0;
                while (t < steps - 1 && output[t * stride + b * classes + k] == 0f) t++;
                time[k] = t;
                z[k] = -t;
            }

            total += LossMath.CrossEntropy(z, labels[b], dz);
            // dL/dtime = -dz; dtime/ds = -1 at the first spike: dL/ds = dz.
            for (int k = 0; k < classes; k++) gradient[time[k] * stride + b * classes + k] = scale * dz[k];
        }

        return scale * total;
    }

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<float> output, int steps, int batch, int classes, Span<int> predictions)
        => FirstSpikeDecoder.Predict(output, steps, batch, classes, predictions);
}
