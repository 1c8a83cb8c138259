using System;

namespace SnnDsl.Simulation.Tests;

/// <summary>Fires one step after a strong input: dV/dt = input, spike at V &gt;= 1, reset to 0.</summary>
[Neuron]
public partial record Relay
{
    /// <summary>Integrated input.</summary>
    [State] public float V;

    /// <summary>dV/dt = input.</summary>
    [Derivative(nameof(V))] public float Dv(float input) => input;

    /// <summary>Fires at V &gt;= 1.</summary>
    [SpikeWhen] public bool Fires => V >= 1f;

    /// <summary>Reset.</summary>
    [OnSpike] public void Reset() => V = 0f;
}

/// <summary>A rule whose traces have a drive and a [Next] map, to pin the generated trace integration against closed forms.</summary>
[Plasticity]
public partial record DriftRule(float Tau = 7f, float Target = 2f, float Leak = 0.9f)
{
    /// <summary>Relaxes to Target: Y(t) = Target + (Y0 - Target) e^(-t/Tau).</summary>
    [PreTrace] public float Y = 0.5f;

    /// <summary>Geometric decay per step: Z[t] = Leak Z[t-1].</summary>
    [PostTrace] public float Z = 1f;

    /// <summary>dY/dt = (Target - Y) / Tau.</summary>
    [Derivative(nameof(Y))] public float Dy => (Target - Y) / Tau;

    /// <summary>Z[t] = Leak Z.</summary>
    [Next(nameof(Z))] public float Nz => Leak * Z;

    /// <summary>Nearest-spike: Y is set, not incremented; the weight records Y - Z.</summary>
    [OnPre]
    public float Pre(float w)
    {
        float before = Y;
        Y = 3f;
        return w + before - Z;
    }
}
