using System;

namespace SnnDsl.Encoders;

/// <summary>
/// Rate (Bernoulli) coding, snnTorch 0.9 <c>spikegen.rate</c>: at every step an element fires with
/// probability p = clamp(Gain x + Offset, 0, 1) (a draw u in [0, 1) fires when u &lt; p, so p = 1
/// always fires and p = 0 never does); no spikes before <see cref="FirstSpikeTime"/>.
/// </summary>
/// <remarks>
/// With a held input (<c>Encode</c>) this is exactly snnTorch's static rate code. With a time
/// series (<c>Run</c>), SnnDsl still applies Gain and Offset and silences the first
/// FirstSpikeTime steps; snnTorch's <c>time_var_input=True</c> ignores gain/offset and instead
/// prepends FirstSpikeTime empty steps (so its output is longer than its input).
/// </remarks>
/// <param name="Gain">Scale of the input before clamping.</param>
/// <param name="Offset">Shift of the input before clamping.</param>
/// <param name="FirstSpikeTime">Steps before this index emit no spike.</param>
[Encoder]
public partial record Rate(float Gain = 1f, float Offset = 0f, float FirstSpikeTime = 0f)
{
    /// <summary>The firing probability per step.</summary>
    public float Probability(float x) => Math.Clamp(Gain * x + Offset, 0f, 1f);

    /// <summary>1 when the draw falls below the probability (from FirstSpikeTime on), else 0.</summary>
    [Emit]
    public bool Spike(float x, [Uniform] float u) => Time >= FirstSpikeTime && u < Probability(x);
}

/// <summary>
/// Poisson coding in continuous time: the input x in [0, 1] sets a rate x * MaxRate (Hz) and an
/// element fires in a step of Dt ms with the probability of at least one Poisson event,
/// p = 1 - exp(-x MaxRate Dt / 1000). Negative inputs never fire.
/// </summary>
/// <remarks>Norse's <c>poisson_encode</c> uses the first-order p = x f_max dt, which exceeds the exact probability and saturates at 1; the two agree for small x MaxRate Dt.</remarks>
/// <param name="MaxRate">The rate in Hz of an input of 1.</param>
[Encoder]
public partial record Poisson(float MaxRate = 100f)
{
    /// <summary>The probability of a spike in one step.</summary>
    public float Probability(float x) => 1f - MathF.Exp(-MathF.Max(x, 0f) * MaxRate * Dt / 1000f);

    /// <summary>1 when the draw falls below the probability, else 0.</summary>
    [Emit]
    public bool Spike(float x, [Uniform] float u) => u < Probability(x);
}

/// <summary>Direct (constant-current) input: the value itself, scaled, at every step, as analog input to the first layer.</summary>
/// <param name="Scale">Multiplies the input.</param>
[Encoder]
public partial record Direct(float Scale = 1f)
{
    /// <summary>Scale x.</summary>
    [Emit]
    public float Current(float x) => Scale * x;
}
