using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace SnnDsl.Benchmarks;

/// <summary>One JSON line of the peer program: its workload name, its raw line, and its numeric fields.</summary>
public sealed record PeerResult(string Workload, string Line, IReadOnlyDictionary<string, double> Numbers);

/// <summary>
/// <c>--peer torch</c>: runs the TorchSharp reference (tests/SnnDsl.Benchmarks.Torch, not in SnnDsl.sln) as a child
/// process, <c>dotnet run -c Release --project tests/SnnDsl.Benchmarks.Torch -- &lt;workload&gt; --threads N</c>,
/// collects its JSON lines, and adds ratios to the SnnDsl lines of the same workloads:
/// <c>ratio_vs_torch</c> = torch ms_median / snndsl ms_median (above 1: SnnDsl is faster), and
/// <c>X_ratio_vs_torch</c> for every <c>X_ms_median</c> field both sides report (W1's train and infer).
/// </summary>
public static class PeerRunner
{
    /// <summary>The workloads the TorchSharp program implements.</summary>
    public static readonly IReadOnlyList<string> TorchWorkloads = new[] { "W0", "W0b", "W1", "W2", "GEMM" };

    /// <summary>
    /// Workloads only the TorchSharp program has so far, with what SnnDsl lacks for them: asked for by name, the runner
    /// says so (and with <c>--peer torch</c> prints the torch line alone) instead of calling the name unknown.
    /// Remove a name once <see cref="Workloads"/> has it (its line then gets the ratios like W1's).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> NotYetInSnnDsl = new Dictionary<string, string>(StringComparer.Ordinal)
    {
    };

    /// <summary>Removes <c>--peer NAME</c> from the arguments; returns the peer's name (or null) and the rest.</summary>
    public static (string? Peer, string[] Remaining) ExtractPeer(string[] args)
    {
        string? peer = null;
        var rest = new List<string>(args.Length);
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--peer" && i + 1 < args.Length) peer = args[++i];
            else rest.Add(args[i]);
        }
        return (peer, rest.ToArray());
    }

    /// <summary>Runs the peer for the selected workload (or all it knows) and returns its JSON lines by workload.</summary>
    public static Dictionary<string, PeerResult> Run(string peer, BenchmarkOptions options)
    {
        if (peer != "torch") throw new ArgumentException($"Unknown peer '{peer}'. Known: torch.");
        var results = new Dictionary<string, PeerResult>(StringComparer.Ordinal);
        string workload = options.Workload;
        if (workload != "all" && !TorchWorkloads.Contains(workload))
        {
            Console.Error.WriteLine($"The torch peer has no workload '{workload}' (it has {string.Join(", ", TorchWorkloads)}); not run.");
            return results;
        }

        string project = Path.Combine(RepositoryRoot(), "tests", "SnnDsl.Benchmarks.Torch", "SnnDsl.Benchmarks.Torch.csproj");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "run", "-c", "Release", "--project", project, "--", workload,
                     "--threads", options.Threads.ToString(CultureInfo.InvariantCulture),
                     "--iterations", options.Iterations.ToString(CultureInfo.InvariantCulture),
                     "--warmup", Math.Max(1, options.Warmup).ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start 'dotnet run' for the torch peer.");
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null)
        {
            if (!line.StartsWith('{')) continue; // build output, if any
            var parsed = Parse(line);
            if (parsed is not null) results[parsed.Workload] = parsed;
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
            Console.Error.WriteLine($"The torch peer exited with code {process.ExitCode}; see its messages above.");
        return results;
    }

    /// <summary>Adds the ratios to an SnnDsl measurement of a workload the peer also measured.</summary>
    public static Measurement WithRatios(Measurement snndsl, IReadOnlyDictionary<string, PeerResult> peer, string peerName)
    {
        if (!peer.TryGetValue(snndsl.Workload, out var other)) return snndsl;
        var extra = new Dictionary<string, double>(snndsl.Extra, StringComparer.Ordinal);
        if (other.Numbers.TryGetValue("ms_median", out double peerMedian) && snndsl.Median > 0)
            extra[$"ratio_vs_{peerName}"] = peerMedian / snndsl.Median;
        foreach (var (key, value) in snndsl.Extra)
        {
            if (key.EndsWith("_ms_median", StringComparison.Ordinal) && value > 0 && other.Numbers.TryGetValue(key, out double peerValue))
                extra[$"{key[..^"_ms_median".Length]}_ratio_vs_{peerName}"] = peerValue / value;
        }
        return snndsl with { Extra = extra };
    }

    private static PeerResult? Parse(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("workload", out var name) || name.ValueKind != JsonValueKind.String)
                return null;
            var numbers = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Number) numbers[property.Name] = property.Value.GetDouble();
            }
            return new PeerResult(name.GetString()!, line, numbers);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The repository root: the first folder above the program that holds SnnDsl.sln.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SnnDsl.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("Could not find the repository root (SnnDsl.sln) above " + AppContext.BaseDirectory + ".");
    }
}
