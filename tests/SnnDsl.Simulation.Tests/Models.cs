namespace SnnDsl.Simulation.Tests;

/// <summary>A leaky membrane that never fires: dV/dt = (-V + input) / TauMem.</summary>
[Neuron]
public partial record Passive(float TauMem = 20f)
{
    /// <summary>Membrane potential.</summary>
    [State] public float V;

    /// <summary>dV/dt.</summary>
    [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;

    /// <summary>Never (V is bounded far below).</summary>
    [SpikeWhen] public bool Fires => V >= 1e30f;
}

/// <summary>A perfect integrator that never fires: dV/dt = input, so V is the charge delivered.</summary>
[Neuron]
public partial record Counter
{
    /// <summary>Integrated input.</summary>
    [State] public float V;

    /// <summary>dV/dt = input.</summary>
    [Derivative(nameof(V))] public float Dv(float input) => input;

    /// <summary>Never.</summary>
    [SpikeWhen] public bool Fires => V >= 1e30f;
}

/// <summary>A user-declared synapse with a custom port name mismatch, for the engine's port check.</summary>
[Synapse]
public partial record WrongPort
{
    /// <summary>State.</summary>
    [State] public float G;

    /// <summary>Decay.</summary>
    [Next(nameof(G))] public float Decay => 0f;

    /// <summary>Spike.</summary>
    [OnPre] public void Spike(float w) => G += w;

    /// <summary>To port 'drive'.</summary>
    [Output("drive")] public float Out => G;
}

/// <summary>A membrane with two input ports: dV/dt = (-V + ge - gi) / TauMem (excitatory and inhibitory drive kept apart).</summary>
[Neuron]
public partial record TwoPort(float TauMem = 20f)
{
    /// <summary>Membrane potential.</summary>
    [State] public float V;

    /// <summary>dV/dt.</summary>
    [Derivative(nameof(V))] public float Dv(float ge, float gi) => (-V + ge - gi) / TauMem;

    /// <summary>Never.</summary>
    [SpikeWhen] public bool Fires => V >= 1e30f;
}
