using System;
using SnnDsl.Kernels;

namespace SnnDsl.Simulation;

/// <summary>
/// Independent Poisson spike trains with one rate per neuron, changeable between runs (rate-coded
/// input such as pixel intensities; Brian2's <c>PoissonGroup</c> with an array of rates): neuron i
/// spikes in step t when a counter-based uniform draw keyed by (seed, i, t) is below rate_i * dt,
/// so the trains are the same for any thread count.
/// </summary>
/// <remarks>Not thread-safe: set its rates between runs of its network, from the thread that runs it (the network reads them during a step).</remarks>
public sealed class PoissonInput : SpikeSource
{
    private readonly ulong _key;
    private readonly float _dtMs;
    private readonly float[] _rates;
    private readonly float[] _p;
    private bool _silent = true;

    internal PoissonInput(string name, int size, float dtMs, ulong key) : base(name, size)
    {
        _key = key;
        _dtMs = dtMs;
        _rates = new float[size];
        _p = new float[size];
    }

    /// <summary>The rate of each train in Hz.</summary>
    public ReadOnlySpan<float> RatesHz => _rates;

    /// <summary>Sets the rate of every train, Hz (finite, at least 0, at most one spike per step).</summary>
    /// <remarks>All rates are checked before any is applied: a refused call leaves the rates as they were.</remarks>
    /// <exception cref="ArgumentException">The length differs from <see cref="SpikeSource.Size"/>, or a rate is out of range.</exception>
    public void SetRates(ReadOnlySpan<float> ratesHz)
    {
        if (ratesHz.Length != Size) throw new ArgumentException($"Give one rate per neuron: {Size} expected, {ratesHz.Length} given.", nameof(ratesHz));
        for (int i = 0; i < ratesHz.Length; i++)
        {
            float r = ratesHz[i];
            if (!(r >= 0) || float.IsPositiveInfinity(r) || r * _dtMs / 1000f > 1f)
                throw new ArgumentOutOfRangeException(nameof(ratesHz), r, $"Rate {i} must be finite, at least 0 and at most one spike per step ({1000f / _dtMs} Hz).");
        }
        bool silent = true;
        for (int i = 0; i < ratesHz.Length; i++)
        {
            float r = ratesHz[i];
            _rates[i] = r;
            _p[i] = r * _dtMs / 1000f;
            silent &= r == 0;
        }
        _silent = silent;
    }

    /// <summary>Sets every rate to 0 (no draws are made while silent).</summary>
    public void Silence()
    {
        Array.Clear(_rates);
        Array.Clear(_p);
        _silent = true;
    }

    internal override void StepBlock(int block, long step)
    {
        int start = BlockStart(block), len = BlockLength(block), c = 0;
        var list = _blockSpikes[block];
        if (!_silent)
        {
            for (int i = 0; i < len; i++)
            {
                float p = _p[start + i];
                if (p > 0 && SnnRandom.Uniform(_key, (ulong)(start + i), (ulong)step) < p) list[c++] = start + i;
            }
        }
        _blockCounts[block] = c;
    }
}
