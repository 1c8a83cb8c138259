using SnnDsl.Generators.Tests.Infrastructure;

namespace SnnDsl.Generators.Tests;

/// <summary>Fixtures of the [Synapse] diagnostics (SNN0023, SNN0024) and of shared rules applied to synapses.</summary>
public partial class DiagnosticTests
{
    // ---------------------------------------------------------------- SNN0023

    [Fact]
    public void SNN0023_NoOnPre() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Synapse]
        public partial record {|SNN0023:Syn|}(float Tau = 5f)
        {
            [State] public float G;
            [Derivative(nameof(G))] public float Decay => -G / Tau;
            [Output] public float Current => G;
        }
        """));

    [Fact]
    public void SNN0023_TwoOutputs() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Synapse]
        public partial record Syn(float Tau = 5f)
        {
            [State] public float G;
            [Derivative(nameof(G))] public float Decay => -G / Tau;
            [OnPre] public void Spike(float w) => G += w;
            [Output] public float Current => G;
            [Output] public float {|SNN0023:Again|} => 2f * G;
        }
        """));

    [Fact]
    public void SNN0023_Valid() => ValidSynapse("""
        [Synapse]
        public partial record Syn(float Tau = 5f)
        {
            [State] public float G;
            [Derivative(nameof(G))] public float Decay => -G / Tau;
            [OnPre] public void Spike(float w) => G += w;
            [Output] public float Current => G;
        }
        """);

    // ---------------------------------------------------------------- SNN0024

    [Fact]
    public void SNN0024_DynamicsWithAnInputPort() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Synapse]
        public partial record Syn(float Tau = 5f)
        {
            [State] public float G;
            [Derivative(nameof(G))] public float {|SNN0024:Decay|}(float x) => -G / Tau + x;
            [OnPre] public void Spike(float w) => G += w;
            [Output] public float Current => G;
        }
        """));

    [Fact]
    public void SNN0024_OnPreWithTwoParameters() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Synapse]
        public partial record Syn(float Tau = 5f)
        {
            [State] public float G;
            [Derivative(nameof(G))] public float Decay => -G / Tau;
            [OnPre] public void {|SNN0024:Spike|}(float w, float scale) => G += w * scale;
            [Output] public float Current => G;
        }
        """));

    [Fact]
    public void SNN0024_OutputReadsTheWeight() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Synapse]
        public partial record Syn(float Tau = 5f)
        {
            [State] public float G;
            [Derivative(nameof(G))] public float Decay => -G / Tau;
            [OnPre] public void Spike(float w) => G += w;
            [Output] public float {|SNN0024:Current|}(float w) => G * w;
        }
        """));

    [Fact]
    public void SNN0024_SpikeConditionInASynapse() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Synapse]
        public partial record Syn(float Tau = 5f)
        {
            [State] public float G;
            [Derivative(nameof(G))] public float Decay => -G / Tau;
            [OnPre] public void Spike(float w) => G += w;
            [Output] public float Current => G;
            [SpikeWhen] public bool {|SNN0024:Fires|} => G > 1f;
        }
        """));

    [Fact]
    public void SNN0024_ReadsSpiked() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Synapse]
        public partial record Syn(float Tau = 5f)
        {
            [State] public float G;
            [Derivative(nameof(G))] public float Decay => -G / Tau;
            [OnPre] public void Spike(float w) => G += w;
            [Output] public float {|SNN0024:Current|} => G * Spiked;
        }
        """), "CS0103"); // a synapse has no Spiked member, so C# reports it too

    [Fact]
    public void SNN0024_Valid() => ValidSynapse("""
        [Synapse]
        public partial record Cond(float Tau = 5f, float E = 0f)
        {
            [State] public float G;
            [Derivative(nameof(G))] public float Decay => -G / Tau;
            [OnPre] public void Spike(float weight) => G += weight;
            [Output] public float Current(float V) => G * (E - V);
        }
        """);

    // ---------------------------------------------------------------- shared rules on synapses

    [Fact]
    public void SNN0003_UnknownIdentifierInASynapse() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Synapse]
        public partial record Syn(float Tau = 5f)
        {
            [State] public float G;
            [Derivative(nameof(G))] public float Decay => -G / {|SNN0003:Taus|};
            [OnPre] public void Spike(float w) => G += w;
            [Output] public float Current => G;
        }
        """), "CS0103");

    [Fact]
    public void SNN0011_OnPreThatIsNotAnAssignment() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Synapse]
        public partial record Syn(float Tau = 5f)
        {
            [State] public float G;
            [Derivative(nameof(G))] public float Decay => -G / Tau;
            [OnPre] public void Spike(float w) => {|SNN0011:System.Console.WriteLine(w)|};
            [Output] public float Current => G;
        }
        """));

    private static void ValidSynapse(string members)
    {
        var run = GeneratorHarness.Run(new TestFile("Fixture.cs", TestSourceBuilder.File(members)));
        Assert.True(run.GeneratorDiagnostics.IsEmpty, GeneratorHarness.Format(run.GeneratorDiagnostics));
        Assert.True(run.CompilerDiagnostics.IsEmpty, GeneratorHarness.Format(run.CompilerDiagnostics));
        Assert.Contains("public sealed class Targets : global::SnnDsl.Simulation.ISynapseTargets", Assert.Single(run.GeneratedSources).SourceText.ToString());
    }
}
