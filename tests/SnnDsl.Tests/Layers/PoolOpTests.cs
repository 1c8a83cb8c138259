using System;
using System.Linq;
using SnnDsl.Layers;
using SnnDsl.Tests.Kernels;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

namespace SnnDsl.Tests.Layers;

public class PoolOpTests
{
    [Fact]
    public void MaxPool2d_on_spikes_routes_the_gradient_to_the_first_maximum_in_scan_order()
    {
        var h = OpHarness.Build(MaxPool2d(2), new TensorShape(1, 4, 4), steps: 1, samples: 1, ValueKind.Spikes);
        Assert.Equal(new TensorShape(1, 2, 2), h.Op.OutputShape);
        float[] x =
        [
            1, 1, 0, 1,
            1, 0, 1, 0,
            0, 0, 0, 0,
            0, 0, 0, 1,
        ];
        Assert.Equal([1f, 1f, 0f, 1f], h.Forward(x));

        // Ties: the first 1 in scan order of each window (an all-zero window: its first cell), as libtorch.
        (float[] dx, float[][] dp) = h.Backward(x, [1, 2, 3, 4]);
        Assert.Empty(dp);
        Assert.Equal(
        [
            1, 0, 0, 2,
            0, 0, 0, 0,
            3, 0, 0, 0,
            0, 0, 0, 4,
        ], dx);
    }

    [Fact]
    public void MaxPool2d_with_padding_and_overlapping_windows_never_picks_the_padding_and_adds_shared_gradients()
    {
        var h = OpHarness.Build(new MaxPool2dSpec(3, 3, 2, 2, 1, 1), new TensorShape(1, 3, 3), steps: 1, samples: 1);
        Assert.Equal(new TensorShape(1, 2, 2), h.Op.OutputShape);
        float[] x = [-1, -5, -2, -7, -3, -9, -4, -8, -6];
        Assert.Equal([-1f, -2f, -3f, -3f], h.Forward(x)); // all negative: a padded zero would win if it counted
        (float[] dx, _) = h.Backward(x, [1, 1, 1, 1]);
        Assert.Equal([1f, 0f, 1f, 0f, 2f, 0f, 0f, 0f, 0f], dx); // -3 is the maximum of two windows
    }

    [Fact]
    public void MaxPool2d_matches_the_reference_and_finite_differences()
    {
        const int T = 2, S = 3;
        var h = OpHarness.Build(new MaxPool2dSpec(3, 2, 2, 1, 1, 0), new TensorShape(2, 5, 4), T, S);
        float[] x = OpHarness.Distinct(h.InputLength, 6);
        var g = ((MaxPool2dOp)h.Op).Geometry;
        (double[] y, _) = ConvReference.MaxPool(g, T * S, x);
        ConvReference.AssertClose(y, h.Forward(x), 0);
        int compared = h.CheckFiniteDifferences(x, OpHarness.Random(h.OutputLength, 7), h: 1e-2f, relative: 1e-3, absolute: 1e-4);
        Assert.Equal(x.Length, compared);
    }

    [Fact]
    public void AvgPool2d_matches_a_hand_computed_case_with_and_without_padding_in_the_divisor()
    {
        var h = OpHarness.Build(AvgPool2d(2), new TensorShape(1, 4, 4), steps: 1, samples: 1);
        float[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        Assert.Equal([3.5f, 5.5f, 11.5f, 13.5f], h.Forward(x));
        (float[] dx, _) = h.Backward(x, [4, 8, 0, -4]);
        Assert.Equal([1f, 1f, 2f, 2f, 1f, 1f, 2f, 2f, 0f, 0f, -1f, -1f, 0f, 0f, -1f, -1f], dx);

        // A 3x3 window with padding 1 on a 2x2 input: every window holds the 4 inputs (sum 10) and 5 padded cells.
        var include = OpHarness.Build(new AvgPool2dSpec(3, 3, 1, 1, 1, 1), new TensorShape(1, 2, 2), steps: 1, samples: 1);
        var exclude = OpHarness.Build(new AvgPool2dSpec(3, 3, 1, 1, 1, 1, CountIncludePad: false), new TensorShape(1, 2, 2), steps: 1, samples: 1);
        Assert.Equal([10f / 9, 10f / 9, 10f / 9, 10f / 9], include.Forward([1, 2, 3, 4]));
        Assert.Equal([2.5f, 2.5f, 2.5f, 2.5f], exclude.Forward([1, 2, 3, 4]));
        Assert.Equal([1f, 1f, 1f, 1f], exclude.Backward([1, 2, 3, 4], [1, 1, 1, 1]).Dx);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AvgPool2d_matches_the_reference_and_finite_differences(bool countIncludePad)
    {
        const int T = 2, S = 2;
        var h = OpHarness.Build(new AvgPool2dSpec(3, 3, 2, 2, 1, 1, countIncludePad), new TensorShape(3, 5, 6), T, S);
        float[] x = OpHarness.Random(h.InputLength, 8);
        var g = ((AvgPool2dOp)h.Op).Geometry;
        ConvReference.AssertClose(ConvReference.AvgPool(g, T * S, x, countIncludePad), h.Forward(x), 1e-6);
        h.CheckFiniteDifferences(x, OpHarness.Random(h.OutputLength, 9), h: 0.125f, relative: 1e-4, absolute: 1e-5);
    }

    [Fact]
    public void Pooling_and_flattening_keep_spikes_and_average_pooling_makes_them_analog()
    {
        Assert.Equal(ValueKind.Spikes, MaxPool2d(2).OutputKind(ValueKind.Spikes));
        Assert.Equal(ValueKind.Analog, MaxPool2d(2).OutputKind(ValueKind.Analog));
        Assert.Equal(ValueKind.Analog, AvgPool2d(2).OutputKind(ValueKind.Spikes));
        Assert.Equal(ValueKind.Spikes, Flatten().OutputKind(ValueKind.Spikes));
        Assert.Equal(ValueKind.Analog, Flatten().OutputKind(ValueKind.Analog));
        Assert.Equal(ValueKind.Analog, Conv2d(1, 1, 1).OutputKind(ValueKind.Spikes));

        Network net = Sequential(new TensorShape(2, 8, 8), ValueKind.Spikes, MaxPool2d(2), Flatten(), AvgPool2d(1), Conv2d(32, 4, 1));
        Assert.Equal([ValueKind.Spikes, ValueKind.Spikes, ValueKind.Spikes, ValueKind.Analog, ValueKind.Analog], new[] { 0, 1, 2, 3, 4 }.Select(net.Kind));
    }

    [Fact]
    public void Flatten_is_row_major_and_copies_the_gradient_back()
    {
        var h = OpHarness.Build(Flatten(), new TensorShape(2, 2, 3), steps: 2, samples: 2);
        Assert.Equal(TensorShape.Flat(12), h.Op.OutputShape);
        Assert.Equal("Flatten", h.Op.Description);
        float[] x = OpHarness.Random(h.InputLength, 1);
        Assert.Equal(x, h.Forward(x)); // element (c, y, x) of a frame is feature (c H + y) W + x: the same memory
        float[] gy = OpHarness.Random(h.OutputLength, 2);
        (float[] dx, float[][] dp) = h.Backward(x, gy);
        Assert.Equal(gy, dx);
        Assert.Empty(dp);
        Assert.Null(h.Gradients);
    }
}
