using System.Threading.Tasks;
using SnnDsl.Analyzers.Tests.Infrastructure;
using static SnnDsl.Generators.Tests.Infrastructure.TestSourceBuilder;

namespace SnnDsl.Analyzers.Tests;

/// <summary>
/// One invalid and one valid fixture per SNN1xxx rule, named after it. Markup <c>{|SNN1xxx:span|}</c>
/// gives the ID and the exact span; a fixture fails when any SNN1xxx diagnostic is left unmarked.
/// </summary>
public sealed class RuleTests
{
    private const string LifBody = """
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + input) / TauMem;

        [SpikeWhen(Surrogate.FastSigmoid, Slope = 25f)]
        public bool Fires => V >= Threshold;

        [OnSpike] public void Reset() => V = VReset;
        """;

    private static string Lif(string parameters, string attribute = "[Neuron]", string name = "TestLif") => Neuron(name, parameters, LifBody, attribute);

    // ------------------------------------------------------------------ SNN1001

    [Fact]
    public async Task SNN1001_Invalid_NegativeTimeConstantDefault()
    {
        var d = await AnalyzerHarness.VerifyAsync(Lif("float TauMem = {|SNN1001:-1f|}, float Threshold = 1f, float VReset = 0f"));
        Assert.Equal("Time constant 'TauMem' of 'TestLif' is -1, but it divides time and must be positive: it divides time in dV; give it a positive default",
            AnalyzerHarness.Message(d, "SNN1001"));
    }

    [Fact]
    public async Task SNN1001_Invalid_ZeroCapacitanceDividesTheSelfCoefficient()
    {
        // C dV/dt = -G V + input: C divides time (tau = C/G) although it is not called tau.
        await AnalyzerHarness.VerifyAsync(Neuron("Membrane", "float C = {|SNN1001:0f|}, float G = 1f", """
            [State] public float V;
            [Derivative(nameof(V))] public float Dv(float input) => (-G * V + input) / C;
            [SpikeWhen] public bool Fires => V >= 1f;
            [OnSpike] public void Reset() => V = 0f;
            """));
    }

    [Fact]
    public async Task SNN1001_Invalid_DtAttributeAndCallSites()
    {
        var d = await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 10f, float Threshold = 1f, float VReset = 0f", "[Neuron(Dt = {|SNN1001:0f|})]") + """

            public static class Use
            {
                public static void Build()
                {
                    var bad = new TestLif(TauMem: {|SNN1001:0f|});
                    var good = new TestLif(TauMem: 20f);
                    var layer = good.CreateLayer(1, 1, dt: {|SNN1001:-0.5f|});
                    var layer2 = new TestLif.Layer(new TestLif({|SNN1001:-3f|}), 1, 1);
                }
            }
            """);
        Assert.Contains("The time step Dt of 'TestLif' is 0", d[0].GetMessage());
    }

    [Fact]
    public async Task SNN1001_Invalid_InfiniteDtIsAnErrorLikeNaN()
    {
        // Issue 13: +Infinity got only a warning while NaN and negative values are errors.
        var d = await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 10f, float Threshold = 1f, float VReset = 0f", "[Neuron(Dt = {|SNN1001:float.PositiveInfinity|})]") + """

            public static class Use
            {
                public static void Build()
                {
                    var layer = new TestLif().CreateLayer(1, 1, dt: {|SNN1001:float.PositiveInfinity|});
                    var nan = new TestLif().CreateLayer(1, 1, dt: {|SNN1001:float.NaN|});
                }
            }
            """);
        Assert.Equal("The time step Dt of 'TestLif' is infinity, but it divides time and must be positive: set [Neuron(Dt = ...)] to a positive, finite number of ms",
            d[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    // Follow-up of issue 13: the Dt of [Synapse], [Encoder] and [Plasticity] was checked only by the
    // run-time constructor; NaN, negative, zero and infinite values are now SNN1001 at the Dt argument.

    private static string Synapse(string name, string dt) => $$"""
        [Synapse(Dt = {{dt}})]
        public partial record {{name}}(float Tau = 5f)
        {
            [State] public float I;
            [Derivative(nameof(I))] public float Decay => -I / Tau;
            [OnPre] public void Spike(float w) => I += w;
            [Output] public float Current => I;
        }

        """;

    private static string Encoder(string name, string dt) => $$"""
        [Encoder(Dt = {{dt}})]
        public partial record {{name}}(float Gain = 1f)
        {
            [Emit] public bool Spike(float x) => Gain * x >= 0.5f;
        }

        """;

    private static string Plasticity(string name, string dt) => $$"""
        [Plasticity(Dt = {{dt}})]
        public partial record {{name}}(float Tau = 5f)
        {
            [PreTrace] public float X;
            [Derivative(nameof(X))] public float DecayX => -X / Tau;
            [OnPre] public float Pre(float w) { X += 1f; return w - X; }
        }

        """;

    [Fact]
    public async Task SNN1001_Invalid_SynapseDtNaNNegativeZeroOrInfinite()
    {
        var d = await AnalyzerHarness.VerifyAsync(File(Synapse("NanSyn", "{|SNN1001:float.NaN|}") + Synapse("NegSyn", "{|SNN1001:-0.5f|}")
            + Synapse("ZeroSyn", "{|SNN1001:0f|}") + Synapse("InfSyn", "{|SNN1001:float.PositiveInfinity|}")));
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        Assert.Equal("The time step Dt of 'NanSyn' is NaN, but it divides time and must be positive: set [Synapse(Dt = ...)] to a positive, finite number of ms", d[0].GetMessage(ci));
        Assert.Equal("The time step Dt of 'NegSyn' is -0.5, but it divides time and must be positive: set [Synapse(Dt = ...)] to a positive, finite number of ms", d[1].GetMessage(ci));
        Assert.Equal("The time step Dt of 'InfSyn' is infinity, but it divides time and must be positive: set [Synapse(Dt = ...)] to a positive, finite number of ms", d[3].GetMessage(ci));
        Assert.All(d, x => Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Error, x.Severity));
    }

    [Fact]
    public async Task SNN1001_Invalid_EncoderDtNaNNegativeOrInfinite()
    {
        var d = await AnalyzerHarness.VerifyAsync(File(Encoder("NanEnc", "{|SNN1001:float.NaN|}") + Encoder("NegEnc", "{|SNN1001:-1f|}")
            + Encoder("InfEnc", "{|SNN1001:float.PositiveInfinity|}")));
        Assert.Equal("The time step Dt of 'NegEnc' is -1, but it divides time and must be positive: set [Encoder(Dt = ...)] to a positive, finite number of ms",
            d[1].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task SNN1001_Invalid_PlasticityDtNaNNegativeOrInfinite()
    {
        var d = await AnalyzerHarness.VerifyAsync(File(Plasticity("NanRule", "{|SNN1001:float.NaN|}") + Plasticity("NegRule", "{|SNN1001:-2f|}")
            + Plasticity("InfRule", "{|SNN1001:float.NegativeInfinity|}")));
        Assert.Equal("The time step Dt of 'InfRule' is -infinity, but it divides time and must be positive: set [Plasticity(Dt = ...)] to a positive, finite number of ms",
            d[2].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task SNN1001_Valid_SynapseEncoderAndPlasticityWithAPositiveDtOrTheDefault()
    {
        await AnalyzerHarness.VerifyAsync(File(Synapse("FineSyn", "0.1f") + Encoder("FineEnc", "0.5f") + Plasticity("FineRule", "2f")
            + "[Synapse] public partial record DefaultSyn(float Tau = 5f) { [State] public float I; [Derivative(nameof(I))] public float Decay => -I / Tau; [OnPre] public void Spike(float w) => I += w; [Output] public float Current => I; }"));
    }

    [Fact]
    public async Task SNN1001_Valid_PositiveTimeConstantsAndCapacitanceOfAPerfectIntegrator()
    {
        await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 10f, float Threshold = 1f, float VReset = 0f"));
        // dV/dt = input / C: C does not divide the self-coefficient (0), so it is not a time constant.
        await AnalyzerHarness.VerifyAsync(Neuron("PerfectIf", "float C = -1f", """
            [State] public float V;
            [Derivative(nameof(V))] public float Dv(float input) => input / C;
            [SpikeWhen] public bool Fires => V >= 1f;
            [OnSpike] public void Reset() => V -= 1f;
            """));
    }

    // ------------------------------------------------------------------ SNN1002

    [Fact]
    public async Task SNN1002_Invalid_EulerWithDtTwiceTau()
    {
        // The "done when": TauMem = 0.5, Dt = 1, Euler. lambda = -1/0.5 = -2 /ms; Euler needs Dt < 2 tau = 1 ms.
        var d = await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 0.5f, float Threshold = 1f, float VReset = 0f", "[Neuron(Integrator = {|SNN1002:Integrator.Euler|})]"));
        Assert.Equal("Integrator.Euler is unstable for 'TestLif' at Dt = 1 ms: eigenvalue -2 /ms (time constant 0.5 ms of V, at rest (V = 0)) leaves its stability region, "
            + "which needs Dt < 1 ms (the largest stable Dt); use a smaller Dt (e.g. 0.49f) or Integrator.Exact", AnalyzerHarness.Message(d, "SNN1002"));
    }

    [Fact]
    public async Task SNN1002_Invalid_Rk4BeyondItsRealBoundaryAndAtALayerCallSite()
    {
        // Rk4's real stability boundary is z = -2.7853: tau = 0.35 ms, Dt = 1 ms gives z = -2.857.
        var d = await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 0.35f, float Threshold = 1f, float VReset = 0f", "[Neuron(Integrator = {|SNN1002:Integrator.Rk4|})]"));
        Assert.Contains("needs Dt < 0.9749 ms", AnalyzerHarness.Message(d, "SNN1002"));
        await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 10f, float Threshold = 1f, float VReset = 0f", "[Neuron(Integrator = Integrator.Euler)]") + """

            public static class Use
            {
                public static void Build()
                {
                    var lif = new TestLif(TauMem: 2f);
                    var ok = lif.CreateLayer(1, 1, dt: 1f);
                    var bad = lif.CreateLayer(1, 1, dt: {|SNN1002:4f|});
                    var bad2 = new TestLif.Layer(new TestLif(), 1, 1, {|SNN1002:25f|});
                    var unstableModel = {|SNN1002:new TestLif(TauMem: 0.4f)|};
                }
            }
            """);
    }

    [Fact]
    public async Task SNN1002_Valid_EulerBelowTheBoundAndExactAtAnyDt()
    {
        await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 10f, float Threshold = 1f, float VReset = 0f", "[Neuron(Integrator = Integrator.Euler)]"));
        await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 0.5f, float Threshold = 1f, float VReset = 0f", "[Neuron(Integrator = Integrator.Exact, Dt = 0.4f)]"));
    }

    // ------------------------------------------------------------------ SNN1003

    [Fact]
    public async Task SNN1003_Invalid_EulerBetweenOneAndTwoTau()
    {
        var d = await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 0.8f, float Threshold = 1f, float VReset = 0f", "[Neuron(Integrator = {|SNN1003:Integrator.Euler|})]"));
        Assert.Equal("Integrator.Euler is stable for 'TestLif' at Dt = 1 ms but steps over its eigenvalue -1.25 /ms (time constant 0.8 ms of V, at rest (V = 0)): "
            + "Dt / tau = 1.25 >= 1, so the factor per step is -0.25 (exact: 0.2865) and the state overshoots, alternating in sign; use Dt < 0.8 ms or Integrator.Exact",
            AnalyzerHarness.Message(d, "SNN1003"));
    }

    [Fact]
    public async Task SNN1003_Valid_EulerBelowTau()
    {
        await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 1.25f, float Threshold = 1f, float VReset = 0f", "[Neuron(Integrator = Integrator.Euler)]"));
    }

    // ------------------------------------------------------------------ SNN1004

    [Fact]
    public async Task SNN1004_Invalid_ExactWithTauBelowDt()
    {
        var d = await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 1f, float Threshold = 1f, float VReset = 0f", "[Neuron(Dt = {|SNN1004:2f|})]"));
        Assert.Contains("e^(-Dt/tau) = 0.1353", AnalyzerHarness.Message(d, "SNN1004"));
    }

    [Fact]
    public async Task SNN1004_Valid_ExactWithDtBelowTau()
    {
        await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 1f, float Threshold = 1f, float VReset = 0f", "[Neuron(Dt = 0.5f)]"));
    }

    // ------------------------------------------------------------------ SNN1005

    private static string Leaky(string beta) => Neuron("TestLeaky", $"float Beta = {beta}, float Threshold = 1f", """
        [State] public float Mem;
        [Next(nameof(Mem))] public float {|ID:Step|}(float input) => Beta * Mem + input - Threshold * Spiked;
        [SpikeWhen(Surrogate.ATan, Slope = 2f)] public bool Fires => Mem > Threshold;
        """);

    [Fact]
    public async Task SNN1005_Invalid_BetaAboveOneAndNegative()
    {
        var d = await AnalyzerHarness.VerifyAsync(Leaky("1.2f").Replace("{|ID:", "{|SNN1005:"));
        Assert.Equal("The discrete map of 'TestLeaky' has the decay factor 1.2 (eigenvalue of d[Mem]/d[Mem] = Beta); >= 1 in magnitude: the state grows without bound. "
            + "snnTorch silently clamps such a beta into [0, 1]; SnnDsl uses it as written, so give it a value in (0, 1)", AnalyzerHarness.Message(d, "SNN1005"));
        var n = await AnalyzerHarness.VerifyAsync(Leaky("-0.5f").Replace("{|ID:", "{|SNN1005:"));
        Assert.Contains("negative: the state alternates in sign", AnalyzerHarness.Message(n, "SNN1005"));
    }

    [Fact]
    public async Task SNN1005_Valid_BetaInsideTheUnitInterval()
    {
        await AnalyzerHarness.VerifyAsync(Leaky("0.95f").Replace("{|ID:", "").Replace("Step|}", "Step"));
    }

    // ------------------------------------------------------------------ SNN1006

    private static string TwoScales(string attribute) => Neuron("TwoScales", "float TauFast = 0.01f, float TauSlow = 100f", """
        [State] public float V;
        [State] public float W;
        [Derivative(nameof(V))] public float Dv(float input) => (-V + W + input) / TauFast;
        [Derivative(nameof(W))] public float Dw => -W / TauSlow;
        [SpikeWhen] public bool Fires => V >= 1f;
        [OnSpike] public void Reset() => V = 0f;
        """, attribute);

    [Fact]
    public async Task SNN1006_Invalid_StiffChainWithRk4()
    {
        var d = await AnalyzerHarness.VerifyAsync(TwoScales("[Neuron(Integrator = {|SNN1006:Integrator.Rk4|}, Dt = 0.001f)]"));
        Assert.Equal("'TwoScales' is stiff at rest (time constants from 0.01 ms to 100 ms, ratio 1E+04 > 1000) but uses the explicit Integrator.Rk4: the fastest mode bounds Dt; use Integrator.Exact",
            AnalyzerHarness.Message(d, "SNN1006"));
    }

    [Fact]
    public async Task SNN1006_Valid_StiffChainIntegratedExactly()
    {
        await AnalyzerHarness.VerifyAsync(TwoScales("[Neuron(Dt = 0.001f)]"));
    }

    // ------------------------------------------------------------------ SNN1007

    [Fact]
    public async Task SNN1007_Invalid_RawLearnableTau()
    {
        var d = await AnalyzerHarness.VerifyAsync(Lif("[Learnable] float {|SNN1007:TauMem|} = 10f, float Threshold = 1f, float VReset = 0f"));
        Assert.Contains("learn a logit W with 1/TauMem = sigmoid(W) as PLIF does", AnalyzerHarness.Message(d, "SNN1007"));
    }

    [Fact]
    public async Task SNN1007_Valid_SigmoidParameterisation()
    {
        await AnalyzerHarness.VerifyAsync(Neuron("SigmoidTau", "[Learnable] float W = 0f, float Threshold = 1f", """
            [State] public float V;
            private float InvTau => 1f / (1f + MathF.Exp(-W));
            [Derivative(nameof(V))] public float Dv(float input) => (-V + input) * InvTau;
            [SpikeWhen] public bool Fires => V >= Threshold;
            [OnSpike] public void Reset() => V = 0f;
            """));
    }

    // ------------------------------------------------------------------ SNN1008

    [Fact]
    public async Task SNN1008_Valid_EqualTimeConstantsAreHandledByTheGeneratedPropagator()
    {
        // tau_mem = tau_syn: the textbook solution divides by tau_mem - tau_syn (NESTML issue 460). The
        // detector sees it (StabilityTests pins that), but the generated Van Loan propagator handles it,
        // so nothing is reported. No invalid fixture exists: no integrator SnnDsl generates is singular.
        await AnalyzerHarness.VerifyAsync(Neuron("LifSyn", "float TauMem = 5f, float TauSyn = 5f", """
            [State] public float V;
            [State] public float I;
            [Derivative(nameof(I))] public float Di(float input) => -I / TauSyn + input;
            [Derivative(nameof(V))] public float Dv => (-V + I) / TauMem;
            [SpikeWhen] public bool Fires => V >= 1f;
            [OnSpike] public void Reset() => V = 0f;
            """));
    }

    // ------------------------------------------------------------------ SNN1009

    private static string Quadratic(string attribute) => Neuron("Quadratic", "float A = 1f", """
        [State] public float V = -1f;
        [Derivative(nameof(V))] public float Dv(float input) => A * V * V - 1f + input;
        [SpikeWhen] public bool Fires => V >= 10f;
        [OnSpike] public void Reset() => V = -1f;
        """, attribute);

    [Fact]
    public async Task SNN1009_Invalid_AutoPicksRk4ForAQuadraticModel()
    {
        var d = await AnalyzerHarness.VerifyAsync(Quadratic("[{|SNN1009:Neuron|}(Dt = 0.1f)]"));
        Assert.Equal("Integrator.Auto chose Integrator.Rk4 for 'Quadratic': dV/dt is not linear in V (d/dV = A * V + A * V)", AnalyzerHarness.Message(d, "SNN1009"));
    }

    [Fact]
    public async Task SNN1009_Valid_ExplicitChoiceOrExact()
    {
        await AnalyzerHarness.VerifyAsync(Quadratic("[Neuron(Integrator = Integrator.Rk4, Dt = 0.1f)]"));
        await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 10f, float Threshold = 1f, float VReset = 0f"));
    }

    // ------------------------------------------------------------------ SNN1010

    [Fact]
    public async Task SNN1010_Invalid_ResetAboveThreshold()
    {
        var d = await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 10f, float Threshold = 1f, float VReset = 2f")
            .Replace("V = VReset;", "V = {|SNN1010:VReset|};"));
        Assert.Equal("'TestLif' resets V to 2, which is not below the threshold 1: a neuron that fires stays above threshold and fires again at every step; reset below the threshold", AnalyzerHarness.Message(d, "SNN1010"));
    }

    [Fact]
    public async Task SNN1010_Valid_ResetBelowThresholdOrAtAStrictThreshold()
    {
        await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 10f, float Threshold = 1f, float VReset = 0f"));
        // V > Threshold with V reset to exactly the threshold does not fire again.
        await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 10f, float Threshold = 1f, float VReset = 1f").Replace("V >= Threshold", "V > Threshold"));
    }

    // ------------------------------------------------------------------ SNN1011

    [Fact]
    public async Task SNN1011_Invalid_StateNobodyReads()
    {
        await AnalyzerHarness.VerifyAsync(Neuron("Orphan", "float TauMem = 10f, float TauW = 50f", """
            [State] public float V;
            [State] public float {|SNN1011:W|};
            [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
            [Derivative(nameof(W))] public float Dw => -W / TauW;
            [SpikeWhen] public bool Fires => V >= 1f;
            [OnSpike] public void Reset() => V = 0f;
            """));
    }

    [Fact]
    public async Task SNN1011_Valid_StateReadByAnotherEquation()
    {
        await AnalyzerHarness.VerifyAsync(Neuron("Adaptive", "float TauMem = 10f, float TauW = 50f", """
            [State] public float V;
            [State] public float W;
            [Derivative(nameof(V))] public float Dv(float input) => (-V - W + input) / TauMem;
            [Derivative(nameof(W))] public float Dw => -W / TauW;
            [SpikeWhen] public bool Fires => V >= 1f;
            [OnSpike] public void Reset() { V = 0f; W += 0.1f; }
            """));
    }

    // ------------------------------------------------------------------ SNN1012

    [Fact]
    public async Task SNN1012_Invalid_NegativeSlope()
    {
        var d = await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 10f, float Threshold = 1f, float VReset = 0f").Replace("Slope = 25f", "Slope = {|SNN1012:-25f|}"));
        Assert.StartsWith("The surrogate slope of 'TestLif' is -25", AnalyzerHarness.Message(d, "SNN1012"));
    }

    [Fact]
    public async Task SNN1012_Valid_PositiveSlope()
    {
        await AnalyzerHarness.VerifyAsync(Lif("float TauMem = 10f, float Threshold = 1f, float VReset = 0f"));
    }
}
