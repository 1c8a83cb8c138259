using System;
using SnnDsl;

namespace SnnDsl.IntegrationTests;

// Models declared as a user would. The nonlinear "bistable" neuron below has no reachable spike
// (V >= 1e9), so it is a plain ODE for convergence measurements:
//   dV/dt = -V + Gain tanh(V) + input.

/// <summary>Nonlinear test ODE integrated with forward Euler.</summary>
[Neuron(Integrator = Integrator.Euler)]
public partial record TanhEuler(float Gain = 2f)
{
    [State] public float V = 0.1f;
    [Derivative(nameof(V))] public float Dv(float input) => -V + Gain * MathF.Tanh(V) + input;
    [SpikeWhen] public bool Fires => V >= 1e9f;
}

/// <summary>The same ODE with the explicit midpoint method.</summary>
[Neuron(Integrator = Integrator.Rk2)]
public partial record TanhRk2(float Gain = 2f)
{
    [State] public float V = 0.1f;
    [Derivative(nameof(V))] public float Dv(float input) => -V + Gain * MathF.Tanh(V) + input;
    [SpikeWhen] public bool Fires => V >= 1e9f;
}

/// <summary>The same ODE with classic RK4.</summary>
[Neuron(Integrator = Integrator.Rk4)]
public partial record TanhRk4(float Gain = 2f)
{
    [State] public float V = 0.1f;
    [Derivative(nameof(V))] public float Dv(float input) => -V + Gain * MathF.Tanh(V) + input;
    [SpikeWhen] public bool Fires => V >= 1e9f;
}

/// <summary>
/// LIF membrane driven by an exponential current synapse, one neuron with two linear states:
/// dI/dt = -I/TauSyn + input, dV/dt = (-V + I)/TauMem. Auto must pick Exact.
/// </summary>
[Neuron]
public partial record LifCurrentSynapse(float TauMem = 10f, float TauSyn = 5f, float Threshold = 1e9f, float VReset = 0f)
{
    [State] public float V;
    [State] public float I;
    [Derivative(nameof(I))] public float Di(float input) => -I / TauSyn + input;
    [Derivative(nameof(V))] public float Dv => (-V + I) / TauMem;
    [SpikeWhen] public bool Fires => V >= Threshold;
    [OnSpike] public void Reset() => V = VReset;
}

/// <summary>A quadratic integrate-and-fire neuron with adaptation (nonlinear, Rk4 by Auto), spiking and resetting.</summary>
[Neuron(Dt = 0.1f)]
public partial record QuadraticAdaptive(float TauW = 50f, float Jump = 0.5f)
{
    [State] public float V = -1f;
    [State] public float W;
    [Derivative(nameof(V))] public float Dv(float input) => V * V - W + input;
    [Derivative(nameof(W))] public float Dw => -W / TauW;
    [SpikeWhen] public bool Fires => V >= 10f;
    [OnSpike] public void Reset() { V = -1f; W += Jump; }
}

/// <summary>A spiking nonlinear neuron integrated with Rk2 that uses tanh, exp and a fractional power.</summary>
[Neuron(Integrator = Integrator.Rk2, Dt = 0.25f)]
public partial record TanhPowSpiking(float Gain = 2f, float Threshold = 1.5f)
{
    [State] public float V;
    [Derivative(nameof(V))]
    public float Dv(float input) => -V + Gain * MathF.Tanh(V) - 0.1f * MathF.Pow(MathF.Abs(V), 1.5f) + 0.05f * MathF.Exp(V) + input;
    [SpikeWhen] public bool Fires => V >= Threshold;
    [OnSpike] public void Reset() => V = -1f;
}

/// <summary>LIF with forward Euler: V &lt;- V (1 - Dt/TauMem) + Dt input/TauMem.</summary>
[Neuron(Integrator = Integrator.Euler)]
public partial record LifEuler(float TauMem = 10f, float Threshold = 1e9f)
{
    [State] public float V;
    [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
    [SpikeWhen] public bool Fires => V >= Threshold;
    [OnSpike] public void Reset() => V = 0f;
}

/// <summary>LIF with exponential Euler, which is exact for a linear equation under held input.</summary>
[Neuron(Integrator = Integrator.ExponentialEuler)]
public partial record LifExpEuler(float TauMem = 10f, float Threshold = 1e9f)
{
    [State] public float V;
    [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
    [SpikeWhen] public bool Fires => V >= Threshold;
    [OnSpike] public void Reset() => V = 0f;
}

/// <summary>
/// Reads the built-ins: Time accumulates Dt, Count accumulates Spiked (the previous step's spike),
/// beside an exactly integrated membrane with a hard reset.
/// </summary>
[Neuron]
public partial record BuiltinsProbe(float TauMem = 4f, float Threshold = 1f)
{
    [State] public float V;
    [State] public float Time;
    [State] public float Count;
    [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
    [Next(nameof(Time))] public float NextTime => Time + Dt;
    [Next(nameof(Count))] public float NextCount => Count + Spiked;
    [SpikeWhen] public bool Fires => V >= Threshold;
    [OnSpike] public void Reset() => V = 0f;
}

/// <summary>Conductance-style LIF with a resting potential: C dV/dt = -G (V - EL) + input; starts away from rest.</summary>
[Neuron]
public partial record LifRest(float C = 200f, float G = 10f, float EL = -65f, float Threshold = 1e9f)
{
    [State] public float V = -70f;
    [Derivative(nameof(V))] public float Dv(float input) => (-G * (V - EL) + input) / C;
    [SpikeWhen] public bool Fires => V >= Threshold;
    [OnSpike] public void Reset() => V = EL;
}
