using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using SnnDsl.Kernels;

namespace SnnDsl.Simulation;

/// <summary>A contiguous range of neurons of a <see cref="SpikeSource"/>, e.g. the 3,200 excitatory cells of CUBA's 4,000.</summary>
/// <param name="Source">The population.</param>
/// <param name="Start">The first neuron.</param>
/// <param name="Count">The number of neurons.</param>
public readonly record struct NeuronRange(SpikeSource Source, int Start, int Count)
{
    /// <summary>The whole population.</summary>
    public static implicit operator NeuronRange(SpikeSource source) => new(source ?? throw new ArgumentNullException(nameof(source)), 0, source.Size);
}

/// <summary>
/// Something that emits spikes each step: a <see cref="NeuronPopulation"/> or a <see cref="PoissonGroup"/>.
/// Its neurons are updated in fixed blocks of <see cref="SpikingNetwork.BlockSize"/>, so results do not
/// depend on how many threads share the blocks.
/// </summary>
public abstract class SpikeSource
{
    private protected readonly int[] _spikes;
    private protected readonly int[][] _blockSpikes;
    private protected readonly int[] _blockCounts;
    private int _spikeCount;

    private protected SpikeSource(string name, int size)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "A population needs at least 1 neuron.");
        Name = name;
        Size = size;
        Blocks = (size + SpikingNetwork.BlockSize - 1) / SpikingNetwork.BlockSize;
        _spikes = new int[size];
        _blockSpikes = new int[Blocks][];
        _blockCounts = new int[Blocks];
        for (int b = 0; b < Blocks; b++) _blockSpikes[b] = new int[BlockLength(b)];
    }

    /// <summary>The name given at creation.</summary>
    public string Name { get; }

    /// <summary>The number of neurons.</summary>
    public int Size { get; }

    /// <summary>The indices of the neurons that spiked in the last step, ascending.</summary>
    public ReadOnlySpan<int> LastSpikes => _spikes.AsSpan(0, _spikeCount);

    /// <summary>Spikes emitted since construction or the last <see cref="SpikingNetwork.Reset"/>.</summary>
    public long TotalSpikes { get; private set; }

    /// <summary>Neurons <c>[start, start + count)</c> as a projection source.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the population.</exception>
    public NeuronRange Range(int start, int count)
    {
        if ((uint)start >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(start), start, $"start must be in [0, {Size}) for population '{Name}'.");
        if (count < 1 || count > Size - start) throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be in [1, {Size - start}] for start = {start} in population '{Name}' of {Size} neurons.");
        return new NeuronRange(this, start, count);
    }

    internal int Blocks { get; }
    internal int BlockStart(int block) => block * SpikingNetwork.BlockSize;
    internal int BlockLength(int block) => Math.Min(SpikingNetwork.BlockSize, Size - block * SpikingNetwork.BlockSize);

    /// <summary>Advances block <paramref name="block"/> by one step and lists its spikes (runs on any worker; touches only the block's data).</summary>
    internal abstract void StepBlock(int block, long step);

    /// <summary>Concatenates the blocks' spike lists in block order (serial).</summary>
    internal void GatherSpikes()
    {
        int n = 0;
        for (int b = 0; b < Blocks; b++)
        {
            int c = _blockCounts[b];
            Array.Copy(_blockSpikes[b], 0, _spikes, n, c);
            n += c;
        }
        _spikeCount = n;
        TotalSpikes += n;
    }

    internal virtual void ResetState()
    {
        _spikeCount = 0;
        TotalSpikes = 0;
        Array.Clear(_blockCounts);
    }
}

/// <summary>
/// Independent Poisson spike trains at <see cref="RateHz"/> (Brian2's <c>PoissonGroup</c>): neuron i
/// spikes in step t when a counter-based uniform draw keyed by (seed, i, t) is below rate * dt, so
/// the trains are the same for any thread count.
/// </summary>
public sealed class PoissonGroup : SpikeSource
{
    private readonly ulong _key;
    private readonly float _dtMs;

    internal PoissonGroup(string name, int size, float rateHz, float dtMs, ulong key) : base(name, size)
    {
        if (!(rateHz >= 0) || float.IsPositiveInfinity(rateHz)) throw new ArgumentOutOfRangeException(nameof(rateHz), rateHz, "The rate must be a finite number of Hz, at least 0.");
        if (rateHz * dtMs / 1000f > 1f) throw new ArgumentOutOfRangeException(nameof(rateHz), rateHz, $"rate * dt = {rateHz * dtMs / 1000f} is above 1 spike per step; lower the rate or the time step.");
        _key = key;
        _dtMs = dtMs;
        RateHz = rateHz;
    }

    /// <summary>The firing rate of every train, Hz. May be changed between runs.</summary>
    public float RateHz { get; set; }

    internal override void StepBlock(int block, long step)
    {
        float p = RateHz * _dtMs / 1000f;
        int start = BlockStart(block), len = BlockLength(block), c = 0;
        var list = _blockSpikes[block];
        for (int i = 0; i < len; i++)
            if (SnnRandom.Uniform(_key, (ulong)(start + i), (ulong)step) < p) list[c++] = start + i;
        _blockCounts[block] = c;
    }
}

/// <summary>
/// Spikes at given steps (Brian2's <c>SpikeGeneratorGroup</c>): neuron <c>indices[k]</c> spikes in step
/// <c>steps[k]</c> (the spike is at the end of that step, like a neuron's). For stimuli and tests.
/// </summary>
public sealed class SpikeGenerator : SpikeSource
{
    private readonly long[] _steps;
    private readonly int[] _indices;

    internal SpikeGenerator(string name, int size, ReadOnlySpan<int> indices, ReadOnlySpan<long> steps) : base(name, size)
    {
        if (indices.Length != steps.Length) throw new ArgumentException($"indices holds {indices.Length} values but steps holds {steps.Length}; give one step per spike.", nameof(steps));
        for (int k = 0; k < indices.Length; k++)
        {
            if ((uint)indices[k] >= (uint)size) throw new ArgumentOutOfRangeException(nameof(indices), indices[k], $"Spike {k}: neuron {indices[k]} is outside [0, {size}).");
            if (steps[k] < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps[k], $"Spike {k}: the step must not be negative.");
        }
        _steps = steps.ToArray();
        _indices = indices.ToArray();
        Array.Sort(_steps, _indices);
    }

    internal override void StepBlock(int block, long step)
    {
        int start = BlockStart(block), end = start + BlockLength(block), c = 0;
        var list = _blockSpikes[block];
        int lo = Array.BinarySearch(_steps, step);
        if (lo >= 0)
        {
            while (lo > 0 && _steps[lo - 1] == step) lo--;
            for (int k = lo; k < _steps.Length && _steps[k] == step; k++)
            {
                int i = _indices[k];
                if (i >= start && i < end && Array.IndexOf(list, i, 0, c) < 0) list[c++] = i;
            }
            Array.Sort(list, 0, c);
        }
        _blockCounts[block] = c;
    }
}

/// <summary>
/// A population of neurons of any generated <c>[Neuron]</c> model with one input port, stored as
/// one generated layer per block of <see cref="SpikingNetwork.BlockSize"/> neurons. Projections add
/// their synaptic currents into the port each step; an optional refractory period holds chosen
/// states at their post-reset values and suppresses spikes (Brian2's <c>refractory</c> with
/// <c>(unless refractory)</c> on those equations).
/// </summary>
public sealed class NeuronPopulation : SpikeSource
{
    /// <summary>Reads one state of one block's layer (the generated layer's state property).</summary>
    private delegate Span<float> StateGetter();

    private readonly ISpikingLayer[] _layers;
    private readonly Dictionary<string, StateGetter[]> _states = new(StringComparer.Ordinal);
    private readonly StateGetter[]? _spiked;
    private readonly float[] _input;
    private readonly float[] _spikeBuffer;
    private readonly int _refractorySteps;
    private readonly int[] _countdown;
    private readonly StateGetter[][] _held;
    private readonly float[][] _heldValues;
    internal readonly List<Projection> Incoming = new();

    internal NeuronPopulation(string name, int size, ISpikingLayer[] layers, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type layerType, string port, float dtMs, float refractoryMs, string[]? holdStates)
        : base(name, size)
    {
        _layers = layers;
        Port = port;
        Dt = dtMs;
        foreach (var p in layerType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.PropertyType != typeof(Span<float>) || p.GetMethod is null) continue;
            var getters = new StateGetter[layers.Length];
            for (int b = 0; b < layers.Length; b++) getters[b] = (StateGetter)Delegate.CreateDelegate(typeof(StateGetter), layers[b], p.GetMethod);
            if (p.Name == "Spiked") _spiked = getters;
            else _states[p.Name] = getters;
        }
        StateNames = [.. _states.Keys];
        _input = new float[size];
        _spikeBuffer = new float[size];
        if (!(refractoryMs >= 0) || float.IsPositiveInfinity(refractoryMs))
            throw new ArgumentOutOfRangeException("refractory", refractoryMs, "The refractory period must be a finite number of ms, at least 0.");
        _refractorySteps = (int)Math.Round(refractoryMs / dtMs);
        if (Math.Abs(_refractorySteps * dtMs - refractoryMs) > 1e-3 * dtMs)
            throw new ArgumentException($"The refractory period {refractoryMs} ms is not a whole number of steps of {dtMs} ms; use a multiple of dt.", "refractory");
        RefractorySteps = _refractorySteps;
        holdStates ??= [.. StateNames];
        _held = new StateGetter[holdStates.Length][];
        _heldValues = new float[holdStates.Length][];
        for (int k = 0; k < holdStates.Length; k++)
        {
            if (!_states.TryGetValue(holdStates[k], out var g))
                throw new ArgumentException($"'{holdStates[k]}' is not a state of {layerType.Name}; its states are: {string.Join(", ", StateNames)}.", nameof(holdStates));
            _held[k] = g;
            _heldValues[k] = new float[size];
        }
        _countdown = new int[size];
    }

    /// <summary>The neuron model's input port that synaptic currents are added to.</summary>
    public string Port { get; }

    /// <summary>The time step in ms.</summary>
    public float Dt { get; }

    /// <summary>The refractory period in steps (0: none).</summary>
    public int RefractorySteps { get; }

    /// <summary>The names of the neuron model's states (e.g. V).</summary>
    public IReadOnlyList<string> StateNames { get; }

    /// <summary>The synaptic input summed in the last step, per neuron (the value the neuron model's port received).</summary>
    public ReadOnlySpan<float> LastInput => _input;

    /// <summary>Copies the state <paramref name="name"/> of every neuron into <paramref name="destination"/> (Size values).</summary>
    /// <exception cref="ArgumentException">Unknown state, or the destination is too short.</exception>
    public void GetState(string name, Span<float> destination)
    {
        var g = Getters(name);
        if (destination.Length < Size) throw new ArgumentException($"destination must hold {Size} values, but holds {destination.Length}.", nameof(destination));
        for (int b = 0; b < Blocks; b++) g[b]().CopyTo(destination.Slice(BlockStart(b)));
    }

    /// <summary>Sets the state <paramref name="name"/> of every neuron from <paramref name="values"/> (Size values), e.g. random initial potentials.</summary>
    /// <exception cref="ArgumentException">Unknown state, or the wrong number of values.</exception>
    public void SetState(string name, ReadOnlySpan<float> values)
    {
        var g = Getters(name);
        if (values.Length != Size) throw new ArgumentException($"values must hold {Size} values (one per neuron of '{Name}'), but holds {values.Length}.", nameof(values));
        for (int b = 0; b < Blocks; b++) values.Slice(BlockStart(b), BlockLength(b)).CopyTo(g[b]());
    }

    /// <summary>The state <paramref name="name"/> of neuron <paramref name="index"/>.</summary>
    public float GetState(string name, int index)
    {
        if ((uint)index >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {Size}).");
        return Getters(name)[index / SpikingNetwork.BlockSize]()[index % SpikingNetwork.BlockSize];
    }

    private StateGetter[] Getters(string name) =>
        _states.TryGetValue(name, out var g) ? g
            : throw new ArgumentException($"Population '{Name}' has no state '{name}'; its states are: {string.Join(", ", StateNames)}.", nameof(name));

    internal bool HasState(string name) => _states.ContainsKey(name);

    internal ITargetStateReader[] CreateReaders(IReadOnlyList<string> states)
    {
        var readers = new ITargetStateReader[Blocks];
        for (int b = 0; b < Blocks; b++)
        {
            var slots = new StateGetter[states.Count];
            for (int k = 0; k < slots.Length; k++) slots[k] = Getters(states[k])[b];
            readers[b] = new Reader(slots);
        }
        return readers;
    }

    private sealed class Reader(StateGetter[] slots) : ITargetStateReader
    {
        public ReadOnlySpan<float> Read(int slot) => slots[slot]();
    }

    internal override void StepBlock(int block, long step)
    {
        int start = BlockStart(block), len = BlockLength(block);
        var input = _input.AsSpan(start, len);
        var spikes = _spikeBuffer.AsSpan(start, len);
        input.Clear();
        foreach (var p in Incoming) p.Synapses.AddOutput(start, len, input, p.Readers[block]);
        _layers[block].Step(input, spikes);
        if (_refractorySteps > 0) ApplyRefractory(block, start, len, spikes);
        foreach (var p in Incoming) p.Synapses.Advance(start, len);
        var list = _blockSpikes[block];
        int c = 0;
        for (int i = 0; i < len; i++)
            if (spikes[i] != 0f) list[c++] = start + i;
        _blockCounts[block] = c;
    }

    private void ApplyRefractory(int block, int start, int len, Span<float> spikes)
    {
        var countdown = _countdown.AsSpan(start, len);
        Span<float> spiked = _spiked is null ? default : _spiked[block]();
        for (int i = 0; i < len; i++)
        {
            if (countdown[i] > 0)
            {
                // Refractory: the held states keep their post-reset values and the neuron cannot fire.
                countdown[i]--;
                for (int k = 0; k < _held.Length; k++) _held[k][block]()[i] = _heldValues[k][start + i];
                spikes[i] = 0f;
                if (!spiked.IsEmpty) spiked[i] = 0f;
            }
            else if (spikes[i] != 0f)
            {
                countdown[i] = _refractorySteps;
                for (int k = 0; k < _held.Length; k++) _heldValues[k][start + i] = _held[k][block]()[i];
            }
        }
    }

    internal override void ResetState()
    {
        base.ResetState();
        foreach (var l in _layers) l.Reset();
        Array.Clear(_countdown);
        Array.Clear(_input);
    }

    internal static string PortOf([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods)] Type layerType)
    {
        foreach (var m in layerType.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            var ps = m.GetParameters();
            if (m.Name == "Step" && ps.Length == 2 && ps[0].ParameterType == typeof(ReadOnlySpan<float>)) return ps[0].Name ?? "input";
        }
        return "input";
    }
}
