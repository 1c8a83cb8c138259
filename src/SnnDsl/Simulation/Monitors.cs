using System;

namespace SnnDsl.Simulation;

/// <summary>Records (step, neuron) of every spike of a source, up to <see cref="Capacity"/> spikes (later ones are counted in <see cref="Dropped"/>, not stored).</summary>
/// <remarks>Not thread-safe: the network records into it during a run; read it between runs, from the thread that runs the network.</remarks>
public sealed class SpikeMonitor
{
    private int[] _steps = new int[1024];
    private int[] _neurons = new int[1024];

    internal SpikeMonitor(SpikeSource source, int capacity, float dtMs)
    {
        if (capacity < 0 || capacity > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"capacity must be in [0, {Array.MaxLength}] spikes (one array holds them).");
        Source = source; Capacity = capacity; Dt = dtMs;
    }

    /// <summary>The monitored population.</summary>
    public SpikeSource Source { get; }

    /// <summary>The most spikes stored (bounded memory: 8 bytes per stored spike).</summary>
    public int Capacity { get; }

    /// <summary>The time step in ms.</summary>
    public float Dt { get; }

    /// <summary>Stored spikes.</summary>
    public int Count { get; private set; }

    /// <summary>Spikes seen after the capacity was reached.</summary>
    public long Dropped { get; private set; }

    /// <summary>The step in which each stored spike occurred.</summary>
    public ReadOnlySpan<int> Steps => _steps.AsSpan(0, Count);

    /// <summary>The neuron of each stored spike.</summary>
    public ReadOnlySpan<int> Neurons => _neurons.AsSpan(0, Count);

    /// <summary>The time of stored spike <paramref name="k"/> in ms: the end of its step, (step + 1) * Dt.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not in [0, Count).</exception>
    public double TimeMs(int k) =>
        (uint)k < (uint)Count ? (_steps[k] + 1.0) * Dt
            : throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [0, {Count}) (the stored spikes).");

    /// <summary>
    /// The coefficient of variation (standard deviation / mean) of the inter-spike intervals of
    /// each neuron with at least <paramref name="minSpikes"/> stored spikes, averaged over those
    /// neurons (1 for a Poisson process, 0 for a clock); NaN when no neuron qualifies.
    /// </summary>
    /// <param name="minSpikes">The fewest spikes (at least 3, i.e. two intervals) a neuron needs to count.</param>
    /// <param name="neurons">How many neurons qualified.</param>
    /// <param name="fromStep">Ignore spikes before this step (e.g. an initial transient).</param>
    public double MeanIsiCv(int minSpikes, out int neurons, long fromStep = 0)
    {
        if (minSpikes < 3) throw new ArgumentOutOfRangeException(nameof(minSpikes), minSpikes, "A CV needs at least 3 spikes (two intervals).");
        var counts = new int[Source.Size];
        for (int k = 0; k < Count; k++) if (_steps[k] >= fromStep) counts[_neurons[k]]++;
        var start = new int[Source.Size + 1];
        for (int i = 0; i < Source.Size; i++) start[i + 1] = start[i] + counts[i];
        var fill = (int[])start.Clone();
        var times = new int[start[Source.Size]];
        for (int k = 0; k < Count; k++)
            if (_steps[k] >= fromStep) times[fill[_neurons[k]]++] = _steps[k]; // steps ascend, so each neuron's list is sorted
        double sum = 0;
        neurons = 0;
        for (int i = 0; i < Source.Size; i++)
        {
            int c = counts[i];
            if (c < minSpikes) continue;
            double mean = 0, sq = 0;
            for (int k = start[i] + 1; k < start[i + 1]; k++) mean += times[k] - times[k - 1];
            mean /= c - 1;
            for (int k = start[i] + 1; k < start[i + 1]; k++) { double d = times[k] - times[k - 1] - mean; sq += d * d; }
            sum += Math.Sqrt(sq / (c - 1)) / mean;
            neurons++;
        }
        return neurons == 0 ? double.NaN : sum / neurons;
    }

    internal void Record(long step)
    {
        var spikes = Source.LastSpikes;
        int room = Capacity - Count;
        int n = Math.Min(room, spikes.Length);
        if (n > 0)
        {
            if (Count + n > _steps.Length)
            {
                int size = (int)Math.Min(Capacity, Math.Max((long)_steps.Length * 2, Count + n));
                Array.Resize(ref _steps, size);
                Array.Resize(ref _neurons, size);
            }
            _steps.AsSpan(Count, n).Fill((int)step);
            spikes[..n].CopyTo(_neurons.AsSpan(Count));
            Count += n;
        }
        Dropped += spikes.Length - n;
    }

    internal void Clear() { Count = 0; Dropped = 0; }
}

/// <summary>Records one state of chosen neurons every <see cref="Every"/> steps, up to <see cref="MaxSamples"/> samples per neuron.</summary>
/// <remarks>Not thread-safe: the network records into it during a run; read it between runs, from the thread that runs the network.</remarks>
public sealed class StateMonitor
{
    private readonly float[] _values;
    private readonly int[] _indices;

    internal StateMonitor(NeuronPopulation population, string state, int[] indices, int every, int maxSamples)
    {
        if (!population.HasState(state)) throw new ArgumentException($"Population '{population.Name}' has no state '{state}'; its states are: {string.Join(", ", population.StateNames)}.", nameof(state));
        if (every < 1) throw new ArgumentOutOfRangeException(nameof(every), every, "every must be at least 1 step.");
        if (maxSamples < 1) throw new ArgumentOutOfRangeException(nameof(maxSamples), maxSamples, "maxSamples must be at least 1.");
        foreach (int i in indices)
            if ((uint)i >= (uint)population.Size) throw new ArgumentOutOfRangeException(nameof(indices), i, $"Neuron {i} is outside population '{population.Name}' of {population.Size}.");
        Population = population; State = state; _indices = indices; Every = every; MaxSamples = maxSamples;
        long cells = (long)maxSamples * indices.Length;
        if (cells > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(maxSamples), maxSamples, $"maxSamples x neurons = {maxSamples} x {indices.Length} = {cells} values, more than one buffer holds ({Array.MaxLength}); record fewer samples or fewer neurons.");
        _values = new float[cells];
    }

    /// <summary>The monitored population.</summary>
    public NeuronPopulation Population { get; }

    /// <summary>The recorded state.</summary>
    public string State { get; }

    /// <summary>The recorded neurons.</summary>
    public ReadOnlySpan<int> Indices => _indices;

    /// <summary>Record after every this many steps.</summary>
    public int Every { get; }

    /// <summary>The most samples kept (memory is allocated once: MaxSamples x Indices floats).</summary>
    public int MaxSamples { get; }

    /// <summary>Samples recorded.</summary>
    public int Samples { get; private set; }

    /// <summary>The value of recorded neuron number <paramref name="k"/> (position in <see cref="Indices"/>) at every sample: the state after each recorded step.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not in [0, Indices.Length).</exception>
    public float[] Trace(int k)
    {
        if ((uint)k >= (uint)_indices.Length)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k is a position in Indices and must be in [0, {_indices.Length}) (the monitor records {_indices.Length} neurons).");
        var t = new float[Samples];
        for (int s = 0; s < Samples; s++) t[s] = _values[s * _indices.Length + k];
        return t;
    }

    internal void Record(long step)
    {
        if ((step + 1) % Every != 0 || Samples >= MaxSamples) return;
        int row = Samples * _indices.Length;
        for (int k = 0; k < _indices.Length; k++) _values[row + k] = Population.GetState(State, _indices[k]);
        Samples++;
    }

    internal void Clear() => Samples = 0;
}

/// <summary>
/// The population rate in bins of <see cref="BinSteps"/> steps, keeping the last <see cref="Capacity"/>
/// bins in a ring (bounded memory), plus the running totals for the mean rate over the whole run.
/// </summary>
/// <remarks>Not thread-safe: the network records into it during a run; read it between runs, from the thread that runs the network.</remarks>
public sealed class PopulationRateMonitor
{
    private readonly int[] _counts;
    private long _bins;
    private int _current;
    private int _inBin;

    internal PopulationRateMonitor(SpikeSource source, int binSteps, int capacity, float dtMs)
    {
        if (binSteps < 1) throw new ArgumentOutOfRangeException("bin", binSteps, "The bin must be at least one time step.");
        if (capacity < 1 || capacity > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"capacity must be in [1, {Array.MaxLength}] bins (one array holds them).");
        Source = source; BinSteps = binSteps; Capacity = capacity; Dt = dtMs;
        _counts = new int[capacity];
    }

    /// <summary>The monitored population.</summary>
    public SpikeSource Source { get; }

    /// <summary>Steps per bin.</summary>
    public int BinSteps { get; }

    /// <summary>Bins kept.</summary>
    public int Capacity { get; }

    /// <summary>The time step in ms.</summary>
    public float Dt { get; }

    /// <summary>Spikes counted since the start.</summary>
    public long TotalSpikes { get; private set; }

    /// <summary>Steps observed since the start.</summary>
    public long TotalSteps { get; private set; }

    /// <summary>The mean rate per neuron over everything observed, Hz.</summary>
    public double MeanRateHz => TotalSteps == 0 ? 0 : TotalSpikes / (Source.Size * TotalSteps * (double)Dt / 1000.0);

    /// <summary>The completed bins kept (at most <see cref="Capacity"/>), oldest first, as rates per neuron in Hz.</summary>
    public double[] RatesHz()
    {
        int n = (int)Math.Min(_bins, Capacity);
        var r = new double[n];
        double scale = 1000.0 / ((double)Source.Size * BinSteps * Dt); // in double: Size x BinSteps may overflow an int
        for (int k = 0; k < n; k++) r[k] = _counts[(int)((_bins - n + k) % Capacity)] * scale;
        return r;
    }

    internal void Record(long step)
    {
        int n = Source.LastSpikes.Length;
        TotalSpikes += n;
        TotalSteps++;
        _current += n;
        if (++_inBin == BinSteps)
        {
            _counts[(int)(_bins % Capacity)] = _current;
            _bins++;
            _current = 0;
            _inBin = 0;
        }
    }

    internal void Clear() { _bins = 0; _current = 0; _inBin = 0; TotalSpikes = 0; TotalSteps = 0; }
}
