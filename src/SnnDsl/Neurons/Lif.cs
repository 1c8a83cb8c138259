using System;

namespace SnnDsl.Neurons;

/// <summary>
/// Leaky integrate-and-fire neuron in continuous time: tau dV/dt = -V + input, integrated exactly
/// (V &lt;- V e^(-Dt/tau) + (1 - e^(-Dt/tau)) input, the input held over the step).
/// Fires when V &gt;= <see cref="Threshold"/> (SpikingJelly's boundary) and resets V to <see cref="VReset"/>.
/// </summary>
/// <param name="TauMem">Membrane time constant, ms.</param>
/// <param name="Threshold">Firing threshold (same unit as the input, a voltage).</param>
/// <param name="VReset">Potential after a spike.</param>
[Neuron]
public partial record Lif(float TauMem = 10f, float Threshold = 1f, float VReset = 0f)
{
    /// <summary>Membrane potential; starts at 0.</summary>
    [State] public float V;

    /// <summary>dV/dt = (-V + input) / TauMem, per ms.</summary>
    [Derivative(nameof(V))]
    public float Dv(float input) => (-V + input) / TauMem;

    /// <summary>H(V - Threshold) with the boundary included; FastSigmoid surrogate with slope 25.</summary>
    [SpikeWhen(Surrogate.FastSigmoid, Slope = 25f)]
    public bool Fires => V >= Threshold;

    /// <summary>Hard reset to <see cref="VReset"/>.</summary>
    [OnSpike] public void Reset() => V = VReset;
}

/// <summary>
/// Perfect integrate-and-fire neuron (IF, SpikingJelly's <c>IFNode</c>): C dV/dt = input, no leak.
/// Fires when V &gt;= <see cref="Threshold"/> and subtracts the threshold (reset by subtraction keeps the residue).
/// </summary>
/// <param name="Threshold">Firing threshold.</param>
/// <param name="Capacitance">Membrane capacitance: dV/dt = input / Capacitance, per ms.</param>
[Neuron]
public partial record IF(float Threshold = 1f, float Capacitance = 1f)
{
    /// <summary>Membrane potential; starts at 0.</summary>
    [State] public float V;

    /// <summary>dV/dt = input / Capacitance.</summary>
    [Derivative(nameof(V))]
    public float Dv(float input) => input / Capacitance;

    /// <summary>H(V - Threshold), boundary included.</summary>
    [SpikeWhen(Surrogate.ATan)]
    public bool Fires => V >= Threshold;

    /// <summary>Reset by subtraction.</summary>
    [OnSpike] public void Reset() => V -= Threshold;
}
