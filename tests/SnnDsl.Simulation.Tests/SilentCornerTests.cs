using System;
using System.Diagnostics;
using System.Linq;
using SnnDsl.Simulation;
using SnnDsl.Synapses;

namespace SnnDsl.Simulation.Tests;

/// <summary>Corners of the network engine that used to pass silently (issue 13): each is now refused by name or bounded.</summary>
public sealed class SilentCornerTests
{
    private const float Dt = 0.1f;

    [Theory]
    [InlineData(5, 10)]   // runs past the end
    [InlineData(-1, 3)]   // starts before the first neuron
    [InlineData(0, 0)]    // empty
    [InlineData(10, 1)]   // starts past the end
    public void HandBuiltRange_OutsideItsPopulation_IsRefusedByConnect(int start, int count)
    {
        using var net = new SpikingNetwork(Dt);
        var src = net.AddPoissonGroup("src", 10, 10f);
        var cells = net.AddPopulation("cells", 4, n => new Counter().CreateLayer(1, n, Dt));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            net.Connect(new NeuronRange(src, start, count), cells, new ExpCurrent(), Connectivity.Dense(), weight: 1f));
        Assert.Equal("source", e.ParamName);
        Assert.Contains($"Start = {start}, Count = {count}", e.Message);
        Assert.Contains("'src' of 10 neurons", e.Message);
        Assert.Empty(net.Projections);
        // A hand-built range inside the population is accepted.
        Assert.Equal(6, net.Connect(new NeuronRange(src, 4, 6), cells, new ExpCurrent(), Connectivity.Dense(), 1f).Table.Sources);
    }

    [Fact]
    public void Monitors_RefuseAnIndexOutsideWhatTheyRecorded()
    {
        using var net = new SpikingNetwork(Dt);
        var src = net.AddSpikeGenerator("src", 2, [0, 1], [1, 2]);
        var cells = net.AddPopulation("cells", 3, n => new Counter().CreateLayer(1, n, Dt));
        net.Connect(src, cells, new DeltaCurrent(), Connectivity.Dense(), weight: 1f);
        var state = net.MonitorState(cells, "V", [0, 2]);
        var spikes = net.MonitorSpikes(src);
        net.RunSteps(5);
        Assert.Equal(5, state.Trace(1).Length);
        foreach (int k in new[] { 2, -1, int.MaxValue })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => state.Trace(k));
            Assert.Equal("k", e.ParamName);
            Assert.Contains("[0, 2)", e.Message);
        }
        Assert.Equal(3 * (double)Dt, spikes.TimeMs(1), 6);
        var t = Assert.Throws<ArgumentOutOfRangeException>(() => spikes.TimeMs(2));
        Assert.Equal("k", t.ParamName);
        Assert.Contains("[0, 2)", t.Message);
    }

    [Fact]
    public void StateMonitor_TooManySamplesTimesNeurons_IsRefusedByNameWithTheNumbers()
    {
        using var net = new SpikingNetwork(Dt);
        var cells = net.AddPopulation("cells", 3, n => new Counter().CreateLayer(1, n, Dt));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.MonitorState(cells, "V", [0, 1, 2], maxSamples: int.MaxValue));
        Assert.Equal("maxSamples", e.ParamName);
        Assert.Contains($"{int.MaxValue} x 3 = {3L * int.MaxValue}", e.Message);
    }

    [Fact]
    public void SetRates_ARefusedCallChangesNothing()
    {
        using var net = new SpikingNetwork(Dt);
        var input = net.AddPoissonInput("in", 3);
        input.SetRates([1f, 2f, 3f]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => input.SetRates([5f, 6f, -1f]));
        Assert.Equal("ratesHz", e.ParamName);
        Assert.Equal(new[] { 1f, 2f, 3f }, input.RatesHz.ToArray());
        // A silent input stays silent when the call that would wake it is refused.
        input.Silence();
        Assert.Throws<ArgumentOutOfRangeException>(() => input.SetRates([10_000f, 10_000f, float.NaN]));
        Assert.Equal(new[] { 0f, 0f, 0f }, input.RatesHz.ToArray());
        var spikes = net.MonitorSpikes(input);
        net.RunSteps(50);
        Assert.Equal(0, spikes.Count);
    }

    [Fact]
    public void Threads_AreCappedAtTheBlocksOfWork()
    {
        int before = Process.GetCurrentProcess().Threads.Count;
        using var net = new SpikingNetwork(Dt, threads: 1000);
        Assert.Equal(1000, net.Threads);
        Assert.Equal(1, net.EffectiveThreads);   // nothing to do yet
        var src = net.AddPoissonGroup("src", 100, 200f);
        var cells = net.AddPopulation("cells", 1500, n => new Counter().CreateLayer(1, n, Dt)); // two blocks
        net.Connect(src, cells, new DeltaCurrent(), Connectivity.FixedProbability(0.1), weight: 1f);
        Assert.Equal(3, net.EffectiveThreads);
        net.RunSteps(20);
        // Two pool threads besides the caller, not 999 (allow for other tests' threads coming and going).
        Assert.InRange(Process.GetCurrentProcess().Threads.Count - before, -100, 50);
        // Adding work after a run raises the count (and the pool follows); results match one thread.
        var more = net.AddPoissonGroup("more", 10, 10f);
        Assert.Equal(4, net.EffectiveThreads);
        net.RunSteps(20);
        float[] v = new float[1500];
        cells.GetState("V", v);

        using var serial = new SpikingNetwork(Dt, threads: 1);
        var src1 = serial.AddPoissonGroup("src", 100, 200f);
        var cells1 = serial.AddPopulation("cells", 1500, n => new Counter().CreateLayer(1, n, Dt));
        serial.Connect(src1, cells1, new DeltaCurrent(), Connectivity.FixedProbability(0.1), weight: 1f);
        serial.RunSteps(20);
        serial.AddPoissonGroup("more", 10, 10f);
        serial.RunSteps(20);
        float[] v1 = new float[1500];
        cells1.GetState("V", v1);
        Assert.Equal(v1, v);
        Assert.True(v.Sum() > 0);
    }

    /// <summary>
    /// A shared-delay ring holds one slot per delay step for the sources that have synapses only: ten synapses
    /// from a range of 100,000 sources at a delay of 200 steps need 200 x 10 entries, not 200 x 100,000 (80 MB).
    /// Spikes of sources without synapses are dropped at the door (they deliver nothing), so delivery is unchanged.
    /// </summary>
    [Fact]
    public void SharedDelayRing_IsSizedByTheSourcesWithSynapses()
    {
        const int sources = 100_000;
        using var net = new SpikingNetwork(Dt, maxDelay: 20f);
        var src = net.AddSpikeGenerator("src", sources, [3, 50_000, 99_999, 3], [2, 2, 2, 7]);
        var cells = net.AddPopulation("cells", 2, n => new Counter().CreateLayer(1, n, Dt));
        int[] from = Enumerable.Range(0, 10).Select(k => k * 10 + 3).ToArray(); // 3, 13, ..., 93
        int[] to = from.Select(k => k % 2).ToArray();
        float[] w = from.Select(k => 1f).ToArray();
        long bytes = GC.GetAllocatedBytesForCurrentThread();
        var p = net.Connect(src, cells, new DeltaCurrent(), Connectivity.FromList(from, to, w), delay: 20f);
        bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
        Assert.InRange(bytes, 0, 4L << 20); // the row offsets and the spike buffer of the range (0.8 MB), no ring of 80 MB
        Assert.Equal(200L * 10, p.DelayRingCapacity);
        var arrivals = new System.Collections.Generic.List<(int Step, float Input)>();
        for (int step = 0; step < 230; step++)
        {
            net.RunSteps(1);
            if (cells.LastInput[1] != 0) arrivals.Add((step, cells.LastInput[1] * Dt));
            Assert.Equal(0f, cells.LastInput[0]);
        }
        Assert.Equal([(202, 1f), (207, 1f)], arrivals);
        Assert.Equal(2, p.Events);
    }

    [Fact]
    public void PerSynapseDelayRing_StartsNoLargerThanTheTable()
    {
        using var net = new SpikingNetwork(Dt, maxDelay: 20f);
        var src = net.AddSpikeGenerator("src", 4, [0], [1]);
        var cells = net.AddPopulation("cells", 2, n => new Counter().CreateLayer(1, n, Dt));
        var p = net.Connect(src, cells, new DeltaCurrent(), Connectivity.FromList([0, 1], [0, 1], [1f, 1f], [0.1f, 20f]));
        Assert.Equal(200L * 2, p.DelayRingCapacity);
    }

    [Fact]
    public void Sizes_BeyondOneArray_AreRefusedByNameBeforeAllocating()
    {
        using var net = new SpikingNetwork(Dt);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal("size", Assert.Throws<ArgumentOutOfRangeException>(() => net.AddPoissonGroup("p", int.MaxValue, 1f)).ParamName);
        Assert.Equal("size", Assert.Throws<ArgumentOutOfRangeException>(() => net.AddPoissonInput("q", int.MaxValue)).ParamName);
        var pop = Assert.Throws<ArgumentOutOfRangeException>(() => net.AddPopulation("c", int.MaxValue, n => new Counter().CreateLayer(1, n, Dt)));
        Assert.Equal("size", pop.ParamName);
        Assert.Contains(Array.MaxLength.ToString(), pop.Message);
        var cells = net.AddPopulation("cells", 3, n => new Counter().CreateLayer(1, n, Dt));
        Assert.Equal("capacity", Assert.Throws<ArgumentOutOfRangeException>(() => net.MonitorSpikes(cells, capacity: int.MaxValue)).ParamName);
        Assert.Equal("capacity", Assert.Throws<ArgumentOutOfRangeException>(() => net.MonitorRate(cells, capacity: int.MaxValue)).ParamName);
        Assert.Equal("bin", Assert.Throws<ArgumentOutOfRangeException>(() => net.MonitorRate(cells, bin: 1e12f)).ParamName);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 16L << 20);
    }
}
