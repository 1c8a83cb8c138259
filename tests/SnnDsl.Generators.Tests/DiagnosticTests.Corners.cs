using System.Linq;
using Microsoft.CodeAnalysis;
using SnnDsl.Generators.Tests.Infrastructure;

namespace SnnDsl.Generators.Tests;

/// <summary>
/// Fixtures of SNN0027 (equation too large), SNN0028 (undefined enum value in an attribute) and
/// SNN0029 (model with a base record), and of incomplete declarations (issue 13): each corner is a
/// located diagnostic or code that compiles, never a silent default or errors in generated files.
/// </summary>
public partial class DiagnosticTests
{
    // ---------------------------------------------------------------- SNN0027

    [Fact]
    public void SNN0027_LongSum() => DiagnosticVerifier.Verify(N("""
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => {|SNN0027:
        """ + string.Join(" + ", Enumerable.Repeat("input", 402)) + "|};\n" + Spike));

    [Fact]
    public void SNN0027_SubExpressionReadTwicePerLevel()
    {
        var helpers = "private float S1 => V + V;\n" + string.Concat(Enumerable.Range(2, 16).Select(i => $"private float S{i} => S{i - 1} * S{i - 1};\n"));
        DiagnosticVerifier.Verify(N("[State] public float V;\n" + helpers + """

            [Derivative(nameof(V))]
            public float Dv(float input) => {|SNN0027:-V + input + S16|};
            """ + "\n" + Spike));
    }

    [Fact]
    public void SNN0027_InSpikeConditionAndReset() => DiagnosticVerifier.Verify(N("""
        [State] public float V;
        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + input) / TauMem;

        [SpikeWhen]
        public bool Fires => V >= {|SNN0027:
        """ + string.Join(" + ", Enumerable.Repeat("Threshold", 402)) + """
        |};

        [OnSpike] public void Reset() => V = {|SNN0027:
        """ + string.Join(" * ", Enumerable.Repeat("V", 402)) + "|};\n"));

    [Fact]
    public void SNN0027_Synapse() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Synapse]
        public partial record Syn(float Tau = 5f)
        {
            [State] public float G;
            [Derivative(nameof(G))] public float Decay => {|SNN0027:
        """ + string.Join(" - ", Enumerable.Repeat("G / Tau", 402)) + """
        |};
            [OnPre] public void Spike(float w) => G += w;
            [Output] public float Current => G;
        }
        """));

    [Fact]
    public void SNN0027_Valid() => Valid(N("""
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) =>
        """ + string.Join(" + ", Enumerable.Repeat("input", 400)) + " - V;\n" + Spike));

    // ---------------------------------------------------------------- SNN0028

    [Fact]
    public void SNN0028_UndefinedIntegrator()
    {
        var run = DiagnosticVerifier.Verify(N(Dynamics + "\n" + Spike, attribute: "[Neuron(Integrator = {|SNN0028:(Integrator)42|})]"));
        Assert.Equal("'(Integrator)42' is not a defined Integrator value; use one of Auto, Exact, ExponentialEuler, Euler, Rk2, Rk4",
            run.GeneratorDiagnostics.Single().GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void SNN0028_UndefinedSurrogate() => DiagnosticVerifier.Verify(N(Dynamics + """

        [SpikeWhen({|SNN0028:(Surrogate)(-1)|})]
        public bool Fires => V >= Threshold;
        """));

    [Fact]
    public void SNN0028_UndefinedSynapseIntegrator() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Synapse(Integrator = {|SNN0028:(Integrator)6|})]
        public partial record Syn(float Tau = 5f)
        {
            [State] public float G;
            [Derivative(nameof(G))] public float Decay => -G / Tau;
            [OnPre] public void Spike(float w) => G += w;
            [Output] public float Current => G;
        }
        """));

    [Fact]
    public void SNN0028_Valid() => Valid(N(Dynamics + """

        [SpikeWhen((Surrogate)1)]
        public bool Fires => V >= Threshold;
        """, attribute: "[Neuron(Integrator = (Integrator)5)]"));

    // ---------------------------------------------------------------- SNN0029

    [Fact]
    public void SNN0029_NeuronDerivesFromNeuron() => NoWarningInGeneratedCode(DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Neuron]
        public partial record Base(float TauMem = 10f)
        {
            [State] public float V;
            [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
            [SpikeWhen] public bool Fires => V >= 1f;
        }

        [Neuron]
        public partial record Derived(float TauMem = 10f) : {|SNN0029:Base|}(TauMem)
        {
            [State] public float W;
            [Derivative(nameof(W))] public float Dw(float input) => (-W + input) / TauMem;
            [SpikeWhen] public bool FiresW => W >= 1f;
        }
        """)));

    [Fact]
    public void SNN0029_NeuronDerivesFromPlainRecord() => NoWarningInGeneratedCode(DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        public record Shared(float Gain);

        [Neuron]
        public partial record Cell(float TauMem = 10f) : {|SNN0029:Shared|}(2f)
        {
            [State] public float V;
            [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
            [SpikeWhen] public bool Fires => V >= 1f;
        }
        """)));

    [Fact]
    public void SNN0029_OtherKindsDeriveFromTheirKind() => NoWarningInGeneratedCode(DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Synapse]
        public partial record Syn(float Tau = 5f)
        {
            [State] public float G;
            [Derivative(nameof(G))] public float Decay => -G / Tau;
            [OnPre] public void Spike(float w) => G += w;
            [Output] public float Current => G;
        }

        [Synapse]
        public partial record Syn2(float Tau = 5f) : {|SNN0029:Syn|}(Tau)
        {
            [State] public float H;
            [Derivative(nameof(H))] public float Decay2 => -H / Tau;
            [OnPre] public void Spike2(float w) => H += w;
            [Output] public float Current2 => H;
        }

        [Encoder]
        public partial record Enc(float Gain = 1f)
        {
            [Emit] public bool Spike(float x) => Gain * x >= 0.5f;
        }

        [Encoder]
        public partial record Enc2(float Gain = 1f) : {|SNN0029:Enc|}(Gain)
        {
            [Emit] public bool Spike2(float x) => Gain * x >= 0.25f;
        }

        [Plasticity]
        public partial record Rule(float Tau = 5f)
        {
            [PostTrace] public float Y;
            [Derivative(nameof(Y))] public float DecayY => -Y / Tau;
            [OnPost] public float Post(float w) { Y += 1f; return w + Y; }
        }

        [Plasticity]
        public partial record Rule2(float Tau = 5f) : {|SNN0029:Rule|}(Tau)
        {
            [PreTrace] public float X;
            [Derivative(nameof(X))] public float DecayX => -X / Tau;
            [OnPre] public float Pre(float w) { X += 1f; return w - X; }
        }
        """)));

    /// <summary>CS0108 (a generated member hides an inherited one) is an error under warnings-as-errors.</summary>
    private static void NoWarningInGeneratedCode(GeneratorRun run)
    {
        var inGenerated = run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath != "Fixture.cs").ToList();
        Assert.True(inGenerated.Count == 0, GeneratorHarness.Format(inGenerated));
    }

    [Fact]
    public void SNN0029_Valid() => Valid(N(Dynamics + "\n" + Spike));

    // ---------------------------------------------------------------- incomplete declarations

    /// <summary>The fixture's own C# errors are all there is: nothing generated has an error or a warning.</summary>
    private static void NothingBrokenGenerated(string source, params string[] expectedCompilerErrors)
    {
        var run = GeneratorHarness.Run(new TestFile("Fixture.cs", source));
        Assert.All(run.Result.Results, r => Assert.Null(r.Exception));
        Assert.True(run.GeneratorDiagnostics.IsEmpty, GeneratorHarness.Format(run.GeneratorDiagnostics));
        var inGenerated = run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath != "Fixture.cs").ToList();
        Assert.True(inGenerated.Count == 0, GeneratorHarness.Format(inGenerated));
        var errors = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).ToList();
        foreach (var id in expectedCompilerErrors) Assert.Contains(id, errors);
    }

    [Theory]
    [InlineData("Neuron", "[State] public float V; [Derivative(nameof(V))] public float Dv(float input) => -V + input; [SpikeWhen] public bool Fires => V >= 1f;")]
    [InlineData("Synapse", "[State] public float G; [Derivative(nameof(G))] public float Decay => -G; [OnPre] public void Spike(float w) => G += w; [Output] public float Current => G;")]
    [InlineData("Encoder", "[Emit] public bool Spike(float x) => x >= 0.5f;")]
    [InlineData("Plasticity", "[PostTrace] public float Y; [Derivative(nameof(Y))] public float DecayY => -Y; [OnPost] public float Post(float w) { Y += 1f; return w + Y; }")]
    public void IncompleteRecordWithoutANameGeneratesNothingBroken(string kind, string members)
    {
        NothingBrokenGenerated(TestSourceBuilder.File($"[{kind}]\npublic partial record\n{{\n{members}\n}}"), "CS1001");
        NothingBrokenGenerated(TestSourceBuilder.File($"[{kind}]\npublic partial record (float Tau = 5f)\n{{\n{members}\n}}"));
    }

    [Theory]
    [InlineData("Neuron", "[State] public float V; [Derivative(nameof(V))] public float Dv(float input) => -V / Tau + input; [SpikeWhen] public bool Fires => V >= 1f;")]
    [InlineData("Synapse", "[State] public float G; [Derivative(nameof(G))] public float Decay => -G / Tau; [OnPre] public void Spike(float w) => G += w; [Output] public float Current => G;")]
    [InlineData("Encoder", "[Emit] public bool Spike(float x) => x >= Tau;")]
    [InlineData("Plasticity", "[PostTrace] public float Y; [Derivative(nameof(Y))] public float DecayY => -Y / Tau; [OnPost] public float Post(float w) { Y += 1f; return w + Y; }")]
    public void DuplicateParameterGeneratesNothingBroken(string kind, string members) =>
        NothingBrokenGenerated(TestSourceBuilder.File($"[{kind}]\npublic partial record Model(float Tau = 5f, float Tau = 6f)\n{{\n{members}\n}}"), "CS0100");
}
