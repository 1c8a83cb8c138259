using System;
using SnnDsl;

namespace DiehlCook;

/// <summary>
/// Excitatory neuron of Diehl &amp; Cook (2015) in current form (as BindsNET's DiehlAndCookNodes): leak to
/// VRest with TauMem, synaptic input in mV/ms (a delta synapse of weight w moves V by about w mV), an
/// adaptive threshold VThresh + Theta where Theta grows by ThetaPlus at each spike and decays over TauTheta
/// (1e7 ms: practically permanent within a run), reset to VReset.
/// </summary>
[Neuron]
public partial record AdaptiveLif(float TauMem = 100f, float VRest = -65f, float VReset = -60f, float VThresh = -52f, float ThetaPlus = 0.05f, float TauTheta = 1e7f)
{
    /// <summary>Membrane potential, mV.</summary>
    [State] public float V = VRest;

    /// <summary>Adaptive threshold offset, mV.</summary>
    [State] public float Theta;

    /// <summary>dV/dt = (VRest - V) / TauMem + input.</summary>
    [Derivative(nameof(V))] public float Dv(float input) => (VRest - V) / TauMem + input;

    /// <summary>dTheta/dt = -Theta / TauTheta.</summary>
    [Derivative(nameof(Theta))] public float DTheta => -Theta / TauTheta;

    /// <summary>Fires above the adaptive threshold.</summary>
    [SpikeWhen] public bool Fires => V > VThresh + Theta;

    /// <summary>Reset and threshold adaptation.</summary>
    [OnSpike]
    public void Reset()
    {
        V = VReset;
        Theta += ThetaPlus;
    }
}

/// <summary>
/// The STDP of Diehl &amp; Cook (2015) / BindsNET's PostPre with nearest-spike traces: each spike sets its
/// neuron's trace to 1 (not +1); a presynaptic spike depresses by NuPre XPost, a postsynaptic spike
/// potentiates by NuPost XPre; weights stay in [0, WMax].
/// </summary>
[Plasticity]
public partial record NearestStdp(float NuPre = 1e-4f, float NuPost = 1e-2f, float TauPre = 20f, float TauPost = 20f, float WMax = 1f)
{
    /// <summary>Presynaptic trace.</summary>
    [PreTrace] public float XPre;

    /// <summary>Postsynaptic trace.</summary>
    [PostTrace] public float XPost;

    /// <summary>dXPre/dt = -XPre / TauPre.</summary>
    [Derivative(nameof(XPre))] public float DecayPre => -XPre / TauPre;

    /// <summary>dXPost/dt = -XPost / TauPost.</summary>
    [Derivative(nameof(XPost))] public float DecayPost => -XPost / TauPost;

    /// <summary>Presynaptic spike: XPre = 1, depress.</summary>
    [OnPre]
    public float Pre(float w)
    {
        XPre = 1f;
        return Math.Clamp(w - NuPre * XPost, 0f, WMax);
    }

    /// <summary>Postsynaptic spike: XPost = 1, potentiate.</summary>
    [OnPost]
    public float Post(float w)
    {
        XPost = 1f;
        return Math.Clamp(w + NuPost * XPre, 0f, WMax);
    }
}
