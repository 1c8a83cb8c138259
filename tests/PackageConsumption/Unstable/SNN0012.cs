// Stand-in while the SNN1002 analyzer is not in the catalogue: a model the packaged generator refuses.
// Integrator.Exact on a quadratic (non-linear) equation raises SNN0012.
using SnnDsl;

namespace Unstable;

[Neuron(Integrator = Integrator.Exact)]
public partial record QuadraticLif(float TauMem = 10f, float Threshold = 1f, float VReset = 0f)
{
    [State] public float V;
    [Derivative(nameof(V))] public float Dv(float input) => (V * V + input) / TauMem;
    [SpikeWhen] public bool Fires => V >= Threshold;
    [OnSpike] public void Reset() => V = VReset;
}
