namespace SnnDsl.Synapses;

/// <summary>
/// Delta synapse: a presynaptic spike of weight <c>w</c> delivers the charge <c>w</c> within one
/// step, as the current <c>w / Dt</c> during the step after it arrives (so a perfect integrator
/// with unit capacitance jumps by exactly <c>w</c>; Brian2's <c>on_pre: v += w</c> in current form).
/// </summary>
[Synapse]
public partial record DeltaCurrent
{
    /// <summary>Charge arrived since the last step (weight units, e.g. mV ms for a mV-per-ms port).</summary>
    [State] public float Q;

    /// <summary>The charge is delivered in one step, then cleared: Q[t] = 0.</summary>
    [Next(nameof(Q))] public float Clear => 0f;

    /// <summary>A spike of weight w adds its charge.</summary>
    [OnPre] public void Spike(float w) => Q += w;

    /// <summary>The current Q / Dt into the target's <c>input</c>.</summary>
    [Output] public float Current => Q / Dt;
}

/// <summary>
/// Exponential current synapse (Brian2's CUBA <c>dge/dt = -ge/taue</c>, <c>on_pre: ge += w</c>):
/// the current jumps by <c>w</c> at each spike and decays with <see cref="Tau"/>, integrated exactly
/// (I &lt;- I e^(-Dt/Tau)).
/// </summary>
/// <param name="Tau">Decay time constant, ms.</param>
[Synapse]
public partial record ExpCurrent(float Tau = 5f)
{
    /// <summary>The synaptic current, in the target port's unit (e.g. mV for dV/dt = (El - V + input) / taum).</summary>
    [State] public float I;

    /// <summary>dI/dt = -I / Tau.</summary>
    [Derivative(nameof(I))] public float Decay => -I / Tau;

    /// <summary>A spike of weight w adds w to the current.</summary>
    [OnPre] public void Spike(float w) => I += w;

    /// <summary>The current I into the target's <c>input</c>.</summary>
    [Output] public float Current => I;
}

/// <summary>
/// Alpha current synapse: a spike of weight <c>w</c> gives the current
/// w (t / Tau) e^(1 - t/Tau), which peaks at exactly <c>w</c> at t = Tau. Written as the linear
/// chain dX/dt = -X/Tau, dI/dt = (X - I)/Tau with X += w e, integrated exactly (matrix exponential).
/// </summary>
/// <param name="Tau">Time to peak and decay time constant, ms.</param>
[Synapse]
public partial record AlphaCurrent(float Tau = 5f)
{
    private const float E = 2.7182818284590451f;

    /// <summary>The current delivered to the target.</summary>
    [State] public float I;

    /// <summary>The rising drive of <see cref="I"/>.</summary>
    [State] public float X;

    /// <summary>dI/dt = (X - I) / Tau.</summary>
    [Derivative(nameof(I))] public float Rise => (X - I) / Tau;

    /// <summary>dX/dt = -X / Tau.</summary>
    [Derivative(nameof(X))] public float Decay => -X / Tau;

    /// <summary>A spike of weight w adds w e to the drive, so the current peaks at w.</summary>
    [OnPre] public void Spike(float w) => X += w * E;

    /// <summary>The current I into the target's <c>input</c>.</summary>
    [Output] public float Current => I;
}

/// <summary>
/// Exponential conductance synapse (Brian2's COBA <c>dge/dt = -ge/taue</c>, current ge (Ee - v)):
/// the conductance jumps by <c>w</c> at each spike and decays with <see cref="Tau"/>; the current
/// G (E - V) reads the target neuron's state <c>V</c>.
/// </summary>
/// <param name="Tau">Decay time constant, ms.</param>
/// <param name="E">Reversal potential, mV (0 mV excitatory, -80 mV inhibitory in Brian2's COBA).</param>
[Synapse]
public partial record ExpConductance(float Tau = 5f, float E = 0f)
{
    /// <summary>The conductance, relative to the leak (dimensionless when the port is in mV).</summary>
    [State] public float G;

    /// <summary>dG/dt = -G / Tau.</summary>
    [Derivative(nameof(G))] public float Decay => -G / Tau;

    /// <summary>A spike of weight w adds w to the conductance.</summary>
    [OnPre] public void Spike(float w) => G += w;

    /// <summary>The current G (E - V) into the target's <c>input</c>; V is the target neuron's membrane potential.</summary>
    [Output] public float Current(float V) => G * (E - V);
}
