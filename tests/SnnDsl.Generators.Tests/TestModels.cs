using System.Collections.Generic;
using SnnDsl.Generators.Tests.Infrastructure;

namespace SnnDsl.Generators.Tests;

/// <summary>Valid model declarations shared by the snapshot, compile, incremental and fuzz tests.</summary>
public static class TestModels
{
    /// <summary>LIF, continuous, linear with a diagonal system: Exact.</summary>
    public static readonly string Lif = TestSourceBuilder.Neuron("Lif", "float TauMem = 10f, float Threshold = 1f, float VReset = 0f", """
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + input) / TauMem;

        [SpikeWhen(Surrogate.FastSigmoid, Slope = 25f)]
        public bool Fires => V >= Threshold;

        [OnSpike] public void Reset() => V = VReset;
        """);

    /// <summary>snnTorch Leaky (subtract reset through Spiked), discrete time.</summary>
    public static readonly string Leaky = TestSourceBuilder.Neuron("Leaky", "float Beta = 0.95f, float Threshold = 1f", """
        [State] public float Mem;

        [Next(nameof(Mem))]
        public float Step(float input) => Beta * Mem + input - Threshold * Spiked;

        [SpikeWhen(Surrogate.ATan, Slope = 2f)]
        public bool Fires => Mem > Threshold;
        """);

    /// <summary>Izhikevich-like quadratic model with Rk4 requested.</summary>
    public static readonly string Izhikevich = TestSourceBuilder.Neuron("Izh", "float A = 0.02f, float B = 0.2f, float C = -65f, float D = 8f, float VPeak = 30f", """
        [State] public float V = C;
        [State] public float U = B * C;

        private float Vc => MathF.Min(V, VPeak);

        [Derivative(nameof(V))]
        public float Dv(float input) => 0.04f * Vc * Vc + 5f * Vc + 140f - U + input;

        [Derivative(nameof(U))]
        public float Du => A * (B * Vc - U);

        [SpikeWhen]
        public bool Fires => V >= VPeak;

        [OnSpike]
        public void Reset()
        {
            V = C;
            U += D;
        }
        """, attribute: "[Neuron(Integrator = Integrator.Rk4, Dt = 0.1f)]");

    /// <summary>A Hodgkin-Huxley-like potassium channel model: each equation linear in its own state.</summary>
    public static readonly string HhLike = TestSourceBuilder.Neuron("KChannel", "float Capacitance = 1f, float GK = 36f, float EK = -77f, float GL = 0.3f, float EL = -54.4f", """
        [State] public float V = -65f;
        [State] public float N = 0.3177f;

        private float AlphaN => 0.01f * (V + 55f) / (1f - MathF.Exp(-(V + 55f) / 10f));
        private float BetaN => 0.125f * MathF.Exp(-(V + 65f) / 80f);

        [Derivative(nameof(V))]
        public float Dv(float input) => (input - GK * N * N * N * N * (V - EK) - GL * (V - EL)) / Capacitance;

        [Derivative(nameof(N))]
        public float Dn => AlphaN * (1f - N) - BetaN * N;

        [SpikeWhen(Surrogate.Triangle)]
        public bool Fires => V >= 0f;
        """, attribute: "[Neuron(Integrator = Integrator.ExponentialEuler, Dt = 0.01f)]");

    /// <summary>LIF with an exponential current synapse in one neuron: a coupled linear system (matrix propagator).</summary>
    public static readonly string CubaLif = TestSourceBuilder.Neuron("CubaLif", "float TauMem = 10f, float TauSyn = 5f, float Threshold = 1f, float VReset = 0f", """
        [State] public float I;
        [State] public float V;

        [Derivative(nameof(I))]
        public float Di(float input) => -I / TauSyn + input;

        [Derivative(nameof(V))]
        public float Dv => (-V + I) / TauMem;

        [SpikeWhen(Surrogate.Sigmoid)]
        public bool Fires => V >= Threshold;

        [OnSpike] public void Reset() => V = VReset;
        """);

    /// <summary>LIF integrated with forward Euler.</summary>
    public static readonly string LifEuler = TestSourceBuilder.Neuron("LifEuler", "float TauMem = 10f, float Threshold = 1f", """
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + input) / TauMem;

        [SpikeWhen]
        public bool Fires => V >= Threshold;

        [OnSpike] public void Reset() => V -= Threshold;
        """, attribute: "[Neuron(Integrator = Integrator.Euler)]");

    /// <summary>A leaky neuron with adaptation integrated with explicit midpoint Rk2.</summary>
    public static readonly string AdaptiveRk2 = TestSourceBuilder.Neuron("AdaptiveRk2", "float TauMem = 20f, float TauW = 100f, float A = 0.5f, float B = 0.1f, float Threshold = 1f", """
        [State] public float V;
        [State] public float W;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V - W + input) / TauMem;

        [Derivative(nameof(W))]
        public float Dw => (A * V - W) / TauW;

        [SpikeWhen(Surrogate.Rectangular, Slope = 0.5f)]
        public bool Fires => V > Threshold;

        [OnSpike]
        public void Reset()
        {
            V = 0f;
            W += B;
        }
        """, attribute: "[Neuron(Integrator = Integrator.Rk2, DetachReset = false)]");

    /// <summary>A model in the global namespace.</summary>
    public static readonly string GlobalNamespace = TestSourceBuilder.Neuron("GlobalLif", "float Tau = 5f", """
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (input - V) / Tau;

        [SpikeWhen]
        public bool Fires => V >= 1f;

        [OnSpike] public void Reset() => V = 0f;
        """, ns: null);

    /// <summary>A model nested in a partial class (inside a partial static class).</summary>
    public static readonly string Nested = TestSourceBuilder.File("""
        public static partial class Zoo
        {
            internal partial class Cortex
            {
                [Neuron(Dt = 0.5f)]
                public partial record Pyramidal(float Tau = 15f, float Threshold = 1f)
                {
                    [State] public float V;

                    [Derivative(nameof(V))]
                    public float Dv(float input) => (-V + input) / Tau;

                    [SpikeWhen(Surrogate.StraightThrough)]
                    public bool Fires => V >= Threshold;

                    [OnSpike] public void Reset() => V = 0f;
                }
            }
        }
        """);

    /// <summary>Every model above, by name.</summary>
    public static IReadOnlyDictionary<string, string> All { get; } = new SortedDictionary<string, string>(System.StringComparer.Ordinal)
    {
        [nameof(Lif)] = Lif,
        [nameof(Leaky)] = Leaky,
        [nameof(Izhikevich)] = Izhikevich,
        [nameof(HhLike)] = HhLike,
        [nameof(CubaLif)] = CubaLif,
        [nameof(LifEuler)] = LifEuler,
        [nameof(AdaptiveRk2)] = AdaptiveRk2,
        [nameof(GlobalNamespace)] = GlobalNamespace,
        [nameof(Nested)] = Nested,
    };
}
