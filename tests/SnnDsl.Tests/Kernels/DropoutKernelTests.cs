using System;
using SnnDsl.Kernels;
using SnnDsl.Testing;

namespace SnnDsl.Tests.Kernels;

/// <summary>
/// <see cref="DropoutKernels"/>: one mask per (sample, feature) for all time steps, reproducible from (seed, stream,
/// global sample index) whatever the batch split, the kept fraction, inverted scaling, backward, allocation and errors.
/// </summary>
public sealed class DropoutKernelTests
{
    [Fact]
    public void ScaleIsOneOverOneMinusP()
    {
        Assert.Equal(1f, DropoutKernels.Scale(0f));
        Assert.Equal(2f, DropoutKernels.Scale(0.5f));
        Assert.Equal(1.25f, DropoutKernels.Scale(0.2f));
        Assert.Equal(10f, DropoutKernels.Scale(0.9f), 1e-5f);
    }

    [Fact]
    public void TheSameUnitsAreDroppedAtEveryStep()
    {
        const int steps = 5, batch = 3, features = 37; // 37: vector body and scalar tail
        const float p = 0.4f;
        var rng = new Random(1);
        var x = new float[steps * batch * features];
        for (int i = 0; i < x.Length; i++) x[i] = 0.5f + (float)rng.NextDouble(); // never 0
        var mask = new float[batch * features];
        var y = new float[x.Length];

        DropoutKernels.DrawMask(42, 0, p, 0, batch, features, mask);
        DropoutKernels.Forward(steps, batch, features, x, mask, y);

        float scale = DropoutKernels.Scale(p);
        int dropped = 0;
        for (int u = 0; u < batch * features; u++)
        {
            Assert.True(mask[u] == 0f || mask[u] == scale, $"mask[{u}] = {mask[u]}");
            bool keep = y[u] != 0f;
            if (!keep) dropped++;
            for (int t = 0; t < steps; t++)
            {
                int i = t * batch * features + u;
                Assert.Equal(keep ? x[i] * scale : 0f, y[i]);
            }
        }
        Assert.InRange(dropped, 1, batch * features - 1); // both kinds occur, so the check above saw both
    }

    [Fact]
    public void MaskIsReproducibleAndIndependentOfTheBatchSplit()
    {
        const int features = 29;
        var whole = new float[6 * features];
        DropoutKernels.DrawMask(7, 3, 0.5f, 10, 6, features, whole);

        var again = new float[6 * features];
        DropoutKernels.DrawMask(7, 3, 0.5f, 10, 6, features, again);
        Assert.Equal(whole, again);

        // Samples 10, 11 and 12..15 drawn as two batches: the mask depends on the global sample index only.
        var first = new float[2 * features];
        var second = new float[4 * features];
        DropoutKernels.DrawMask(7, 3, 0.5f, 10, 2, features, first);
        DropoutKernels.DrawMask(7, 3, 0.5f, 12, 4, features, second);
        Assert.Equal(whole, (float[])[.. first, .. second]);

        // Another seed, stream or first sample draws another mask.
        var other = new float[6 * features];
        DropoutKernels.DrawMask(8, 3, 0.5f, 10, 6, features, other);
        Assert.NotEqual(whole, other);
        DropoutKernels.DrawMask(7, 4, 0.5f, 10, 6, features, other);
        Assert.NotEqual(whole, other);
        DropoutKernels.DrawMask(7, 3, 0.5f, 11, 6, features, other);
        Assert.NotEqual(whole, other);
    }

    [Fact]
    public void MaskKeysAreApartFromEncoderStreams()
    {
        // An encoder's [Uniform] stream k under the same seed is SnnRandom.StreamKey(seed, k).
        for (int stream = 0; stream < 4; stream++)
            Assert.NotEqual(SnnRandom.StreamKey(123, stream), DropoutKernels.MaskKey(123, stream));
        Assert.Equal(DropoutKernels.MaskKey(123, 2), DropoutKernels.MaskKey(123, 2));
    }

    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.3f)]
    [InlineData(0.5f)]
    [InlineData(0.9f)]
    public void KeptFractionIsOneMinusPWithinBinomialTolerance(float p)
    {
        const int batch = 100, features = 10_000; // 10^6 units
        var mask = new float[batch * features];
        DropoutKernels.DrawMask(2026, 1, p, 0, batch, features, mask);

        int kept = 0;
        foreach (float m in mask) if (m != 0f) kept++;
        double n = mask.Length, q = 1 - p;
        double sigma = Math.Sqrt(n * p * q);
        Assert.InRange(kept, n * q - 5 * sigma, n * q + 5 * sigma);
    }

    [Fact]
    public void ZeroProbabilityKeepsEverything()
    {
        var mask = new float[3 * 50];
        DropoutKernels.DrawMask(5, 0, 0f, 0, 3, 50, mask);
        Assert.All(mask, m => Assert.Equal(1f, m));
    }

    [Fact]
    public void BackwardIsGradientTimesMask()
    {
        const int steps = 4, batch = 2, features = 21;
        const float p = 0.2f; // scale 1.25, exact
        var rng = new Random(9);
        var dy = new float[steps * batch * features];
        for (int i = 0; i < dy.Length; i++) dy[i] = (float)(rng.NextDouble() * 2 - 1);
        var mask = new float[batch * features];
        DropoutKernels.DrawMask(99, 2, p, 5, batch, features, mask);
        var dx = new float[dy.Length];

        DropoutKernels.Backward(steps, batch, features, dy, mask, dx);

        for (int t = 0; t < steps; t++)
            for (int u = 0; u < batch * features; u++)
            {
                int i = t * batch * features + u;
                Assert.Equal(mask[u] == 0f ? 0f : dy[i] * 1.25f, dx[i]);
            }

        DropoutKernels.Backward(steps, batch, features, dy, mask, dy); // in place
        Assert.Equal(dx, dy);
    }

    [Fact]
    public void CallsDoNotAllocate()
    {
        const int steps = 6, batch = 4, features = 100;
        var x = new float[steps * batch * features];
        var y = new float[x.Length];
        var mask = new float[batch * features];
        long sample = 0;

        void Step()
        {
            DropoutKernels.DrawMask(1, 0, 0.25f, sample, batch, features, mask);
            DropoutKernels.Forward(steps, batch, features, x, mask, y);
            DropoutKernels.Backward(steps, batch, features, y, mask, x);
            sample += batch;
        }

        Step();
        Assert.Equal(0, Allocations.Minimum(Step));
    }

    [Fact]
    public void ErrorsNameTheArgumentAndTheRange()
    {
        var mask = new float[6];
        var r = Assert.Throws<ArgumentOutOfRangeException>(() => DropoutKernels.DrawMask(1, 0, 1f, 0, 2, 3, mask));
        Assert.Equal("p", r.ParamName);
        Assert.Contains("[0, 1)", r.Message);
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => DropoutKernels.DrawMask(1, 0, -0.1f, 0, 2, 3, mask)).ParamName);
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => DropoutKernels.DrawMask(1, 0, float.NaN, 0, 2, 3, mask)).ParamName);
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => DropoutKernels.Scale(1f)).ParamName);
        Assert.Equal("firstSample", Assert.Throws<ArgumentOutOfRangeException>(() => DropoutKernels.DrawMask(1, 0, 0.5f, -1, 2, 3, mask)).ParamName);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => DropoutKernels.DrawMask(1, 0, 0.5f, 0, 0, 3, mask)).ParamName);

        var e = Assert.Throws<ArgumentException>(() => DropoutKernels.DrawMask(1, 0, 0.5f, 0, 2, 4, mask));
        Assert.Equal("mask", e.ParamName);
        Assert.Contains("[batch, features] = [2, 4] (8 elements), got 6", e.Message);

        e = Assert.Throws<ArgumentException>(() => DropoutKernels.Forward(3, 2, 3, new float[17], mask, new float[18]));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("[T, batch, features] = [3, 2, 3] (18 elements), got 17", e.Message);
        e = Assert.Throws<ArgumentException>(() => DropoutKernels.Forward(3, 2, 3, new float[18], mask, new float[19]));
        Assert.Equal("output", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => DropoutKernels.Forward(3, 2, 3, new float[18], new float[5], new float[18]));
        Assert.Equal("mask", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => DropoutKernels.Backward(3, 2, 3, new float[18], mask, new float[17]));
        Assert.Equal("gradInput", e.ParamName);
        Assert.Equal("steps", Assert.Throws<ArgumentOutOfRangeException>(() => DropoutKernels.Backward(0, 2, 3, [], mask, [])).ParamName);
    }
}
