using System;

namespace SnnDsl.Simulation;

/// <summary>
/// A hook called once per step, after the projection delivered its spikes: the place where a
/// plasticity rule (issue 8) updates <see cref="Projection.Weights"/> event-driven from the
/// presynaptic spikes emitted this step and the postsynaptic spikes of this step.
/// </summary>
public interface IProjectionObserver
{
    /// <summary>Called after delivery in step <paramref name="step"/>.</summary>
    /// <param name="projection">The projection (weights mutable, CSR readable, <see cref="Projection.IncomingSynapses"/> for post-spike lookups).</param>
    /// <param name="step">The step just completed (0-based).</param>
    /// <param name="preSpikes">Sources (indices within the projection's source range) that spiked in this step, ascending.</param>
    /// <param name="postSpikes">Targets that spiked in this step, ascending.</param>
    void OnStep(Projection projection, long step, ReadOnlySpan<int> preSpikes, ReadOnlySpan<int> postSpikes);
}

/// <summary>
/// Synapses from a range of a <see cref="SpikeSource"/> to a <see cref="NeuronPopulation"/>, of one
/// <c>[Synapse]</c> type: a CSR table ordered by source, one weight and delay (in whole steps) per
/// synapse, the synapse model's per-target state, and a ring buffer of pending spikes. Propagation
/// is event-driven: each step only the rows of sources that spiked are read.
/// </summary>
/// <remarks>
/// Timing: a spike emitted in step t with a delay of d steps is applied (<c>[OnPre]</c>) at the end
/// of step t + d - 1, so the target's input first changes in step t + d. One step (the minimum) is
/// Brian2's zero delay: the spike acts on the membrane in the next step, as in NEST whose minimum delay is also one step.
/// <para>Not thread-safe: its network reads and (with plasticity) changes its weights and synapse states during a run; read or change them between runs, from the thread that runs the network.</para>
/// </remarks>
public sealed class Projection
{
    private readonly int[] _delaySteps;   // per synapse
    private readonly int _sharedDelay;    // > 0 when every synapse has the same delay
    private readonly int _ring;           // ring buffer length in steps
    // Shared delay: per slot, the sources (range-local) with at least one synapse that spiked: each slot holds
    // one step's spikes, so it needs room for the sources that have synapses only (not the whole range).
    private readonly int[][]? _slotSources;
    private readonly int[]? _slotSourceCounts;
    // Per-synapse delays: per slot, the synapses to deliver (grows on demand, amortised).
    private readonly int[][]? _slotSynapses;
    private readonly int[]? _slotSynapseCounts;
    private readonly int[] _preBuffer;
    private int[]? _incomingStart, _incomingSynapse;

    internal Projection(int index, NeuronRange source, NeuronPopulation target, ISynapseTargets synapses, SynapseTable table,
        float weight, float[]? delaysMs, float sharedDelayMs, float dtMs, int maxDelaySteps)
    {
        Index = index;
        Source = source;
        Target = target;
        Synapses = synapses;
        Table = table;
        Weights = table.Weights ?? NewFilled(table.Count, weight);
        _delaySteps = new int[table.Count];
        int max = 1;
        if (delaysMs is null)
        {
            int d = ToSteps(sharedDelayMs, dtMs, maxDelaySteps, "delay");
            Array.Fill(_delaySteps, d);
            _sharedDelay = d;
            max = d;
        }
        else
        {
            int first = -1;
            bool same = true;
            for (int k = 0; k < delaysMs.Length; k++)
            {
                int d = ToSteps(delaysMs[k], dtMs, maxDelaySteps, "delays");
                _delaySteps[k] = d;
                if (first < 0) first = d;
                same &= d == first;
                if (d > max) max = d;
            }
            _sharedDelay = same ? Math.Max(first, 1) : 0;
            if (same) max = _sharedDelay;
        }
        _ring = max;
        if (_sharedDelay > 0)
        {
            int connected = 0;
            for (int i = 0; i < table.Sources; i++) if (table.RowStart[i + 1] > table.RowStart[i]) connected++;
            _slotSources = new int[_ring][];
            _slotSourceCounts = new int[_ring];
            for (int s = 0; s < _ring; s++) _slotSources[s] = new int[connected];
        }
        else
        {
            // A synapse is in a slot at most once, so a small table never needs more than its size.
            _slotSynapses = new int[_ring][];
            _slotSynapseCounts = new int[_ring];
            for (int s = 0; s < _ring; s++) _slotSynapses[s] = new int[Math.Clamp(table.Count, 1, 64)];
        }
        _preBuffer = new int[source.Count];
        Readers = target.CreateReaders(synapses.TargetStates);
    }

    private static float[] NewFilled(int n, float value)
    {
        var a = new float[n];
        Array.Fill(a, value);
        return a;
    }

    /// <summary>Converts a delay in ms to whole steps, refusing delays below one step, above the maximum, or between steps.</summary>
    internal static int ToSteps(float delayMs, float dtMs, int maxDelaySteps, string argument)
    {
        if (float.IsNaN(delayMs) || delayMs < dtMs * (1 - 1e-4f))
            throw new ArgumentOutOfRangeException(argument, delayMs, $"A delay must be at least one time step ({dtMs} ms): spikes are delivered in whole steps, and one step is the shortest (Brian2's zero delay). Use a delay of {dtMs} ms or more.");
        double steps = Math.Round(delayMs / (double)dtMs);
        if (steps > maxDelaySteps)
            throw new ArgumentOutOfRangeException(argument, delayMs, $"The delay {delayMs} ms ({steps} steps) is longer than the network's maximum delay ({maxDelaySteps * dtMs} ms = {maxDelaySteps} steps); raise maxDelay when creating the SpikingNetwork.");
        if (Math.Abs(steps * dtMs - delayMs) > 1e-3 * dtMs)
            throw new ArgumentException($"The delay {delayMs} ms is not a whole number of time steps of {dtMs} ms; delays are delivered in whole steps, so use a multiple of dt (e.g. {steps * dtMs} ms).", argument);
        return (int)steps;
    }

    /// <summary>The projection's index in its network (part of its connectivity seed).</summary>
    public int Index { get; }

    /// <summary>The presynaptic neurons.</summary>
    public NeuronRange Source { get; }

    /// <summary>The postsynaptic population.</summary>
    public NeuronPopulation Target { get; }

    /// <summary>The synapse model's per-target state (e.g. the current I of an <c>ExpCurrent</c> for every target neuron).</summary>
    public ISynapseTargets Synapses { get; }

    /// <summary>The synapses, ordered by source.</summary>
    public SynapseTable Table { get; }

    /// <summary>The number of synapses.</summary>
    public int Count => Table.Count;

    /// <summary>One weight per synapse, in <see cref="Table"/> order; mutable (read when a spike is delivered).</summary>
    public float[] Weights { get; }

    /// <summary>The delay of synapse <paramref name="synapse"/> in steps.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="synapse"/> is not in [0, Count).</exception>
    public int DelaySteps(int synapse) =>
        (uint)synapse < (uint)_delaySteps.Length ? _delaySteps[synapse]
            : throw new ArgumentOutOfRangeException(nameof(synapse), synapse, $"synapse must be in [0, {_delaySteps.Length}).");

    /// <summary>
    /// The entries of the delay ring over all its slots (4 bytes each), for memory accounting: with one delay for
    /// every synapse, delay steps x the sources that have at least one synapse (fixed, so a run allocates nothing);
    /// with per-synapse delays, delay steps x at most 64 at first, each slot growing with the synapses in flight.
    /// </summary>
    public long DelayRingCapacity
    {
        get
        {
            long n = 0;
            foreach (var slot in _slotSources ?? _slotSynapses!) n += slot.Length;
            return n;
        }
    }

    /// <summary>Called once per step after delivery (plasticity, custom recording); null for none.</summary>
    public IProjectionObserver? Observer { get; set; }

    /// <summary>Spikes delivered to targets ([OnPre] calls) since construction or the last reset.</summary>
    public long Events { get; private set; }

    internal ITargetStateReader[] Readers { get; }

    /// <summary>The index of the target port in <see cref="NeuronPopulation.Ports"/>.</summary>
    internal int PortIndex { get; init; }

    /// <summary>
    /// For each target, the synapses that end on it (CSC view, built on first use in O(synapses)):
    /// <paramref name="start"/> has Targets + 1 offsets into <paramref name="synapses"/>, which lists synapse indices in ascending order.
    /// </summary>
    public void IncomingSynapses(out ReadOnlySpan<int> start, out ReadOnlySpan<int> synapses)
    {
        if (_incomingStart is null)
        {
            var st = new int[Table.Targets + 1];
            foreach (int t in Table.Target) st[t + 1]++;
            for (int j = 0; j < Table.Targets; j++) st[j + 1] += st[j];
            var fill = (int[])st.Clone();
            var syn = new int[Table.Count];
            for (int k = 0; k < Table.Count; k++) syn[fill[Table.Target[k]]++] = k;
            _incomingSynapse = syn;
            _incomingStart = st;
        }
        start = _incomingStart;
        synapses = _incomingSynapse;
    }

    /// <summary>Queues this step's source spikes and delivers those due now (serial, after the neuron update).</summary>
    internal void Propagate(long step)
    {
        var spikes = Source.Source.LastSpikes;
        int lo = Source.Start, hi = Source.Start + Source.Count, n = 0;
        foreach (int s in spikes)
            if (s >= lo && s < hi) _preBuffer[n++] = s - lo;
        var pre = _preBuffer.AsSpan(0, n);
        int now = (int)(step % _ring);
        var rows = Table.RowStart;
        var targets = Table.Target;
        var weights = Weights;
        var syn = Synapses;
        long events = 0;
        if (_sharedDelay > 0)
        {
            int slot = (int)((step + _sharedDelay - 1) % _ring);
            var queue = _slotSources![slot];
            int queued = _slotSourceCounts![slot];
            foreach (int s in pre)
                if (rows[s + 1] > rows[s]) queue[queued++] = s; // a source without synapses delivers nothing
            _slotSourceCounts[slot] = queued;
            var due = _slotSources[now];
            for (int k = 0, c = _slotSourceCounts[now]; k < c; k++)
            {
                int s = due[k];
                for (int q = rows[s], e = rows[s + 1]; q < e; q++) syn.OnPre(targets[q], weights[q]);
                events += rows[s + 1] - rows[s];
            }
            _slotSourceCounts[now] = 0;
        }
        else
        {
            foreach (int s in pre)
            {
                for (int q = rows[s], e = rows[s + 1]; q < e; q++)
                {
                    int slot = (int)((step + _delaySteps[q] - 1) % _ring);
                    ref int[] list = ref _slotSynapses![slot];
                    ref int count = ref _slotSynapseCounts![slot];
                    if (count == list.Length) Array.Resize(ref list, list.Length * 2);
                    list[count++] = q;
                }
            }
            var due = _slotSynapses![now];
            int c = _slotSynapseCounts![now];
            for (int k = 0; k < c; k++)
            {
                int q = due[k];
                syn.OnPre(targets[q], weights[q]);
            }
            events += c;
            _slotSynapseCounts[now] = 0;
        }
        Events += events;
        Observer?.OnStep(this, step, pre, Target.LastSpikes);
    }

    internal void ResetState()
    {
        Synapses.Reset();
        Events = 0;
        if (_slotSourceCounts is not null) Array.Clear(_slotSourceCounts);
        if (_slotSynapseCounts is not null) Array.Clear(_slotSynapseCounts);
    }
}
