// Forward Euler at Dt / TauMem = 1 / 0.5 = 2: V <- V (1 - Dt/TauMem) + ... diverges. The packaged analyzer must report SNN1002.
using SnnDsl;

namespace Unstable;

[Neuron(Integrator = Integrator.Euler, Dt = 1f)]
public partial record FastLif(float TauMem = 0.5f, float Threshold = 1f, float VReset = 0f)
{
    [State] public float V;
    [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
    [SpikeWhen] public bool Fires => V >= Threshold;
    [OnSpike] public void Reset() => V = VReset;
}
