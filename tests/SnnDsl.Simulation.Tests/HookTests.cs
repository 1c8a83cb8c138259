using System;
using System.Collections.Generic;
using System.Linq;
using SnnDsl.Neurons;
using SnnDsl.Simulation;
using SnnDsl.Synapses;

namespace SnnDsl.Simulation.Tests;

/// <summary>The hooks plasticity (issue 8) builds on, and progress reports.</summary>
public sealed class HookTests
{
    /// <summary>Doubles the weight of every synapse of a source that spiked, and records what it saw.</summary>
    private sealed class Doubler : IProjectionObserver
    {
        public readonly List<(long Step, int[] Pre, int[] Post)> Seen = new();

        public void OnStep(Projection projection, long step, ReadOnlySpan<int> preSpikes, ReadOnlySpan<int> postSpikes)
        {
            if (preSpikes.IsEmpty && postSpikes.IsEmpty) return;
            Seen.Add((step, preSpikes.ToArray(), postSpikes.ToArray()));
            foreach (int i in preSpikes)
                for (int q = projection.Table.RowStart[i]; q < projection.Table.RowStart[i + 1]; q++) projection.Weights[q] *= 2;
        }
    }

    [Fact]
    public void Observer_SeesPreAndPostSpikesOfTheStep_AndWeightChangesActOnLaterSpikes()
    {
        const float dt = 0.5f;
        using var net = new SpikingNetwork(dt, maxDelay: 5f);
        // Source 1 of a 3-neuron generator range [1, 3) spikes at steps 2 and 6; source 2 at step 4.
        var gen = net.AddSpikeGenerator("gen", 3, [1, 2, 1], [2, 4, 6]);
        var cells = net.AddPopulation("cells", 2, n => new IF(Threshold: 2.5f).CreateLayer(1, n, dt));
        var proj = net.Connect(gen.Range(1, 2), cells, new DeltaCurrent(), Connectivity.FromList([0, 1], [0, 1], [1f, 0.25f]));
        var hook = new Doubler();
        proj.Observer = hook;
        net.RunSteps(12);
        // Step 2: source 0 (neuron 1) spikes; delivered at once with w = 1 (V0: 1, no spike), then doubled to 2.
        // Step 4: source 1 spikes with w = 0.25, then 0.5. Step 6: source 0 again, now w = 2: V0 = 3 crosses 2.5 in step 7 (IF: V += w per delivered spike).
        Assert.Equal(4, hook.Seen.Count);
        void Check(int k, long step, int[] pre, int[] post)
        {
            Assert.Equal(step, hook.Seen[k].Step);
            Assert.Equal(pre, hook.Seen[k].Pre);
            Assert.Equal(post, hook.Seen[k].Post);
        }
        Check(0, 2, [0], []);
        Check(1, 4, [1], []);
        Check(2, 6, [0], []);
        Check(3, 7, [], [0]);
        Assert.Equal(new[] { 4f, 0.5f }, proj.Weights);
    }

    private sealed class Recorder : IProgress<RunProgress>
    {
        public readonly List<RunProgress> Reports = new();
        public void Report(RunProgress value) => Reports.Add(value);
    }

    [Fact]
    public void Run_ReportsProgress_AndRefusesBadDurations()
    {
        using var net = new SpikingNetwork(0.1f);
        var src = net.AddPoissonGroup("src", 100, 20f);
        var progress = new Recorder();
        var stats = net.Run(50f, progress);
        var last = progress.Reports[^1];
        Assert.Equal(500, stats.Steps);
        Assert.Equal((500L, 500L, stats.Spikes), (last.Step, last.Steps, last.Spikes));
        Assert.Equal(50.0, last.SimulatedMs, 4);
        Assert.Equal(src.TotalSpikes, stats.Spikes);
        Assert.Equal(500, net.CurrentStep);
        Assert.Equal("duration", Assert.Throws<ArgumentOutOfRangeException>(() => net.Run(-1f)).ParamName);
        Assert.Equal("rateHz", Assert.Throws<ArgumentOutOfRangeException>(() => src.RateHz = 20000f).ParamName);
    }

    [Fact]
    public void PopulationStates_AreTheModelsStatesOnly()
    {
        using var net = new SpikingNetwork(1f);
        var plif = net.AddPopulation("plif", 3, n => new Plif().CreateLayer(1, n, 1f));   // a learnable layer: Parameters is a span too
        Assert.Equal(new[] { "V" }, plif.StateNames);
        var alif = net.AddPopulation("alif", 3, n => new Alif().CreateLayer(1, n, 1f));
        Assert.Equal(new[] { "Eta", "U" }, alif.StateNames.Order());   // per-neuron learnables: Parameters holds 2 x neurons values
    }
}
