using System;
using SnnDsl.Kernels;
using SnnDsl.Layers;
using SnnDsl.Testing;

namespace SnnDsl.Tests.Training;

public class GemmTests
{
    internal static float[] Random(int n, int seed, double sparsity = -1)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = sparsity >= 0 ? (rng.NextDouble() < sparsity ? 1f : 0f) : (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static double[] Naive(int m, int n, int k, float[] a, int rsa, int csa, float[] b, int ldb)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double)a[i * rsa + p * csa] * b[p * ldb + j];
                c[i * n + j] = s;
            }
        return c;
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 7)]
    [InlineData(4, 24, 8)]
    [InlineData(13, 37, 29)]
    [InlineData(9, 200, 300)]   // crosses a k block and an n panel
    [InlineData(67, 71, 523)]
    public void Matches_naive_triple_loop_on_odd_sizes(int m, int n, int k)
    {
        float[] a = Random(m * k, 1), b = Random(k * n, 2), c0 = Random(m * n, 3);
        double[] expected = Naive(m, n, k, a, k, 1, b, n);

        var c = new float[m * n];
        Gemm.Multiply(m, n, k, a, k, 1, b, n, c, n, accumulate: false);
        for (int i = 0; i < c.Length; i++) Assert.True(Math.Abs(c[i] - expected[i]) <= 1e-5 * (1 + Math.Sqrt(k)), $"C[{i}] = {c[i]}, expected {expected[i]}");

        var acc = (float[])c0.Clone();
        Gemm.Multiply(m, n, k, a, k, 1, b, n, acc, n, accumulate: true);
        for (int i = 0; i < c.Length; i++) Assert.True(Math.Abs(acc[i] - (expected[i] + c0[i])) <= 1e-5 * (1 + Math.Sqrt(k)), $"accumulated C[{i}]");
    }

    [Theory]
    [InlineData(8, 32, 7)]       // one full packed tile
    [InlineData(19, 70, 300)]    // edge tiles in both directions and two k blocks
    [InlineData(100, 530, 40)]   // crosses an A block (96 rows) and a B block (512 columns)
    public void Packed_and_unpacked_products_agree_bit_for_bit(int m, int n, int k)
    {
        // Whole products of at least 8 x 32 take the packed path on AVX-512 machines; a single row never does.
        // Both sum every element as one chain of fused multiply-adds in increasing k, so the bits agree.
        float[] a = Random(m * k, 6), b = Random(k * n, 7), c0 = Random(m * n, 8);
        var whole = (float[])c0.Clone();
        Gemm.Multiply(m, n, k, a, k, 1, b, n, whole, n, accumulate: true);
        for (int i = 0; i < m; i++)
        {
            var row = c0.AsSpan(i * n, n).ToArray();
            Gemm.Multiply(1, n, k, a.AsSpan(i * k), k, 1, b, n, row, n, accumulate: true);
            for (int j = 0; j < n; j++) Assert.Equal(BitConverter.SingleToInt32Bits(row[j]), BitConverter.SingleToInt32Bits(whole[i * n + j]));
        }

        // Transposed A through strides, without accumulation.
        float[] at = Random(k * m, 9);
        var t = new float[m * n];
        Gemm.Multiply(m, n, k, at, 1, m, b, n, t, n, accumulate: false);
        double[] expected = Naive(m, n, k, at, 1, m, b, n);
        for (int i = 0; i < t.Length; i++) Assert.True(Math.Abs(t[i] - expected[i]) <= 1e-5 * (1 + Math.Sqrt(k)), $"C[{i}] = {t[i]}, expected {expected[i]}");
    }

    [Theory]
    [InlineData(5, 11, 17)]
    [InlineData(30, 33, 260)]
    public void Transposed_A_through_strides(int m, int n, int k)
    {
        float[] at = Random(k * m, 4), b = Random(k * n, 5); // A^T stored [k, m]
        double[] expected = Naive(m, n, k, at, 1, m, b, n);
        var c = new float[m * n];
        Gemm.Multiply(m, n, k, at, 1, m, b, n, c, n, accumulate: false);
        for (int i = 0; i < c.Length; i++) Assert.True(Math.Abs(c[i] - expected[i]) <= 1e-4, $"C[{i}]");
    }
}

public class DenseTests
{
    private static DenseLayer Layer(int inputs, int outputs, bool bias = true)
    {
        var d = new DenseLayer(inputs, outputs, bias);
        d.Initialize(DenseInit.Uniform, 7);
        return d;
    }

    [Theory]
    [InlineData(37, 45, 19, true)]
    [InlineData(100, 10, 50, false)]
    [InlineData(8, 3, 1, true)]
    [InlineData(40, 300, 9, true)]   // crosses a column panel of the event kernels
    [InlineData(50, 130, 70, true)]  // packed kernels (>= 64 outputs and rows): two full panels and a partial one
    [InlineData(33, 64, 64, false)]  // packed kernels, exactly one panel
    public void Event_driven_forward_and_backward_match_dense(int inputs, int outputs, int rows, bool bias)
    {
        DenseLayer d = Layer(inputs, outputs, bias);
        DenseWorkspace ws = d.CreateWorkspace(rows);
        float[] x = GemmTests.Random(rows * inputs, 11, sparsity: 0.15);
        float[] dy = GemmTests.Random(rows * outputs, 12);

        var yEvents = new float[rows * outputs];
        var yDense = new float[rows * outputs];
        Assert.True(d.Forward(x, rows, yEvents, ws, DenseInput.Spikes));
        Assert.False(d.Forward(x, rows, yDense, ws, DenseInput.Analog));
        for (int i = 0; i < yDense.Length; i++) Assert.Equal(yDense[i], yEvents[i], 1e-5);

        var gwE = new float[inputs * outputs]; var gbE = new float[bias ? outputs : 0]; var dxE = new float[rows * inputs];
        var gwD = new float[inputs * outputs]; var gbD = new float[bias ? outputs : 0]; var dxD = new float[rows * inputs];
        d.Backward(x, rows, dy, dxE, ws, gwE, gbE, DenseInput.Spikes);
        d.Backward(x, rows, dy, dxD, ws, gwD, gbD, DenseInput.Analog);
        for (int i = 0; i < gwD.Length; i++) Assert.Equal(gwD[i], gwE[i], 1e-5);
        Assert.Equal(gbD, gbE);
        Assert.Equal(dxD, dxE);

        // Against the definitions, in double.
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outputs; o++)
            {
                double s = bias ? d.Bias!.Value[o] : 0;
                for (int i = 0; i < inputs; i++) s += (double)x[r * inputs + i] * d.Weight.Value[i * outputs + o];
                Assert.Equal(s, yEvents[r * outputs + o], 1e-4);
            }

        for (int i = 0; i < inputs; i++)
            for (int o = 0; o < outputs; o++)
            {
                double s = 0;
                for (int r = 0; r < rows; r++) s += (double)x[r * inputs + i] * dy[r * outputs + o];
                Assert.Equal(s, gwE[i * outputs + o], 1e-4);
            }

        for (int r = 0; r < rows; r++)
            for (int i = 0; i < inputs; i++)
            {
                double s = 0;
                for (int o = 0; o < outputs; o++) s += (double)dy[r * outputs + o] * d.Weight.Value[i * outputs + o];
                Assert.Equal(s, dxE[r * inputs + i], 1e-4);
            }

        if (bias)
        {
            for (int o = 0; o < outputs; o++)
            {
                double s = 0;
                for (int r = 0; r < rows; r++) s += dy[r * outputs + o];
                Assert.Equal(s, gbE[o], 1e-4);
            }
        }
    }

    [Fact]
    public void Auto_detects_spikes_and_strict_mode_rejects_other_values()
    {
        DenseLayer d = Layer(4, 3);
        DenseWorkspace ws = d.CreateWorkspace(2);
        var y = new float[6];
        Assert.True(d.Forward(new float[] { 0, 1, 1, 0, 1, 0, 0, 0 }, 2, y, ws));
        Assert.False(d.Forward(new float[] { 0, 1, 0.5f, 0, 1, 0, 0, 0 }, 2, y, ws));
        var ex = Assert.Throws<ArgumentException>(() => d.Forward(new float[] { 0, 1, 0.5f, 0, 1, 0, 0, 0 }, 2, y, ws, DenseInput.Spikes));
        Assert.Contains("row 0, input 2", ex.Message);
    }

    [Fact]
    public void Vector_spike_scan_finds_every_spike_and_names_a_bad_value_past_the_first_vector()
    {
        // 21 inputs: two eight-lane vectors and a scalar tail of five.
        DenseLayer d = Layer(21, 70);
        const int rows = 3;
        DenseWorkspace ws = d.CreateWorkspace(rows);
        var x = new float[rows * 21];
        int[] active = [0, 7, 8, 15, 16, 20, 21 + 3, 21 + 19, 42 + 9];
        foreach (int k in active) x[k] = 1f;
        var y = new float[rows * 70];
        Assert.True(d.Forward(x, rows, y, ws, DenseInput.Spikes));
        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < 70; o++)
            {
                float expected = d.Bias!.Value[o];
                foreach (int k in active) { if (k / 21 == r) expected += d.Weight.Value[(k % 21) * 70 + o]; }
                Assert.Equal(expected, y[r * 70 + o]);
            }
        }

        x[21 + 13] = float.NaN;
        var ex = Assert.Throws<ArgumentException>(() => d.Forward(x, rows, y, ws, DenseInput.Spikes));
        Assert.Contains("row 1, input 13", ex.Message);
        Assert.False(d.Forward(x, rows, y, ws, DenseInput.Auto));
    }

    [Fact]
    public void Uniform_init_is_bounded_like_pytorch_and_normal_inits_have_the_right_spread()
    {
        var d = new DenseLayer(400, 300);
        d.Initialize(DenseInit.Uniform, 1);
        float bound = 1f / 20f;
        Assert.All(d.Weight.Value, w => Assert.InRange(w, -bound, bound));
        Assert.All(d.Bias!.Value, w => Assert.InRange(w, -bound, bound));
        Assert.Equal(1.0, Variance(d.Weight.Value) / (bound * bound / 3), 0.025);

        d.Initialize(DenseInit.KaimingNormal, 1);
        Assert.Equal(1.0, Variance(d.Weight.Value) / (2.0 / 400), 0.025);
        Assert.All(d.Bias.Value, b => Assert.Equal(0f, b));
        d.Initialize(DenseInit.XavierNormal, 1);
        Assert.Equal(1.0, Variance(d.Weight.Value) / (2.0 / 700), 0.025);

        var again = new DenseLayer(400, 300);
        again.Initialize(DenseInit.XavierNormal, 1);
        Assert.Equal(d.Weight.Value, again.Weight.Value);
    }

    private static double Variance(float[] x)
    {
        double mean = 0, sq = 0;
        foreach (float v in x) mean += v;
        mean /= x.Length;
        foreach (float v in x) sq += (v - mean) * (v - mean);
        return sq / x.Length;
    }

    [Fact]
    public void Forward_and_backward_allocate_nothing()
    {
        DenseLayer d = Layer(50, 20);
        DenseWorkspace ws = d.CreateWorkspace(30);
        float[] x = GemmTests.Random(30 * 50, 3, sparsity: 0.2), xa = GemmTests.Random(30 * 50, 3), dy = GemmTests.Random(30 * 20, 4);
        var y = new float[30 * 20]; var dx = new float[30 * 50];
        Action run = () =>
        {
            d.Forward(x, 30, y, ws);
            d.Backward(x, 30, dy, dx, ws);
            d.Forward(xa, 30, y, ws);
            d.Backward(xa, 30, dy, dx, ws);
        };
        run();
        Assert.Equal(0, Allocations.Minimum(run));
    }
}
