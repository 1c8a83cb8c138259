using System;
using System.Collections.Generic;
using SnnDsl.Kernels;

namespace SnnDsl.Simulation;

/// <summary>
/// The synapses of one projection in compressed sparse row form, ordered by presynaptic neuron:
/// the synapses of source <c>i</c> are <c>[RowStart[i], RowStart[i + 1])</c>, each with its target.
/// Indices are local to the projection's source range and target population.
/// </summary>
public sealed class SynapseTable
{
    internal SynapseTable(int sources, int targets, int[] rowStart, int[] target, float[]? weights, float[]? delays)
    {
        Sources = sources; Targets = targets; RowStart = rowStart; Target = target; Weights = weights; Delays = delays;
    }

    /// <summary>Presynaptic neurons (rows).</summary>
    public int Sources { get; }

    /// <summary>Postsynaptic neurons.</summary>
    public int Targets { get; }

    /// <summary>Row offsets, <see cref="Sources"/> + 1 values.</summary>
    public int[] RowStart { get; }

    /// <summary>The target of each synapse.</summary>
    public int[] Target { get; }

    /// <summary>Per-synapse weights from an explicit list, or null (the projection's shared weight).</summary>
    public float[]? Weights { get; }

    /// <summary>Per-synapse delays in ms from an explicit list, or null (the projection's shared delay).</summary>
    public float[]? Delays { get; }

    /// <summary>The number of synapses.</summary>
    public int Count => Target.Length;
}

/// <summary>
/// How a projection's synapses are chosen. Random rules draw from <see cref="SnnRandom"/> keyed by
/// the network seed, the projection's index and the neuron, so a network is the same for any thread
/// count and no dense matrix is ever built: memory and time are O(synapses).
/// </summary>
public abstract class Connectivity
{
    private protected Connectivity() { }

    /// <summary>Every source to every target (<paramref name="selfConnections"/>: whether neuron i connects to itself when source and target are the same population).</summary>
    public static Connectivity Dense(bool selfConnections = true) => new DenseRule(selfConnections);

    /// <summary>Source i to target i; source and target must have the same size.</summary>
    public static Connectivity OneToOne() => new OneToOneRule();

    /// <summary>
    /// Each (source, target) pair independently with probability <paramref name="p"/> (Brian2's
    /// <c>connect(p=...)</c>). Built row by row by geometric skipping: one draw per synapse.
    /// </summary>
    /// <param name="p">Connection probability in [0, 1].</param>
    /// <param name="selfConnections">Whether neuron i may connect to itself when source and target are the same population (Brian2 allows it; default true).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public static Connectivity FixedProbability(double p, bool selfConnections = true)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "The connection probability must be in [0, 1].");
        return new ProbabilityRule(p, selfConnections);
    }

    /// <summary>Each target receives exactly <paramref name="inDegree"/> distinct sources drawn uniformly (NEST's <c>fixed_indegree</c>).</summary>
    /// <param name="inDegree">Inputs per target, at least 0 and at most the number of candidate sources.</param>
    /// <param name="selfConnections">Whether neuron i may be its own input when source and target are the same population.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inDegree"/> is negative.</exception>
    public static Connectivity FixedInDegree(int inDegree, bool selfConnections = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inDegree);
        return new InDegreeRule(inDegree, selfConnections);
    }

    /// <summary>Explicit synapses: source <paramref name="i"/>[k] to target <paramref name="j"/>[k] with weight <paramref name="w"/>[k] and, optionally, delay <paramref name="delays"/>[k] (ms).</summary>
    /// <remarks>
    /// Indices are checked against the source range and target population when the projection is built
    /// (<see cref="Build"/>); negative indices and non-finite weights are refused here, as
    /// <see cref="SpikingNetwork.Connect"/> refuses a non-finite shared weight. Delays are checked when the
    /// projection is built (at least one step, at most the network's maximum, whole steps).
    /// </remarks>
    /// <exception cref="ArgumentException">The lists differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index in <paramref name="i"/> or <paramref name="j"/> is negative, or a weight is NaN or infinite.</exception>
    public static Connectivity FromList(ReadOnlySpan<int> i, ReadOnlySpan<int> j, ReadOnlySpan<float> w, ReadOnlySpan<float> delays = default)
    {
        if (j.Length != i.Length) throw new ArgumentException($"j holds {j.Length} targets but i holds {i.Length} sources; give one (i, j, w) triple per synapse.", nameof(j));
        if (w.Length != i.Length) throw new ArgumentException($"w holds {w.Length} weights but i holds {i.Length} sources; give one (i, j, w) triple per synapse.", nameof(w));
        if (!delays.IsEmpty && delays.Length != i.Length) throw new ArgumentException($"delays holds {delays.Length} values but i holds {i.Length} sources; give one delay per synapse or none.", nameof(delays));
        for (int k = 0; k < i.Length; k++)
        {
            if (i[k] < 0) throw new ArgumentOutOfRangeException(nameof(i), i[k], $"Synapse {k}: the source index {i[k]} is negative; indices count from 0 within the source range.");
            if (j[k] < 0) throw new ArgumentOutOfRangeException(nameof(j), j[k], $"Synapse {k}: the target index {j[k]} is negative; indices count from 0 within the target population.");
            if (!float.IsFinite(w[k])) throw new ArgumentOutOfRangeException(nameof(w), w[k], $"Synapse {k}: the weight {w[k]} is not finite; every weight must be a finite number.");
        }
        return new ListRule(i.ToArray(), j.ToArray(), w.ToArray(), delays.IsEmpty ? null : delays.ToArray());
    }

    /// <summary>
    /// Builds the table for <paramref name="sources"/> x <paramref name="targets"/> neurons, as
    /// <see cref="SpikingNetwork.Connect"/> does (it passes a key derived from the network seed and the projection's index).
    /// </summary>
    /// <param name="sources">Presynaptic neurons.</param>
    /// <param name="targets">Postsynaptic neurons.</param>
    /// <param name="diagonalOffset">When source and target are one population: the index of source 0 in it (the range start), so self-connections can be recognised; otherwise null.</param>
    /// <param name="key">The random stream (see <see cref="SnnDsl.Kernels.SnnRandom.StreamKey"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sources"/> or <paramref name="targets"/> is negative, or <paramref name="sources"/> is too large for the row offsets.</exception>
    /// <exception cref="ArgumentException">The rule would make more synapses than one table can hold (<see cref="Array.MaxLength"/>); refused before anything large is allocated.</exception>
    public SynapseTable Build(int sources, int targets, int? diagonalOffset, ulong key)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sources);
        ArgumentOutOfRangeException.ThrowIfNegative(targets);
        if (sources >= Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(sources), sources, $"A synapse table holds sources + 1 row offsets, at most {Array.MaxLength}; connect fewer sources (a smaller source range).");
        return BuildCore(sources, targets, diagonalOffset, key);
    }

    /// <summary>
    /// Refuses a synapse count (exact or expected) that no table can hold: the table's arrays have one
    /// element per synapse, at most <see cref="Array.MaxLength"/>.
    /// </summary>
    private protected static void CheckCount(long count, string rule, int sources, int targets, bool expected = false)
    {
        if (count > Array.MaxLength)
            throw new ArgumentException(
                $"{rule} over {sources} sources x {targets} targets {(expected ? "expects" : "makes")} {count} synapses, more than one projection can hold ({Array.MaxLength}); " +
                "split it into several projections of smaller source ranges or lower the connection density.", "connectivity");
    }

    private protected abstract SynapseTable BuildCore(int sources, int targets, int? diagonalOffset, ulong key);

    private static bool IsSelf(int i, int j, int? offset) => offset is int o && i + o == j;

    private sealed class DenseRule(bool self) : Connectivity
    {
        private protected override SynapseTable BuildCore(int sources, int targets, int? offset, ulong key)
        {
            // The exact count first: every pair, less the diagonal pairs when self-connections are excluded.
            long diagonal = 0;
            if (!self && offset is int o)
            {
                long lo = Math.Max(0, o), hi = Math.Min((long)sources + o, targets); // targets j = i + o with i in [0, sources)
                diagonal = Math.Max(0, hi - lo);
            }
            long count = checked((long)sources * targets - diagonal);
            CheckCount(count, "Dense connectivity", sources, targets);
            var rows = new int[sources + 1];
            var target = new int[count];
            int n = 0;
            for (int i = 0; i < sources; i++)
            {
                for (int j = 0; j < targets; j++)
                    if (self || !IsSelf(i, j, offset)) target[n++] = j;
                rows[i + 1] = n;
            }
            return new SynapseTable(sources, targets, rows, target, null, null);
        }
    }

    private sealed class OneToOneRule : Connectivity
    {
        private protected override SynapseTable BuildCore(int sources, int targets, int? offset, ulong key)
        {
            if (sources != targets)
                throw new ArgumentException($"One-to-one connectivity needs as many sources as targets, but has {sources} sources and {targets} targets; connect a source range of the target's size.", "connectivity");
            var rows = new int[sources + 1];
            var target = new int[sources];
            for (int i = 0; i < sources; i++) { target[i] = i; rows[i + 1] = i + 1; }
            return new SynapseTable(sources, targets, rows, target, null, null);
        }
    }

    private sealed class ProbabilityRule(double p, bool self) : Connectivity
    {
        private protected override SynapseTable BuildCore(int sources, int targets, int? offset, ulong key)
        {
            // The expected count p * sources * targets decides before anything is allocated; the list is
            // pre-sized for it (plus 5 %), and a draw that would still overflow a table is refused as it happens.
            double expected = p * sources * (double)targets;
            CheckCount((long)Math.Ceiling(expected), $"FixedProbability(p = {p})", sources, targets, expected: true);
            var rows = new int[sources + 1];
            var list = new List<int>((int)Math.Min(Array.MaxLength, expected * 1.05 + 16));
            double logQ = Math.Log(1 - p); // -inf for p = 1: every skip is 0
            for (int i = 0; i < sources; i++)
            {
                if (p > 0)
                {
                    long j = -1;
                    for (ulong draw = 0; ; draw++)
                    {
                        double u = SnnRandom.Uniform(key, (ulong)i, draw);
                        double skip = p >= 1 ? 0 : Math.Floor(Math.Log(1 - u) / logQ);
                        j += 1 + (long)Math.Min(skip, targets);
                        if (j >= targets) break;
                        if (self || !IsSelf(i, (int)j, offset))
                        {
                            if (list.Count == Array.MaxLength) CheckCount(list.Count + 1L, $"FixedProbability(p = {p})", sources, targets);
                            list.Add((int)j);
                        }
                    }
                }
                rows[i + 1] = list.Count;
            }
            return new SynapseTable(sources, targets, rows, list.ToArray(), null, null);
        }
    }

    private sealed class InDegreeRule(int k, bool self) : Connectivity
    {
        private protected override SynapseTable BuildCore(int sources, int targets, int? offset, ulong key)
        {
            // Floyd's sampling of k distinct sources per target (O(k) per target), then a counting
            // sort from target-major to the source-major rows: O(synapses) in all.
            if (k > sources)
                throw new ArgumentOutOfRangeException("inDegree", k, $"Each target can have at most {sources} distinct sources here; lower the in-degree.");
            CheckCount(checked((long)targets * k), $"FixedInDegree(k = {k})", sources, targets);
            var chosen = new int[targets * k];
            var set = new HashSet<int>();
            for (int j = 0; j < targets; j++)
            {
                int excluded = !self && offset is int o && j - o >= 0 && j - o < sources ? j - o : -1;
                int n = excluded >= 0 ? sources - 1 : sources;
                if (k > n)
                    throw new ArgumentOutOfRangeException("inDegree", k, $"Each target can have at most {n} distinct sources here; lower the in-degree or allow self-connections.");
                set.Clear();
                ulong draw = 0;
                for (int t = n - k; t < n; t++)
                {
                    int r = (int)(SnnRandom.Uniform(key, (ulong)j, draw++) * (double)(t + 1));
                    if (r > t) r = t;
                    set.Add(set.Contains(r) ? t : r);
                }
                int c = 0;
                foreach (int r in set) chosen[j * k + c++] = excluded >= 0 && r >= excluded ? r + 1 : r;
                Array.Sort(chosen, j * k, k);
            }
            var rows = new int[sources + 1];
            foreach (int s in chosen) rows[s + 1]++;
            for (int i = 0; i < sources; i++) rows[i + 1] += rows[i];
            var fill = (int[])rows.Clone();
            var target = new int[chosen.Length];
            for (int j = 0; j < targets; j++)
                for (int c = 0; c < k; c++) target[fill[chosen[j * k + c]]++] = j;
            return new SynapseTable(sources, targets, rows, target, null, null);
        }
    }

    private sealed class ListRule(int[] i, int[] j, float[] w, float[]? d) : Connectivity
    {
        private protected override SynapseTable BuildCore(int sources, int targets, int? offset, ulong key)
        {
            var rows = new int[sources + 1];
            for (int k = 0; k < i.Length; k++)
            {
                if ((uint)i[k] >= (uint)sources) throw new ArgumentOutOfRangeException("i", i[k], $"Synapse {k}: source {i[k]} is outside the source range [0, {sources}).");
                if ((uint)j[k] >= (uint)targets) throw new ArgumentOutOfRangeException("j", j[k], $"Synapse {k}: target {j[k]} is outside the target population [0, {targets}).");
                rows[i[k] + 1]++;
            }
            for (int s = 0; s < sources; s++) rows[s + 1] += rows[s];
            var fill = (int[])rows.Clone();
            var target = new int[i.Length];
            var weights = new float[i.Length];
            var delays = d is null ? null : new float[i.Length];
            for (int k = 0; k < i.Length; k++)
            {
                int at = fill[i[k]]++; // stable: synapses of a source keep the list's order
                target[at] = j[k];
                weights[at] = w[k];
                if (delays is not null) delays[at] = d![k];
            }
            return new SynapseTable(sources, targets, rows, target, weights, delays);
        }
    }
}
