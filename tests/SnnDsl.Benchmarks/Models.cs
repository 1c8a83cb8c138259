using SnnDsl;

namespace SnnDsl.Benchmarks;

/// <summary>
/// The benchmark's LIF: snnTorch's Leaky (beta 0.95, threshold 1, reset by subtraction from the previous
/// step's spike) with the fast-sigmoid surrogate of slope 25, as issue 5 defines W0, W0b and W1.
/// </summary>
[Neuron]
public partial record BenchLif(float Beta = 0.95f, float Threshold = 1f)
{
    /// <summary>Membrane potential.</summary>
    [State] public float Mem;

    /// <summary>mem = beta mem + input - threshold * previous spike.</summary>
    [Next(nameof(Mem))]
    public float Step(float input) => Beta * Mem + input - Threshold * Spiked;

    /// <summary>spike = mem &gt; threshold, fast sigmoid slope 25.</summary>
    [SpikeWhen(Surrogate.FastSigmoid, Slope = 25f)]
    public bool Fires => Mem > Threshold;
}
