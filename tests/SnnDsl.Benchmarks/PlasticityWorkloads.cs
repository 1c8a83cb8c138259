using System.Collections.Generic;
using SnnDsl.Kernels;
using SnnDsl.Neurons;
using SnnDsl.Plasticity;
using SnnDsl.Simulation;
using SnnDsl.Synapses;

namespace SnnDsl.Benchmarks;

/// <summary>
/// STDP-784x400: pair-based additive STDP (the generated <see cref="StdpAdditive"/> learner) on a dense
/// 784 x 400 projection, driven through <see cref="PlasticProjection.OnStep"/> for 1,000 steps per
/// iteration with 5 % of the inputs (39) and 5 % of the outputs (20) spiking in every step (spike lists drawn
/// once, counter-based, before timing). Each step decays the 1,184 traces and visits 39 x 400 outgoing plus
/// 20 x 784 incoming synapses. updates_per_s counts those synapse visits; the neuron and synapse-state
/// updates of the network are not part of the measurement.
/// </summary>
public static class PlasticityWorkloads
{
    public static IEnumerable<Workload> All(BenchmarkOptions options)
    {
        const int sources = 784, targets = 400, steps = 1000;
        const double activity = 0.05;
        SpikingNetwork? net = null;
        PlasticProjection? plastic = null;
        var pre = new int[steps][];
        var post = new int[steps][];
        long updatesPerIteration = 0;
        yield return new Workload("STDP-784x400", "snndsl", () =>
        {
            if (net is null)
            {
                net = new SpikingNetwork(1f, seed: 1);
                var input = net.AddPoissonGroup("input", sources, 0f);
                var cells = net.AddPopulation("cells", targets, n => new Lif().CreateLayer(1, n, 1f));
                var proj = net.Connect(input, cells, new DeltaCurrent(), Connectivity.Dense(), weight: 0.5f);
                plastic = proj.Learn(new StdpAdditive(APlus: 1e-4f, AMinus: 1.05e-4f));
                ulong key = SnnRandom.StreamKey(1, 99);
                for (int t = 0; t < steps; t++)
                {
                    pre[t] = Pick(key, 0, t, sources, (int)(sources * activity));
                    post[t] = Pick(key, 1, t, targets, (int)(targets * activity));
                    updatesPerIteration += pre[t].Length * (long)targets + post[t].Length * (long)sources;
                }
            }
            var p = plastic!;
            for (int t = 0; t < steps; t++) p.OnStep(p.Projection, t, pre[t], post[t]);
        },
        new Dictionary<string, double> { ["sources"] = sources, ["targets"] = targets, ["activity"] = activity, ["steps"] = steps },
        ms => new Dictionary<string, double>
        {
            ["updates_per_iteration"] = updatesPerIteration,
            ["updates_per_s"] = updatesPerIteration / (ms / 1000),
            ["ns_per_update"] = ms * 1e6 / updatesPerIteration,
        });
    }

    /// <summary>k distinct indices in [0, n), ascending, drawn by a counter-based generator keyed by (stream, step).</summary>
    private static int[] Pick(ulong key, int stream, int step, int n, int k)
    {
        var taken = new bool[n];
        var list = new List<int>(k);
        for (ulong draw = 0; list.Count < k; draw++)
        {
            int i = (int)(SnnRandom.Uniform(key, (ulong)stream * 1_000_003UL + draw, (ulong)step) * n);
            if (i < n && !taken[i]) { taken[i] = true; list.Add(i); }
        }
        list.Sort();
        return list.ToArray();
    }
}
