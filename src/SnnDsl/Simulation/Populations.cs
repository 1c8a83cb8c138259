using System;
using System.Collections.Generic;
using System.Linq;
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
        CheckSize(size);
        Name = name;
        Size = size;
        Blocks = BlockCount(size);
        _spikes = new int[size];
        _blockSpikes = new int[Blocks][];
        _blockCounts = new int[Blocks];
        for (int b = 0; b < Blocks; b++) _blockSpikes[b] = new int[BlockLength(b)];
    }

    /// <summary>Refuses a population size below 1 or beyond what one array of its neurons holds.</summary>
    internal static void CheckSize(int size)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "A population needs at least 1 neuron.");
        if (size > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(size), size, $"A population holds at most {Array.MaxLength} neurons (one array per state); split it into several populations.");
    }

    /// <summary>Blocks of <see cref="SpikingNetwork.BlockSize"/> neurons covering <paramref name="size"/> (at least 1) neurons, without overflow.</summary>
    internal static int BlockCount(int size) => (size - 1) / SpikingNetwork.BlockSize + 1;

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

    private float _rateHz;

    internal PoissonGroup(string name, int size, float rateHz, float dtMs, ulong key) : base(name, size)
    {
        _key = key;
        _dtMs = dtMs;
        RateHz = rateHz;
    }

    /// <summary>The firing rate of every train, Hz (at most one spike per step: rate * dt &lt;= 1). May be changed between runs.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is negative, not finite, or above 1 / dt.</exception>
    public float RateHz
    {
        get => _rateHz;
        set
        {
            if (!(value >= 0) || float.IsPositiveInfinity(value)) throw new ArgumentOutOfRangeException("rateHz", value, "The rate must be a finite number of Hz, at least 0.");
            if (value * _dtMs / 1000f > 1f) throw new ArgumentOutOfRangeException("rateHz", value, $"rate * dt = {value * _dtMs / 1000f} is above 1 spike per step; lower the rate or the time step.");
            _rateHz = value;
        }
    }

    internal override void StepBlock(int block, long step)
    {
        float p = _rateHz * _dtMs / 1000f;
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
/// A population of neurons of any generated <c>[Neuron]</c> model with one to three input ports, stored as
/// one generated layer per block of <see cref="SpikingNetwork.BlockSize"/> neurons. Projections add
/// their synaptic currents into a port each step; an optional refractory period holds chosen
/// states at their post-reset values and suppresses spikes (Brian2's <c>refractory</c> with
/// <c>(unless refractory)</c> on those equations).
/// </summary>
public sealed class NeuronPopulation : SpikeSource
{
    /// <summary>Reads one state of one block's layer (the generated layer's state property).</summary>
    private delegate Span<float> StateGetter();

    private delegate void Step1(ReadOnlySpan<float> a, Span<float> spikes);
    private delegate void Step2(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> spikes);
    private delegate void Step3(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> spikes);

    /// <summary>Advances one block: its input ports are the population's port buffers at [start, start + length).</summary>
    private delegate void BlockStep(int start, int length, Span<float> spikes);

    private readonly BlockStep[] _steppers;
    private readonly Action[] _resets;
    private readonly Dictionary<string, StateGetter[]> _states = new(StringComparer.Ordinal);
    private readonly StateGetter[]? _spiked;
    private readonly float[][] _inputs;   // one buffer per input port
    private readonly float[] _spikeBuffer;
    private readonly int _refractorySteps;
    private readonly RefractoryQueue[] _fifo;
    private readonly StateGetter[][] _held;
    private readonly float[][] _heldValues;
    internal readonly List<Projection> Incoming = new();

    internal NeuronPopulation(string name, int size, object[] layers,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.PublicMethods)] Type layerType,
        float dtMs, float refractoryMs, string[]? holdStates)
        : base(name, size)
    {
        var step = StepMethod(layerType);
        var reset = layerType.GetMethod("Reset", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes)
            ?? throw new ArgumentException($"{layerType.Name} has no public Reset(); pass a generated neuron Layer.", "createLayer");
        var ports = step.GetParameters();
        Ports = [.. ports.Take(ports.Length - 1).Select(p => p.Name ?? "input")];
        _inputs = new float[Ports.Count][];
        for (int k = 0; k < _inputs.Length; k++) _inputs[k] = new float[size];
        _steppers = new BlockStep[layers.Length];
        _resets = new Action[layers.Length];
        var inputs = _inputs;
        for (int b = 0; b < layers.Length; b++)
        {
            _resets[b] = (Action)Delegate.CreateDelegate(typeof(Action), layers[b], reset);
            switch (Ports.Count)
            {
                case 1:
                    {
                        var d = (Step1)Delegate.CreateDelegate(typeof(Step1), layers[b], step);
                        _steppers[b] = (s0, n, spikes) => d(inputs[0].AsSpan(s0, n), spikes);
                        break;
                    }
                case 2:
                    {
                        var d = (Step2)Delegate.CreateDelegate(typeof(Step2), layers[b], step);
                        _steppers[b] = (s0, n, spikes) => d(inputs[0].AsSpan(s0, n), inputs[1].AsSpan(s0, n), spikes);
                        break;
                    }
                default:
                    {
                        var d = (Step3)Delegate.CreateDelegate(typeof(Step3), layers[b], step);
                        _steppers[b] = (s0, n, spikes) => d(inputs[0].AsSpan(s0, n), inputs[1].AsSpan(s0, n), inputs[2].AsSpan(s0, n), spikes);
                        break;
                    }
            }
        }
        Dt = dtMs;
        // The generated layer exposes each state (and Spiked) as a Span<float> property of one value per neuron;
        // the learnable layers' Parameters and ParameterGradients are spans too, but not states.
        foreach (var p in layerType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.PropertyType != typeof(Span<float>) || p.GetMethod is null || p.Name is "Parameters" or "ParameterGradients") continue;
            var getters = new StateGetter[layers.Length];
            bool perNeuron = true;
            for (int b = 0; b < layers.Length; b++)
            {
                getters[b] = (StateGetter)Delegate.CreateDelegate(typeof(StateGetter), layers[b], p.GetMethod);
                perNeuron &= getters[b]().Length == BlockLength(b);
            }
            if (!perNeuron) continue;
            if (p.Name == "Spiked") _spiked = getters;
            else _states[p.Name] = getters;
        }
        StateNames = [.. _states.Keys];
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
        _fifo = new RefractoryQueue[Blocks];
        for (int b = 0; b < Blocks; b++) _fifo[b] = new RefractoryQueue(BlockLength(b));
    }

    /// <summary>The neuron model's input ports (its equations' parameters, e.g. <c>input</c>, or <c>ge</c> and <c>gi</c>), which projections add their currents to.</summary>
    public IReadOnlyList<string> Ports { get; }

    /// <summary>The time step in ms.</summary>
    public float Dt { get; }

    /// <summary>The refractory period in steps (0: none).</summary>
    public int RefractorySteps { get; }

    /// <summary>The names of the neuron model's states (e.g. V).</summary>
    public IReadOnlyList<string> StateNames { get; }

    /// <summary>The synaptic input summed in the last step into the first port, per neuron (the value the neuron model received).</summary>
    public ReadOnlySpan<float> LastInput => _inputs[0];

    /// <summary>The synaptic input summed in the last step into <paramref name="port"/>, per neuron.</summary>
    /// <exception cref="ArgumentException">The neuron model has no such port.</exception>
    public ReadOnlySpan<float> GetLastInput(string port) => _inputs[PortIndex(port)];

    internal int PortIndex(string port)
    {
        for (int k = 0; k < Ports.Count; k++) if (Ports[k] == port) return k;
        throw new ArgumentException($"The neurons of '{Name}' have no input port '{port}'; their ports are: {string.Join(", ", Ports)}.", nameof(port));
    }

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
        var spikes = _spikeBuffer.AsSpan(start, len);
        foreach (var buffer in _inputs) buffer.AsSpan(start, len).Clear();
        foreach (var p in Incoming) p.Synapses.AddOutput(start, len, _inputs[p.PortIndex].AsSpan(start, len), p.Readers[block]);
        _steppers[block](start, len, spikes);
        if (_refractorySteps > 0) HoldRefractory(block, start, step, spikes);
        foreach (var p in Incoming) p.Synapses.Advance(start, len);
        CollectSpikes(block, start, step, spikes);
    }

    /// <summary>
    /// Neurons that fired in the last <see cref="RefractorySteps"/> steps (a FIFO per block, in firing order:
    /// every neuron has the same period, so the oldest leaves first) get their held states back and lose any spike.
    /// Cost per step is the number of refractory neurons, not the block size.
    /// </summary>
    private void HoldRefractory(int block, int start, long step, Span<float> spikes)
    {
        var fifo = _fifo[block];
        int n = fifo.Count;
        if (n == 0) return;
        int cap = fifo.Neuron.Length;
        Span<float> spiked = _spiked is null ? default : _spiked[block]();
        for (int k = 0; k < _held.Length; k++)
        {
            var state = _held[k][block]();
            var held = _heldValues[k];
            for (int q = 0, at = fifo.Head; q < n; q++, at = at + 1 == cap ? 0 : at + 1)
            {
                int i = fifo.Neuron[at];
                state[i] = held[start + i];
            }
        }
        for (int q = 0, at = fifo.Head; q < n; q++, at = at + 1 == cap ? 0 : at + 1)
        {
            int i = fifo.Neuron[at];
            spikes[i] = 0f;
            if (!spiked.IsEmpty) spiked[i] = 0f;
        }
        // Neurons whose period ends with this step leave the queue.
        while (fifo.Count > 0 && fifo.Step[fifo.Head] + _refractorySteps <= step)
        {
            fifo.Head = fifo.Head + 1 == cap ? 0 : fifo.Head + 1;
            fifo.Count--;
        }
    }

    /// <summary>Lists the block's spikes (SIMD skip over silent stretches) and starts their refractory periods.</summary>
    private void CollectSpikes(int block, int start, long step, Span<float> spikes)
    {
        var list = _blockSpikes[block];
        int c = 0, len = spikes.Length, i = 0;
        ref float r = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(spikes);
        int width = System.Numerics.Vector<float>.Count;
        for (; i <= len - width; i += width)
        {
            if (System.Numerics.Vector.EqualsAll(System.Numerics.Vector.LoadUnsafe(ref r, (nuint)i), System.Numerics.Vector<float>.Zero)) continue;
            for (int j = i; j < i + width; j++) if (spikes[j] != 0f) list[c++] = start + j;
        }
        for (; i < len; i++) if (spikes[i] != 0f) list[c++] = start + i;
        _blockCounts[block] = c;
        if (_refractorySteps == 0 || c == 0) return;
        var fifo = _fifo[block];
        int cap = fifo.Neuron.Length;
        for (int k = 0; k < _held.Length; k++)
        {
            var state = _held[k][block]();
            var held = _heldValues[k];
            for (int q = 0; q < c; q++) held[list[q]] = state[list[q] - start];
        }
        for (int q = 0; q < c; q++)
        {
            int at = fifo.Head + fifo.Count;
            if (at >= cap) at -= cap;
            fifo.Neuron[at] = list[q] - start;
            fifo.Step[at] = step;
            fifo.Count++;
        }
    }

    /// <summary>The refractory neurons of one block, oldest first (a ring of capacity = block length: a neuron is in it at most once).</summary>
    private sealed class RefractoryQueue(int capacity)
    {
        public readonly int[] Neuron = new int[capacity];
        public readonly long[] Step = new long[capacity];
        public int Head;
        public int Count;
    }

    internal override void ResetState()
    {
        base.ResetState();
        foreach (var reset in _resets) reset();
        foreach (var f in _fifo) { f.Head = 0; f.Count = 0; }
        foreach (var buffer in _inputs) Array.Clear(buffer);
    }

    /// <summary>The generated <c>Step(ReadOnlySpan&lt;float&gt; port..., Span&lt;float&gt; spikes)</c> of a layer with one to three ports.</summary>
    internal static MethodInfo StepMethod([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods)] Type layerType)
    {
        foreach (var m in layerType.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            var ps = m.GetParameters();
            if (m.Name != "Step" || m.ReturnType != typeof(void) || ps.Length < 2 || ps.Length > 4 || ps[^1].ParameterType != typeof(Span<float>)) continue;
            if (ps.Take(ps.Length - 1).All(p => p.ParameterType == typeof(ReadOnlySpan<float>))) return m;
        }
        throw new ArgumentException($"{layerType.Name} has no Step(ReadOnlySpan<float> port, ..., Span<float> spikes) with one to three input ports; pass a generated neuron Layer (models with more ports are not supported by the network engine yet).", "createLayer");
    }
}
