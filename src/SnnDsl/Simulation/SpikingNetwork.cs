using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using SnnDsl.Kernels;
using SnnDsl.Training;

namespace SnnDsl.Simulation;

/// <summary>Progress of a long <see cref="SpikingNetwork.Run"/>, reported about once per second of wall time and at the end.</summary>
/// <param name="Step">Steps done in this run.</param>
/// <param name="Steps">Steps in this run.</param>
/// <param name="SimulatedMs">Biological time simulated in this run, ms.</param>
/// <param name="WallSeconds">Wall time since the run started, s.</param>
/// <param name="Spikes">Spikes emitted in this run by all populations.</param>
public readonly record struct RunProgress(long Step, long Steps, double SimulatedMs, double WallSeconds, long Spikes);

/// <summary>What a <see cref="SpikingNetwork.Run"/> did.</summary>
/// <param name="Steps">Steps simulated.</param>
/// <param name="WallSeconds">Wall time of the run, s.</param>
/// <param name="Spikes">Spikes emitted by all sources (populations and Poisson groups).</param>
/// <param name="SynapticEvents">Spikes delivered to a target synapse ([OnPre] calls).</param>
public readonly record struct RunStats(long Steps, double WallSeconds, long Spikes, long SynapticEvents);

/// <summary>
/// A network of spiking populations connected by projections, simulated on a fixed time grid
/// (Brian2's <c>Network</c>, NEST's kernel). Each step: (1) in parallel over fixed blocks of
/// <see cref="BlockSize"/> neurons, every population adds its incoming synaptic currents, advances
/// its neuron model (integrate, fire, reset), applies the refractory period and advances its
/// synapse states; (2) serially, each projection queues the new spikes in its delay ring and
/// delivers the spikes due now to their targets ([OnPre]); (3) monitors record. Neuron updates are
/// time-driven; propagation is event-driven (only rows of sources that spiked are read). Every block
/// is processed by exactly one thread with the same code, and delivery is serial in a fixed order,
/// so results are bit-identical for any thread count.
/// </summary>
/// <remarks>
/// Thread safety: a network is not thread-safe. Build it (Add*, Connect, Monitor*) and run it from one thread at a
/// time; it uses its own worker threads inside <see cref="RunSteps"/>. A <see cref="Run"/>, <see cref="RunSteps"/> or
/// <see cref="Reset"/> made while another of them is running on the same network (on another thread, or from a
/// progress or step callback) throws <see cref="InvalidOperationException"/>. The populations, projections, Poisson
/// inputs and monitors belong to their network: read or change them (weights, rates, recorded data) only between runs,
/// from the thread that runs it. Separate networks share nothing and can run on separate threads.
/// </remarks>
public sealed class SpikingNetwork : IDisposable
{
    /// <summary>Neurons per block of the parallel update (a multiple of every SIMD width).</summary>
    public const int BlockSize = 1024;

    private readonly List<SpikeSource> _sources = new();
    private readonly List<Projection> _projections = new();
    private readonly List<SpikeMonitor> _spikeMonitors = new();
    private readonly List<StateMonitor> _stateMonitors = new();
    private readonly List<PopulationRateMonitor> _rateMonitors = new();
    private (SpikeSource Source, int Block)[] _work = [];
    private WorkerPool? _pool;
    private Action<int>? _body;
    private long _bodyStep;
    private Exception? _failure;
    private readonly ConcurrencyGuard _guard = new(nameof(SpikingNetwork), "use one network per thread", "a progress report or a step hook");

    /// <summary>Creates an empty network.</summary>
    /// <param name="dt">The time step in ms (e.g. 0.1).</param>
    /// <param name="threads">Threads for the neuron update (results do not depend on it); at least 1. At most one thread per block of work is started (see <see cref="EffectiveThreads"/>).</param>
    /// <param name="maxDelay">The longest synaptic delay any projection may use, ms (sizes the delay rings; default 20 ms).</param>
    /// <param name="seed">Seeds connectivity and Poisson input.</param>
    /// <exception cref="ArgumentOutOfRangeException">dt is not positive and finite, threads is below 1, or maxDelay is shorter than dt.</exception>
    public SpikingNetwork(float dt, int threads = 1, float maxDelay = 20f, ulong seed = 1)
    {
        if (!(dt > 0) || float.IsPositiveInfinity(dt)) throw new ArgumentOutOfRangeException(nameof(dt), dt, "The time step must be a positive, finite number of ms.");
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be at least 1.");
        if (!(maxDelay >= dt) || float.IsPositiveInfinity(maxDelay)) throw new ArgumentOutOfRangeException(nameof(maxDelay), maxDelay, $"maxDelay must be finite and at least one step ({dt} ms).");
        Dt = dt;
        Threads = threads;
        Seed = seed;
        MaxDelaySteps = (int)Math.Floor(maxDelay / dt + 1e-4);
    }

    /// <summary>The time step in ms.</summary>
    public float Dt { get; }

    /// <summary>The threads requested at construction; <see cref="Run"/> uses <see cref="EffectiveThreads"/> of them.</summary>
    public int Threads { get; }

    /// <summary>
    /// The threads <see cref="Run"/> uses: <see cref="Threads"/>, but no more than the blocks of work
    /// (one per <see cref="BlockSize"/> neurons of each population or input), since a thread without a
    /// block would only wait. It is not capped at <see cref="Environment.ProcessorCount"/>: whether to
    /// oversubscribe the cores is the caller's choice. It grows (up to <see cref="Threads"/>) as populations are added.
    /// </summary>
    public int EffectiveThreads
    {
        get
        {
            long blocks = 0;
            foreach (var s in _sources) blocks += s.Blocks;
            return (int)Math.Min(Threads, Math.Max(1, blocks));
        }
    }

    /// <summary>The seed of connectivity and Poisson input.</summary>
    public ulong Seed { get; }

    /// <summary>The longest delay a projection may use, in steps.</summary>
    public int MaxDelaySteps { get; }

    /// <summary>Steps simulated since construction or <see cref="Reset"/>.</summary>
    public long CurrentStep { get; private set; }

    /// <summary>Biological time simulated, ms.</summary>
    public double TimeMs => CurrentStep * (double)Dt;

    /// <summary>The projections, in creation order.</summary>
    public IReadOnlyList<Projection> Projections => _projections;

    /// <summary>Synapses over all projections.</summary>
    public long SynapseCount { get { long n = 0; foreach (var p in _projections) n += p.Count; return n; } }

    /// <summary>
    /// Adds a population of <paramref name="size"/> neurons of a generated neuron model with one to three input ports.
    /// </summary>
    /// <typeparam name="TLayer">The model's generated <c>Layer</c> type.</typeparam>
    /// <param name="name">A name for messages and monitors.</param>
    /// <param name="size">The number of neurons.</param>
    /// <param name="createLayer">Creates a layer of the given number of neurons at this network's Dt, e.g. <c>n =&gt; new Lif().CreateLayer(1, n, dt)</c>; called once per block.</param>
    /// <param name="refractory">Refractory period in ms (a whole number of steps; 0 = none): after a spike the held states keep their post-reset values and the neuron cannot fire.</param>
    /// <param name="holdStates">The states held during the refractory period (default: all; Brian2 holds the equations marked <c>(unless refractory)</c>).</param>
    /// <exception cref="ArgumentException">The layer has a batch other than 1, another size or another Dt, or is not a generated neuron layer.</exception>
    public NeuronPopulation AddPopulation<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.PublicMethods)] TLayer>(
        string name, int size, Func<int, TLayer> createLayer, float refractory = 0f, string[]? holdStates = null)
        where TLayer : class
    {
        ArgumentNullException.ThrowIfNull(createLayer);
        SpikeSource.CheckSize(size);
        var type = typeof(TLayer);
        int Int(object layer, string property) => type.GetProperty(property)?.GetValue(layer) is int v ? v
            : throw new ArgumentException($"{type.Name} has no int property {property}; pass a generated neuron Layer.", nameof(createLayer));
        float Float(object layer, string property) => type.GetProperty(property)?.GetValue(layer) is float v ? v
            : throw new ArgumentException($"{type.Name} has no float property {property}; pass a generated neuron Layer.", nameof(createLayer));
        int blocks = SpikeSource.BlockCount(size);
        var layers = new object[blocks];
        for (int b = 0; b < blocks; b++)
        {
            int n = Math.Min(BlockSize, size - b * BlockSize);
            object layer = createLayer(n) ?? throw new ArgumentException($"createLayer({n}) returned null.", nameof(createLayer));
            int batch = Int(layer, "Batch"), neurons = Int(layer, "Neurons");
            if (batch != 1 || neurons != n)
                throw new ArgumentException($"createLayer({n}) must return a layer of batch 1 and {n} neurons, but returned batch {batch} x {neurons} neurons.", nameof(createLayer));
            float dt = Float(layer, "Dt");
            if (Math.Abs(dt - Dt) > 1e-6f * Dt)
                throw new ArgumentException($"createLayer returned a layer with Dt = {dt} ms, but the network steps by {Dt} ms; pass the network's dt to CreateLayer.", nameof(createLayer));
            layers[b] = layer;
        }
        var pop = new NeuronPopulation(name, size, layers, type, Dt, refractory, holdStates);
        Add(pop);
        return pop;
    }

    /// <summary>Adds <paramref name="size"/> independent Poisson spike trains at <paramref name="rateHz"/> (external input).</summary>
    public PoissonGroup AddPoissonGroup(string name, int size, float rateHz)
    {
        var group = new PoissonGroup(name, size, rateHz, Dt, SnnRandom.StreamKey(Seed, 1_000_000 + _sources.Count));
        Add(group);
        return group;
    }

    /// <summary>Adds <paramref name="size"/> Poisson spike trains with one rate per neuron (initially silent; see <see cref="PoissonInput.SetRates"/>).</summary>
    public PoissonInput AddPoissonInput(string name, int size)
    {
        var input = new PoissonInput(name, size, Dt, SnnRandom.StreamKey(Seed, 1_000_000 + _sources.Count));
        Add(input);
        return input;
    }

    /// <summary>Adds a source whose neuron <paramref name="indices"/>[k] spikes in step <paramref name="steps"/>[k] (stimuli, tests).</summary>
    public SpikeGenerator AddSpikeGenerator(string name, int size, ReadOnlySpan<int> indices, ReadOnlySpan<long> steps)
    {
        var g = new SpikeGenerator(name, size, indices, steps);
        Add(g);
        return g;
    }

    private void Add(SpikeSource s)
    {
        foreach (var other in _sources)
            if (other.Name == s.Name) throw new ArgumentException($"The network already has a population named '{s.Name}'; choose another name.", "name");
        _sources.Add(s);
        _work = [];
    }

    /// <summary>
    /// Connects <paramref name="source"/> to <paramref name="target"/> with synapses of type <paramref name="synapse"/>.
    /// </summary>
    /// <param name="source">The presynaptic neurons (a population or a <see cref="SpikeSource.Range"/>).</param>
    /// <param name="target">The postsynaptic population.</param>
    /// <param name="synapse">The synapse model, e.g. <c>new ExpCurrent(Tau: 5f)</c>; its per-target state is created at this network's Dt.</param>
    /// <param name="connectivity">Which synapses exist.</param>
    /// <param name="weight">The weight of every synapse (ignored for explicit lists, which carry their own); change single weights through <see cref="Projection.Weights"/>.</param>
    /// <param name="delay">The delay of every synapse in ms (default one step; ignored when the list carries delays).</param>
    /// <param name="port">The target's input port (default: the one the synapse's <c>[Output]</c> names, <c>input</c> unless declared), e.g. <c>"ge"</c> for a neuron with ports ge and gi.</param>
    /// <exception cref="ArgumentException">The target has no such port, the synapse reads a state the target does not have, or a delay is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hand-built <paramref name="source"/> range is not inside its population.</exception>
    public Projection Connect(NeuronRange source, NeuronPopulation target, ISynapseModel synapse, Connectivity connectivity, float weight = 0f, float? delay = null, string? port = null)
    {
        ArgumentNullException.ThrowIfNull(source.Source, nameof(source));
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(synapse);
        ArgumentNullException.ThrowIfNull(connectivity);
        if (!_sources.Contains(source.Source)) throw new ArgumentException($"The source '{source.Source.Name}' belongs to another network.", nameof(source));
        if (!_sources.Contains(target)) throw new ArgumentException($"The target '{target.Name}' belongs to another network.", nameof(target));
        int size = source.Source.Size;
        if (source.Start < 0 || source.Count < 1 || source.Count > size - source.Start)
            throw new ArgumentOutOfRangeException(nameof(source), source,
                $"The source range (Start = {source.Start}, Count = {source.Count}) is not inside '{source.Source.Name}' of {size} neurons: it needs 0 <= Start and 1 <= Count <= {size} - Start. Build ranges with {nameof(SpikeSource)}.{nameof(SpikeSource.Range)}(start, count).");
        if (!float.IsFinite(weight)) throw new ArgumentOutOfRangeException(nameof(weight), weight, "The weight must be finite.");
        var targets = synapse.CreateTargets(target.Size, Dt);
        port ??= targets.Port;
        int portIndex = -1;
        for (int k = 0; k < target.Ports.Count; k++) if (target.Ports[k] == port) portIndex = k;
        if (portIndex < 0)
            throw new ArgumentException($"{synapse.GetType().Name} would deliver its current to the port '{port}', but the neurons of '{target.Name}' take {string.Join(", ", target.Ports.Select(p => "'" + p + "'"))}; pass port: \"{target.Ports[0]}\" to Connect or declare [Output(\"{target.Ports[0]}\")] on the synapse.", nameof(port));
        foreach (var s in targets.TargetStates)
            if (!target.HasState(s))
                throw new ArgumentException($"{synapse.GetType().Name}'s [Output] reads the target state '{s}', but '{target.Name}' has the states {string.Join(", ", target.StateNames)}.", nameof(synapse));
        int index = _projections.Count;
        int? diagonal = ReferenceEquals(source.Source, target) ? source.Start : null;
        var table = connectivity.Build(source.Count, target.Size, diagonal, SnnRandom.StreamKey(Seed, index));
        var p = new Projection(index, source, target, targets, table, weight, table.Delays, delay ?? Dt, Dt, MaxDelaySteps) { PortIndex = portIndex };
        _projections.Add(p);
        target.Incoming.Add(p);
        return p;
    }

    /// <summary>Records every spike of <paramref name="source"/>, up to <paramref name="capacity"/> spikes.</summary>
    public SpikeMonitor MonitorSpikes(SpikeSource source, int capacity = 10_000_000)
    {
        ArgumentNullException.ThrowIfNull(source);
        var m = new SpikeMonitor(source, capacity, Dt);
        _spikeMonitors.Add(m);
        return m;
    }

    /// <summary>Records <paramref name="state"/> of the neurons <paramref name="indices"/> every <paramref name="every"/> steps, up to <paramref name="maxSamples"/> samples.</summary>
    public StateMonitor MonitorState(NeuronPopulation population, string state, ReadOnlySpan<int> indices, int every = 1, int maxSamples = 100_000)
    {
        ArgumentNullException.ThrowIfNull(population);
        var m = new StateMonitor(population, state, indices.ToArray(), every, maxSamples);
        _stateMonitors.Add(m);
        return m;
    }

    /// <summary>Records the population rate in bins of <paramref name="bin"/> ms (a whole number of steps), keeping the last <paramref name="capacity"/> bins.</summary>
    public PopulationRateMonitor MonitorRate(SpikeSource source, float bin = 1f, int capacity = 100_000)
    {
        ArgumentNullException.ThrowIfNull(source);
        double binSteps = Math.Round(bin / (double)Dt);
        if (!(binSteps <= int.MaxValue))
            throw new ArgumentOutOfRangeException(nameof(bin), bin, $"The bin must be at most {int.MaxValue} steps of {Dt} ms.");
        int steps = (int)binSteps;
        if (steps < 1 || Math.Abs(steps * Dt - bin) > 1e-3 * Dt)
            throw new ArgumentOutOfRangeException(nameof(bin), bin, $"The bin must be a whole number of steps of {Dt} ms.");
        var m = new PopulationRateMonitor(source, steps, capacity, Dt);
        _rateMonitors.Add(m);
        return m;
    }

    /// <summary>Simulates <paramref name="duration"/> ms (rounded to whole steps).</summary>
    /// <param name="duration">Biological time, ms.</param>
    /// <param name="progress">Receives progress about once per second of wall time and at the end; null for none.</param>
    public RunStats Run(float duration, IProgress<RunProgress>? progress = null)
    {
        if (!(duration >= 0) || float.IsPositiveInfinity(duration)) throw new ArgumentOutOfRangeException(nameof(duration), duration, "The duration must be a finite number of ms, at least 0.");
        long steps = (long)Math.Round(duration / Dt);
        return RunSteps(steps, progress);
    }

    /// <summary>Simulates <paramref name="steps"/> time steps.</summary>
    /// <exception cref="InvalidOperationException">Another run or reset of this network is running (see the thread-safety remarks).</exception>
    public RunStats RunSteps(long steps, IProgress<RunProgress>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        using var _ = _guard.Enter(nameof(RunSteps));
        Prepare();
        var clock = Stopwatch.StartNew();
        long spikes0 = TotalSpikes(), events0 = TotalEvents();
        double lastReport = 0;
        for (long k = 0; k < steps; k++)
        {
            StepOnce();
            if (progress is not null && (k & 255) == 255 && clock.Elapsed.TotalSeconds - lastReport >= 1.0)
            {
                lastReport = clock.Elapsed.TotalSeconds;
                progress.Report(new RunProgress(k + 1, steps, (k + 1) * (double)Dt, lastReport, TotalSpikes() - spikes0));
            }
        }
        double wall = clock.Elapsed.TotalSeconds;
        progress?.Report(new RunProgress(steps, steps, steps * (double)Dt, wall, TotalSpikes() - spikes0));
        return new RunStats(steps, wall, TotalSpikes() - spikes0, TotalEvents() - events0);
    }

    private long TotalSpikes() { long n = 0; foreach (var s in _sources) n += s.TotalSpikes; return n; }
    private long TotalEvents() { long n = 0; foreach (var p in _projections) n += p.Events; return n; }

    private void Prepare()
    {
        if (_work.Length > 0) return;
        var work = new List<(SpikeSource, int)>();
        foreach (var s in _sources)
            for (int b = 0; b < s.Blocks; b++) work.Add((s, b));
        _work = [.. work];
        int threads = EffectiveThreads;
        if (_pool is not null && _pool.Workers != threads)
        {
            _pool.Dispose();
            _pool = null;
        }
        if (threads > 1 && _pool is null)
        {
            _pool = new WorkerPool(threads);
            _body = worker =>
            {
                try
                {
                    for (int i = worker; i < _work.Length; i += threads) _work[i].Source.StepBlock(_work[i].Block, _bodyStep);
                }
                catch (Exception ex)
                {
                    _failure ??= ex;
                }
            };
        }
    }

    private void StepOnce()
    {
        long step = CurrentStep;
        if (_pool is not null)
        {
            _bodyStep = step;
            _pool.Run(_body!);
            if (_failure is { } f) { _failure = null; throw new InvalidOperationException("A worker failed during the neuron update: " + f.Message, f); }
        }
        else
        {
            foreach (var (source, block) in _work) source.StepBlock(block, step);
        }
        foreach (var s in _sources) s.GatherSpikes();
        foreach (var p in _projections) p.Propagate(step);
        foreach (var m in _spikeMonitors) m.Record(step);
        foreach (var m in _stateMonitors) m.Record(step);
        foreach (var m in _rateMonitors) m.Record(step);
        CurrentStep = step + 1;
    }

    /// <summary>Returns every population, synapse, delay ring and monitor to its initial state (connectivity and weights are kept).</summary>
    /// <exception cref="InvalidOperationException">A run of this network is running (see the thread-safety remarks).</exception>
    public void Reset()
    {
        using var _ = _guard.Enter(nameof(Reset));
        foreach (var s in _sources) s.ResetState();
        foreach (var p in _projections) p.ResetState();
        foreach (var m in _spikeMonitors) m.Clear();
        foreach (var m in _stateMonitors) m.Clear();
        foreach (var m in _rateMonitors) m.Clear();
        CurrentStep = 0;
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose() => _pool?.Dispose();
}
