using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading.Tasks;

namespace SnnDsl.Benchmarks;

/// <summary>Machine limits measured in the same run as the workloads: streaming bandwidth (a triad) and the FMA peak.</summary>
public static class Machine
{
    /// <summary>Median bytes per second of a[i] = b[i] + s c[i] over arrays far larger than the caches, on <paramref name="threads"/> threads.</summary>
    public static double TriadBandwidth(int threads)
    {
        const int n = 1 << 25; // 32 Mi floats = 128 MiB per array
        var a = new float[n];
        var b = new float[n];
        var c = new float[n];
        for (int i = 0; i < n; i++) { b[i] = i; c[i] = 0.5f * i; }
        var times = new double[7];
        for (int r = 0; r < times.Length; r++)
        {
            long start = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                int chunk = n / threads, lo = t * chunk, hi = t == threads - 1 ? n : lo + chunk;
                var s = new Vector<float>(3f);
                int i = lo, w = Vector<float>.Count;
                for (; i + w <= hi; i += w) (new Vector<float>(b, i) + s * new Vector<float>(c, i)).CopyTo(a, i);
                for (; i < hi; i++) a[i] = b[i] + 3f * c[i];
            });
            times[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(times);
        return 3.0 * 4 * n / times[times.Length / 2];
    }

    /// <summary>FLOP/s of independent 256-bit FMAs on <paramref name="threads"/> threads (2 FLOP per lane), the practical compute peak.</summary>
    public static double FmaPeak(int threads)
    {
        if (!Fma.IsSupported) return double.NaN;
        const long iterations = 50_000_000;
        var times = new double[5];
        for (int r = 0; r < times.Length; r++)
        {
            long start = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Burn(iterations));
            times[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(times);
        return threads * iterations * 10.0 * Vector256<float>.Count * 2 / times[times.Length / 2];
    }

    private static float Burn(long iterations)
    {
        var x = Vector256.Create(1.0000001f);
        var y = Vector256.Create(0.9999999f);
        Vector256<float> a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, y, x); a1 = Fma.MultiplyAdd(a1, y, x); a2 = Fma.MultiplyAdd(a2, y, x);
            a3 = Fma.MultiplyAdd(a3, y, x); a4 = Fma.MultiplyAdd(a4, y, x); a5 = Fma.MultiplyAdd(a5, y, x);
            a6 = Fma.MultiplyAdd(a6, y, x); a7 = Fma.MultiplyAdd(a7, y, x); a8 = Fma.MultiplyAdd(a8, y, x);
            a9 = Fma.MultiplyAdd(a9, y, x);
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9).GetElement(0);
    }
}
