using System;
using SnnDsl;
using SnnDsl.Kernels;
using SnnDsl.Simulation;
using SnnDsl.Synapses;

namespace Cuba;

/// <summary>
/// The CUBA neuron of Brian2's examples/CUBA.py: dv/dt = (ge + gi - (v - El)) / taum, with the two
/// synaptic currents ge + gi (mV) arriving through the input port from <see cref="ExpCurrent"/> synapses.
/// Threshold v &gt; Vt, reset v = Vr.
/// </summary>
/// <param name="TauMem">Membrane time constant taum, ms.</param>
/// <param name="El">Resting potential, mV (above threshold: the cells fire on their own).</param>
/// <param name="Vt">Threshold, mV.</param>
/// <param name="Vr">Reset, mV.</param>
[Neuron(Dt = 0.1f)]
public partial record CubaLif(float TauMem = 20f, float El = -49f, float Vt = -50f, float Vr = -60f)
{
    /// <summary>Membrane potential, mV.</summary>
    [State] public float V = -60f;

    /// <summary>dV/dt = (El - V + input) / TauMem, input = ge + gi in mV.</summary>
    [Derivative(nameof(V))]
    public float Dv(float input) => (El - V + input) / TauMem;

    /// <summary>Brian2's threshold 'v &gt; Vt'.</summary>
    [SpikeWhen] public bool Fires => V > Vt;

    /// <summary>Brian2's reset 'v = Vr'.</summary>
    [OnSpike] public void Reset() => V = Vr;
}

/// <summary>The CUBA network, built the same way by the sample, the tests and the benchmarks.</summary>
public sealed class CubaNetwork : IDisposable
{
    /// <summary>Excitatory weight we = 60 * 0.27 / 10 mV (Brian2 CUBA.py).</summary>
    public const float We = 60f * 0.27f / 10f;

    /// <summary>Inhibitory weight wi = -20 * 4.5 / 10 mV (Brian2 CUBA.py).</summary>
    public const float Wi = -20f * 4.5f / 10f;

    /// <summary>Builds CUBA with <paramref name="neurons"/> cells (80 % excitatory), p = 80 / N so each keeps about 80 inputs (p = 0.02 at N = 4,000).</summary>
    public CubaNetwork(int neurons = 4000, int threads = 1, ulong seed = 1, float dt = 0.1f, float refractory = 5f)
    {
        if (neurons < 100) throw new ArgumentOutOfRangeException(nameof(neurons), neurons, "CUBA needs at least 100 neurons (p = 80 / N must stay below 1).");
        Neurons = neurons;
        Excitatory = neurons * 4 / 5;
        P = 80.0 / neurons;
        Network = new SpikingNetwork(dt, threads, maxDelay: 1f, seed: seed);
        var model = new CubaLif();
        Cells = Network.AddPopulation("P", neurons, n => model.CreateLayer(1, n, dt), refractory: refractory);
        // Brian2: Ce.connect('i<3200', p=0.02), on_pre='ge += we'; Ci.connect('i>=3200', p=0.02), on_pre='gi += wi'.
        Exc = Network.Connect(Cells.Range(0, Excitatory), Cells, new ExpCurrent(Tau: 5f), Connectivity.FixedProbability(P), weight: We);
        Inh = Network.Connect(Cells.Range(Excitatory, neurons - Excitatory), Cells, new ExpCurrent(Tau: 10f), Connectivity.FixedProbability(P), weight: Wi);
        // Brian2: P.v = 'Vr + rand() * (Vt - Vr)'.
        _v0 = new float[neurons];
        ulong key = SnnRandom.StreamKey(seed, 424242);
        for (int i = 0; i < neurons; i++) _v0[i] = model.Vr + SnnRandom.Uniform(key, (ulong)i, 0) * (model.Vt - model.Vr);
        Cells.SetState("V", _v0);
    }

    private readonly float[] _v0;

    /// <summary>Back to time 0 with the same connectivity and initial potentials (the run then repeats exactly).</summary>
    public void Restart()
    {
        Network.Reset();
        Cells.SetState("V", _v0);
    }

    /// <summary>The network.</summary>
    public SpikingNetwork Network { get; }

    /// <summary>All cells: [0, Excitatory) excitatory, the rest inhibitory.</summary>
    public NeuronPopulation Cells { get; }

    /// <summary>Excitatory projection (ExpCurrent, tau 5 ms).</summary>
    public Projection Exc { get; }

    /// <summary>Inhibitory projection (ExpCurrent, tau 10 ms).</summary>
    public Projection Inh { get; }

    /// <summary>Number of cells.</summary>
    public int Neurons { get; }

    /// <summary>Number of excitatory cells.</summary>
    public int Excitatory { get; }

    /// <summary>Connection probability.</summary>
    public double P { get; }

    /// <inheritdoc/>
    public void Dispose() => Network.Dispose();
}
