using System;

namespace SnnDsl.Encoders;

/// <summary>
/// Population coding with Gaussian receptive fields: each input element drives
/// <see cref="Neurons"/> channels whose centres are spread evenly over [Min, Max] (both ends
/// included); channel j fires at each step with probability exp(-(x - c_j)^2 / (2 sigma^2)),
/// sigma = Width (Max - Min) / (Neurons - 1). Output channel f * Neurons + j belongs to input f.
/// </summary>
/// <param name="Neurons">Channels per input element (at least 2).</param>
/// <param name="Min">Centre of the first channel.</param>
/// <param name="Max">Centre of the last channel.</param>
/// <param name="Width">Width of each field in units of the centre spacing.</param>
[Encoder(FanOut = nameof(Neurons))]
public partial record Population(float Neurons = 10f, float Min = 0f, float Max = 1f, float Width = 1f)
{
    private float Spacing => (Max - Min) / (Neurons - 1f);

    /// <summary>Centre of channel <c>Index</c>.</summary>
    public float Centre => Min + Index * Spacing;

    /// <summary>The firing probability of channel <c>Index</c> for input x.</summary>
    public float Activation(float x) => MathF.Exp(-(x - Centre) * (x - Centre) / (2f * Width * Spacing * Width * Spacing));

    /// <summary>1 when the draw falls below the channel's activation.</summary>
    [Emit]
    public bool Spike(float x, [Uniform] float u) => u < Activation(x);

    /// <summary>At least two channels, so the centres are spread.</summary>
    [Requires("Neurons must be at least 2")]
    public bool Enough => Neurons >= 2f;
}
