namespace SnnDsl.Neurons;

/// <summary>
/// snnTorch 0.9 <c>snn.Leaky</c> with <c>reset_mechanism="subtract"</c>, in discrete time:
/// Mem[t] = Beta Mem[t-1] + input[t] - Threshold S[t-1], S[t] = H(Mem[t] - Threshold) with a strict
/// <c>&gt;</c> as snnTorch. The reset uses the previous step's spike (<c>Spiked</c>), exactly as
/// snnTorch computes <c>reset = H(mem_prev - threshold)</c> before the update.
/// </summary>
/// <remarks>snnTorch clamps Beta into [0, 1] silently; SnnDsl uses Beta as given (a decay outside (0, 1) grows or oscillates; the SNN1005 analyzer says so at compile time).</remarks>
/// <param name="Beta">Decay per step, in (0, 1).</param>
/// <param name="Threshold">Firing threshold.</param>
[Neuron]
public partial record Leaky(float Beta = 0.95f, float Threshold = 1f)
{
    /// <summary>Membrane potential; starts at 0.</summary>
    [State] public float Mem;

    /// <summary>Mem[t] = Beta Mem[t-1] + input - Threshold Spiked.</summary>
    [Next(nameof(Mem))]
    public float Step(float input) => Beta * Mem + input - Threshold * Spiked;

    /// <summary>H(Mem - Threshold), boundary excluded, ATan surrogate (snnTorch's default, alpha = 2).</summary>
    [SpikeWhen(Surrogate.ATan, Slope = 2f)]
    public bool Fires => Mem > Threshold;
}

/// <summary>
/// snnTorch 0.9 <c>snn.Leaky</c> with <c>reset_mechanism="zero"</c>: the previous membrane is
/// zeroed where the neuron spiked, then decayed and driven: Mem[t] = Beta (1 - S[t-1]) Mem[t-1] + input[t]
/// (snnTorch's <c>_base_zero</c>: <c>mem = (1 - reset) * mem</c>, then <c>beta * mem + input</c>).
/// </summary>
/// <param name="Beta">Decay per step, in (0, 1).</param>
/// <param name="Threshold">Firing threshold.</param>
[Neuron]
public partial record LeakyResetZero(float Beta = 0.95f, float Threshold = 1f)
{
    /// <summary>Membrane potential; starts at 0.</summary>
    [State] public float Mem;

    /// <summary>Mem[t] = Beta (1 - Spiked) Mem + input.</summary>
    [Next(nameof(Mem))]
    public float Step(float input) => Beta * (1f - Spiked) * Mem + input;

    /// <summary>H(Mem - Threshold), boundary excluded.</summary>
    [SpikeWhen(Surrogate.ATan, Slope = 2f)]
    public bool Fires => Mem > Threshold;
}

/// <summary>
/// snnTorch 0.9 <c>snn.Leaky</c> with <c>reset_mechanism="none"</c>: Mem[t] = Beta Mem[t-1] + input[t];
/// spikes are read out but never reset the membrane.
/// </summary>
/// <param name="Beta">Decay per step, in (0, 1).</param>
/// <param name="Threshold">Firing threshold.</param>
[Neuron]
public partial record LeakyNoReset(float Beta = 0.95f, float Threshold = 1f)
{
    /// <summary>Membrane potential; starts at 0.</summary>
    [State] public float Mem;

    /// <summary>Mem[t] = Beta Mem + input.</summary>
    [Next(nameof(Mem))]
    public float Step(float input) => Beta * Mem + input;

    /// <summary>H(Mem - Threshold), boundary excluded.</summary>
    [SpikeWhen(Surrogate.ATan, Slope = 2f)]
    public bool Fires => Mem > Threshold;
}
