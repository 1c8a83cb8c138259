using System;
using SnnDsl.Kernels;

namespace SnnDsl.Tests.Kernels;

/// <summary>
/// Naive convolution and pooling written straight from libtorch's definitions, in double, one loop per index and an
/// explicit bounds test per tap: the independent reference the kernels are compared against.
/// </summary>
internal static class ConvReference
{
    public static float[] Random(int length, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var a = new float[length];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    public static float[] Spikes(int length, int seed, double density)
    {
        var rng = new Random(seed);
        var a = new float[length];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextDouble() < density ? 1f : 0f;
        return a;
    }

    /// <summary>The input index read by output (oy, ox) at tap (ky, kx), or -1 when the tap falls in the padding.</summary>
    private static int Tap(Conv2dGeometry g, int ci, int oy, int ox, int ky, int kx)
    {
        int iy = oy * g.StrideHeight - g.PaddingHeight + ky * g.DilationHeight;
        int ix = ox * g.StrideWidth - g.PaddingWidth + kx * g.DilationWidth;
        if (iy < 0 || iy >= g.InputHeight || ix < 0 || ix >= g.InputWidth) return -1;
        return (ci * g.InputHeight + iy) * g.InputWidth + ix;
    }

    public static double[] Forward(Conv2dGeometry g, int frames, float[] x, float[] w, float[]? b)
    {
        int cinG = g.InChannels / g.Groups, coutG = g.OutChannels / g.Groups;
        var y = new double[frames * g.OutputFrameLength];
        for (int n = 0; n < frames; n++)
        for (int o = 0; o < g.OutChannels; o++)
        for (int oy = 0; oy < g.OutputHeight; oy++)
        for (int ox = 0; ox < g.OutputWidth; ox++)
        {
            double s = b is null ? 0 : b[o];
            int grp = o / coutG;
            for (int c = 0; c < cinG; c++)
            for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int t = Tap(g, grp * cinG + c, oy, ox, ky, kx);
                if (t >= 0) s += (double)w[((o * cinG + c) * g.KernelHeight + ky) * g.KernelWidth + kx] * x[n * g.InputFrameLength + t];
            }

            y[((n * g.OutChannels + o) * g.OutputHeight + oy) * g.OutputWidth + ox] = s;
        }

        return y;
    }

    /// <summary>dL/dx, dL/dw, dL/db of L = sum dy * y, by the chain rule on each term of <see cref="Forward"/>.</summary>
    public static (double[] Dx, double[] Dw, double[] Db) Backward(Conv2dGeometry g, int frames, float[] x, float[] w, float[] dy)
    {
        int cinG = g.InChannels / g.Groups, coutG = g.OutChannels / g.Groups;
        var dx = new double[frames * g.InputFrameLength];
        var dw = new double[g.WeightLength];
        var db = new double[g.OutChannels];
        for (int n = 0; n < frames; n++)
        for (int o = 0; o < g.OutChannels; o++)
        for (int oy = 0; oy < g.OutputHeight; oy++)
        for (int ox = 0; ox < g.OutputWidth; ox++)
        {
            double d = dy[((n * g.OutChannels + o) * g.OutputHeight + oy) * g.OutputWidth + ox];
            db[o] += d;
            int grp = o / coutG;
            for (int c = 0; c < cinG; c++)
            for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int t = Tap(g, grp * cinG + c, oy, ox, ky, kx);
                if (t < 0) continue;
                int wi = ((o * cinG + c) * g.KernelHeight + ky) * g.KernelWidth + kx;
                dw[wi] += d * x[n * g.InputFrameLength + t];
                dx[n * g.InputFrameLength + t] += d * w[wi];
            }
        }

        return (dx, dw, db);
    }

    /// <summary>Max pooling from the definition: first maximum in scan order, padding excluded.</summary>
    public static (double[] Y, int[] Index) MaxPool(Pool2dGeometry g, int frames, float[] x)
    {
        var y = new double[frames * g.OutputFrameLength];
        var idx = new int[y.Length];
        int i = 0;
        for (int pl = 0; pl < frames * g.Channels; pl++)
        for (int oy = 0; oy < g.OutputHeight; oy++)
        for (int ox = 0; ox < g.OutputWidth; ox++, i++)
        {
            double best = double.NegativeInfinity;
            int at = -1;
            for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int iy = oy * g.StrideHeight - g.PaddingHeight + ky, ix = ox * g.StrideWidth - g.PaddingWidth + kx;
                if (iy < 0 || iy >= g.InputHeight || ix < 0 || ix >= g.InputWidth) continue;
                double v = x[(pl * g.InputHeight + iy) * g.InputWidth + ix];
                if (at < 0 || v > best)
                {
                    best = v;
                    at = iy * g.InputWidth + ix;
                }
            }

            y[i] = best;
            idx[i] = at;
        }

        return (y, idx);
    }

    /// <summary>Average pooling from the definition; the divisor is kH kW with count_include_pad, else the cells inside the input.</summary>
    public static double[] AvgPool(Pool2dGeometry g, int frames, float[] x, bool countIncludePad)
    {
        var y = new double[frames * g.OutputFrameLength];
        int i = 0;
        for (int pl = 0; pl < frames * g.Channels; pl++)
        for (int oy = 0; oy < g.OutputHeight; oy++)
        for (int ox = 0; ox < g.OutputWidth; ox++, i++)
        {
            double s = 0;
            int inside = 0;
            for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int iy = oy * g.StrideHeight - g.PaddingHeight + ky, ix = ox * g.StrideWidth - g.PaddingWidth + kx;
                if (iy < 0 || iy >= g.InputHeight || ix < 0 || ix >= g.InputWidth) continue;
                s += x[(pl * g.InputHeight + iy) * g.InputWidth + ix];
                inside++;
            }

            y[i] = s / (countIncludePad ? g.KernelHeight * g.KernelWidth : inside);
        }

        return y;
    }

    public static void AssertClose(double[] expected, float[] actual, double tolerance)
    {
        Assert.True(actual.Length >= expected.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(expected[i] - actual[i]);
            Assert.True(err <= tolerance * (1 + Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]} (|error| {err} > {tolerance} (1 + |expected|))");
        }
    }
}
