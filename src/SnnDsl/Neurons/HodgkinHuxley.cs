using System;

namespace SnnDsl.Neurons;

/// <summary>
/// Hodgkin-Huxley (1952) squid giant axon in the modern convention (rest near -65 mV):
/// C dV/dt = input - gNa m^3 h (V - ENa) - gK n^4 (V - EK) - gL (V - EL), and the gates
/// dx/dt = alpha_x(V) (1 - x) - beta_x(V) x. Units: uF/cm^2, mS/cm^2, mV, ms, uA/cm^2.
/// </summary>
/// <remarks>
/// Each equation is linear in its own state, so <see cref="Integrator.Auto"/> picks exponential
/// Euler (as Brian2 does for HH). A spike is an upward crossing of <see cref="SpikeLevel"/>:
/// V &gt;= SpikeLevel now and VPrev &lt; SpikeLevel at the previous step (VPrev is a discrete state
/// holding the last V). The rate functions use NEURON's <c>vtrap</c> so that V = -40 and V = -55 mV
/// (0/0 in the textbook form) give the limit.
/// </remarks>
[Neuron(Dt = 0.01f)]
public partial record HodgkinHuxley(
    float Capacitance = 1f, float GNa = 120f, float GK = 36f, float GL = 0.3f,
    float ENa = 50f, float EK = -77f, float EL = -54.387f, float SpikeLevel = 0f)
{
    /// <summary>Membrane potential (mV).</summary>
    [State] public float V = -65f;

    /// <summary>Sodium activation.</summary>
    [State] public float M = 0.0529f;

    /// <summary>Sodium inactivation.</summary>
    [State] public float H = 0.5961f;

    /// <summary>Potassium activation.</summary>
    [State] public float N = 0.3177f;

    /// <summary>V at the previous step, for crossing detection.</summary>
    [State] public float VPrev = -65f;

    // x / (exp(x / y) - 1), continuous at x = 0 (NEURON's vtrap).
    private float Vtrap(float x, float y) => MathF.Abs(x / y) < 1e-6f ? y * (1f - x / y / 2f) : x / (MathF.Exp(x / y) - 1f);

    private float AlphaM => 0.1f * Vtrap(-(V + 40f), 10f);
    private float BetaM => 4f * MathF.Exp(-(V + 65f) / 18f);
    private float AlphaH => 0.07f * MathF.Exp(-(V + 65f) / 20f);
    private float BetaH => 1f / (1f + MathF.Exp(-(V + 35f) / 10f));
    private float AlphaN => 0.01f * Vtrap(-(V + 55f), 10f);
    private float BetaN => 0.125f * MathF.Exp(-(V + 65f) / 80f);

    /// <summary>dV/dt in mV/ms for an input current density in uA/cm^2.</summary>
    [Derivative(nameof(V))]
    public float Dv(float input) =>
        (input - GNa * M * M * M * H * (V - ENa) - GK * N * N * N * N * (V - EK) - GL * (V - EL)) / Capacitance;

    /// <summary>dm/dt.</summary>
    [Derivative(nameof(M))] public float Dm => AlphaM * (1f - M) - BetaM * M;

    /// <summary>dh/dt.</summary>
    [Derivative(nameof(H))] public float Dh => AlphaH * (1f - H) - BetaH * H;

    /// <summary>dn/dt.</summary>
    [Derivative(nameof(N))] public float Dn => AlphaN * (1f - N) - BetaN * N;

    /// <summary>Keeps the last V for the crossing test.</summary>
    [Next(nameof(VPrev))] public float KeepV => V;

    /// <summary>Upward crossing of SpikeLevel.</summary>
    [SpikeWhen]
    public bool Fires => V >= SpikeLevel && VPrev < SpikeLevel;
}
