using System.Linq;
using SnnDsl.Generators.Tests.Infrastructure;
using SnnDsl.Model.Diagnostics;

namespace SnnDsl.Generators.Tests;

/// <summary>
/// One invalid fixture per generator diagnostic (ID and exact span, nothing left unasserted) and
/// one valid counterpart each (no diagnostics, compiles cleanly).
/// </summary>
public partial class DiagnosticTests
{
    private static string N(string members, string parameters = "float TauMem = 10f, float Threshold = 1f", string attribute = "[Neuron]", string name = "Cell") =>
        TestSourceBuilder.Neuron(name, parameters, members, attribute);

    private const string Spike = """
        [SpikeWhen]
        public bool Fires => V >= Threshold;
        """;

    private const string Dynamics = """
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + input) / TauMem;
        """;

    private static void Valid(string source)
    {
        var run = GeneratorHarness.Run(new TestFile("Fixture.cs", source));
        Assert.True(run.GeneratorDiagnostics.IsEmpty, GeneratorHarness.Format(run.GeneratorDiagnostics));
        Assert.True(run.CompilerDiagnostics.IsEmpty, GeneratorHarness.Format(run.CompilerDiagnostics));
        Assert.Contains("public sealed class Layer", Assert.Single(run.GeneratedSources).SourceText.ToString());
    }

    [Fact]
    public void EveryGeneratorDiagnosticHasAFixture()
    {
        // SNN0018 (internal error) is only reported when the extractor throws; the fuzz test asserts it never appears.
        var ids = DiagnosticDescriptors.All.Select(d => d.Id).Where(id => id != "SNN0018").ToList();
        var tested = typeof(DiagnosticTests).GetMethods()
            .Where(m => m.GetCustomAttributes(typeof(FactAttribute), true).Length > 0)
            .Select(m => m.Name.Split('_')[0]).Distinct().ToList();
        Assert.Equal(System.Array.Empty<string>(), ids.Where(id => !tested.Contains(id)).ToArray());
        Assert.Equal(28, ids.Count);
    }

    // ---------------------------------------------------------------- SNN0001

    [Fact]
    public void SNN0001_NotPartial() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Neuron]
        public record {|SNN0001:Cell|}(float TauMem = 10f, float Threshold = 1f)
        {
            [State] public float V;
            [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
            [SpikeWhen] public bool Fires => V >= Threshold;
        }
        """));

    [Fact]
    public void SNN0001_PartialClass() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Neuron]
        public partial class {|SNN0001:Cell|}
        {
            [State] public float V;
            [Derivative(nameof(V))] public float Dv(float input) => -V + input;
            [SpikeWhen] public bool Fires => V >= 1f;
        }
        """));

    [Fact]
    public void SNN0001_RecordStruct() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Neuron]
        public partial record struct {|SNN0001:Cell|}(float TauMem = 10f)
        {
            [State] public float V;
            [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
            [SpikeWhen] public bool Fires => V >= 1f;
        }
        """),
        // [Neuron] is AttributeTargets.Class: C# rejects it on a struct by itself.
        "CS0592");

    [Fact]
    public void SNN0001_Valid() => Valid(N(Dynamics + "\n" + Spike));

    // ---------------------------------------------------------------- SNN0002

    [Fact]
    public void SNN0002_Modulo() => DiagnosticVerifier.Verify(N("""
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + {|SNN0002:input % 2f|}) / TauMem;
        """ + "\n" + Spike));

    [Fact]
    public void SNN0002_CallOnOtherType() => DiagnosticVerifier.Verify(N("""
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + {|SNN0002:Helpers.Gain(input)|}) / TauMem;
        """ + "\n" + Spike) + """

        public static class Helpers { public static float Gain(float x) => 2f * x; }
        """);

    [Fact]
    public void SNN0002_ConditionAsEquation() => DiagnosticVerifier.Verify(N("""
        [State] public float V;

        [Next(nameof(V))]
        public float Step(float input) => {|SNN0002:V < input|};
        """ + "\n" + Spike),
        // C# reports the bool-to-float conversion itself.
        "CS0029");

    [Fact]
    public void SNN0002_Valid() => Valid(N("""
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + MathF.Max(input, 0f)) / TauMem;
        """ + "\n" + Spike));

    // ---------------------------------------------------------------- SNN0003

    [Fact]
    public void SNN0003_InstanceFieldIsNotAParameter() => DiagnosticVerifier.Verify(N("""
        public float Gain = 2f;

        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + {|SNN0003:Gain|} * input) / TauMem;
        """ + "\n" + Spike));

    [Fact]
    public void SNN0003_Valid() => Valid(N("""
        public const float Gain = 2f;

        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + Gain * input) / TauMem;
        """ + "\n" + Spike));

    // ---------------------------------------------------------------- SNN0004

    [Fact]
    public void SNN0004_StateWithoutEquation() => DiagnosticVerifier.Verify(N(Dynamics + """

        [State] public float {|SNN0004:W|};
        """ + "\n" + Spike));

    [Fact]
    public void SNN0004_Valid() => Valid(N(Dynamics + """

        [State] public float W;
        [Next(nameof(W))] public float NextW => 0.5f * W + V;
        """ + "\n" + Spike));

    // ---------------------------------------------------------------- SNN0005

    [Fact]
    public void SNN0005_TwoEquations() => DiagnosticVerifier.Verify(N(Dynamics + """

        [{|SNN0005:Next(nameof(V))|}]
        public float StepV(float input) => V + input;
        """ + "\n" + Spike));

    [Fact]
    public void SNN0005_Valid() => SNN0001_Valid();

    // ---------------------------------------------------------------- SNN0006

    [Fact]
    public void SNN0006_Equality() => DiagnosticVerifier.Verify(N(Dynamics + """

        [SpikeWhen]
        public bool Fires => {|SNN0006:V == Threshold|};
        """));

    [Fact]
    public void SNN0006_BoolSubExpression() => DiagnosticVerifier.Verify(N(Dynamics + """

        private bool Above => V >= Threshold;

        [SpikeWhen]
        public bool Fires => {|SNN0006:Above|};
        """));

    [Fact]
    public void SNN0006_Valid() => Valid(N(Dynamics + """

        [SpikeWhen]
        public bool Fires => Threshold <= V && V < 100f;
        """));

    // ---------------------------------------------------------------- SNN0007

    [Fact]
    public void SNN0007_IntParameter() => DiagnosticVerifier.Verify(N(Dynamics + "\n" + Spike,
        parameters: "float TauMem = 10f, float Threshold = 1f, {|SNN0007:int|} Count = 3"));

    [Fact]
    public void SNN0007_DoubleState() => DiagnosticVerifier.Verify(N("""
        [State] public {|SNN0007:double|} V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (float)(-V + input) / TauMem;

        [SpikeWhen]
        public bool Fires => V >= Threshold;
        """));

    [Fact]
    public void SNN0007_IntInputPort() => DiagnosticVerifier.Verify(N("""
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv({|SNN0007:int input|}) => (-V + input) / TauMem;
        """ + "\n" + Spike));

    [Fact]
    public void SNN0007_DoubleEquation() => DiagnosticVerifier.Verify(N("""
        [State] public float V;

        [Derivative(nameof(V))]
        public {|SNN0007:double|} Dv(float input) => (-V + input) / TauMem;
        """ + "\n" + Spike));

    [Fact]
    public void SNN0007_UsedIntParameterDoesNotCascade() => DiagnosticVerifier.Verify(N("""
        [State] public float V = Count;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + Count * input) / TauMem;

        [SpikeWhen]
        public bool Fires => V >= Threshold;
        """, parameters: "float TauMem = 10f, float Threshold = 1f, {|SNN0007:int|} Count = 3"));

    [Fact]
    public void SNN0007_Valid() => SNN0001_Valid();

    // ---------------------------------------------------------------- SNN0008

    [Fact]
    public void SNN0008_BlockBodyMethod() => DiagnosticVerifier.Verify(N("""
        [State] public float V;

        [Derivative(nameof(V))]
        public float {|SNN0008:Dv|}(float input)
        {
            var leak = -V / TauMem;
            return leak + input / TauMem;
        }
        """ + "\n" + Spike));

    [Fact]
    public void SNN0008_BlockBodyProperty() => DiagnosticVerifier.Verify(N("""
        [State] public float V;

        [Derivative(nameof(V))]
        public float {|SNN0008:Dv|}
        {
            get
            {
                var leak = -V / TauMem;
                return leak;
            }
        }
        """ + "\n" + Spike));

    [Fact]
    public void SNN0008_Valid() => Valid(N("""
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input)
        {
            return (-V + input) / TauMem;
        }
        """ + "\n" + Spike));

    // ---------------------------------------------------------------- SNN0009

    [Fact]
    public void SNN0009_StringTarget() => DiagnosticVerifier.Verify(N("""
        [State] public float {|SNN0004:V|};

        [{|SNN0009:Derivative("U")|}]
        public float Dv(float input) => (-V + input) / TauMem;
        """ + "\n" + Spike));

    [Fact]
    public void SNN0009_ParameterTarget() => DiagnosticVerifier.Verify(N("""
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + input) / TauMem;

        [{|SNN0009:Next(nameof(TauMem))|}]
        public float Grow => TauMem + 1f;
        """ + "\n" + Spike));

    [Fact]
    public void SNN0009_Valid() => SNN0001_Valid();

    // ---------------------------------------------------------------- SNN0010

    [Fact]
    public void SNN0010_NoSpikeCondition() => DiagnosticVerifier.Verify(N(Dynamics, name: "{|SNN0010:Cell|}"));

    [Fact]
    public void SNN0010_TwoSpikeConditions() => DiagnosticVerifier.Verify(N(Dynamics + "\n" + Spike + """

        [SpikeWhen]
        public bool {|SNN0010:AlsoFires|} => V >= 2f * Threshold;
        """));

    [Fact]
    public void SNN0010_Valid() => SNN0001_Valid();

    // ---------------------------------------------------------------- SNN0011

    [Fact]
    public void SNN0011_AssignsNonState() => DiagnosticVerifier.Verify(N(Dynamics + "\n" + Spike + """

        public float Count;

        [OnSpike] public void Reset() => {|SNN0011:Count|} += 1f;
        """));

    [Fact]
    public void SNN0011_LoopInReset() => DiagnosticVerifier.Verify(N(Dynamics + "\n" + Spike + """

        [OnSpike]
        public void Reset()
        {
            V = 0f;
            {|SNN0011:for (int i = 0; i < 2; i++) V -= 0.5f;|}
        }
        """));

    [Fact]
    public void SNN0011_Increment() => DiagnosticVerifier.Verify(N(Dynamics + "\n" + Spike + """

        [OnSpike] public void Reset() => {|SNN0011:V++|};
        """));

    [Fact]
    public void SNN0011_Valid() => Valid(N(Dynamics + "\n" + Spike + """

        [OnSpike]
        public void Reset()
        {
            V -= Threshold;
            V *= 0.5f;
        }
        """));

    // ---------------------------------------------------------------- SNN0012

    [Fact]
    public void SNN0012_ExactOnNonlinear() => DiagnosticVerifier.Verify(N("""
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V * V + input) / TauMem;
        """ + "\n" + Spike, attribute: "[{|SNN0012:Neuron(Integrator = Integrator.Exact)|}]"));

    [Fact]
    public void SNN0012_ExponentialEulerOnQuadraticSelfTerm() => DiagnosticVerifier.Verify(N("""
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => 0.04f * V * V + input;
        """ + "\n" + Spike, attribute: "[{|SNN0012:Neuron(Integrator = Integrator.ExponentialEuler)|}]"));

    [Fact]
    public void SNN0012_Valid() => Valid(N("""
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V * V + input) / TauMem;
        """ + "\n" + Spike, attribute: "[Neuron(Integrator = Integrator.Rk4)]"));

    // ---------------------------------------------------------------- SNN0013

    [Fact]
    public void SNN0013_MutualRecursion() => DiagnosticVerifier.Verify(N("""
        [State] public float V;

        private float Leak => -V / TauMem + 0f * Other;
        private float Other => {|SNN0013:Leak|};

        [Derivative(nameof(V))]
        public float Dv(float input) => Leak + input / TauMem;
        """ + "\n" + Spike));

    [Fact]
    public void SNN0013_Valid() => Valid(N("""
        [State] public float V;

        private float Leak => -V / TauMem;
        private float Drive(float x) => x / TauMem;

        [Derivative(nameof(V))]
        public float Dv(float input) => Leak + Drive(input);
        """ + "\n" + Spike));

    // ---------------------------------------------------------------- SNN0014

    [Fact]
    public void SNN0014_StateNamedDt() => DiagnosticVerifier.Verify(N("""
        [State] public float {|SNN0014:Dt|};
        [Next(nameof(Dt))] public float KeepDt => Dt;

        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + input) / TauMem;
        """ + "\n" + Spike));

    [Fact]
    public void SNN0014_MemberNamedCreateLayer() => DiagnosticVerifier.Verify(N(Dynamics + "\n" + Spike + """

        public static int {|SNN0014:CreateLayer|}() => 0;
        """));

    [Fact]
    public void SNN0014_PortShadowsState() => DiagnosticVerifier.Verify(N(Dynamics + "\n" + Spike + """

        [State] public float W;

        [Derivative(nameof(W))]
        public float Dw({|SNN0014:float V|}) => -W + V;
        """));

    [Fact]
    public void SNN0014_ParameterWithUnderscore() => DiagnosticVerifier.Verify(N(Dynamics + "\n" + Spike,
        parameters: "float TauMem = 10f, float Threshold = 1f, float {|SNN0014:_gain|} = 1f"));

    [Fact]
    public void SNN0014_InputPortWithUnderscore() => DiagnosticVerifier.Verify(N("""
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float {|SNN0014:_in|}) => (-V + _in) / TauMem;
        """ + "\n" + Spike));

    [Fact]
    public void SNN0014_StateWithUnderscore() => DiagnosticVerifier.Verify(N(Dynamics + "\n" + Spike + """

        [State] public float {|SNN0014:_w|};
        [Next(nameof(_w))] public float NextW => _w * 0.5f;
        """));

    [Fact]
    public void SNN0014_VerbatimKeywordNames() => DiagnosticVerifier.Verify(N("""
        [State] public float {|SNN0014:@base|};

        [Derivative(nameof(@base))]
        public float Dv(float {|SNN0014:@in|}) => (-@base + @in) / @fixed;

        [SpikeWhen]
        public bool Fires => @base >= 1f;
        """, parameters: "float {|SNN0014:@fixed|} = 10f"));

    [Theory]
    [InlineData("Model")]
    [InlineData("Batch")]
    [InlineData("Neurons")]
    [InlineData("Integrator")]
    [InlineData("Step")]
    [InlineData("Run")]
    public void SNN0014_StateNamedLikeALayerMember(string state) => DiagnosticVerifier.Verify(N($$"""
        [State] public float {|SNN0014:{{state}}|};

        [Derivative(nameof({{state}}))]
        public float Dx(float input) => (-{{state}} + input) / TauMem;

        [SpikeWhen]
        public bool Fires => {{state}} >= Threshold;
        """));

    [Theory]
    [InlineData("steps")]
    [InlineData("spikes")]
    public void SNN0014_PortNamedLikeALayerParameter(string port) => DiagnosticVerifier.Verify(N($$"""
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float {|SNN0014:{{port}}|}) => (-V + {{port}}) / TauMem;
        """ + "\n" + Spike));

    [Fact]
    public void SNN0014_ModelNamedLayer() => DiagnosticVerifier.Verify(N(Dynamics + "\n" + Spike, name: "{|SNN0014:Layer|}"));

    [Fact]
    public void SNN0014_Valid() => SNN0001_Valid();

    // ---------------------------------------------------------------- SNN0015

    [Fact]
    public void SNN0015_Generic() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Neuron]
        public partial record {|SNN0015:Cell|}<T>(float TauMem = 10f)
        {
            [State] public float V;
            [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
            [SpikeWhen] public bool Fires => V >= 1f;
        }
        """));

    [Fact]
    public void SNN0015_Valid() => SNN0001_Valid();

    // ---------------------------------------------------------------- SNN0016

    [Fact]
    public void SNN0016_ContainerNotPartial() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        public static class {|SNN0016:Outer|}
        {
            [Neuron]
            public partial record Cell(float TauMem = 10f)
            {
                [State] public float V;
                [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
                [SpikeWhen] public bool Fires => V >= 1f;
            }
        }
        """));

    [Fact]
    public void SNN0016_Valid() => Valid(TestSourceBuilder.File("""
        public static partial class Outer
        {
            [Neuron]
            public partial record Cell(float TauMem = 10f)
            {
                [State] public float V;
                [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
                [SpikeWhen] public bool Fires => V >= 1f;
            }
        }
        """));

    // ---------------------------------------------------------------- SNN0017

    [Fact]
    public void SNN0017_InitializerReadsState() => DiagnosticVerifier.Verify(N("""
        [State] public float V = Threshold;
        [State] public float W = 2f * {|SNN0017:V|};

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + input) / TauMem;

        [Derivative(nameof(W))]
        public float Dw => -W / TauMem;
        """ + "\n" + Spike),
        // C# itself forbids instance members in field initializers.
        "CS0236");

    [Fact]
    public void SNN0017_Valid() => Valid(N("""
        [State] public float V = Threshold;
        [State] public float W = 2f * Threshold / TauMem;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + input) / TauMem;

        [Derivative(nameof(W))]
        public float Dw => -W / TauMem;
        """ + "\n" + Spike));

    [Fact]
    public void SNN0016_GenericContainer() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        public partial class {|SNN0016:Outer|}<T>
        {
            [Neuron]
            public partial record Cell(float TauMem = 10f)
            {
                [State] public float V;
                [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
                [SpikeWhen] public bool Fires => V >= 1f;
            }
        }
        """));

    // ---------------------------------------------------------------- encoders: SNN0019 - SNN0022

    [Fact]
    public void SNN0019_EncoderDerivative() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Encoder]
        public partial record Enc(float Tau = 5f)
        {
            [State] public float Trace;
            [{|SNN0019:Derivative(nameof(Trace))|}] public float Decay(float x) => -Trace / Tau + x;
            [Emit] public float Spike(float x) => x;
        }
        """));

    [Fact]
    public void SNN0019_Valid() => Valid(TestSourceBuilder.File("""
        [Encoder]
        public partial record Enc(float Decay = 0.5f)
        {
            [State] public float Trace;
            [Next(nameof(Trace))] public float Remember(float x) => Decay * Trace + x;
            [Emit] public bool Spike(float x) => Trace + x >= 1f;
        }
        """));

    [Fact]
    public void SNN0020_NoEmit() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Encoder]
        public partial record {|SNN0020:Enc|}(float Gain = 1f)
        {
            public float Value(float x) => Gain * x;
        }
        """));

    [Fact]
    public void SNN0020_TwoEmits() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Encoder]
        public partial record Enc(float Gain = 1f)
        {
            [Emit] public float First(float x) => Gain * x;
            [Emit] public float {|SNN0020:Second|}(float x) => x;
        }
        """));

    [Fact]
    public void SNN0021_TwoInputs() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Encoder]
        public partial record Enc(float Gain = 1f)
        {
            [Emit] public float {|SNN0021:Mix|}(float x, float y) => Gain * x + y;
        }
        """));

    [Fact]
    public void SNN0021_OnlyRandomness() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Encoder]
        public partial record Enc(float P = 0.5f)
        {
            [Emit] public bool {|SNN0021:Noise|}([Uniform] float u) => u < P;
        }
        """));

    [Fact]
    public void SNN0022_FanOutNotAParameter() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [{|SNN0022:Encoder(FanOut = "Count")|}]
        public partial record Enc(float Neurons = 4f)
        {
            [Emit] public float Spike(float x) => Index == 0f ? x : 0f;
        }
        """));

    [Fact]
    public void SNN0022_FanOutNotWhole() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [{|SNN0022:Encoder(FanOut = nameof(Neurons))|}]
        public partial record Enc(float Neurons = 2.5f)
        {
            [Emit] public float Spike(float x) => Index == 0f ? x : 0f;
        }
        """));

    [Fact]
    public void SNN0022_Valid() => Valid(TestSourceBuilder.File("""
        [Encoder(FanOut = nameof(Neurons))]
        public partial record Enc(float Neurons = 3f)
        {
            [Emit] public float Spike(float x, [Uniform] float u) => u < x && Index == 1f ? 1f : 0f;
        }
        """));

    // ---------------------------------------------------------------- sub-expressions used twice

    [Fact]
    public void ErrorInSharedSubExpressionIsReportedOnce() => DiagnosticVerifier.Verify(N("""
        [State] public float V;
        [State] public float W;

        private float Bad => {|SNN0002:V % 2f|} + {|SNN0003:Gain|};
        public float Gain = 1f;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + input + Bad) / TauMem;

        [Derivative(nameof(W))]
        public float Dw => (-W + Bad) / TauMem;
        """ + "\n" + Spike));

    // ---------------------------------------------------------------- built-ins on broken models

    [Fact]
    public void BrokenModelStillGetsDtAndSpiked()
    {
        // Dt and Spiked are generated even though the model has an SNN error: the only error is ours
        // (no CS0103 for Dt or Spiked, no error inside generated code).
        var run = DiagnosticVerifier.Verify(N("""
            [State] public float V;

            [Derivative(nameof(V))]
            public float Dv(float input) => (-V + input) / TauMem * Dt - Spiked + {|SNN0002:V % 3f|};
            """ + "\n" + Spike));
        var source = Assert.Single(run.GeneratedSources).SourceText.ToString();
        Assert.Contains("public float Dt { get; init; }", source);
        Assert.Contains("public float Spiked { get; set; }", source);
        Assert.DoesNotContain("class Layer", source);
    }

    [Fact]
    public void WithoutTheGeneratorDtIsUnknown()
    {
        // The converse of the test above, so it cannot pass vacuously: without generated built-ins C# reports CS0103.
        var (source, _) = DiagnosticMarkup.Parse(N(Dynamics.Replace("/ TauMem", "/ TauMem * Dt") + "\n" + Spike));
        var compilation = GeneratorHarness.CreateCompilation(new TestFile("Fixture.cs", source));
        Assert.Contains(compilation.GetDiagnostics(), d => d.Id == "CS0103" && d.GetMessage().Contains("'Dt'"));
        Assert.Empty(GeneratorHarness.Run(compilation).Output.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
    }

    [Fact]
    public void MarkupParserFindsNestedSpans()
    {
        var (source, expected) = DiagnosticMarkup.Parse("a {|X1:b {|Y2:c|} d|} e");
        Assert.Equal("a b c d e", source);
        Assert.Equal(new[] { new ExpectedDiagnostic("Y2", new(4, 1)), new ExpectedDiagnostic("X1", new(2, 5)) }, expected);
    }
}
