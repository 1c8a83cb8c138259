using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;

namespace SnnDsl.Benchmarks;

/// <summary>Command-line options shared by every workload.</summary>
public sealed record BenchmarkOptions(string Workload, bool Json, int Threads, int Iterations, int Warmup, string? DataDirectory)
{
    public static BenchmarkOptions Parse(string[] args)
    {
        string workload = "all";
        bool json = false;
        int threads = 1, iterations = 15, warmup = 3;
        string? data = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json": json = true; break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--iterations": iterations = Math.Max(10, int.Parse(args[++i], CultureInfo.InvariantCulture)); break;
                case "--warmup": warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--data": data = args[++i]; break;
                default: workload = args[i]; break;
            }
        }
        return new BenchmarkOptions(workload, json, threads, iterations, warmup, data);
    }
}

/// <summary>One benchmarked operation: a name, the implementation, and the action timed per iteration.</summary>
public sealed record Workload(string Name, string Impl, Action Run, IReadOnlyDictionary<string, double>? Extra = null,
    Func<double, IReadOnlyDictionary<string, double>>? Derive = null, int Threads = 0);

/// <summary>The measured times of one workload, in milliseconds.</summary>
public sealed record Measurement(string Workload, string Impl, int Threads, double Median, double Min, double Max, int Iterations, long AllocatedBytesPerIteration, IReadOnlyDictionary<string, double> Extra)
{
    public string ToJson()
    {
        var sb = new StringBuilder();
        sb.Append('{');
        void Field(string name, string value, bool quote)
        {
            if (sb.Length > 1) sb.Append(", ");
            sb.Append('"').Append(name).Append("\": ");
            if (quote) sb.Append('"').Append(value).Append('"'); else sb.Append(value);
        }
        static string N(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
        Field("workload", Workload, true);
        Field("impl", Impl, true);
        Field("threads", Threads.ToString(CultureInfo.InvariantCulture), false);
        Field("ms_median", N(Median), false);
        Field("ms_min", N(Min), false);
        Field("ms_max", N(Max), false);
        Field("iterations", Iterations.ToString(CultureInfo.InvariantCulture), false);
        Field("alloc_bytes_per_iteration", AllocatedBytesPerIteration.ToString(CultureInfo.InvariantCulture), false);
        foreach (var kv in Extra.OrderBy(kv => kv.Key, StringComparer.Ordinal)) Field(kv.Key, N(kv.Value), false);
        sb.Append('}');
        return sb.ToString();
    }

    public string ToText() =>
        $"{Workload,-28} {Impl,-7} threads={Threads} median={Median:F3} ms  min={Min:F3}  max={Max:F3}  alloc/iter={AllocatedBytesPerIteration} B"
        + string.Concat(Extra.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"  {kv.Key}={kv.Value:G4}"));
}

/// <summary>Times a workload: warm-up iterations, then at least ten timed iterations; reports median, min and max.</summary>
public static class Runner
{
    public static Measurement Measure(Workload w, BenchmarkOptions options)
    {
        for (int i = 0; i < options.Warmup; i++) w.Run();
        var times = new double[options.Iterations];
        long allocated = 0;
        for (int i = 0; i < times.Length; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            w.Run();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Array.Sort(times);
        double median = Median(times);
        var extra = new Dictionary<string, double>(w.Extra ?? new Dictionary<string, double>());
        if (w.Derive is not null)
            foreach (var kv in w.Derive(median)) extra[kv.Key] = kv.Value;
        return new Measurement(w.Name, w.Impl, w.Threads > 0 ? w.Threads : options.Threads, median, times[0], times[^1], times.Length,
            allocated / times.Length, extra);
    }

    /// <summary>The median of sorted values.</summary>
    public static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    /// <summary>Times <paramref name="action"/> <paramref name="iterations"/> times after <paramref name="warmup"/> runs; returns the sorted times in ms.</summary>
    public static double[] Time(Action action, int iterations, int warmup)
    {
        for (int i = 0; i < warmup; i++) action();
        var times = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return times;
    }
}
