// A model as a user of the SnnDsl package writes it: the generator in the package turns it into MyLif.Layer.
using SnnDsl;

namespace Consumer.Models;

/// <summary>Leaky integrate-and-fire: TauMem dV/dt = -V + input (ms), spike when V &gt;= Threshold, reset to VReset.</summary>
/// <param name="TauMem">Membrane time constant in ms.</param>
/// <param name="Threshold">Firing threshold.</param>
/// <param name="VReset">Potential after a spike.</param>
[Neuron(Integrator = Integrator.Exact)]
public partial record MyLif(float TauMem = 10f, float Threshold = 1f, float VReset = 0f)
{
    /// <summary>Membrane potential (threshold units).</summary>
    [State] public float V;
    /// <summary>dV/dt in 1/ms.</summary>
    [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
    /// <summary>Fires at the threshold (inclusive).</summary>
    [SpikeWhen] public bool Fires => V >= Threshold;
    /// <summary>Reset to VReset.</summary>
    [OnSpike] public void Reset() => V = VReset;
}
