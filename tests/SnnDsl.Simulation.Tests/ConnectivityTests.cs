using System;
using System.Linq;
using SnnDsl.Simulation;
using SnnDsl.Synapses;

namespace SnnDsl.Simulation.Tests;

public sealed class ConnectivityTests
{
    private static SynapseTable Build(Connectivity c, int sources, int targets, int? diagonal = null, ulong key = 12345) =>
        c.Build(sources, targets, diagonal, key);

    private static void AssertRowsSortedAndDistinct(SynapseTable t)
    {
        Assert.Equal(t.Sources + 1, t.RowStart.Length);
        Assert.Equal(0, t.RowStart[0]);
        Assert.Equal(t.Count, t.RowStart[^1]);
        for (int i = 0; i < t.Sources; i++)
            for (int q = t.RowStart[i] + 1; q < t.RowStart[i + 1]; q++) Assert.True(t.Target[q - 1] < t.Target[q]);
    }

    [Fact]
    public void FixedProbability_HasTheBinomialCount_DistinctSortedTargets_AndDependsOnlyOnTheKey()
    {
        // 2,000 x 3,000 pairs at p = 0.02: mean 120,000 synapses, sd sqrt(n p (1 - p)) = 342.9; allow 5 sd.
        var t = Build(Connectivity.FixedProbability(0.02), 2000, 3000);
        Assert.InRange(t.Count, 120_000 - 5 * 343, 120_000 + 5 * 343);
        AssertRowsSortedAndDistinct(t);
        Assert.True(t.Target.All(j => j >= 0 && j < 3000));
        // Rows are independent streams, so the mean in-degree per target is p * sources = 40 and every column is hit.
        var inDegree = new int[3000];
        foreach (int j in t.Target) inDegree[j]++;
        Assert.InRange(inDegree.Average(), 39, 41);
        var again = Build(Connectivity.FixedProbability(0.02), 2000, 3000);
        Assert.Equal(t.Target, again.Target);
        var other = Build(Connectivity.FixedProbability(0.02), 2000, 3000, key: 999);
        Assert.NotEqual(t.Target, other.Target);
    }

    [Fact]
    public void FixedProbability_EdgesAndSelfConnections()
    {
        Assert.Equal(0, Build(Connectivity.FixedProbability(0), 50, 50).Count);
        var full = Build(Connectivity.FixedProbability(1), 7, 9);
        Assert.Equal(63, full.Count);
        var noSelf = Build(Connectivity.FixedProbability(1, selfConnections: false), 10, 10, diagonal: 0);
        Assert.Equal(90, noSelf.Count);
        for (int i = 0; i < 10; i++)
            Assert.DoesNotContain(i, noSelf.Target[noSelf.RowStart[i]..noSelf.RowStart[i + 1]]);
        // A source range starting at 4 of the same population: source i is neuron 4 + i.
        var shifted = Build(Connectivity.FixedProbability(1, selfConnections: false), 3, 10, diagonal: 4);
        for (int i = 0; i < 3; i++)
            Assert.DoesNotContain(4 + i, shifted.Target[shifted.RowStart[i]..shifted.RowStart[i + 1]]);
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => Connectivity.FixedProbability(1.5)).ParamName);
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => Connectivity.FixedProbability(double.NaN)).ParamName);
    }

    [Fact]
    public void FixedInDegree_GivesEachTargetExactlyKDistinctSources()
    {
        var t = Build(Connectivity.FixedInDegree(25, selfConnections: false), 300, 200, diagonal: 0);
        Assert.Equal(25 * 200, t.Count);
        AssertRowsSortedAndDistinct(t);
        var sourcesOf = Enumerable.Range(0, 200).Select(_ => new System.Collections.Generic.List<int>()).ToArray();
        for (int i = 0; i < 300; i++)
            for (int q = t.RowStart[i]; q < t.RowStart[i + 1]; q++) sourcesOf[t.Target[q]].Add(i);
        for (int j = 0; j < 200; j++)
        {
            Assert.Equal(25, sourcesOf[j].Distinct().Count());
            Assert.DoesNotContain(j, sourcesOf[j]);
        }
        Assert.Equal("inDegree", Assert.Throws<ArgumentOutOfRangeException>(() => Build(Connectivity.FixedInDegree(11, false), 11, 11, diagonal: 0)).ParamName);
        Assert.Equal(121, Build(Connectivity.FixedInDegree(11), 11, 11, diagonal: 0).Count);
    }

    [Fact]
    public void DenseOneToOneAndLists()
    {
        var dense = Build(Connectivity.Dense(selfConnections: false), 4, 4, diagonal: 0);
        Assert.Equal(new[] { 1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2 }, dense.Target);
        var one = Build(Connectivity.OneToOne(), 5, 5);
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, one.Target);
        Assert.Throws<ArgumentException>(() => Build(Connectivity.OneToOne(), 5, 6));
        // Explicit (i, j, w): reordered by source, stable within a source.
        var list = Build(Connectivity.FromList([2, 0, 2, 1], [1, 3, 0, 2], [0.1f, 0.2f, 0.3f, 0.4f]), 3, 4);
        Assert.Equal(new[] { 0, 1, 2, 4 }, list.RowStart);
        Assert.Equal(new[] { 3, 2, 1, 0 }, list.Target);
        Assert.Equal(new[] { 0.2f, 0.4f, 0.1f, 0.3f }, list.Weights);
        Assert.Equal("j", Assert.Throws<ArgumentException>(() => Connectivity.FromList([0], [0, 1], [1f])).ParamName);
        Assert.Equal("i", Assert.Throws<ArgumentOutOfRangeException>(() => Build(Connectivity.FromList([3], [0], [1f]), 3, 4)).ParamName);
    }

    [Fact]
    public void Projection_WeightsAreSharedOrPerSynapse_AndTheIncomingIndexInvertsTheTable()
    {
        using var net = new SpikingNetwork(0.1f, seed: 5);
        var src = net.AddPoissonGroup("src", 40, 10f);
        var cells = net.AddPopulation("cells", 30, n => new Counter().CreateLayer(1, n, 0.1f));
        var p = net.Connect(src.Range(10, 20), cells, new ExpCurrent(), Connectivity.FixedProbability(0.3), weight: 0.25f);
        Assert.Equal(20, p.Table.Sources);
        Assert.True(p.Weights.All(w => w == 0.25f));
        Assert.Equal(p.Count, p.Weights.Length);
        p.IncomingSynapses(out var start, out var syn);
        Assert.Equal(p.Count, syn.Length);
        for (int j = 0; j < 30; j++)
            for (int k = start[j]; k < start[j + 1]; k++) Assert.Equal(j, p.Table.Target[syn[k]]);
    }

    /// <summary>
    /// Each rule computes its (expected) synapse count before allocating and refuses one beyond
    /// Array.MaxLength with an ArgumentException naming the sizes, the rule's parameter and the count,
    /// allocating next to nothing (the row offsets of 100,001 sources are 400 KB).
    /// </summary>
    [Fact]
    public void Rules_RefuseASynapseCountNoTableCanHold_BeforeAllocating()
    {
        static ArgumentException Refused(Connectivity c, int sources, int targets, int? diagonal = null)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<ArgumentException>(() => c.Build(sources, targets, diagonal, 7));
            Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 16L << 20);
            Assert.Equal("connectivity", e.ParamName);
            Assert.Contains($"{sources} sources", e.Message);
            Assert.Contains($"{targets} targets", e.Message);
            Assert.Contains(Array.MaxLength.ToString(), e.Message);
            return e;
        }

        Assert.Contains("10000000000 synapses", Refused(Connectivity.Dense(), 100_000, 100_000).Message);
        // Without self-connections the diagonal of a shared population is not counted: 100,000^2 - 100,000.
        Assert.Contains("9999900000 synapses", Refused(Connectivity.Dense(selfConnections: false), 100_000, 100_000, diagonal: 0).Message);
        var p = Refused(Connectivity.FixedProbability(0.5), 100_000, 100_000);
        Assert.Contains("p = 0.5", p.Message);
        Assert.Contains("5000000000 synapses", p.Message);
        var k = Refused(Connectivity.FixedInDegree(50_000), 100_000, 100_000);
        Assert.Contains("k = 50000", k.Message);
        Assert.Contains("5000000000 synapses", k.Message);
        // 46,341^2 = 2,147,488,281 overflows an int but not the check.
        Assert.Contains("2147488281 synapses", Refused(Connectivity.Dense(), 46_341, 46_341).Message);
        // Just below the limit the count is fine (p = 1e-6 of 10^10 pairs: about 10,000 synapses).
        Assert.InRange(Build(Connectivity.FixedProbability(1e-6), 100_000, 100_000).Count, 9_000, 11_000);
        Assert.Equal("sources", Assert.Throws<ArgumentOutOfRangeException>(() => Build(Connectivity.OneToOne(), int.MaxValue, 1)).ParamName);
    }

    [Fact]
    public void FromList_RefusesNonFiniteWeightsAndNegativeIndices_ByName()
    {
        var nan = Assert.Throws<ArgumentOutOfRangeException>(() => Connectivity.FromList([0, 1], [0, 0], [1f, float.NaN]));
        Assert.Equal("w", nan.ParamName);
        Assert.Contains("Synapse 1", nan.Message);
        Assert.Equal("w", Assert.Throws<ArgumentOutOfRangeException>(() => Connectivity.FromList([0], [0], [float.PositiveInfinity])).ParamName);
        Assert.Equal("i", Assert.Throws<ArgumentOutOfRangeException>(() => Connectivity.FromList([-1], [0], [1f])).ParamName);
        Assert.Equal("j", Assert.Throws<ArgumentOutOfRangeException>(() => Connectivity.FromList([0], [-2], [1f])).ParamName);
        Assert.Equal("j", Assert.Throws<ArgumentOutOfRangeException>(() => Build(Connectivity.FromList([0], [4], [1f]), 3, 4)).ParamName);
    }
}
