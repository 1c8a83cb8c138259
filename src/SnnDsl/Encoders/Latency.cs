using System;

namespace SnnDsl.Encoders;

/// <summary>
/// Latency (time-to-first-spike) coding, snnTorch 0.9 <c>spikegen.latency</c>: each element in
/// [0, 1] fires once, brighter earlier. Log code (default, a LIF charging to a threshold):
/// t = Tau ln(x' / (x' - Threshold)) with x' = max(x, Threshold + Epsilon). Linear code:
/// t = min(Tau (1 - x), Tau (1 - Threshold)). Both add <see cref="FirstSpikeTime"/>. The spike is
/// placed at step round(t) (halves to even, as torch.round); the output is
/// max(spike * OnTarget, OffTarget), as snnTorch's <c>clamp(spike * on_target, off_target)</c>.
/// </summary>
/// <remarks>
/// <para><see cref="Normalize"/>: linear codes use Tau = T - 1 - FirstSpikeTime (snnTorch exactly);
/// log codes are scaled so that the latest possible spike (any input at or below Threshold)
/// lands on T - 1. snnTorch scales by the largest spike time present in the batch instead, so
/// the two agree whenever the batch holds such an input (every MNIST image does), and SnnDsl's
/// code of a sample never depends on the other samples of its batch.</para>
/// <para><see cref="Clip"/>: inputs below Threshold never fire (without it they fire at the
/// latest time). Errors as snnTorch: inputs outside [0, 1]; a spike time beyond T - 1 unless
/// <see cref="Bypass"/> (such spikes are then dropped); Threshold outside (0, 1) or Tau &lt;= 0.</para>
/// </remarks>
[Encoder]
public partial record Latency(
    float Threshold = 0.01f, float Tau = 1f, float FirstSpikeTime = 0f, float OnTarget = 1f, float OffTarget = 0f,
    bool Clip = false, bool Normalize = false, bool Linear = false, bool Bypass = false, float Epsilon = 1e-7f)
{
    private float Lifted(float x) => MathF.Max(x, Threshold + Epsilon);

    private float LogTime(float x) => Tau * MathF.Log(Lifted(x) / (Lifted(x) - Threshold));

    private float LatestLogTime => Tau * MathF.Log((Threshold + Epsilon) / Epsilon);

    private float LinearTau => Normalize ? Steps - 1f - FirstSpikeTime : Tau;

    /// <summary>The spike time in steps (before rounding).</summary>
    public float SpikeTime(float x) => Linear
        ? MathF.Min(LinearTau * (1f - x), LinearTau * (1f - Threshold)) + FirstSpikeTime
        : (Normalize ? LogTime(x) * (Steps - FirstSpikeTime - 1f) / LatestLogTime : LogTime(x)) + FirstSpikeTime;

    private bool Fires(float x) => MathF.Round(SpikeTime(x)) <= Steps - 1f && !(Clip && x < Threshold);

    /// <summary>OnTarget at the spike step, OffTarget elsewhere (clamped as snnTorch).</summary>
    [Emit]
    public float Spike(float x) => MathF.Max(Fires(x) && Time == MathF.Round(MathF.Min(SpikeTime(x), Steps - 1f)) ? OnTarget : 0f, OffTarget);

    /// <summary>snnTorch: "Elements of data must be between [0, 1]".</summary>
    [Requires("elements must be between 0 and 1 (snnTorch's latency code)")]
    public bool InRange(float x) => x >= 0f && x <= 1f;

    /// <summary>snnTorch: the maximum spike time must fit in num_steps - 1 unless bypass.</summary>
    [Requires("the spike time is beyond the last step T - 1; decrease Tau, set Normalize, or set Bypass to drop such spikes")]
    public bool InWindow(float x) => Bypass || MathF.Round(SpikeTime(x)) <= Steps - 1f;

    /// <summary>snnTorch: "Threshold must be between 0 and 1".</summary>
    [Requires("Threshold must be between 0 and 1")]
    public bool ThresholdValid => Threshold > 0f && Threshold < 1f;

    /// <summary>snnTorch: "tau must be greater than 0".</summary>
    [Requires("Tau must be greater than 0")]
    public bool TauValid => Tau > 0f;
}
