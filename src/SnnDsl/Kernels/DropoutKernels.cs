using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace SnnDsl.Kernels;

/// <summary>
/// The numerical core of dropout for spiking networks (SpikingJelly's multi-step <c>Dropout</c>): one mask per
/// (sample, feature) is drawn once and shared by every time step of the sequence, so a dropped unit stays dropped for
/// the whole sequence; kept values are scaled by <c>1 / (1 - p)</c> (inverted dropout), so inference is the identity.
/// Allocation-free; every buffer is the caller's.
/// </summary>
/// <remarks>
/// <para>
/// The mask comes from the counter-based <see cref="SnnRandom"/>: unit f of the sample with global index s is kept
/// when <c>SnnRandom.Uniform(key, s * features + f, 0) &gt;= p</c>, with <c>key</c> derived from (seed, stream) in a
/// domain of its own (an encoder under the same seed draws other numbers). It depends on the sample's global index
/// (<c>firstSample + b</c>), never on its position in a batch, so the mask is the same whatever the thread count or
/// batch split. A uniform on the grid k / 2^24 makes the keep probability <c>1 - ceil(p * 2^24) / 2^24</c>, within
/// 6e-8 of <c>1 - p</c>; <c>p = 0</c> keeps everything.
/// </para>
/// <para>
/// The caller chooses the randomness: one <c>stream</c> per dropout layer (layers with the same seed and stream drop
/// the same units), and a seed that changes per epoch (e.g. <see cref="SnnRandom.SeedForEpoch"/>), since a sample keeps
/// its mask for as long as seed and stream are the same. Inference skips dropout altogether.
/// </para>
/// </remarks>
public static class DropoutKernels
{
    private const ulong Domain = 0x6A09E667F3BCC909UL; // sqrt(2) fraction: separates dropout keys from encoder stream keys

    /// <summary>The key of the dropout stream <paramref name="stream"/> under <paramref name="seed"/> (see <see cref="DrawMask"/>).</summary>
    public static ulong MaskKey(ulong seed, int stream) => SnnRandom.StreamKey(SnnRandom.Mix(seed ^ Domain), stream);

    /// <summary>The factor a kept unit is multiplied by, <c>1 / (1 - p)</c> computed in double and rounded to float.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is not in [0, 1).</exception>
    public static float Scale(float p)
    {
        CheckP(p);
        return (float)(1.0 / (1.0 - p));
    }

    /// <summary>
    /// Draws the mask of samples <paramref name="firstSample"/> .. <paramref name="firstSample"/> + <paramref name="batch"/> - 1:
    /// <c>mask[b, f]</c> is <see cref="Scale"/>(p) when the unit is kept and 0 when dropped.
    /// </summary>
    /// <param name="seed">The seed (vary it per epoch).</param>
    /// <param name="stream">Which dropout layer (one stream per layer).</param>
    /// <param name="p">The probability of dropping a unit, in [0, 1).</param>
    /// <param name="firstSample">The global index of the batch's first sample (its position in the epoch), at least 0.</param>
    /// <param name="batch">Samples, at least 1.</param>
    /// <param name="features">Units per sample and time step (C * H * W for a feature map), at least 1.</param>
    /// <param name="mask">Receives the mask, <c>[batch, features]</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/>, <paramref name="firstSample"/>, <paramref name="batch"/> or <paramref name="features"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="mask"/> is not <c>[batch, features]</c>.</exception>
    public static void DrawMask(ulong seed, int stream, float p, long firstSample, int batch, int features, Span<float> mask)
    {
        float scale = Scale(p);
        ArgumentOutOfRangeException.ThrowIfNegative(firstSample);
        CheckSizes(1, batch, features, checkSteps: false);
        long expected = (long)batch * features;
        if (mask.Length != expected)
            throw new ArgumentException($"Expected mask of shape [batch, features] = [{batch}, {features}] ({expected} elements), got {mask.Length} elements.", nameof(mask));

        ulong key = MaskKey(seed, stream);
        ulong element = (ulong)firstSample * (ulong)features;
        for (int i = 0; i < mask.Length; i++, element++)
            mask[i] = SnnRandom.Uniform(key, element, 0) >= p ? scale : 0f;
    }

    /// <summary>
    /// Training forward over a time-major chunk: <c>output[t, b, f] = input[t, b, f] * mask[b, f]</c> for every step t.
    /// </summary>
    /// <param name="steps">T, at least 1.</param>
    /// <param name="batch">Samples, at least 1.</param>
    /// <param name="features">Units per sample and step, at least 1.</param>
    /// <param name="input">x, <c>[T, batch, features]</c>.</param>
    /// <param name="mask">The mask from <see cref="DrawMask"/>, <c>[batch, features]</c>.</param>
    /// <param name="output">y, <c>[T, batch, features]</c>; may be <paramref name="input"/> itself.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1.</exception>
    /// <exception cref="ArgumentException">A span is not of its shape.</exception>
    public static void Forward(int steps, int batch, int features, ReadOnlySpan<float> input, ReadOnlySpan<float> mask, Span<float> output)
    {
        Check(steps, batch, features, input, nameof(input), mask, output, nameof(output));
        Multiply(steps, input, mask, output);
    }

    /// <summary>
    /// Backward: <c>gradInput[t, b, f] = gradOutput[t, b, f] * mask[b, f]</c>, with the mask of the forward pass (the same
    /// units are dropped, and kept ones scaled by <c>1 / (1 - p)</c>). Dropout has no parameters.
    /// </summary>
    /// <param name="steps">T, at least 1.</param>
    /// <param name="batch">Samples, at least 1.</param>
    /// <param name="features">Units per sample and step, at least 1.</param>
    /// <param name="gradOutput">dL/dy, <c>[T, batch, features]</c>.</param>
    /// <param name="mask">The forward pass's mask, <c>[batch, features]</c>.</param>
    /// <param name="gradInput">Receives dL/dx, <c>[T, batch, features]</c> (overwritten); may be <paramref name="gradOutput"/> itself.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1.</exception>
    /// <exception cref="ArgumentException">A span is not of its shape.</exception>
    public static void Backward(int steps, int batch, int features, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> mask, Span<float> gradInput)
    {
        Check(steps, batch, features, gradOutput, nameof(gradOutput), mask, gradInput, nameof(gradInput));
        Multiply(steps, gradOutput, mask, gradInput);
    }

    private static void Multiply(int steps, ReadOnlySpan<float> input, ReadOnlySpan<float> mask, Span<float> output)
    {
        int frame = mask.Length;
        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<float> x = input.Slice(t * frame, frame);
            Span<float> y = output.Slice(t * frame, frame);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                ReadOnlySpan<Vector<float>> xv = MemoryMarshal.Cast<float, Vector<float>>(x);
                ReadOnlySpan<Vector<float>> mv = MemoryMarshal.Cast<float, Vector<float>>(mask);
                Span<Vector<float>> yv = MemoryMarshal.Cast<float, Vector<float>>(y);
                for (int v = 0; v < xv.Length; v++) yv[v] = xv[v] * mv[v];
                i = xv.Length * Vector<float>.Count;
            }
            for (; i < frame; i++) y[i] = x[i] * mask[i];
        }
    }

    private static void Check(int steps, int batch, int features, ReadOnlySpan<float> input, string inputName,
        ReadOnlySpan<float> mask, ReadOnlySpan<float> output, string outputName)
    {
        CheckSizes(steps, batch, features, checkSteps: true);
        long frame = (long)batch * features;
        long expected = steps * frame;
        if (input.Length != expected)
            throw new ArgumentException($"Expected {inputName} of shape [T, batch, features] = [{steps}, {batch}, {features}] ({expected} elements), got {input.Length} elements.", inputName);
        if (output.Length != expected)
            throw new ArgumentException($"Expected {outputName} of shape [T, batch, features] = [{steps}, {batch}, {features}] ({expected} elements), got {output.Length} elements.", outputName);
        if (mask.Length != frame)
            throw new ArgumentException($"Expected mask of shape [batch, features] = [{batch}, {features}] ({frame} elements), got {mask.Length} elements.", nameof(mask));
    }

    private static void CheckSizes(int steps, int batch, int features, bool checkSteps)
    {
        if (checkSteps && steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "Expected steps of at least 1.");
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Expected batch of at least 1.");
        if (features < 1) throw new ArgumentOutOfRangeException(nameof(features), features, "Expected features of at least 1.");
        if ((long)steps * batch * features > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(batch), batch,
                $"[T, batch, features] = [{steps}, {batch}, {features}] has more elements than a span holds ({Array.MaxLength}).");
    }

    private static void CheckP(float p)
    {
        if (!(p >= 0f && p < 1f))
            throw new ArgumentOutOfRangeException(nameof(p), p, "Expected the drop probability p in [0, 1).");
    }
}
