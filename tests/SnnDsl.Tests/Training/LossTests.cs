using System;
using SnnDsl.Training;

namespace SnnDsl.Tests.Training;

public class LossTests
{
    private const int T = 4, B = 3, C = 5;
    private static readonly int[] Labels = [2, 0, 4];

    public static TheoryData<string> SmoothLosses => new() { "count", "rate", "mse", "maxmem" };

    private static ILoss Make(string name) => name switch
    {
        "count" => new CrossEntropyCountLoss(),
        "rate" => new CrossEntropyRateLoss(),
        "mse" => new MseCountLoss(0.75f, 0.25f),
        "maxmem" => new CrossEntropyMaxMembraneLoss(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(SmoothLosses))]
    public void Gradient_matches_central_finite_differences(string name)
    {
        ILoss loss = Make(name);
        float[] x = GemmTests.Random(T * B * C, 21);
        for (int i = 0; i < x.Length; i++) x[i] *= 2f;
        var grad = new float[x.Length];
        var scratch = new float[x.Length];
        float scale = 1f / B;
        loss.Evaluate(x, T, B, C, Labels, grad, scale);
        const float h = 1e-2f;
        for (int i = 0; i < x.Length; i++)
        {
            float keep = x[i];
            x[i] = keep + h;
            double up = loss.Evaluate(x, T, B, C, Labels, scratch, scale);
            x[i] = keep - h;
            double down = loss.Evaluate(x, T, B, C, Labels, scratch, scale);
            x[i] = keep;
            double fd = (up - down) / (2 * h);
            Assert.True(Math.Abs(fd - grad[i]) <= 1e-3 * Math.Max(1, Math.Abs(fd)) + 2e-4, $"{name}: element {i}: fd {fd}, analytic {grad[i]}");
        }
    }

    [Fact]
    public void Count_loss_value_on_a_hand_example()
    {
        // One sample, 2 steps, 3 classes; counts (2, 1, 0); label 0.
        float[] s = [1, 1, 0, 1, 0, 0];
        var g = new float[6];
        double l = new CrossEntropyCountLoss().Evaluate(s, 2, 1, 3, [0], g, 1f);
        double z = Math.Exp(2) + Math.Exp(1) + 1;
        Assert.Equal(Math.Log(z) - 2, l, 1e-6);
        Assert.Equal(Math.Exp(2) / z - 1, g[0], 1e-6);
        Assert.Equal(g[0], g[3]);
        Assert.Equal(1 / z, g[2], 1e-6);
    }

    [Fact]
    public void Mse_count_loss_uses_truncated_targets_and_divides_by_steps()
    {
        // T = 5, correct 0.5 -> on = (int)2.5 = 2; incorrect 0.3 -> off = (int)1.5 = 1.
        var s = new float[5 * 1 * 2];
        s[0] = 1; s[2] = 1; s[4] = 1; // class 0 fires 3 times, class 1 never
        var g = new float[s.Length];
        double l = new MseCountLoss(0.5f, 0.3f).Evaluate(s, 5, 1, 2, [0], g, 1f);
        // ((3-2)^2 + (0-1)^2) / 2 classes / 5 steps
        Assert.Equal(0.2, l, 1e-7);
        Assert.Equal(2f * 1 / 10, g[0], 6);
        Assert.Equal(2f * -1 / 10, g[1], 6);
    }

    [Fact]
    public void Rate_loss_averages_per_step_cross_entropy_like_snntorch()
    {
        float[] s = [1, 0, 0, 1]; // T = 2, B = 1, C = 2
        var g = new float[4];
        double l = new CrossEntropyRateLoss().Evaluate(s, 2, 1, 2, [0], g, 1f);
        double a = Math.Log(1 + Math.Exp(-1)), b = Math.Log(1 + Math.Exp(1));
        Assert.Equal((a + b) / 2, l, 1e-6);
    }

    [Fact]
    public void Max_membrane_gradient_goes_to_the_first_maximum()
    {
        float[] v = [0.5f, 0.2f, 0.9f, 0.1f, 0.9f, 0.3f]; // T = 3, B = 1, C = 2
        var g = new float[6];
        new CrossEntropyMaxMembraneLoss().Evaluate(v, 3, 1, 2, [1], g, 1f);
        Assert.NotEqual(0f, g[2]);
        Assert.Equal(0f, g[4]); // tie at t = 2 gets nothing
        Assert.NotEqual(0f, g[5]);
        Assert.Equal(0f, g[0]);
        Assert.Equal(0f, g[1]);
    }

    [Fact]
    public void First_spike_loss_is_cross_entropy_on_negated_times_with_the_sign_estimator()
    {
        // T = 4, B = 1, C = 3: class 0 fires first at t = 1, class 1 at t = 3, class 2 never (shadow spike at t = 3).
        var s = new float[4 * 3];
        s[1 * 3 + 0] = 1; s[2 * 3 + 0] = 1; s[3 * 3 + 1] = 1;
        var g = new float[s.Length];
        double l = new FirstSpikeTimeLoss().Evaluate(s, 4, 1, 3, [1], g, 1f);
        double z = Math.Exp(-1) + 2 * Math.Exp(-3);
        Assert.Equal(Math.Log(z) + 3, l, 1e-6);
        Assert.Equal(Math.Exp(-1) / z, g[1 * 3 + 0], 6);
        Assert.Equal(Math.Exp(-3) / z - 1, g[3 * 3 + 1], 6);
        Assert.Equal(Math.Exp(-3) / z, g[3 * 3 + 2], 6);
        Assert.Equal(0f, g[2 * 3 + 0]);

        // The cross-entropy part against central differences in the times.
        float[] times = [1, 3, 3];
        var dz = new float[3];
        var logits = new float[3];
        for (int k = 0; k < 3; k++) logits[k] = -times[k];
        LossMath.CrossEntropy(logits, 1, dz);
        for (int k = 0; k < 3; k++)
        {
            var up = (float[])logits.Clone(); up[k] += 1e-2f;
            var down = (float[])logits.Clone(); down[k] -= 1e-2f;
            double fd = (LossMath.CrossEntropy(up, 1, new float[3]) - LossMath.CrossEntropy(down, 1, new float[3])) / 2e-2;
            Assert.Equal(fd, dz[k], 1e-4);
        }
    }

    [Fact]
    public void Unlabelled_rows_get_no_loss_and_no_gradient()
    {
        float[] x = GemmTests.Random(T * B * C, 5);
        var g = new float[x.Length];
        var g2 = new float[x.Length];
        ILoss loss = new CrossEntropyCountLoss();
        double two = loss.Evaluate(x, T, B, C, Labels.AsSpan(0, 2), g, 1f);
        double all = loss.Evaluate(x, T, B, C, Labels, g2, 1f);
        Assert.True(two < all);
        for (int t = 0; t < T; t++)
            for (int k = 0; k < C; k++) Assert.Equal(0f, g[t * B * C + 2 * C + k]);
    }
}

public class OptimizerTests
{
    [Fact]
    public void Adam_first_steps_match_hand_computed_values()
    {
        var p = new Parameter("p", 2);
        p.Value[0] = 1f; p.Value[1] = -2f;
        var adam = new Adam([p], learningRate: 0.1f);
        double[] m = new double[2], v = new double[2], x = [1, -2];
        float[][] grads = [[0.5f, -0.1f], [0.25f, 0.3f], [-1f, 0.2f]];
        for (int step = 1; step <= 3; step++)
        {
            grads[step - 1].CopyTo(p.Grad, 0);
            adam.Step();
            for (int j = 0; j < 2; j++)
            {
                double g = grads[step - 1][j];
                m[j] = 0.9 * m[j] + 0.1 * g;
                v[j] = 0.999 * v[j] + 0.001 * g * g;
                double mh = m[j] / (1 - Math.Pow(0.9, step)), vh = v[j] / (1 - Math.Pow(0.999, step));
                x[j] -= 0.1 * mh / (Math.Sqrt(vh) + 1e-8);
                Assert.Equal(x[j], p.Value[j], 1e-6);
            }
        }

        // Step 1 moves each weight by lr against the sign of its gradient.
        Assert.Equal(3, adam.StepCount);
    }

    [Fact]
    public void Adam_vector_body_and_scalar_tail_give_every_element_the_same_bits()
    {
        // Two elements with the same value and gradient history, one in the SIMD body and one in the scalar tail.
        int n = 2 * System.Numerics.Vector<float>.Count + 3;
        var p = new Parameter("p", n);
        var adam = new Adam([p], learningRate: 0.05f, weightDecay: 0.01f);
        for (int j = 0; j < n; j++) p.Value[j] = (j % 5) * 0.3f - 0.6f;
        p.Value[n - 1] = p.Value[0];
        float[] m = new float[n], v = new float[n], x = (float[])p.Value.Clone();
        for (int step = 1; step <= 4; step++)
        {
            for (int j = 0; j < n; j++) p.Grad[j] = MathF.Sin(j + step) * 0.7f;
            p.Grad[n - 1] = p.Grad[0];
            float[] g = (float[])p.Grad.Clone();
            adam.Step();
            // The scalar reference, with PyTorch's formula in float.
            double bc1 = 1 - Math.Pow(0.9f, step), bc2 = 1 - Math.Pow(0.999f, step);
            float stepSize = (float)(0.05f / bc1), bc2Sqrt = (float)Math.Sqrt(bc2);
            for (int j = 0; j < n; j++)
            {
                float grad = g[j] + 0.01f * x[j];
                m[j] += (1f - 0.9f) * (grad - m[j]);
                v[j] = 0.999f * v[j] + (1f - 0.999f) * grad * grad;
                x[j] -= stepSize * (m[j] / (MathF.Sqrt(v[j]) / bc2Sqrt + 1e-8f));
                Assert.Equal(BitConverter.SingleToInt32Bits(x[j]), BitConverter.SingleToInt32Bits(p.Value[j]));
            }
        }

        Assert.Equal(BitConverter.SingleToInt32Bits(p.Value[0]), BitConverter.SingleToInt32Bits(p.Value[n - 1]));
    }

    [Fact]
    public void Adam_step_one_by_hand()
    {
        var p = new Parameter("p", 1);
        p.Value[0] = 1f;
        p.Grad[0] = 0.5f;
        new Adam([p], learningRate: 0.1f).Step();
        // m = 0.05, v = 0.00025; m^ = 0.5, v^ = 0.25; 1 - 0.1 * 0.5 / (0.5 + 1e-8)
        Assert.Equal(0.9f, p.Value[0], 6);
    }

    [Fact]
    public void Sgd_with_momentum_and_weight_decay_matches_hand_computed_steps()
    {
        var p = new Parameter("p", 1);
        p.Value[0] = 1f;
        var sgd = new Sgd([p], learningRate: 0.1f, momentum: 0.9f, weightDecay: 0.01f);
        p.Grad[0] = 0.5f;
        sgd.Step();
        Assert.Equal(0.949f, p.Value[0], 6);      // g' = 0.51, buf = 0.51
        sgd.Step();
        Assert.Equal(0.852151f, p.Value[0], 5);   // g' = 0.50949, buf = 0.96849
    }

    [Fact]
    public void Global_norm_clipping_scales_all_gradients_like_pytorch()
    {
        var a = new Parameter("a", 2); var b = new Parameter("b", 1);
        a.Grad[0] = 3; a.Grad[1] = 0; b.Grad[0] = 4;
        double norm = GradientClipping.ClipGlobalNorm([a, b], 1f);
        Assert.Equal(5, norm, 1e-9);
        Assert.Equal(3f / (5f + 1e-6f), a.Grad[0], 6);
        Assert.Equal(4f / (5f + 1e-6f), b.Grad[0], 6);
        Assert.Equal(1.0, GradientClipping.ClipGlobalNorm([a, b], 10f), 1e-5);
        Assert.Equal(3f / (5f + 1e-6f), a.Grad[0], 6); // below the limit: unchanged
    }
}
