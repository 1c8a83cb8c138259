using System;
using System.Collections.Generic;
using System.Linq;
using SnnDsl.Kernels;
using static SnnDsl.Tests.Kernels.ConvReference;

namespace SnnDsl.Tests.Kernels;

/// <summary>
/// Conv2d kernels: hand-computed cases, agreement with the naive double reference over strides, padding, dilation and
/// groups, event-driven == analog bit for bit on spikes, backward against the reference and central finite differences,
/// argument checks and zero allocation.
/// </summary>
public class Conv2dKernelsTests
{
    // (inChannels, outChannels, H, W, kH, kW, sH, sW, pH, pW, dH, dW, groups, frames)
    public static IEnumerable<object[]> Geometries() =>
    [
        [1, 1, 5, 5, 3, 3, 1, 1, 0, 0, 1, 1, 1, 2],    // plain
        [2, 3, 7, 6, 3, 2, 2, 1, 1, 0, 1, 1, 1, 3],    // stride and padding, rectangular
        [3, 4, 9, 8, 3, 3, 1, 2, 2, 1, 2, 3, 1, 2],    // dilation
        [4, 6, 6, 7, 3, 3, 1, 1, 1, 1, 1, 1, 2, 2],    // two groups
        [3, 3, 5, 5, 3, 3, 2, 2, 1, 1, 1, 1, 3, 2],    // depthwise
        [5, 7, 4, 6, 1, 1, 1, 1, 0, 0, 1, 1, 1, 3],    // pointwise (no unfolding)
        [3, 4, 5, 5, 1, 1, 2, 2, 0, 0, 1, 1, 1, 2],    // 1 x 1 strided (unfolded)
        [32, 9, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 2],   // K = 288 > one GEMM k block; packed GEMM tiles
        [16, 16, 9, 9, 3, 3, 1, 1, 1, 1, 1, 1, 2, 1],  // packed tiles per group
        [2, 3, 1, 17, 1, 4, 1, 2, 0, 2, 1, 2, 1, 2],   // 1-D shaped
        [1, 2, 4, 4, 2, 2, 1, 1, 3, 3, 1, 1, 1, 1],    // padding wider than the kernel: border outputs see only padding
        [1, 2, 3, 2, 1, 3, 1, 1, 0, 3, 1, 3, 1, 1],    // a dilated tap entirely right of the input (offset 3 > W = 2) on every row
    ];

    private static Conv2dGeometry Make(object[] a) => new((int)a[0], (int)a[1], (int)a[2], (int)a[3], (int)a[4], (int)a[5],
        (int)a[6], (int)a[7], (int)a[8], (int)a[9], (int)a[10], (int)a[11], (int)a[12]);

    private static float[] Run(Conv2dGeometry g, int frames, float[] x, float[] w, float[]? b)
    {
        var y = new float[frames * g.OutputFrameLength];
        Conv2dKernels.Forward(g, frames, x, w, b, y, new float[Conv2dKernels.WorkspaceLength(g)]);
        return y;
    }

    [Fact]
    public void Hand_computed_valid_convolution()
    {
        // x = 1..9 in a 3 x 3 frame, a 2 x 2 kernel of ones: each output is the sum of a 2 x 2 block.
        var g = new Conv2dGeometry(1, 1, 3, 3, 2, 2);
        float[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        Assert.Equal((2, 2), (g.OutputHeight, g.OutputWidth));
        Assert.Equal([12f, 16f, 24f, 28f], Run(g, 1, x, [1, 1, 1, 1], null));
    }

    [Fact]
    public void Hand_computed_stride_and_padding()
    {
        // Padding 1, stride 2: windows start at row/column -1 and 1. (0,0) sees only x[0,0] = 1; (0,1) sees 2 + 3;
        // (1,0) sees 4 + 7; (1,1) sees 5 + 6 + 8 + 9. Output size floor((3 + 2 - 1 - 1) / 2) + 1 = 2.
        var g = new Conv2dGeometry(1, 1, 3, 3, 2, 2, strideHeight: 2, strideWidth: 2, paddingHeight: 1, paddingWidth: 1);
        Assert.Equal([1f, 5f, 11f, 28f], Run(g, 1, [1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 1, 1], null));
    }

    [Fact]
    public void Hand_computed_dilation_with_bias()
    {
        // Dilation 2: the 2 x 2 taps land on the corners of the 3 x 3 frame: 1*1 + 2*3 + 3*7 + 4*9 = 64, plus bias 0.5.
        var g = new Conv2dGeometry(1, 1, 3, 3, 2, 2, dilationHeight: 2, dilationWidth: 2);
        Assert.Equal((1, 1), (g.OutputHeight, g.OutputWidth));
        Assert.Equal([64.5f], Run(g, 1, [1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4], [0.5f]));
    }

    [Fact]
    public void Hand_computed_groups_keep_channels_apart()
    {
        // Two groups of one channel, 1 x 1 kernels [2] and [3]: channel 0 doubles x0 = [1, 2], channel 1 triples x1 = [3, 4].
        var grouped = new Conv2dGeometry(2, 2, 1, 2, 1, 1, groups: 2);
        Assert.Equal(2, grouped.WeightLength);
        Assert.Equal([2f, 4f, 9f, 12f], Run(grouped, 1, [1, 2, 3, 4], [2, 3], null));
        // Without groups, each output channel mixes both inputs: weight [[2, 0], [0, 3]] gives the same, [[1, 1], [1, 1]] the sums.
        var full = new Conv2dGeometry(2, 2, 1, 2, 1, 1);
        Assert.Equal([4f, 6f, 4f, 6f], Run(full, 1, [1, 2, 3, 4], [1, 1, 1, 1], null));
    }

    [Fact]
    public void Hand_computed_conv1d()
    {
        // y[i] = x[i - 1] - x[i + 1] with zero padding 1: [0 - 2, 1 - 3, 2 - 4, 3 - 5, 4 - 0].
        var g = Conv2dGeometry.For1d(1, 1, length: 5, kernel: 3, padding: 1);
        Assert.Equal((1, 5), (g.OutputHeight, g.OutputWidth));
        Assert.Equal([-2f, -2f, -2f, -2f, 4f], Run(g, 1, [1, 2, 3, 4, 5], [1, 0, -1], null));
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Forward_matches_the_reference(int cin, int cout, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int groups, int frames)
    {
        var g = new Conv2dGeometry(cin, cout, h, w, kh, kw, sh, sw, ph, pw, dh, dw, groups);
        float[] x = Random(frames * g.InputFrameLength, 1), wt = Random(g.WeightLength, 2), b = Random(cout, 3);
        // Float sums of up to 288 products of magnitude <= 1: |error| well under 1e-5 (1 + |y|).
        AssertClose(ConvReference.Forward(g, frames, x, wt, b), Run(g, frames, x, wt, b), 1e-5);
        AssertClose(ConvReference.Forward(g, frames, x, wt, null), Run(g, frames, x, wt, null), 1e-5);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Event_driven_equals_analog_bit_for_bit(int cin, int cout, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int groups, int frames)
    {
        var g = new Conv2dGeometry(cin, cout, h, w, kh, kw, sh, sw, ph, pw, dh, dw, groups);
        float[] wt = Random(g.WeightLength, 5), b = Random(cout, 6);
        foreach (double density in new[] { 0.0, 0.2, 0.7, 1.0 })
        {
            float[] x = Spikes(frames * g.InputFrameLength, 7, density);
            foreach (float[]? bias in new[] { null, b })
            {
                float[] analog = Run(g, frames, x, wt, bias);
                var events = Enumerable.Repeat(float.NaN, analog.Length + 3).ToArray(); // overwritten, stale values must not leak
                Conv2dKernels.ForwardSpikes(g, frames, x, wt, bias, events);
                for (int i = 0; i < analog.Length; i++)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(analog[i]) == BitConverter.SingleToInt32Bits(events[i]),
                        $"density {density}, bias {bias is not null}, element {i}: analog {analog[i]:R} vs events {events[i]:R}");
                }

                Assert.True(float.IsNaN(events[analog.Length]), "wrote past the output");
                var fromBytes = new float[analog.Length];
                Conv2dKernels.ForwardSpikes(g, frames, x.Select(v => (byte)v).ToArray(), wt, bias, fromBytes);
                Assert.True(analog.AsSpan().SequenceEqual(fromBytes), $"density {density}, bias {bias is not null}: byte spikes differ from the analog path");
                if (density > 0.5) Assert.Contains(analog, v => v != 0f);
            }
        }
    }

    [Fact]
    public void Event_driven_path_refuses_a_value_that_is_not_a_spike()
    {
        var g = new Conv2dGeometry(1, 1, 2, 2, 1, 1);
        var y = new float[4];
        var ex = Assert.Throws<ArgumentException>(() => Conv2dKernels.ForwardSpikes(g, 1, [0, 1, 0.5f, 0], [1], default, y));
        Assert.Equal("input", ex.ParamName);
        Assert.Contains("input[2] = 0.5", ex.Message);
        Assert.Contains("Forward", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Conv2dKernels.ForwardSpikes(g, 1, new byte[] { 1, 0, 0, 2 }, [1], default, y));
        Assert.Equal("input", ex.ParamName);
        Assert.Contains("input[3] = 2", ex.Message);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Backward_matches_the_reference_and_accumulates(int cin, int cout, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int groups, int frames)
    {
        var g = new Conv2dGeometry(cin, cout, h, w, kh, kw, sh, sw, ph, pw, dh, dw, groups);
        float[] x = Random(frames * g.InputFrameLength, 11), wt = Random(g.WeightLength, 12), dy = Random(frames * g.OutputFrameLength, 13);
        var (rdx, rdw, rdb) = ConvReference.Backward(g, frames, x, wt, dy);
        var ws = new float[g.WorkspaceLength];
        // The buffers start at 1: the kernels add to them.
        float[] dx = Enumerable.Repeat(1f, x.Length).ToArray(), dwt = Enumerable.Repeat(1f, wt.Length).ToArray(), db = Enumerable.Repeat(1f, cout).ToArray();
        Conv2dKernels.BackwardInput(g, frames, dy, wt, dx, ws);
        Conv2dKernels.BackwardWeight(g, frames, x, dy, dwt, ws);
        Conv2dKernels.BackwardBias(g, frames, dy, db);
        AssertClose(rdx.Select(v => v + 1).ToArray(), dx, 1e-5);
        AssertClose(rdw.Select(v => v + 1).ToArray(), dwt, 1e-5);
        AssertClose(rdb.Select(v => v + 1).ToArray(), db, 1e-5);
    }

    [Fact]
    public void Backward_matches_central_finite_differences()
    {
        // Stride, padding, dilation and groups together. L = sum r y with random r; the analytic gradients take gradOutput = r.
        // L is linear in each parameter, so the central difference (L(p + e) - L(p - e)) / 2e is exact up to float rounding of
        // y (|y| < 10, 1e-6 relative) summed over 60 outputs and divided by 2e = 0.5: an error below 1e-3.
        var g = new Conv2dGeometry(4, 6, 7, 6, 3, 2, strideHeight: 2, strideWidth: 1, paddingHeight: 1, paddingWidth: 2, dilationHeight: 2, dilationWidth: 1, groups: 2);
        const int frames = 2;
        const float eps = 0.25f;
        float[] x = Random(frames * g.InputFrameLength, 21), wt = Random(g.WeightLength, 22), b = Random(g.OutChannels, 23), r = Random(frames * g.OutputFrameLength, 24);
        var ws = new float[g.WorkspaceLength];
        var dx = new float[x.Length];
        var dw = new float[wt.Length];
        var db = new float[b.Length];
        Conv2dKernels.BackwardInput(g, frames, r, wt, dx, ws);
        Conv2dKernels.BackwardWeight(g, frames, x, r, dw, ws);
        Conv2dKernels.BackwardBias(g, frames, r, db);

        double Loss()
        {
            float[] y = Run(g, frames, x, wt, b);
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += (double)r[i] * y[i];
            return s;
        }

        void Check(float[] p, float[] grad, string name)
        {
            Assert.Contains(grad, v => v != 0f);
            for (int i = 0; i < p.Length; i++)
            {
                float saved = p[i];
                p[i] = saved + eps;
                double up = Loss();
                p[i] = saved - eps;
                double down = Loss();
                p[i] = saved;
                double fd = (up - down) / (2 * eps);
                Assert.True(Math.Abs(fd - grad[i]) <= 1e-3, $"{name}[{i}]: analytic {grad[i]}, central difference {fd}");
            }
        }

        Check(x, dx, "dx");
        Check(wt, dw, "dw");
        Check(b, db, "db");
    }

    [Fact]
    public void Kernels_do_not_allocate()
    {
        var g = new Conv2dGeometry(16, 9, 9, 9, 3, 3, paddingHeight: 1, paddingWidth: 1, groups: 1);
        const int frames = 3;
        float[] x = Spikes(frames * g.InputFrameLength, 31, 0.3), wt = Random(g.WeightLength, 32), b = Random(g.OutChannels, 33);
        byte[] bytes = x.Select(v => (byte)v).ToArray();
        var y = new float[frames * g.OutputFrameLength];
        var ws = new float[Conv2dKernels.WorkspaceLength(g)];
        var dx = new float[x.Length];
        var dw = new float[wt.Length];
        var db = new float[b.Length];
        void All()
        {
            Conv2dKernels.Forward(g, frames, x, wt, b, y, ws);
            Conv2dKernels.ForwardSpikes(g, frames, x, wt, b, y);
            Conv2dKernels.ForwardSpikes(g, frames, bytes, wt, b, y);
            Conv2dKernels.BackwardInput(g, frames, y, wt, dx, ws);
            Conv2dKernels.BackwardWeight(g, frames, x, y, dw, ws);
            Conv2dKernels.BackwardBias(g, frames, y, db);
        }

        All(); // warm up (the packed GEMM's per-thread panels are allocated once)
        Assert.Equal(0, SnnDsl.Testing.Allocations.Minimum(All));
    }

    [Fact]
    public void Short_spans_and_a_default_geometry_are_named()
    {
        var g = new Conv2dGeometry(2, 3, 5, 5, 3, 3);
        float[] x = new float[2 * g.InputFrameLength], wt = new float[g.WeightLength], y = new float[2 * g.OutputFrameLength], ws = new float[g.WorkspaceLength];

        var e = Assert.Throws<ArgumentException>(() => Conv2dKernels.Forward(g, 2, x, wt, default, y, ws.AsSpan(1)));
        Assert.Equal("workspace", e.ParamName);
        Assert.Contains($"needs 1 x {g.WorkspaceLength}", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2dKernels.Forward(g, 3, x, wt, default, y, ws));
        Assert.Equal("input", e.ParamName);
        Assert.Contains($"needs 3 x {g.InputFrameLength}", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2dKernels.Forward(g, 2, x, wt, new float[2], y, ws));
        Assert.Equal("bias", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv2dKernels.ForwardSpikes(g, 2, x, wt.AsSpan(1), default, y));
        Assert.Equal("weight", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv2dKernels.BackwardWeight(g, 2, x, y, new float[3], ws));
        Assert.Equal("gradWeight", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv2dKernels.BackwardInput(g, 2, y, wt, new float[3], ws));
        Assert.Equal("gradInput", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv2dKernels.BackwardBias(g, 2, y, new float[2]));
        Assert.Equal("gradBias", e.ParamName);
        Assert.Equal("frames", Assert.Throws<ArgumentOutOfRangeException>(() => Conv2dKernels.Forward(g, -1, x, wt, default, y, ws)).ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv2dKernels.Forward(default, 1, x, wt, default, y, ws));
        Assert.Equal("geometry", e.ParamName);
        Assert.Contains("default(Conv2dGeometry)", e.Message);
    }
}
