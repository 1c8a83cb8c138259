using System;

namespace SnnDsl.Plasticity;

/// <summary>
/// Pair-based additive STDP with hard bounds (Song, Miller &amp; Abbott 2000; Brian2's classic
/// <c>STDP</c> example): a presynaptic trace XPre and a postsynaptic trace XPost jump by 1 at each
/// spike of their neuron and decay with <see cref="TauPlus"/> / <see cref="TauMinus"/>. A
/// postsynaptic spike potentiates by <see cref="APlus"/> XPre, a presynaptic spike depresses by
/// <see cref="AMinus"/> XPost, so one pair with dt = t_post - t_pre changes the weight by
/// A+ exp(-dt/tau+) for dt &gt;= 0 and -A- exp(dt/tau-) for dt &lt; 0. Traces add up (all-to-all pairing).
/// </summary>
/// <param name="APlus">Potentiation amplitude (weight units).</param>
/// <param name="AMinus">Depression amplitude (weight units).</param>
/// <param name="TauPlus">Decay of the presynaptic trace, ms.</param>
/// <param name="TauMinus">Decay of the postsynaptic trace, ms.</param>
/// <param name="WMin">Lower hard bound.</param>
/// <param name="WMax">Upper hard bound.</param>
[Plasticity]
public partial record StdpAdditive(float APlus = 0.01f, float AMinus = 0.0105f, float TauPlus = 20f, float TauMinus = 20f, float WMin = 0f, float WMax = 1f)
{
    /// <summary>Presynaptic trace (one per presynaptic neuron).</summary>
    [PreTrace] public float XPre;

    /// <summary>Postsynaptic trace (one per postsynaptic neuron).</summary>
    [PostTrace] public float XPost;

    /// <summary>dXPre/dt = -XPre / TauPlus.</summary>
    [Derivative(nameof(XPre))] public float DecayPre => -XPre / TauPlus;

    /// <summary>dXPost/dt = -XPost / TauMinus.</summary>
    [Derivative(nameof(XPost))] public float DecayPost => -XPost / TauMinus;

    /// <summary>Presynaptic spike: bump XPre, depress by AMinus XPost.</summary>
    [OnPre]
    public float Pre(float w)
    {
        XPre += 1f;
        return Math.Clamp(w - AMinus * XPost, WMin, WMax);
    }

    /// <summary>Postsynaptic spike: bump XPost, potentiate by APlus XPre.</summary>
    [OnPost]
    public float Post(float w)
    {
        XPost += 1f;
        return Math.Clamp(w + APlus * XPre, WMin, WMax);
    }
}

/// <summary>
/// Multiplicative (soft-bound) STDP (van Rossum, Bi &amp; Turrigiano 2000; Gütig et al. 2003 with
/// mu = 1): potentiation scales with the room left, APlus (WMax - w) XPre, depression with the
/// weight, AMinus (w - WMin) XPost, so weights approach the bounds but do not pile up at them.
/// A final clamp keeps them inside when a trace sum exceeds 1/A.
/// </summary>
/// <param name="APlus">Potentiation rate (per unit of room).</param>
/// <param name="AMinus">Depression rate (per unit of weight).</param>
/// <param name="TauPlus">Decay of the presynaptic trace, ms.</param>
/// <param name="TauMinus">Decay of the postsynaptic trace, ms.</param>
/// <param name="WMin">Lower bound.</param>
/// <param name="WMax">Upper bound.</param>
[Plasticity]
public partial record StdpMultiplicative(float APlus = 0.01f, float AMinus = 0.0105f, float TauPlus = 20f, float TauMinus = 20f, float WMin = 0f, float WMax = 1f)
{
    /// <summary>Presynaptic trace.</summary>
    [PreTrace] public float XPre;

    /// <summary>Postsynaptic trace.</summary>
    [PostTrace] public float XPost;

    /// <summary>dXPre/dt = -XPre / TauPlus.</summary>
    [Derivative(nameof(XPre))] public float DecayPre => -XPre / TauPlus;

    /// <summary>dXPost/dt = -XPost / TauMinus.</summary>
    [Derivative(nameof(XPost))] public float DecayPost => -XPost / TauMinus;

    /// <summary>Presynaptic spike: bump XPre, depress in proportion to w - WMin.</summary>
    [OnPre]
    public float Pre(float w)
    {
        XPre += 1f;
        return Math.Clamp(w - AMinus * (w - WMin) * XPost, WMin, WMax);
    }

    /// <summary>Postsynaptic spike: bump XPost, potentiate in proportion to WMax - w.</summary>
    [OnPost]
    public float Post(float w)
    {
        XPost += 1f;
        return Math.Clamp(w + APlus * (WMax - w) * XPre, WMin, WMax);
    }
}

/// <summary>
/// Triplet STDP (Pfister &amp; Gerstner 2006, all-to-all interactions): two presynaptic traces R1
/// (tau+) and R2 (tau_x), two postsynaptic traces O1 (tau-) and O2 (tau_y). A presynaptic spike
/// depresses by O1 (A2- + A3- R2), a postsynaptic spike potentiates by R1 (A2+ + A3+ O2), each
/// reading the slow trace of its own side just before its own jump (t - epsilon), so potentiation
/// grows with the pairing frequency. Defaults: the visual-cortex all-to-all fit of the paper's Table 4.
/// </summary>
/// <param name="A2Plus">Pair potentiation amplitude.</param>
/// <param name="A3Plus">Triplet potentiation amplitude.</param>
/// <param name="A2Minus">Pair depression amplitude.</param>
/// <param name="A3Minus">Triplet depression amplitude.</param>
/// <param name="TauPlus">Decay of R1, ms.</param>
/// <param name="TauMinus">Decay of O1, ms.</param>
/// <param name="TauX">Decay of R2, ms.</param>
/// <param name="TauY">Decay of O2, ms.</param>
/// <param name="WMin">Lower hard bound.</param>
/// <param name="WMax">Upper hard bound.</param>
[Plasticity]
public partial record StdpTriplet(
    float A2Plus = 5e-10f, float A3Plus = 6.2e-3f, float A2Minus = 7e-3f, float A3Minus = 2.3e-4f,
    float TauPlus = 16.8f, float TauMinus = 33.7f, float TauX = 101f, float TauY = 125f,
    float WMin = 0f, float WMax = 1f)
{
    /// <summary>Fast presynaptic trace.</summary>
    [PreTrace] public float R1;

    /// <summary>Slow presynaptic trace.</summary>
    [PreTrace] public float R2;

    /// <summary>Fast postsynaptic trace.</summary>
    [PostTrace] public float O1;

    /// <summary>Slow postsynaptic trace.</summary>
    [PostTrace] public float O2;

    /// <summary>dR1/dt = -R1 / TauPlus.</summary>
    [Derivative(nameof(R1))] public float DecayR1 => -R1 / TauPlus;

    /// <summary>dR2/dt = -R2 / TauX.</summary>
    [Derivative(nameof(R2))] public float DecayR2 => -R2 / TauX;

    /// <summary>dO1/dt = -O1 / TauMinus.</summary>
    [Derivative(nameof(O1))] public float DecayO1 => -O1 / TauMinus;

    /// <summary>dO2/dt = -O2 / TauY.</summary>
    [Derivative(nameof(O2))] public float DecayO2 => -O2 / TauY;

    /// <summary>Presynaptic spike: depress by O1 (A2- + A3- R2(t-)), then bump R1 and R2.</summary>
    [OnPre]
    public float Pre(float w)
    {
        float dw = -O1 * (A2Minus + A3Minus * R2);
        R1 += 1f;
        R2 += 1f;
        return Math.Clamp(w + dw, WMin, WMax);
    }

    /// <summary>Postsynaptic spike: potentiate by R1 (A2+ + A3+ O2(t-)), then bump O1 and O2.</summary>
    [OnPost]
    public float Post(float w)
    {
        float dw = R1 * (A2Plus + A3Plus * O2);
        O1 += 1f;
        O2 += 1f;
        return Math.Clamp(w + dw, WMin, WMax);
    }
}

/// <summary>
/// Reward-modulated STDP with an eligibility trace (Izhikevich 2007, "Solving the distal reward
/// problem"): pre/post pairings do not change the weight but the synapse's eligibility C, by
/// APlus XPre at a postsynaptic spike and -AMinus XPost at a presynaptic spike; C decays with
/// TauC (1 s). A reward r delivered through <see cref="PlasticProjection.Reward"/> moves every weight
/// by r C, clamped to [WMin, WMax]; calling it each step with r = d Dt (d the dopamine level) gives the
/// paper's dw/dt = C d. Defaults follow the paper (A+ = 1, A- = 1.5, tau = 20 ms, tau_c = 1 s, weights in [0, 4]).
/// </summary>
/// <param name="APlus">Eligibility increment for pre-before-post.</param>
/// <param name="AMinus">Eligibility decrement for post-before-pre.</param>
/// <param name="TauPlus">Decay of the presynaptic trace, ms.</param>
/// <param name="TauMinus">Decay of the postsynaptic trace, ms.</param>
/// <param name="TauC">Decay of the eligibility trace, ms.</param>
/// <param name="WMin">Lower hard bound.</param>
/// <param name="WMax">Upper hard bound.</param>
[Plasticity]
public partial record RewardStdp(float APlus = 1f, float AMinus = 1.5f, float TauPlus = 20f, float TauMinus = 20f, float TauC = 1000f, float WMin = 0f, float WMax = 4f)
{
    /// <summary>Presynaptic trace.</summary>
    [PreTrace] public float XPre;

    /// <summary>Postsynaptic trace.</summary>
    [PostTrace] public float XPost;

    /// <summary>Eligibility trace (one per synapse).</summary>
    [SynapseTrace] public float C;

    /// <summary>dXPre/dt = -XPre / TauPlus.</summary>
    [Derivative(nameof(XPre))] public float DecayPre => -XPre / TauPlus;

    /// <summary>dXPost/dt = -XPost / TauMinus.</summary>
    [Derivative(nameof(XPost))] public float DecayPost => -XPost / TauMinus;

    /// <summary>dC/dt = -C / TauC.</summary>
    [Derivative(nameof(C))] public float DecayC => -C / TauC;

    /// <summary>Presynaptic spike: bump XPre, depress the eligibility by AMinus XPost; the weight waits for a reward.</summary>
    [OnPre]
    public float Pre(float w)
    {
        XPre += 1f;
        C -= AMinus * XPost;
        return w;
    }

    /// <summary>Postsynaptic spike: bump XPost, raise the eligibility by APlus XPre.</summary>
    [OnPost]
    public float Post(float w)
    {
        XPost += 1f;
        C += APlus * XPre;
        return w;
    }

    /// <summary>A reward moves the weight by reward x eligibility.</summary>
    [OnReward] public float Reward(float w, float reward) => Math.Clamp(w + reward * C, WMin, WMax);
}
