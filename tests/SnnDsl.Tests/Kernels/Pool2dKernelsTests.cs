using System;
using System.Linq;
using SnnDsl.Kernels;
using static SnnDsl.Tests.Kernels.ConvReference;

namespace SnnDsl.Tests.Kernels;

/// <summary>
/// Max and average pooling: hand-computed cases, ties routed to the first maximum in scan order (libtorch), padding never
/// the maximum, count_include_pad both ways, backward against finite differences, argument checks and zero allocation.
/// </summary>
public class Pool2dKernelsTests
{
    private static (float[] Y, int[] Index) Max(Pool2dGeometry g, int frames, float[] x)
    {
        var y = new float[frames * g.OutputFrameLength];
        var idx = new int[y.Length];
        Pool2dKernels.MaxForward(g, frames, x, y, idx);
        return (y, idx);
    }

    private static float[] Avg(Pool2dGeometry g, int frames, float[] x, bool countIncludePad)
    {
        var y = new float[frames * g.OutputFrameLength];
        Pool2dKernels.AvgForward(g, frames, x, y, countIncludePad);
        return y;
    }

    [Fact]
    public void Hand_computed_max_pool_with_indices()
    {
        // 4 x 4, 2 x 2 windows, stride 2 (the default).
        float[] x =
        [
            1, 5, 2, 0,
            3, 4, 8, 1,
            0, 2, 9, 6,
            7, 1, 6, 3,
        ];
        var (y, idx) = Max(new Pool2dGeometry(1, 4, 4, 2, 2), 1, x);
        Assert.Equal([5f, 8f, 7f, 9f], y);
        Assert.Equal([1, 6, 12, 10], idx);
    }

    [Fact]
    public void Ties_route_to_the_first_maximum_in_scan_order()
    {
        // Window 0 is all 7s: index 0. Window 1 has 7 at its cells 1 and 3 (plane indices 3 and 7): the first, 3.
        float[] x =
        [
            7, 7, 0, 7,
            7, 7, 3, 7,
        ];
        var g = new Pool2dGeometry(1, 2, 4, 2, 2);
        var (y, idx) = Max(g, 1, x);
        Assert.Equal([7f, 7f], y);
        Assert.Equal([0, 3], idx);
        var dx = new float[8];
        Pool2dKernels.MaxBackward(g, 1, [10f, 20f], idx, dx);
        Assert.Equal([10f, 0, 0, 20f, 0, 0, 0, 0], dx);
    }

    [Fact]
    public void Overlapping_windows_add_their_gradients_on_a_shared_maximum()
    {
        // 1 x 4 row, windows of 2 with stride 1: [1, 9] and the tie [9, 9] pick plane index 1 (the first 9), [9, 2] picks 2.
        var g = new Pool2dGeometry(1, 1, 4, 1, 2, strideHeight: 1, strideWidth: 1);
        var (y, idx) = Max(g, 1, [1, 9, 9, 2]);
        Assert.Equal([9f, 9f, 9f], y);
        Assert.Equal([1, 1, 2], idx);
        float[] dx = [100, 100, 100, 100];
        Pool2dKernels.MaxBackward(g, 1, [1f, 2f, 4f], idx, dx);
        Assert.Equal([100f, 103f, 104f, 100f], dx);
    }

    [Fact]
    public void Padding_is_never_the_maximum_and_nan_propagates()
    {
        // All inputs negative with padding 1: a zero pad would win if padding were zeros.
        var g = new Pool2dGeometry(1, 2, 2, 2, 2, strideHeight: 1, strideWidth: 1, paddingHeight: 1, paddingWidth: 1);
        var (y, idx) = Max(g, 1, [-4, -3, -2, -1]);
        Assert.Equal([-4f, -3f, -3f, -2f, -1f, -1f, -2f, -1f, -1f], y);
        Assert.Equal([0, 1, 1, 2, 3, 3, 2, 3, 3], idx);
        var (yn, idxn) = Max(new Pool2dGeometry(1, 2, 2, 2, 2), 1, [1, float.NaN, 5, 2]);
        Assert.True(float.IsNaN(yn[0]));
        Assert.Equal([1], idxn);
    }

    [Fact]
    public void Max_pool_matches_the_reference_and_finite_differences()
    {
        var g = new Pool2dGeometry(3, 7, 8, 3, 2, strideHeight: 2, strideWidth: 1, paddingHeight: 1, paddingWidth: 1);
        const int frames = 2;
        // Distinct values 0.01 apart in shuffled order: every window has one strict maximum, so the max is differentiable.
        var rng = new Random(41);
        float[] x = Enumerable.Range(0, frames * g.InputFrameLength).Select(i => (i - 150) * 0.01f).OrderBy(_ => rng.Next()).ToArray();
        var (y, idx) = Max(g, frames, x);
        var (ry, ridx) = MaxPool(g, frames, x);
        Assert.Equal(ry.Select(v => (float)v).ToArray(), y);
        Assert.Equal(ridx, idx);

        float[] r = Random(y.Length, 42);
        var dx = new float[x.Length];
        Pool2dKernels.MaxBackward(g, frames, r, idx, dx);
        const float eps = 1e-3f; // below half the smallest gap between two inputs, so no window changes its maximum
        var sorted = x.OrderBy(v => v).ToArray();
        Assert.True(Enumerable.Range(1, sorted.Length - 1).Min(i => sorted[i] - sorted[i - 1]) > 2 * eps);
        var yy = new float[y.Length];
        for (int i = 0; i < x.Length; i++)
        {
            float saved = x[i];
            x[i] = saved + eps;
            Pool2dKernels.MaxForward(g, frames, x, yy, default);
            double up = yy.Select((v, j) => (double)v * r[j]).Sum();
            x[i] = saved - eps;
            Pool2dKernels.MaxForward(g, frames, x, yy, default);
            double down = yy.Select((v, j) => (double)v * r[j]).Sum();
            x[i] = saved;
            // The maximum moves by exactly the float step taken, (x + eps) - (x - eps) rounded: relative error ~ 1e-7 / 1e-3.
            Assert.True(Math.Abs((up - down) / (2 * eps) - dx[i]) <= 1e-2 * (1 + Math.Abs(dx[i])), $"dx[{i}]: analytic {dx[i]}, central difference {(up - down) / (2 * eps)}");
        }

        Assert.Contains(dx, v => v != 0f);
    }

    [Fact]
    public void Hand_computed_average_pool_with_and_without_padding_in_the_count()
    {
        float[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        Assert.Equal([3f, 4f, 6f, 7f], Avg(new Pool2dGeometry(1, 3, 3, 2, 2, 1, 1), 1, x, countIncludePad: true));
        // Padding 1, stride 2: windows hold {1}, {2, 3}, {4, 7}, {5, 6, 8, 9}.
        var padded = new Pool2dGeometry(1, 3, 3, 2, 2, paddingHeight: 1, paddingWidth: 1);
        Assert.Equal([0.25f, 1.25f, 2.75f, 7f], Avg(padded, 1, x, countIncludePad: true));
        Assert.Equal([1f, 2.5f, 5.5f, 7f], Avg(padded, 1, x, countIncludePad: false));
        // The default is libtorch's count_include_pad = true.
        var y = new float[4];
        Pool2dKernels.AvgForward(padded, 1, x, y);
        Assert.Equal([0.25f, 1.25f, 2.75f, 7f], y);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Average_pool_matches_the_reference_and_finite_differences(bool countIncludePad)
    {
        var g = new Pool2dGeometry(2, 6, 7, 3, 3, strideHeight: 2, strideWidth: 1, paddingHeight: 1, paddingWidth: 1);
        const int frames = 3;
        float[] x = Random(frames * g.InputFrameLength, 51);
        AssertClose(AvgPool(g, frames, x, countIncludePad), Avg(g, frames, x, countIncludePad), 1e-6);

        float[] r = Random(frames * g.OutputFrameLength, 52);
        float[] dx = Enumerable.Repeat(0.5f, x.Length).ToArray(); // added to
        Pool2dKernels.AvgBackward(g, frames, r, dx, countIncludePad);
        const float eps = 0.25f; // linear: the central difference is exact up to rounding
        for (int i = 0; i < x.Length; i++)
        {
            float saved = x[i];
            x[i] = saved + eps;
            double up = Avg(g, frames, x, countIncludePad).Select((v, j) => (double)v * r[j]).Sum();
            x[i] = saved - eps;
            double down = Avg(g, frames, x, countIncludePad).Select((v, j) => (double)v * r[j]).Sum();
            x[i] = saved;
            Assert.True(Math.Abs((up - down) / (2 * eps) + 0.5 - dx[i]) <= 1e-4, $"dx[{i}]: analytic {dx[i] - 0.5}, central difference {(up - down) / (2 * eps)}");
        }
    }

    [Fact]
    public void Bad_indices_short_spans_and_default_geometry_are_named()
    {
        var g = new Pool2dGeometry(1, 2, 2, 2, 2);
        var e = Assert.Throws<ArgumentException>(() => Pool2dKernels.MaxBackward(g, 1, [1f], [4], new float[4]));
        Assert.Equal("indices", e.ParamName);
        Assert.Contains("indices[0] = 4 is outside its input plane", e.Message);
        e = Assert.Throws<ArgumentException>(() => Pool2dKernels.MaxForward(g, 2, new float[4], new float[2], default));
        Assert.Equal("input", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Pool2dKernels.AvgForward(g, 1, new float[3], new float[1]));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("needs 1 x 4", e.Message);
        e = Assert.Throws<ArgumentException>(() => Pool2dKernels.MaxForward(g, 2, new float[8], new float[2], new int[1]));
        Assert.Equal("indices", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Pool2dKernels.AvgBackward(g, 1, new float[1], new float[3]));
        Assert.Equal("gradInput", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Pool2dKernels.AvgForward(default, 1, new float[4], new float[1]));
        Assert.Equal("geometry", e.ParamName);
    }

    [Fact]
    public void Pool_kernels_do_not_allocate()
    {
        var g = new Pool2dGeometry(4, 8, 8, 3, 3, 2, 2, 1, 1);
        const int frames = 3;
        float[] x = Random(frames * g.InputFrameLength, 61), y = new float[frames * g.OutputFrameLength], dx = new float[x.Length];
        var idx = new int[y.Length];
        void All()
        {
            Pool2dKernels.MaxForward(g, frames, x, y, idx);
            Pool2dKernels.MaxBackward(g, frames, y, idx, dx);
            Pool2dKernels.AvgForward(g, frames, x, y);
            Pool2dKernels.AvgBackward(g, frames, y, dx);
        }

        All();
        Assert.Equal(0, SnnDsl.Testing.Allocations.Minimum(All));
    }
}
