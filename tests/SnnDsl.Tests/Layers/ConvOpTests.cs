using System;
using System.Linq;
using SnnDsl.Kernels;
using SnnDsl.Layers;
using SnnDsl.Tests.Kernels;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

namespace SnnDsl.Tests.Layers;

public class ConvOpTests
{
    [Fact]
    public void Conv2d_forward_and_backward_match_a_hand_computed_case()
    {
        // x = 1..9 as a 3x3 frame, w = [[1, 2], [3, 4]], b = 0.5: y[oy, ox] = sum w[ky, kx] x[oy + ky, ox + kx] + b.
        var h = OpHarness.Build(Conv2d(1, 1, 2), new TensorShape(1, 3, 3), steps: 1, samples: 1);
        var op = (Conv2dOp)h.Op;
        Assert.Equal(new TensorShape(1, 2, 2), op.OutputShape);
        Assert.False(op.EventDriven);
        new float[] { 1, 2, 3, 4 }.CopyTo(op.Weight.Value, 0);
        op.Bias!.Value[0] = 0.5f;
        float[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        Assert.Equal([37.5f, 47.5f, 67.5f, 77.5f], h.Forward(x));

        // dL/dy = [1, 0, 0, 2]: dW[ky, kx] = x[ky, kx] + 2 x[1 + ky, 1 + kx]; db = 3; dx = w placed at (0, 0) plus 2 w placed at (1, 1).
        (float[] dx, float[][] dp) = h.Backward(x, [1, 0, 0, 2]);
        Assert.Equal([11f, 14f, 20f, 23f], dp[0]);
        Assert.Equal([3f], dp[1]);
        Assert.Equal([1f, 2f, 0f, 3f, 6f, 4f, 0f, 6f, 8f], dx);
    }

    [Fact]
    public void Conv2d_with_stride_padding_dilation_and_groups_matches_the_reference_and_finite_differences()
    {
        const int T = 2, S = 3;
        var spec = new Conv2dSpec(4, 6, 3, 2, StrideHeight: 2, StrideWidth: 1, PaddingHeight: 1, PaddingWidth: 2, DilationHeight: 1, DilationWidth: 2, Groups: 2);
        var input = new TensorShape(4, 7, 6);
        var h = OpHarness.Build(spec, input, T, S, seed: 5);
        var op = (Conv2dOp)h.Op;
        Conv2dGeometry g = op.Geometry;
        Assert.Equal(new TensorShape(6, 4, 8), op.OutputShape); // (7 + 2 - 3) / 2 + 1 = 4 rows, 6 + 4 - 2 - 1 + 1 = 8 columns
        Assert.Equal([6, 2, 3, 2], op.Weight.Shape);

        float[] x = OpHarness.Random(h.InputLength, 1);
        double[] expected = ConvReference.Forward(g, T * S, x, op.Weight.Value, op.Bias!.Value);
        ConvReference.AssertClose(expected, h.Forward(x), 1e-5);

        float[] gradOutput = OpHarness.Random(h.OutputLength, 2);
        int compared = h.CheckFiniteDifferences(x, gradOutput, h: 0.125f, relative: 1e-4, absolute: 1e-4);
        Assert.Equal(x.Length + 6 * 2 * 3 * 2 + 6, compared);
    }

    [Fact]
    public void Conv2d_skips_the_padding_samples_of_a_partial_chunk()
    {
        // 2 steps x 3 samples of which 2 are real: the padding sample's output is zero and its (nonzero) output gradient is ignored.
        const int T = 2, S = 3;
        var spec = Conv2d(2, 3, 3, padding: 1);
        var input = new TensorShape(2, 4, 4);
        var full = OpHarness.Build(spec, input, T, S, seed: 3);
        var partial = OpHarness.Build(spec, input, T, S, seed: 3, valid: 2);
        float[] x = OpHarness.Random(full.InputLength, 4), gy = OpHarness.Random(full.OutputLength, 5);
        int inFrame = input.Size, outFrame = full.Op.OutputShape.Size;

        float[] yFull = full.Forward(x), yPartial = partial.Forward(x);
        var gyReal = (float[])gy.Clone();
        for (int t = 0; t < T; t++)
        {
            Assert.Equal(yFull.AsSpan((t * S) * outFrame, 2 * outFrame).ToArray(), yPartial.AsSpan((t * S) * outFrame, 2 * outFrame).ToArray());
            Assert.All(yPartial.AsSpan((t * S + 2) * outFrame, outFrame).ToArray(), v => Assert.Equal(0f, v));
            gyReal.AsSpan((t * S + 2) * outFrame, outFrame).Clear();
        }

        (float[] dxPartial, float[][] dpPartial) = partial.Backward(x, gy);
        (float[] dxFull, float[][] dpFull) = full.Backward(x, gyReal);
        for (int k = 0; k < dpFull.Length; k++)
        {
            for (int i = 0; i < dpFull[k].Length; i++) Assert.Equal(dpFull[k][i], dpPartial[k][i], 1e-5f);
        }

        for (int t = 0; t < T; t++)
        {
            Assert.Equal(dxFull.AsSpan((t * S) * inFrame, 2 * inFrame).ToArray(), dxPartial.AsSpan((t * S) * inFrame, 2 * inFrame).ToArray());
            Assert.All(dxPartial.AsSpan((t * S + 2) * inFrame, inFrame).ToArray(), v => Assert.Equal(0f, v));
        }
    }

    [Theory]
    [InlineData(1, 12, 5, 1, 0, 1, 1, 28)]  // snnTorch tutorial 6's first layer
    [InlineData(12, 16, 5, 1, 0, 1, 1, 12)] // its second layer (fewer channels)
    [InlineData(4, 6, 3, 2, 1, 2, 2, 9)]    // stride, padding, dilation and groups
    public void Conv2d_event_path_equals_the_analog_path_bit_for_bit_on_spikes(int cin, int cout, int k, int stride, int padding, int dilation, int groups, int size)
    {
        const int T = 3, S = 4;
        Conv2dSpec spec = Conv2d(cin, cout, k, stride, padding, dilation, groups);
        var input = new TensorShape(cin, size, size);
        var events = OpHarness.Build(spec, input, T, S, ValueKind.Spikes, seed: 9);
        var analog = OpHarness.Build(spec, input, T, S, ValueKind.Analog, seed: 9);
        Assert.True(((Conv2dOp)events.Op).EventDriven);
        Assert.False(((Conv2dOp)analog.Op).EventDriven);
        float[] x = OpHarness.Spikes(events.InputLength, 17, 0.2);
        float[] a = analog.Forward(x), e = events.Forward(x);
        Assert.Contains(a, v => v != a[0]);
        for (int i = 0; i < a.Length; i++) Assert.Equal(BitConverter.SingleToInt32Bits(a[i]), BitConverter.SingleToInt32Bits(e[i]));

        // And the gradients (the same kernels on the same values).
        float[] gy = OpHarness.Random(events.OutputLength, 18);
        (float[] dxa, float[][] dpa) = analog.Backward(x, gy);
        (float[] dxe, float[][] dpe) = events.Backward(x, gy);
        Assert.Equal(dxa, dxe);
        Assert.Equal(dpa[0], dpe[0]);
        Assert.Equal(dpa[1], dpe[1]);
    }

    [Fact]
    public void Conv2d_fed_spikes_refuses_a_value_other_than_0_or_1_naming_the_step_sample_and_unit()
    {
        var h = OpHarness.Build(Conv2d(2, 3, 3), new TensorShape(2, 5, 5), steps: 2, samples: 3, ValueKind.Spikes);
        float[] x = OpHarness.Spikes(h.InputLength, 1, 0.3);
        x[(1 * 3 + 2) * 50 + 27] = 0.5f; // step 1, sample 2, unit 27
        var e = Assert.Throws<ArgumentException>(() => h.Forward(x));
        Assert.Equal("input", e.ParamName);
        Assert.StartsWith("Layer 0 (Conv2d 2->3 3x3) reads spikes (its input is ValueKind.Spikes), but its input holds 0.5 at time step 1, sample 2, unit 27; " +
            "the layer before it must output exactly 0 or 1", e.Message);

        // The analog path takes any value.
        var analog = OpHarness.Build(Conv2d(2, 3, 3), new TensorShape(2, 5, 5), steps: 2, samples: 3, ValueKind.Analog);
        Assert.All(analog.Forward(x), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Conv1d_is_the_2d_convolution_of_height_1_and_matches_a_hand_computed_case()
    {
        // Signal 1..6 on one channel, kernel [1, -1, 2] with dilation 2 and padding 1: taps at i - 1, i + 1, i + 3.
        var h = OpHarness.Build(Conv1d(1, 1, 3, padding: 1, dilation: 2, bias: false), new TensorShape(1, 1, 6), steps: 1, samples: 1);
        var op = (Conv1dOp)h.Op;
        Assert.Equal(new TensorShape(1, 1, 4), op.OutputShape); // 6 + 2 - 4 - 1 + 1 = 4
        Assert.Equal([1, 1, 3], op.Weight.Shape);
        Assert.Null(op.Bias);
        Assert.Single(op.Parameters);
        new float[] { 1, -1, 2 }.CopyTo(op.Weight.Value, 0);
        // y[o] = x[o - 1] - x[o + 1] + 2 x[o + 3] with x[-1] = 0, x[k] = k + 1.
        Assert.Equal([0 - 2 + 8f, 1 - 3 + 10f, 2 - 4 + 12f, 3 - 5 + 0f], h.Forward([1, 2, 3, 4, 5, 6]));
        (float[] dx, float[][] dp) = h.Backward([1, 2, 3, 4, 5, 6], [1, 0, 0, 1]);
        Assert.Equal([0 + 3f, 2 + 5f, 4 + 0f], dp[0]); // dw[k] = x[o - 1 + 2k] at o = 0 plus at o = 3
        Assert.Equal([0f, -1f, 1f, 2f, -1f, 0f], dx);  // output 0 reaches x1 (w1 = -1) and x3 (w2 = 2); output 3 reaches x2 (w0 = 1) and x4 (w1 = -1)
    }

    [Fact]
    public void Conv1d_matches_the_reference_and_finite_differences_with_groups_and_stride()
    {
        const int T = 2, S = 2;
        var h = OpHarness.Build(Conv1d(4, 2, 3, stride: 2, padding: 1, groups: 2), new TensorShape(4, 1, 9), T, S, seed: 2);
        var op = (Conv1dOp)h.Op;
        Assert.Equal(new TensorShape(2, 1, 5), op.OutputShape);
        Assert.Equal([2, 2, 3], op.Weight.Shape);
        float[] x = OpHarness.Random(h.InputLength, 3);
        ConvReference.AssertClose(ConvReference.Forward(op.Geometry, T * S, x, op.Weight.Value, op.Bias!.Value), h.Forward(x), 1e-5);
        h.CheckFiniteDifferences(x, OpHarness.Random(h.OutputLength, 4), h: 0.125f, relative: 1e-4, absolute: 1e-4);
    }

    [Fact]
    public void Conv_parameters_are_the_named_weight_then_the_bias_initialised_as_pytorch()
    {
        // Uniform: PyTorch's default, weights and bias uniform in +-1/sqrt(fan_in), fan_in = (C_in / groups) kH kW = 2 x 3 x 3 = 18.
        var context = new LayerBuildContext("layer 4", new TensorShape(4, 10, 10), ValueKind.Analog, 7);
        var op = (Conv2dOp)Conv2d(4, 64, 3, groups: 2).Build(context);
        Assert.Equal(["layer 4 weight", "layer 4 bias"], op.Parameters.Select(p => p.Name));
        Assert.Same(op.Weight, op.Parameters[0]);
        Assert.Equal([64, 2, 3, 3], op.Weight.Shape);
        Assert.Equal([64], op.Bias!.Shape);
        double bound = 1 / Math.Sqrt(18);
        Assert.All(op.Weight.Value, v => Assert.InRange(v, -bound, bound));
        Assert.All(op.Bias.Value, v => Assert.InRange(v, -bound, bound));
        Assert.InRange(op.Weight.Value.Max(v => Math.Abs(v)), 0.98 * bound, bound);
        Assert.InRange(op.Bias.Value.Max(v => Math.Abs(v)), 0.8 * bound, bound);
        Assert.Equal(op.Weight.Value, ((Conv2dOp)Conv2d(4, 64, 3, groups: 2).Build(context)).Weight.Value); // the seed fixes it

        // Kaiming normal: std sqrt(2 / fan_in); Xavier normal: std sqrt(2 / (fan_in + fan_out)), fan_out = C_out kH kW = 4608; zero bias.
        var kaiming = (Conv2dOp)Conv2d(4, 512, 3, groups: 2, init: DenseInit.KaimingNormal).Build(context);
        var xavier = (Conv2dOp)Conv2d(4, 512, 3, groups: 2, init: DenseInit.XavierNormal).Build(context);
        Assert.InRange(Std(kaiming.Weight.Value), 0.97 * Math.Sqrt(2.0 / 18), 1.03 * Math.Sqrt(2.0 / 18)); // 9216 draws: a standard error of 0.7 %
        Assert.InRange(Std(xavier.Weight.Value), 0.97 * Math.Sqrt(2.0 / (18 + 4608)), 1.03 * Math.Sqrt(2.0 / (18 + 4608)));
        Assert.All(kaiming.Bias!.Value, v => Assert.Equal(0f, v));

        // Conv1d: fan_in = (C_in / groups) kernel = 1 x 5.
        var conv1 = (Conv1dOp)Conv1d(1, 200, 5).Build(context with { Input = new TensorShape(1, 1, 30) });
        Assert.All(conv1.Weight.Value, v => Assert.InRange(v, -1 / Math.Sqrt(5), 1 / Math.Sqrt(5)));
        Assert.InRange(conv1.Weight.Value.Max(v => Math.Abs(v)), 0.98 / Math.Sqrt(5), 1 / Math.Sqrt(5));
    }

    private static double Std(float[] v)
    {
        double mean = v.Average(x => (double)x);
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
    }
}
