using System;
using SnnDsl.Kernels;
using SnnDsl.Testing;

namespace SnnDsl.Tests.Kernels;

/// <summary>
/// <see cref="BatchNormKernels"/>: statistics, outputs and running statistics on hand-computed cases (libtorch's
/// definitions: biased variance to normalise, unbiased in the running variance), the backward pass against central
/// differences of a double-precision reference, folding into a convolution, allocation and shape errors.
/// </summary>
public sealed class BatchNormKernelTests
{
    // [N = 2, C = 2, H = 1, W = 2]: channel 0 holds 1, 2 | 3, 6 (mean 3, biased var 14/4 = 3.5, unbiased 14/3),
    // channel 1 holds 0, 0 | 4, 4 (mean 2, biased var 4, unbiased 16/3).
    private static readonly float[] Step1 = [1, 2, 0, 0, 3, 6, 4, 4];
    // Channel 0: 2, 2 | 2, 6 (mean 3, squared deviations 12, unbiased 4); channel 1: 1, 3 | 5, 7 (mean 4, 20, unbiased 20/3).
    private static readonly float[] Step2 = [2, 2, 1, 3, 2, 6, 5, 7];
    private static readonly float[] Gamma = [2f, 0.5f];
    private static readonly float[] Beta = [1f, -1f];

    [Fact]
    public void TrainingForwardNormalisesByBatchStatistics()
    {
        var y = new float[8];
        var mean = new float[2];
        var invStd = new float[2];
        float[] runningMean = [0, 0], runningVar = [1, 1];

        BatchNormKernels.ForwardTraining(2, 2, 1, 2, Step1, Gamma, Beta, y, mean, invStd, runningMean, runningVar);

        Assert.Equal([3f, 2f], mean);
        // 1 / sqrt(3.5 + 1e-5) and 1 / sqrt(4 + 1e-5): the biased variance plus eps.
        Assert.Equal(0.5345217202229368, invStd[0], 6e-8);
        Assert.Equal(0.49999937500117186, invStd[1], 6e-8);
        // y = gamma (x - mean) invStd + beta.
        double[] expected = [-1.138086880891747, -0.06904344044587352, -1.4999993750011718, -1.4999993750011718,
                             1.0, 4.207130321337621, -0.5000006249988281, -0.5000006249988281];
        for (int i = 0; i < 8; i++) Assert.Equal(expected[i], y[i], 1e-6);

        float[] inPlace = (float[])Step1.Clone();
        BatchNormKernels.ForwardTraining(2, 2, 1, 2, inPlace, Gamma, Beta, inPlace, mean, invStd, runningMean, runningVar);
        Assert.Equal(y, inPlace);
    }

    [Fact]
    public void RunningStatisticsAfterTwoStepsUseUnbiasedVariance()
    {
        var y = new float[8];
        var mean = new float[2];
        var invStd = new float[2];
        float[] runningMean = [0, 0], runningVar = [1, 1];

        BatchNormKernels.ForwardTraining(2, 2, 1, 2, Step1, Gamma, Beta, y, mean, invStd, runningMean, runningVar);
        // mean: 0.9 * 0 + 0.1 * [3, 2]; var: 0.9 * 1 + 0.1 * [14/3, 16/3].
        Assert.Equal(0.3, runningMean[0], 1e-7);
        Assert.Equal(0.2, runningMean[1], 1e-7);
        Assert.Equal(0.9 + 1.4 / 3, runningVar[0], 1e-6);
        Assert.Equal(0.9 + 1.6 / 3, runningVar[1], 1e-6);

        BatchNormKernels.ForwardTraining(2, 2, 1, 2, Step2, Gamma, Beta, y, mean, invStd, runningMean, runningVar);
        // mean: 0.9 * [0.3, 0.2] + 0.1 * [3, 4]; var: 0.9 * [1.36667, 1.43333] + 0.1 * [4, 20/3].
        Assert.Equal(0.57, runningMean[0], 1e-6);
        Assert.Equal(0.58, runningMean[1], 1e-6);
        Assert.Equal(1.63, runningVar[0], 1e-6);
        Assert.Equal(1.29 + 2.0 / 3, runningVar[1], 1e-6);
    }

    [Fact]
    public void MomentumWeighsTheBatchStatistics()
    {
        var y = new float[8];
        var mean = new float[2];
        var invStd = new float[2];
        float[] runningMean = [10, 10], runningVar = [1, 1];

        BatchNormKernels.ForwardTraining(2, 2, 1, 2, Step1, Gamma, Beta, y, mean, invStd, runningMean, runningVar, momentum: 0.5f);

        Assert.Equal([6.5f, 6f], runningMean); // 0.5 * 10 + 0.5 * [3, 2]
        Assert.Equal(0.5 + 7.0 / 3, runningVar[0], 1e-6);
        Assert.Equal(0.5 + 8.0 / 3, runningVar[1], 1e-6);
    }

    [Fact]
    public void InferenceForwardUsesRunningStatistics()
    {
        // eps = 0: y = gamma (x - runningMean) / sqrt(runningVar) + beta, exact in float.
        float[] x = [1, 3, 0, 4];                 // [N = 1, C = 2, H = 1, W = 2]
        float[] runningMean = [1, -1], runningVar = [4, 0.25f];
        var y = new float[4];

        BatchNormKernels.ForwardInference(1, 2, 1, 2, x, Gamma, Beta, runningMean, runningVar, y, epsilon: 0f);

        Assert.Equal([1f, 3f, 0f, 4f], y);        // 2 * 0 / 2 + 1, 2 * 2 / 2 + 1, 0.5 * 1 / 0.5 - 1, 0.5 * 5 / 0.5 - 1

        BatchNormKernels.ForwardInference(1, 2, 1, 2, x, Gamma, Beta, runningMean, runningVar, x, epsilon: 0f);
        Assert.Equal(y, x);                       // in place
    }

    [Fact]
    public void VarianceIsAccurateFarFromZero()
    {
        // Values 1e4 + small offsets: one-pass float sums (E[x^2] - E[x]^2) lose every digit of the variance here.
        const int n = 64, plane = 17;
        var x = new float[n * plane];
        for (int i = 0; i < x.Length; i++) x[i] = 10000f + (i % 7) * 0.125f - (i % 3) * 0.25f;
        double sum = 0;
        foreach (float v in x) sum += v;
        double mean = sum / x.Length, squares = 0;
        foreach (float v in x) squares += (v - mean) * (v - mean);
        double var = squares / x.Length;

        var savedMean = new float[1];
        var invStd = new float[1];
        float[] runningMean = [0], runningVar = [0];
        BatchNormKernels.ForwardTraining(n, 1, 1, plane, x, [1f], [0f], new float[x.Length], savedMean, invStd, runningMean, runningVar, momentum: 1f);

        Assert.Equal(1 / Math.Sqrt(var + 1e-5), invStd[0], 1e-6 * invStd[0]);
        Assert.Equal(squares / (x.Length - 1), runningVar[0], 1e-6 * runningVar[0]);
    }

    [Theory]
    [InlineData(3, 2, 2, 3)]   // planes of 6: the scalar tail
    [InlineData(2, 3, 4, 5)]   // planes of 20: vector body and tail
    [InlineData(2, 2, 1, 7)]   // planes of 7: every tail position of the four partial sums
    [InlineData(4, 1, 1, 1)]   // a 1-D batch norm over 4 values
    public void BackwardMatchesCentralDifferences(int n, int c, int h, int w)
    {
        int plane = h * w, size = n * c * plane;
        var rng = new Random(7 + size);
        float[] x = Random(rng, size, -2, 3), gamma = Random(rng, c, 0.5, 2), beta = Random(rng, c, -1, 1);
        double[] r = Array.ConvertAll(Random(rng, size, -1, 1), v => (double)v); // L = sum r_i y_i, so dL/dy = r

        var y = new float[size];
        var mean = new float[c];
        var invStd = new float[c];
        BatchNormKernels.ForwardTraining(n, c, h, w, x, gamma, beta, y, mean, invStd, new float[c], new float[c]);
        double[] yRef = Reference(n, c, plane, Array.ConvertAll(x, v => (double)v), Array.ConvertAll(gamma, v => (double)v), Array.ConvertAll(beta, v => (double)v));
        for (int i = 0; i < size; i++) Assert.Equal(yRef[i], y[i], 2e-6 * Math.Max(1, Math.Abs(yRef[i])));

        var gradInput = new float[size];
        var gradGamma = new float[c];
        var gradBeta = new float[c];
        Array.Fill(gradGamma, 0.5f); // the parameter gradients are added to
        Array.Fill(gradBeta, -0.25f);
        BatchNormKernels.Backward(n, c, h, w, x, Array.ConvertAll(r, v => (float)v), gamma, mean, invStd, gradInput, gradGamma, gradBeta);

        double[] xd = Array.ConvertAll(x, v => (double)v), gd = Array.ConvertAll(gamma, v => (double)v), bd = Array.ConvertAll(beta, v => (double)v);
        double Loss() { double[] yy = Reference(n, c, plane, xd, gd, bd); double s = 0; for (int i = 0; i < size; i++) s += r[i] * yy[i]; return s; }
        double Central(double[] v, int i)
        {
            const double step = 1e-5;
            double keep = v[i];
            v[i] = keep + step; double up = Loss();
            v[i] = keep - step; double down = Loss();
            v[i] = keep;
            return (up - down) / (2 * step);
        }

        for (int i = 0; i < size; i++) Assert.Equal(Central(xd, i), gradInput[i], 2e-5);
        for (int k = 0; k < c; k++)
        {
            Assert.Equal(0.5 + Central(gd, k), gradGamma[k], 2e-5);
            Assert.Equal(-0.25 + Central(bd, k), gradBeta[k], 2e-5);
        }
    }

    [Fact]
    public void FoldHandCase()
    {
        // s = 3 / sqrt(4 + 0) = 1.5: w' = 2 * 1.5, b' = (1 - 0.25) * 1.5 + 0.5; without bias b' = -0.25 * 1.5 + 0.5.
        var w = new float[1];
        var b = new float[1];
        BatchNormKernels.FoldIntoConvolution(1, 1, 1, 1, [2f], [1f], [3f], [0.5f], [0.25f], [4f], 0f, w, b);
        Assert.Equal(3f, w[0]);
        Assert.Equal(1.625f, b[0]);

        BatchNormKernels.FoldIntoConvolution(1, 1, 1, 1, [2f], [], [3f], [0.5f], [0.25f], [4f], 0f, w, b);
        Assert.Equal(3f, w[0]);
        Assert.Equal(0.125f, b[0]);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(2, false)]
    public void FoldedConvolutionEqualsConvolutionThenInferenceBatchNorm(int groups, bool withBias)
    {
        const int n = 2, inCh = 4, outCh = 6, size = 5, k = 3, pad = 1;
        int inPerGroup = inCh / groups;
        var rng = new Random(11 * groups + (withBias ? 1 : 0));
        float[] x = Random(rng, n * inCh * size * size, -1, 1);
        float[] weight = Random(rng, outCh * inPerGroup * k * k, -0.5, 0.5);
        float[] bias = withBias ? Random(rng, outCh, -0.3, 0.3) : [];
        float[] gamma = Random(rng, outCh, 0.5, 1.5), beta = Random(rng, outCh, -0.5, 0.5);
        float[] runningMean = Random(rng, outCh, -0.2, 0.2), runningVar = Random(rng, outCh, 0.05, 2);

        float[] conv = Conv(n, inCh, outCh, groups, size, k, pad, x, weight, bias);
        var bn = new float[conv.Length];
        BatchNormKernels.ForwardInference(n, outCh, size, size, conv, gamma, beta, runningMean, runningVar, bn);

        var foldedWeight = new float[weight.Length];
        var foldedBias = new float[outCh];
        BatchNormKernels.FoldIntoConvolution(outCh, inPerGroup, k, k, weight, bias, gamma, beta, runningMean, runningVar,
            BatchNormKernels.DefaultEpsilon, foldedWeight, foldedBias);
        float[] folded = Conv(n, inCh, outCh, groups, size, k, pad, x, foldedWeight, foldedBias);

        for (int i = 0; i < bn.Length; i++) Assert.Equal(bn[i], folded[i], 1e-5 * Math.Max(1, Math.Abs(bn[i])));

        // In place: the folded weight may overwrite the weight.
        BatchNormKernels.FoldIntoConvolution(outCh, inPerGroup, k, k, weight, bias, gamma, beta, runningMean, runningVar,
            BatchNormKernels.DefaultEpsilon, weight, foldedBias);
        Assert.Equal(foldedWeight, weight);
    }

    [Fact]
    public void CallsDoNotAllocate()
    {
        const int n = 8, c = 3, h = 4, w = 5;
        int size = n * c * h * w;
        var rng = new Random(3);
        float[] x = Random(rng, size, -1, 1), dy = Random(rng, size, -1, 1), y = new float[size], dx = new float[size];
        float[] gamma = [1, 2, 3], beta = [0, 1, 2], mean = new float[c], invStd = new float[c], rm = new float[c], rv = [1, 1, 1];
        float[] dGamma = new float[c], dBeta = new float[c];
        float[] weight = Random(rng, c * 2 * 9, -1, 1), bias = [0, 0, 0], fw = new float[weight.Length], fb = new float[c];

        void Step()
        {
            BatchNormKernels.ForwardTraining(n, c, h, w, x, gamma, beta, y, mean, invStd, rm, rv);
            BatchNormKernels.Backward(n, c, h, w, x, dy, gamma, mean, invStd, dx, dGamma, dBeta);
            BatchNormKernels.ForwardInference(n, c, h, w, x, gamma, beta, rm, rv, y);
            BatchNormKernels.FoldIntoConvolution(c, 2, 3, 3, weight, bias, gamma, beta, rm, rv, 1e-5f, fw, fb);
        }

        Step();
        Assert.Equal(0, Allocations.Minimum(Step));
    }

    [Fact]
    public void ShapeErrorsNameTheArgumentAndTheShape()
    {
        var y = new float[8];
        var two = new float[2];

        var e = Assert.Throws<ArgumentException>(() =>
            BatchNormKernels.ForwardTraining(2, 2, 1, 2, new float[7], Gamma, Beta, y, two, new float[2], new float[2], new float[2]));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("[N, C, H, W] = [2, 2, 1, 2] (8 elements), got 7", e.Message);

        e = Assert.Throws<ArgumentException>(() =>
            BatchNormKernels.ForwardTraining(2, 2, 1, 2, Step1, [1f, 1f, 1f], Beta, y, two, new float[2], new float[2], new float[2]));
        Assert.Equal("gamma", e.ParamName);
        Assert.Contains("[C] = [2], got 3", e.Message);

        e = Assert.Throws<ArgumentException>(() =>
            BatchNormKernels.ForwardTraining(2, 2, 1, 2, Step1, Gamma, Beta, y, two, new float[2], new float[1], new float[2]));
        Assert.Equal("runningMean", e.ParamName);

        // One value per channel has no variance (libtorch: "Expected more than 1 value per channel when training").
        e = Assert.Throws<ArgumentException>(() =>
            BatchNormKernels.ForwardTraining(1, 2, 1, 1, two, Gamma, Beta, new float[2], new float[2], new float[2], new float[2], new float[2]));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("more than one value per channel", e.Message);

        var r = Assert.Throws<ArgumentOutOfRangeException>(() =>
            BatchNormKernels.ForwardTraining(2, 2, 1, 2, Step1, Gamma, Beta, y, two, new float[2], new float[2], new float[2], momentum: 1.5f));
        Assert.Equal("momentum", r.ParamName);
        r = Assert.Throws<ArgumentOutOfRangeException>(() =>
            BatchNormKernels.ForwardInference(2, 2, 1, 2, Step1, Gamma, Beta, two, two, y, epsilon: float.NaN));
        Assert.Equal("epsilon", r.ParamName);
        r = Assert.Throws<ArgumentOutOfRangeException>(() =>
            BatchNormKernels.ForwardInference(0, 2, 1, 2, [], Gamma, Beta, two, two, []));
        Assert.Equal("count", r.ParamName);

        e = Assert.Throws<ArgumentException>(() =>
            BatchNormKernels.Backward(2, 2, 1, 2, Step1, Step1, Gamma, two, two, new float[9], new float[2], new float[2]));
        Assert.Equal("gradInput", e.ParamName);
        e = Assert.Throws<ArgumentException>(() =>
            BatchNormKernels.Backward(2, 2, 1, 2, Step1, Step1, Gamma, two, two, y, new float[2], new float[3]));
        Assert.Equal("gradBeta", e.ParamName);

        e = Assert.Throws<ArgumentException>(() =>
            BatchNormKernels.FoldIntoConvolution(2, 3, 3, 3, new float[53], [], Gamma, Beta, two, two, 1e-5f, new float[54], two));
        Assert.Equal("weight", e.ParamName);
        Assert.Contains("[out, in/groups, kH, kW] = [2, 3, 3, 3] (54 elements), got 53", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            BatchNormKernels.FoldIntoConvolution(2, 3, 3, 3, new float[54], [1f], Gamma, Beta, two, two, 1e-5f, new float[54], two));
        Assert.Equal("bias", e.ParamName);
        Assert.Contains("[out] or empty", e.Message);
    }

    // ------------------------------------------------------------------ references

    private static float[] Random(Random rng, int count, double lo, double hi)
    {
        var v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float)(lo + (hi - lo) * rng.NextDouble());
        return v;
    }

    /// <summary>Training batch norm from the definition, in double: biased variance, eps = 1e-5.</summary>
    private static double[] Reference(int n, int c, int plane, double[] x, double[] gamma, double[] beta)
    {
        var y = new double[x.Length];
        int m = n * plane;
        for (int k = 0; k < c; k++)
        {
            double mean = 0;
            for (int i = 0; i < n; i++) for (int s = 0; s < plane; s++) mean += x[(i * c + k) * plane + s];
            mean /= m;
            double var = 0;
            for (int i = 0; i < n; i++) for (int s = 0; s < plane; s++) { double d = x[(i * c + k) * plane + s] - mean; var += d * d; }
            var /= m;
            for (int i = 0; i < n; i++)
                for (int s = 0; s < plane; s++)
                {
                    int j = (i * c + k) * plane + s;
                    y[j] = gamma[k] * (x[j] - mean) / Math.Sqrt(var + 1e-5) + beta[k];
                }
        }
        return y;
    }

    /// <summary>
    /// A 2-D convolution from its definition, in double, stride 1, zero padding <paramref name="pad"/>, square
    /// <paramref name="size"/> x <paramref name="size"/> input and <paramref name="k"/> x <paramref name="k"/> kernel:
    /// <c>y[n, o, i, j] = b[o] + sum over ci in o's group, u, v of w[o, ci, u, v] * x[n, g * inPerGroup + ci, i + u - pad, j + v - pad]</c>.
    /// </summary>
    private static float[] Conv(int n, int inCh, int outCh, int groups, int size, int k, int pad, float[] x, float[] w, float[] b)
    {
        int inPerGroup = inCh / groups, outPerGroup = outCh / groups;
        var y = new float[n * outCh * size * size];
        for (int s = 0; s < n; s++)
            for (int o = 0; o < outCh; o++)
            {
                int g = o / outPerGroup;
                for (int i = 0; i < size; i++)
                    for (int j = 0; j < size; j++)
                    {
                        double acc = b.Length == 0 ? 0 : b[o];
                        for (int ci = 0; ci < inPerGroup; ci++)
                            for (int u = 0; u < k; u++)
                                for (int v = 0; v < k; v++)
                                {
                                    int row = i + u - pad, col = j + v - pad;
                                    if (row < 0 || row >= size || col < 0 || col >= size) continue;
                                    acc += (double)w[((o * inPerGroup + ci) * k + u) * k + v]
                                         * x[((s * inCh + g * inPerGroup + ci) * size + row) * size + col];
                                }
                        y[((s * outCh + o) * size + i) * size + j] = (float)acc;
                    }
            }
        return y;
    }
}
