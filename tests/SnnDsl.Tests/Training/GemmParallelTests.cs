using SnnDsl.Kernels;

namespace SnnDsl.Tests.Training;

/// <summary>The row-band parallel product equals the single-threaded one bit for bit.</summary>
public class GemmParallelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Parallel_product_equals_the_serial_one(int threads)
    {
        const int m = 83, n = 45, k = 37;
        float[] a = GemmTests.Random(m * k, 1, -1), b = GemmTests.Random(k * n, 2, -1);
        var serial = new float[m * n];
        var parallel = new float[m * n];
        Gemm.Multiply(m, n, k, a, k, 1, b, n, serial, n, accumulate: false);
        Gemm.MultiplyParallel(m, n, k, a, k, 1, b, n, parallel, n, accumulate: false, threads);
        Assert.Equal(serial, parallel);
        Assert.Contains(serial, v => v != 0f);
    }
}
