using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using SnnDsl.Benchmarks;

// Usage: dotnet run -c Release --project tests/SnnDsl.Benchmarks -- <workload|all> [--json] [--threads N] [--iterations K] [--data DIR]
var options = BenchmarkOptions.Parse(args);
var workloads = Workloads.All(options);
var selected = options.Workload == "all" ? workloads : workloads.Where(w => w.Name == options.Workload).ToList();
if (selected.Count == 0)
{
    Console.Error.WriteLine($"Unknown workload '{options.Workload}'. Known: all, {string.Join(", ", workloads.Select(w => w.Name))}.");
    return 2;
}
foreach (var workload in selected)
{
    var result = Runner.Measure(workload, options);
    Console.WriteLine(options.Json ? result.ToJson() : result.ToText());
}
return 0;
