using System;
using System.Collections.Generic;
using Cuba;

namespace SnnDsl.Benchmarks;

/// <summary>
/// CUBA-N: the CUBA network of samples/Cuba (Brian2 examples/CUBA.py; Brette et al. 2007 benchmark 2) with
/// N = 4,000, 16,000 and 64,000 cells, p = 80 / N (about 80 inputs per cell, so the synapse count is 80 N),
/// 1 s of biological time at dt = 0.1 ms per iteration (restart: same connectivity, same V0). The network is
/// built on the first iteration (warm-up). ms_median is therefore the wall time per simulated second.
/// Cost model: neuron and synapse-state updates are time-driven, O(N) per step; propagation is event-driven,
/// O(rate x N x 80) per second, so with the rate fixed by the balance of the network both grow linearly in N.
/// </summary>
public static class CubaWorkloads
{
    public static IEnumerable<Workload> All(BenchmarkOptions options)
    {
        foreach (int n in new[] { 4000, 16000, 64000 })
        {
            CubaNetwork? cuba = null;
            SnnDsl.Simulation.RunStats last = default;
            double buildSeconds = 0;
            yield return new Workload($"CUBA-{n}", "snndsl", () =>
            {
                if (cuba is null)
                {
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    cuba = new CubaNetwork(neurons: n, threads: options.Threads, seed: 1);
                    buildSeconds = clock.Elapsed.TotalSeconds;
                }
                else cuba.Restart();
                last = cuba.Network.Run(1000f);
            },
            new Dictionary<string, double> { ["neurons"] = n, ["bio_seconds"] = 1 },
            ms => new Dictionary<string, double>
            {
                ["synapses"] = cuba!.Network.SynapseCount,
                ["build_seconds"] = buildSeconds,
                ["spikes"] = last.Spikes,
                ["rate_hz"] = last.Spikes / (double)n,
                ["synaptic_events"] = last.SynapticEvents,
                ["wall_s_per_bio_s"] = ms / 1000,
                ["synaptic_events_per_s"] = last.SynapticEvents / (ms / 1000),
                ["neuron_steps_per_s"] = n * 10_000.0 / (ms / 1000),
            });
        }
    }
}
