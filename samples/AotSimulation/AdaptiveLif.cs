using SnnDsl;

namespace AotSimulation;

/// <summary>
/// LIF with a spike-triggered adaptation current (time in ms): TauMem dV/dt = -V - W + input,
/// TauW dW/dt = -W; on a spike V is reset to 0 and W grows by B. Spikes when V &gt;= 1.
/// </summary>
[Neuron(Dt = 0.5f)]
public partial record AdaptiveLif(float TauMem = 10f, float TauW = 100f, float B = 0.2f)
{
    /// <summary>Membrane potential (threshold units).</summary>
    [State] public float V;

    /// <summary>Adaptation current.</summary>
    [State] public float W;

    /// <summary>dV/dt.</summary>
    [Derivative(nameof(V))] public float Dv(float input) => (-V - W + input) / TauMem;

    /// <summary>dW/dt.</summary>
    [Derivative(nameof(W))] public float Dw() => -W / TauW;

    /// <summary>Threshold crossing.</summary>
    [SpikeWhen] public bool Fires => V >= 1f;

    /// <summary>Reset and adaptation.</summary>
    [OnSpike] public void Reset() { V = 0f; W += B; }
}
