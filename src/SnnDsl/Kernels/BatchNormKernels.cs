using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace SnnDsl.Kernels;

/// <summary>
/// The numerical core of a 2-D batch normalisation (libtorch's <c>batch_norm</c> on CPU) over a tensor
/// <c>[N, C, H, W]</c> row-major, where a spiking network passes its time-major chunk <c>[T, batch, C, H, W]</c>
/// as <c>N = T * batch</c> (SpikingJelly's <c>SeqToANNContainer</c> layout): the statistics of a channel
/// are taken over time, batch, height and width together. Allocation-free; every buffer is the caller's.
/// </summary>
/// <remarks>
/// <para>
/// Training: per channel, the mean and the biased variance of its <c>M = N * H * W</c> values normalise
/// <c>y = gamma * (x - mean) / sqrt(var + eps) + beta</c>; the running statistics move by
/// <c>running = (1 - momentum) * running + momentum * batch</c>, where the running variance takes the
/// unbiased variance <c>var * M / (M - 1)</c> (as libtorch). Inference normalises with the running statistics.
/// </para>
/// <para>
/// Numerics: statistics and gradient reductions accumulate in double, in a fixed order, single-threaded per call:
/// the value at plane position <c>s = h * W + w</c> goes to partial sum <c>s mod 4</c>, samples <c>n</c> ascending then
/// <c>s</c> ascending, and the channel's sum is <c>(p0 + p1) + (p2 + p3)</c>. A result therefore depends only on the
/// input, never on a thread count or on the machine's vector width. The variance is two-pass (the mean first, then
/// the squared deviations, as libtorch's CPU kernel), which keeps it accurate for data far from zero. As libtorch, the
/// output is computed in float as
/// <c>x * scale + shift</c> with <c>scale = gamma / sqrt(var + eps)</c> and <c>shift = beta - mean * scale</c>,
/// both per channel and rounded from double. Training saves the mean and <c>1 / sqrt(var + eps)</c> per channel
/// (libtorch's <c>save_mean</c>, <c>save_invstd</c>) for <see cref="Backward"/>.
/// </para>
/// <para>
/// Decisions where libtorch offers more: the affine parameters are required (pass ones and zeros for
/// <c>affine=False</c>); running statistics are always tracked with a fixed momentum (no cumulative average,
/// <c>momentum=None</c>). A batch of a parallel runner is one call: splitting <c>N</c> over threads and normalising each
/// part by its own statistics would change the result.
/// </para>
/// <para>
/// Tensors must have exactly <c>N * C * H * W</c> elements and per-channel vectors exactly <c>C</c>
/// (slice a larger workspace first); an output may be the very same span as the input (in place), never a partial overlap.
/// </para>
/// </remarks>
public static class BatchNormKernels
{
    /// <summary>libtorch's default momentum of the running statistics.</summary>
    public const float DefaultMomentum = 0.1f;

    /// <summary>libtorch's default epsilon added to the variance.</summary>
    public const float DefaultEpsilon = 1e-5f;

    /// <summary>
    /// Training forward: normalises <paramref name="input"/> by its own per-channel statistics into
    /// <paramref name="output"/>, saves them for <see cref="Backward"/>, and updates the running statistics.
    /// </summary>
    /// <param name="count">N, the leading dimension (time steps times batch samples), at least 1.</param>
    /// <param name="channels">C, at least 1.</param>
    /// <param name="height">H, at least 1.</param>
    /// <param name="width">W, at least 1 (a 1-D batch norm over features: H = W = 1).</param>
    /// <param name="input">x, <c>[N, C, H, W]</c>.</param>
    /// <param name="gamma">The scale, <c>[C]</c>.</param>
    /// <param name="beta">The shift, <c>[C]</c>.</param>
    /// <param name="output">y, <c>[N, C, H, W]</c>; may be <paramref name="input"/> itself.</param>
    /// <param name="savedMean">Receives the batch mean per channel, <c>[C]</c>.</param>
    /// <param name="savedInvStd">Receives <c>1 / sqrt(var + eps)</c> per channel (biased variance), <c>[C]</c>.</param>
    /// <param name="runningMean">The running mean, <c>[C]</c>, updated in place.</param>
    /// <param name="runningVariance">The running (unbiased) variance, <c>[C]</c>, updated in place.</param>
    /// <param name="momentum">The weight of the batch statistics in the running ones, in [0, 1]; libtorch's default 0.1.</param>
    /// <param name="epsilon">Added to the variance, finite and at least 0; libtorch's default 1e-5.</param>
    /// <exception cref="ArgumentException">A span's length is not its shape's element count, or <c>N * H * W</c> is 1
    /// (one value per channel has no variance; libtorch refuses it too).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1, or <paramref name="momentum"/> or <paramref name="epsilon"/> is out of range.</exception>
    public static void ForwardTraining(int count, int channels, int height, int width,
        ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> output,
        Span<float> savedMean, Span<float> savedInvStd, Span<float> runningMean, Span<float> runningVariance,
        float momentum = DefaultMomentum, float epsilon = DefaultEpsilon)
    {
        int plane = CheckDimensions(count, channels, height, width);
        CheckTensor(input, nameof(input), count, channels, height, width);
        CheckTensor(output, nameof(output), count, channels, height, width);
        CheckChannels(gamma, nameof(gamma), channels);
        CheckChannels(beta, nameof(beta), channels);
        CheckChannels(savedMean, nameof(savedMean), channels);
        CheckChannels(savedInvStd, nameof(savedInvStd), channels);
        CheckChannels(runningMean, nameof(runningMean), channels);
        CheckChannels(runningVariance, nameof(runningVariance), channels);
        CheckEpsilon(epsilon);
        if (!(momentum >= 0f && momentum <= 1f))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Expected momentum in [0, 1] (libtorch's default 0.1).");
        long values = (long)count * plane;
        if (values < 2)
            throw new ArgumentException(
                $"Expected more than one value per channel when training: input [N, C, H, W] = [{count}, {channels}, {height}, {width}] " +
                "has N * H * W = 1, which has no variance; normalise a larger batch or use inference statistics.", nameof(input));

        for (int c = 0; c < channels; c++)
        {
            double mean = Sum(count, channels, plane, c, input, 0.0, squared: false) / values;
            double squares = Sum(count, channels, plane, c, input, mean, squared: true);
            double variance = squares / values;
            double invStd = 1.0 / Math.Sqrt(variance + epsilon);

            savedMean[c] = (float)mean;
            savedInvStd[c] = (float)invStd;
            runningMean[c] = (float)((1.0 - momentum) * runningMean[c] + momentum * mean);
            runningVariance[c] = (float)((1.0 - momentum) * runningVariance[c] + momentum * (squares / (values - 1)));

            double scale = gamma[c] * invStd;
            Transform(count, channels, plane, c, input, output, (float)scale, (float)(beta[c] - mean * scale));
        }
    }

    /// <summary>
    /// Inference forward: <c>y = gamma * (x - runningMean) / sqrt(runningVariance + eps) + beta</c> per channel.
    /// </summary>
    /// <param name="count">N, at least 1.</param>
    /// <param name="channels">C, at least 1.</param>
    /// <param name="height">H, at least 1.</param>
    /// <param name="width">W, at least 1.</param>
    /// <param name="input">x, <c>[N, C, H, W]</c>.</param>
    /// <param name="gamma">The scale, <c>[C]</c>.</param>
    /// <param name="beta">The shift, <c>[C]</c>.</param>
    /// <param name="runningMean">The running mean, <c>[C]</c>.</param>
    /// <param name="runningVariance">The running variance, <c>[C]</c>.</param>
    /// <param name="output">y, <c>[N, C, H, W]</c>; may be <paramref name="input"/> itself.</param>
    /// <param name="epsilon">Added to the variance, finite and at least 0.</param>
    /// <exception cref="ArgumentException">A span's length is not its shape's element count.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1 or <paramref name="epsilon"/> is out of range.</exception>
    public static void ForwardInference(int count, int channels, int height, int width,
        ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVariance, Span<float> output,
        float epsilon = DefaultEpsilon)
    {
        int plane = CheckDimensions(count, channels, height, width);
        CheckTensor(input, nameof(input), count, channels, height, width);
        CheckTensor(output, nameof(output), count, channels, height, width);
        CheckChannels(gamma, nameof(gamma), channels);
        CheckChannels(beta, nameof(beta), channels);
        CheckChannels(runningMean, nameof(runningMean), channels);
        CheckChannels(runningVariance, nameof(runningVariance), channels);
        CheckEpsilon(epsilon);

        for (int c = 0; c < channels; c++)
        {
            double scale = gamma[c] / Math.Sqrt((double)runningVariance[c] + epsilon);
            Transform(count, channels, plane, c, input, output, (float)scale, (float)(beta[c] - runningMean[c] * scale));
        }
    }

    /// <summary>
    /// Training backward (the statistics depend on the input): given dL/dy, writes dL/dx and adds dL/dgamma and
    /// dL/dbeta. With <c>M = N * H * W</c>, <c>xhat = (x - mean) * invStd</c> and sums over a channel's M values:
    /// <c>dgamma += sum(dy * xhat)</c>, <c>dbeta += sum(dy)</c>,
    /// <c>dx = gamma * invStd * (dy - sum(dy) / M - xhat * sum(dy * xhat) / M)</c> (libtorch's
    /// <c>batch_norm_backward</c>, training branch). The sums accumulate in double in the forward pass's order.
    /// </summary>
    /// <param name="count">N, as in the forward pass.</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="input">x of the forward pass, <c>[N, C, H, W]</c>.</param>
    /// <param name="gradOutput">dL/dy, <c>[N, C, H, W]</c>.</param>
    /// <param name="gamma">The scale, <c>[C]</c>.</param>
    /// <param name="savedMean">The forward pass's <c>savedMean</c>, <c>[C]</c>.</param>
    /// <param name="savedInvStd">The forward pass's <c>savedInvStd</c>, <c>[C]</c>.</param>
    /// <param name="gradInput">Receives dL/dx, <c>[N, C, H, W]</c> (overwritten); may be <paramref name="gradOutput"/> itself.</param>
    /// <param name="gradGamma">dL/dgamma, <c>[C]</c>: added to (the caller zeroes it).</param>
    /// <param name="gradBeta">dL/dbeta, <c>[C]</c>: added to (the caller zeroes it).</param>
    /// <exception cref="ArgumentException">A span's length is not its shape's element count.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1.</exception>
    public static void Backward(int count, int channels, int height, int width,
        ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> savedMean, ReadOnlySpan<float> savedInvStd,
        Span<float> gradInput, Span<float> gradGamma, Span<float> gradBeta)
    {
        int plane = CheckDimensions(count, channels, height, width);
        CheckTensor(input, nameof(input), count, channels, height, width);
        CheckTensor(gradOutput, nameof(gradOutput), count, channels, height, width);
        CheckTensor(gradInput, nameof(gradInput), count, channels, height, width);
        CheckChannels(gamma, nameof(gamma), channels);
        CheckChannels(savedMean, nameof(savedMean), channels);
        CheckChannels(savedInvStd, nameof(savedInvStd), channels);
        CheckChannels(gradGamma, nameof(gradGamma), channels);
        CheckChannels(gradBeta, nameof(gradBeta), channels);
        long values = (long)count * plane;

        for (int c = 0; c < channels; c++)
        {
            double mean = savedMean[c];
            SumDyAndDot(count, channels, plane, c, input, gradOutput, mean, out double sumDy, out double dot);

            double invStd = savedInvStd[c];
            gradGamma[c] += (float)(dot * invStd);
            gradBeta[c] += (float)sumDy;

            // dx = (dy - meanDy - (x - mean) * k) * gain, with k = dot * invStd^2 / M (libtorch's form).
            float meanDy = (float)(sumDy / values);
            float k = (float)(dot * invStd * invStd / values);
            float gain = (float)(gamma[c] * invStd);
            float meanF = (float)mean;
            for (int n = 0; n < count; n++)
            {
                int offset = (n * channels + c) * plane;
                ReadOnlySpan<float> x = input.Slice(offset, plane);
                ReadOnlySpan<float> dy = gradOutput.Slice(offset, plane);
                Span<float> dx = gradInput.Slice(offset, plane);
                int s = 0;
                if (Vector.IsHardwareAccelerated && plane >= Vector<float>.Count)
                {
                    var vMeanDy = new Vector<float>(meanDy);
                    var vK = new Vector<float>(k);
                    var vGain = new Vector<float>(gain);
                    var vMean = new Vector<float>(meanF);
                    for (; s <= plane - Vector<float>.Count; s += Vector<float>.Count)
                    {
                        var vx = new Vector<float>(x.Slice(s));
                        var vdy = new Vector<float>(dy.Slice(s));
                        ((vdy - vMeanDy - (vx - vMean) * vK) * vGain).CopyTo(dx.Slice(s));
                    }
                }
                for (; s < plane; s++) dx[s] = (dy[s] - meanDy - (x[s] - meanF) * k) * gain;
            }
        }
    }

    /// <summary>
    /// Folds an inference batch norm into the convolution (or dense layer) before it, so that the folded layer
    /// alone computes BN(conv(x)): per output channel o, with <c>s = gamma[o] / sqrt(runningVariance[o] + eps)</c>,
    /// <c>w'[o, ...] = w[o, ...] * s</c> and <c>b'[o] = (b[o] - runningMean[o]) * s + beta[o]</c>. Computed in double, rounded once.
    /// </summary>
    /// <param name="outChannels">The convolution's output channels, the batch norm's C; at least 1.</param>
    /// <param name="inChannelsPerGroup">The convolution's input channels divided by its groups (a dense layer: its inputs); at least 1.</param>
    /// <param name="kernelHeight">kH, at least 1 (a dense layer: 1).</param>
    /// <param name="kernelWidth">kW, at least 1 (a dense layer: 1).</param>
    /// <param name="weight">The convolution weight, <c>[out, in/groups, kH, kW]</c> (output channel first).</param>
    /// <param name="bias">The convolution bias, <c>[out]</c>, or empty for a convolution without bias (taken as 0).</param>
    /// <param name="gamma">The batch norm's scale, <c>[out]</c>.</param>
    /// <param name="beta">The batch norm's shift, <c>[out]</c>.</param>
    /// <param name="runningMean">The batch norm's running mean, <c>[out]</c>.</param>
    /// <param name="runningVariance">The batch norm's running variance, <c>[out]</c>.</param>
    /// <param name="epsilon">The batch norm's epsilon, finite and at least 0.</param>
    /// <param name="foldedWeight">Receives w', <c>[out, in/groups, kH, kW]</c>; may be <paramref name="weight"/> itself.</param>
    /// <param name="foldedBias">Receives b', <c>[out]</c>; may be <paramref name="bias"/> itself.</param>
    /// <exception cref="ArgumentException">A span's length is not its shape's element count.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1 or <paramref name="epsilon"/> is out of range.</exception>
    /// <remarks>A dense weight stored <c>[inputs, outputs]</c> (as <see cref="SnnDsl.Layers.DenseLayer"/>) is not output-first:
    /// transpose it, or fold column by column.</remarks>
    public static void FoldIntoConvolution(int outChannels, int inChannelsPerGroup, int kernelHeight, int kernelWidth,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVariance,
        float epsilon, Span<float> foldedWeight, Span<float> foldedBias)
    {
        // The weight is [out, in/groups, kH, kW]: the same check as a tensor [N = out, C = in/groups, H = kH, W = kW].
        int perOutput = CheckDimensions(outChannels, inChannelsPerGroup, kernelHeight, kernelWidth, "outChannels", "inChannelsPerGroup", "kernelHeight", "kernelWidth")
            * inChannelsPerGroup;
        CheckWeight(weight, nameof(weight), outChannels, inChannelsPerGroup, kernelHeight, kernelWidth);
        CheckWeight(foldedWeight, nameof(foldedWeight), outChannels, inChannelsPerGroup, kernelHeight, kernelWidth);
        if (!bias.IsEmpty) CheckChannels(bias, nameof(bias), outChannels, "[out] or empty (no bias)");
        CheckChannels(gamma, nameof(gamma), outChannels, "[out]");
        CheckChannels(beta, nameof(beta), outChannels, "[out]");
        CheckChannels(runningMean, nameof(runningMean), outChannels, "[out]");
        CheckChannels(runningVariance, nameof(runningVariance), outChannels, "[out]");
        CheckChannels(foldedBias, nameof(foldedBias), outChannels, "[out]");
        CheckEpsilon(epsilon);

        for (int o = 0; o < outChannels; o++)
        {
            double s = gamma[o] / Math.Sqrt((double)runningVariance[o] + epsilon);
            ReadOnlySpan<float> w = weight.Slice(o * perOutput, perOutput);
            Span<float> folded = foldedWeight.Slice(o * perOutput, perOutput);
            for (int i = 0; i < perOutput; i++) folded[i] = (float)(w[i] * s);
            double b = bias.IsEmpty ? 0.0 : bias[o];
            foldedBias[o] = (float)((b - runningMean[o]) * s + beta[o]);
        }
    }

    /// <summary>
    /// Sum over channel <paramref name="c"/> of x (or of (x - mean)^2 when <paramref name="squared"/>), in double, in the
    /// documented order: the element at plane position s of every sample goes to partial sum s mod 4 (samples ascending,
    /// positions ascending), and the result is (p0 + p1) + (p2 + p3). Four partials let the additions overlap; the order
    /// does not depend on the machine's vector width.
    /// </summary>
    private static double Sum(int count, int channels, int plane, int c, ReadOnlySpan<float> input, double mean, bool squared)
    {
        double p0 = 0, p1 = 0, p2 = 0, p3 = 0;
        for (int n = 0; n < count; n++)
        {
            ReadOnlySpan<float> x = input.Slice((n * channels + c) * plane, plane);
            int s = 0;
            if (squared)
            {
                for (; s <= x.Length - 4; s += 4)
                {
                    double d0 = x[s] - mean, d1 = x[s + 1] - mean, d2 = x[s + 2] - mean, d3 = x[s + 3] - mean;
                    p0 += d0 * d0; p1 += d1 * d1; p2 += d2 * d2; p3 += d3 * d3;
                }
                if (s < x.Length) { double d = x[s++] - mean; p0 += d * d; }
                if (s < x.Length) { double d = x[s++] - mean; p1 += d * d; }
                if (s < x.Length) { double d = x[s] - mean; p2 += d * d; }
            }
            else
            {
                for (; s <= x.Length - 4; s += 4)
                {
                    p0 += x[s]; p1 += x[s + 1]; p2 += x[s + 2]; p3 += x[s + 3];
                }
                if (s < x.Length) p0 += x[s++];
                if (s < x.Length) p1 += x[s++];
                if (s < x.Length) p2 += x[s];
            }
        }
        return (p0 + p1) + (p2 + p3);
    }

    /// <summary>sum(dy) and sum(dy * (x - mean)) over channel <paramref name="c"/>, in double, in the order of <see cref="Sum"/>.</summary>
    private static void SumDyAndDot(int count, int channels, int plane, int c, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput,
        double mean, out double sumDy, out double dot)
    {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, d0 = 0, d1 = 0, d2 = 0, d3 = 0;
        for (int n = 0; n < count; n++)
        {
            int offset = (n * channels + c) * plane;
            ReadOnlySpan<float> x = input.Slice(offset, plane);
            ReadOnlySpan<float> dy = gradOutput.Slice(offset, plane);
            int s = 0;
            for (; s <= x.Length - 4; s += 4)
            {
                s0 += dy[s]; d0 += dy[s] * (x[s] - mean);
                s1 += dy[s + 1]; d1 += dy[s + 1] * (x[s + 1] - mean);
                s2 += dy[s + 2]; d2 += dy[s + 2] * (x[s + 2] - mean);
                s3 += dy[s + 3]; d3 += dy[s + 3] * (x[s + 3] - mean);
            }
            if (s < x.Length) { s0 += dy[s]; d0 += dy[s] * (x[s] - mean); s++; }
            if (s < x.Length) { s1 += dy[s]; d1 += dy[s] * (x[s] - mean); s++; }
            if (s < x.Length) { s2 += dy[s]; d2 += dy[s] * (x[s] - mean); }
        }
        sumDy = (s0 + s1) + (s2 + s3);
        dot = (d0 + d1) + (d2 + d3);
    }

    /// <summary>Channel <paramref name="c"/> of every sample: <c>y = x * scale + shift</c> in float.</summary>
    private static void Transform(int count, int channels, int plane, int c, ReadOnlySpan<float> input, Span<float> output, float scale, float shift)
    {
        for (int n = 0; n < count; n++)
        {
            int offset = (n * channels + c) * plane;
            ReadOnlySpan<float> x = input.Slice(offset, plane);
            Span<float> y = output.Slice(offset, plane);
            int s = 0;
            if (Vector.IsHardwareAccelerated && plane >= Vector<float>.Count)
            {
                var vScale = new Vector<float>(scale);
                var vShift = new Vector<float>(shift);
                ReadOnlySpan<Vector<float>> xv = MemoryMarshal.Cast<float, Vector<float>>(x);
                Span<Vector<float>> yv = MemoryMarshal.Cast<float, Vector<float>>(y);
                for (int v = 0; v < xv.Length; v++) yv[v] = xv[v] * vScale + vShift;
                s = xv.Length * Vector<float>.Count;
            }
            for (; s < plane; s++) y[s] = x[s] * scale + shift;
        }
    }

    /// <summary>Checks N, C, H, W are at least 1 and returns H * W (which then fits an int, or no span could match the shape).</summary>
    private static int CheckDimensions(int count, int channels, int height, int width,
        string countName = "count", string channelsName = "channels", string heightName = "height", string widthName = "width")
    {
        if (count < 1) throw new ArgumentOutOfRangeException(countName, count, $"Expected {countName} of at least 1.");
        if (channels < 1) throw new ArgumentOutOfRangeException(channelsName, channels, $"Expected {channelsName} of at least 1.");
        if (height < 1) throw new ArgumentOutOfRangeException(heightName, height, $"Expected {heightName} of at least 1.");
        if (width < 1) throw new ArgumentOutOfRangeException(widthName, width, $"Expected {widthName} of at least 1.");
        long elements = (long)count * channels * height * width;
        if (elements > Array.MaxLength)
            throw new ArgumentOutOfRangeException(countName, count,
                $"The tensor [{count}, {channels}, {height}, {width}] has {elements} elements, more than a span holds ({Array.MaxLength}).");
        return height * width;
    }

    private static void CheckTensor(ReadOnlySpan<float> span, string name, int n, int c, int h, int w)
    {
        long expected = (long)n * c * h * w;
        if (span.Length != expected)
            throw new ArgumentException(
                $"Expected {name} of shape [N, C, H, W] = [{n}, {c}, {h}, {w}] ({expected} elements), got {span.Length} elements.", name);
    }

    private static void CheckWeight(ReadOnlySpan<float> span, string name, int o, int i, int kh, int kw)
    {
        long expected = (long)o * i * kh * kw;
        if (span.Length != expected)
            throw new ArgumentException(
                $"Expected {name} of shape [out, in/groups, kH, kW] = [{o}, {i}, {kh}, {kw}] ({expected} elements), got {span.Length} elements.", name);
    }

    private static void CheckChannels(ReadOnlySpan<float> span, string name, int channels, string shape = "[C]")
    {
        if (span.Length != channels)
            throw new ArgumentException($"Expected {name} of shape {shape} = [{channels}], got {span.Length} elements.", name);
    }

    private static void CheckEpsilon(float epsilon)
    {
        if (!(epsilon >= 0f && float.IsFinite(epsilon)))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Expected a finite epsilon of at least 0 (libtorch's default 1e-5).");
    }
}
