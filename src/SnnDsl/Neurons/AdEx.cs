using System;

namespace SnnDsl.Neurons;

/// <summary>
/// Adaptive exponential integrate-and-fire neuron (Brette &amp; Gerstner 2005):
/// C dV/dt = -gL (V - EL) + gL DeltaT exp((V - VT)/DeltaT) - w + I, tauW dw/dt = a (V - EL) - w;
/// when V &gt;= VPeak: V &lt;- VReset, w &lt;- w + b. Units: pF, nS, mV, ms, pA. Defaults are the
/// paper's regular-spiking fit (C = 281 pF, gL = 30 nS, EL = -70.6 mV, VT = -50.4 mV, DeltaT = 2 mV,
/// tauW = 144 ms, a = 4 nS, b = 80.5 pA).
/// </summary>
/// <remarks>
/// Inside the equations V is read as min(V, VPeak), as NEST's aeif models do, so the exponential
/// cannot overflow within a Runge-Kutta stage; below the peak the equations are the paper's.
/// </remarks>
[Neuron(Dt = 0.1f)]
public partial record AdEx(
    float Capacitance = 281f, float GL = 30f, float EL = -70.6f, float VT = -50.4f, float DeltaT = 2f,
    float TauW = 144f, float A = 4f, float B = 80.5f, float VReset = -70.6f, float VPeak = 20f)
{
    /// <summary>Membrane potential (mV); starts at EL.</summary>
    [State] public float V = EL;

    /// <summary>Adaptation current (pA); starts at 0.</summary>
    [State] public float W;

    private float Vc => MathF.Min(V, VPeak);

    /// <summary>dV/dt in mV/ms for an input current in pA.</summary>
    [Derivative(nameof(V))]
    public float Dv(float input) => (-GL * (Vc - EL) + GL * DeltaT * MathF.Exp((Vc - VT) / DeltaT) - W + input) / Capacitance;

    /// <summary>dw/dt in pA/ms.</summary>
    [Derivative(nameof(W))]
    public float Dw => (A * (Vc - EL) - W) / TauW;

    /// <summary>Fires at the peak, boundary included.</summary>
    [SpikeWhen]
    public bool Fires => V >= VPeak;

    /// <summary>V &lt;- VReset, w &lt;- w + b.</summary>
    [OnSpike]
    public void Reset()
    {
        V = VReset;
        W += B;
    }
}
