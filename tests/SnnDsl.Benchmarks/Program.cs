using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using SnnDsl.Benchmarks;

// Usage: dotnet run -c Release --project tests/SnnDsl.Benchmarks -- <workload|all> [--json] [--threads N] [--iterations K] [--data DIR] [--peer torch]
var (peer, rest) = PeerRunner.ExtractPeer(args);
var options = BenchmarkOptions.Parse(rest);
var workloads = Workloads.All(options);
var selected = options.Workload == "all" ? workloads : workloads.Where(w => w.Name == options.Workload).ToList();
if (selected.Count == 0 && PeerRunner.NotYetInSnnDsl.TryGetValue(options.Workload, out string? missing))
{
    // A workload only the torch peer has so far: say so, and measure the peer's side alone if it was asked for.
    Console.Error.WriteLine(peer is null
        ? $"SnnDsl's {options.Workload} is not implemented yet ({missing}); run with --peer torch to measure the torch side alone."
        : $"SnnDsl's {options.Workload} is not implemented yet ({missing}); printing the {peer} line alone, without ratios.");
    if (peer is null) return 2;
}
else if (selected.Count == 0 && !(peer is not null && PeerRunner.TorchWorkloads.Contains(options.Workload)))
{
    Console.Error.WriteLine($"Unknown workload '{options.Workload}'. Known: all, {string.Join(", ", workloads.Select(w => w.Name))}.");
    return 2;
}
// --peer torch: the TorchSharp reference runs first as a child process (one at a time: 2 cores); its JSON lines are
// printed as they are, and each SnnDsl line of the same workload gets ratio_vs_torch = torch / snndsl ms_median.
var peerResults = peer is null ? new Dictionary<string, PeerResult>() : PeerRunner.Run(peer, options);
foreach (var line in peerResults.Values) Console.WriteLine(line.Line);
foreach (var workload in selected)
{
    var result = Runner.Measure(workload, options);
    if (peer is not null) result = PeerRunner.WithRatios(result, peerResults, peer);
    Console.WriteLine(options.Json ? result.ToJson() : result.ToText());
}
return 0;
