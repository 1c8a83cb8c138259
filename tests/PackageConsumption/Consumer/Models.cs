// A model as a user of the SnnDsl package writes it: the generator in the package turns it into MyLif.Layer.
using SnnDsl;

namespace Consumer.Models;

/// <summary>Leaky integrate-and-fire: TauMem dV/dt = -V + input (ms), spike when V &gt;= Threshold, reset to VReset.</summary>
[Neuron(Integrator = Integrator.Exact)]
public partial record MyLif(float TauMem = 10f, float Threshold = 1f, float VReset = 0f)
{
    [State] public float V;
    [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
    [SpikeWhen] public bool Fires => V >= Threshold;
    [OnSpike] public void Reset() => V = VReset;
}
