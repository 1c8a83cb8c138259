using System;

namespace SnnDsl.Neurons;

/// <summary>
/// Parametric LIF (Fang et al. 2021, SpikingJelly's <c>ParametricLIFNode</c> with
/// <c>decay_input=True</c>): H[t] = V[t-1] + (X[t] - (V[t-1] - VReset)) / tau with
/// 1/tau = sigmoid(W) learned (one W for the layer); fires when H &gt;= Threshold and resets to VReset.
/// W = 0 gives tau = 2, SpikingJelly's default <c>init_tau</c>.
/// </summary>
/// <param name="W">The learnable logit of 1/tau (shared by the layer).</param>
/// <param name="Threshold">Firing threshold.</param>
/// <param name="VReset">Potential after a spike.</param>
[Neuron]
public partial record Plif([Learnable(Shared = true)] float W = 0f, float Threshold = 1f, float VReset = 0f)
{
    /// <summary>Membrane potential.</summary>
    [State] public float V;

    private float InvTau => 1f / (1f + MathF.Exp(-W));

    /// <summary>H = V + (input - (V - VReset)) sigmoid(W).</summary>
    [Next(nameof(V))]
    public float Charge(float input) => V + (input - (V - VReset)) * InvTau;

    /// <summary>H(V - Threshold), boundary included as SpikingJelly; its default sigmoid surrogate, alpha = 4.</summary>
    [SpikeWhen(Surrogate.Sigmoid, Slope = 4f)]
    public bool Fires => V >= Threshold;

    /// <summary>Hard reset.</summary>
    [OnSpike] public void Reset() => V = VReset;
}

/// <summary>
/// Adaptive LIF of the SRNN (Yin, Corradi &amp; Bohte 2020): alpha = exp(-Dt/TauM),
/// rho = exp(-Dt/TauAdp), eta_t = rho eta_{t-1} + (1 - rho) S_{t-1}, theta_t = B0 + Beta eta_t,
/// u_t = alpha u_{t-1} + (1 - alpha) R I_t - S_{t-1} theta_t, S_t = H(u_t - theta_t).
/// TauM and TauAdp are learned per neuron.
/// </summary>
/// <remarks>The paper's multi-Gaussian surrogate is replaced by the fast sigmoid; <c>Spiked</c> (S_{t-1}) carries no gradient.</remarks>
/// <param name="TauM">Membrane time constant (ms), learned per neuron.</param>
/// <param name="TauAdp">Adaptation time constant (ms), learned per neuron.</param>
/// <param name="B0">Baseline threshold.</param>
/// <param name="Beta">Adaptation strength.</param>
/// <param name="R">Input resistance.</param>
[Neuron]
// SNN1007 (learnable time constant without a positivity-preserving parameterisation) is right here:
// the SRNN learns tau_m and tau_adp directly, and so does this model to match the paper; the training
// loop keeps them positive (samples/AlifSequential clamps them to [1, 2000] ms after every step).
#pragma warning disable SNN1007
public partial record Alif([Learnable] float TauM = 20f, [Learnable] float TauAdp = 200f, float B0 = 0.01f, float Beta = 1.8f, float R = 1f)
#pragma warning restore SNN1007
{
    /// <summary>Membrane potential u.</summary>
    [State] public float U;

    /// <summary>Threshold adaptation eta.</summary>
    [State] public float Eta;

    private float Alpha => MathF.Exp(-Dt / TauM);
    private float Rho => MathF.Exp(-Dt / TauAdp);

    /// <summary>eta_t = rho eta_{t-1} + (1 - rho) S_{t-1}.</summary>
    [Next(nameof(Eta))]
    public float Adapt => Rho * Eta + (1f - Rho) * Spiked;

    /// <summary>u_t = alpha u_{t-1} + (1 - alpha) R I_t - S_{t-1} theta_t.</summary>
    [Next(nameof(U))]
    public float Charge(float input) => Alpha * U + (1f - Alpha) * R * input - Spiked * (B0 + Beta * (Rho * Eta + (1f - Rho) * Spiked));

    /// <summary>S_t = H(u_t - theta_t) with theta_t = B0 + Beta eta_t.</summary>
    [SpikeWhen(Surrogate.FastSigmoid, Slope = 25f)]
    public bool Fires => U >= B0 + Beta * Eta;
}
