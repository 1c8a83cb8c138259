using SnnDsl.Generators.Tests.Infrastructure;

namespace SnnDsl.Generators.Tests;

/// <summary>Fixtures of the [Plasticity] diagnostics (SNN0025, SNN0026).</summary>
public partial class DiagnosticTests
{
    // ---------------------------------------------------------------- SNN0025

    [Fact]
    public void SNN0025_NoHandler() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Plasticity]
        public partial record {|SNN0025:Rule|}(float Tau = 5f)
        {
            [PreTrace] public float X;
            [Derivative(nameof(X))] public float Decay => -X / Tau;
        }
        """));

    [Fact]
    public void SNN0025_TwoOnPost() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Plasticity]
        public partial record Rule(float Tau = 5f)
        {
            [PostTrace] public float Y;
            [Derivative(nameof(Y))] public float Decay => -Y / Tau;
            [OnPost] public float Post(float w) => w + Y;
            [OnPost] public float {|SNN0025:Again|}(float w) => w - Y;
        }
        """));

    [Fact]
    public void SNN0025_Valid() => ValidPlasticity("""
        [Plasticity]
        public partial record Rule(float Tau = 5f)
        {
            [PostTrace] public float Y;
            [Derivative(nameof(Y))] public float Decay => -Y / Tau;
            [OnPost] public float Post(float w) { Y += 1f; return w + Y; }
        }
        """);

    // ---------------------------------------------------------------- SNN0026

    [Fact]
    public void SNN0026_OnPreChangesAPostTrace() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Plasticity]
        public partial record Rule(float Tau = 5f)
        {
            [PreTrace] public float X;
            [PostTrace] public float Y;
            [Derivative(nameof(X))] public float Dx => -X / Tau;
            [Derivative(nameof(Y))] public float Dy => -Y / Tau;
            [OnPre] public float Pre(float w) { {|SNN0026:Y|} += 1f; return w; }
        }
        """));

    [Fact]
    public void SNN0026_TraceReadsTheWeight() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Plasticity]
        public partial record Rule(float Tau = 5f)
        {
            [PreTrace] public float X;
            [Derivative(nameof(X))] public float Dx => -X / Tau;
            [OnPre] public float Pre(float w) { {|SNN0026:X += w|}; return w; }
        }
        """));

    [Fact]
    public void SNN0026_AssignsTheWeight() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Plasticity]
        public partial record Rule(float Tau = 5f)
        {
            [PreTrace] public float X;
            [Derivative(nameof(X))] public float Dx => -X / Tau;
            [OnPre] public float Pre(float w) { {|SNN0026:w|} = w + X; return w; }
        }
        """));

    [Fact]
    public void SNN0026_NonlinearDecay() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Plasticity]
        public partial record Rule(float Tau = 5f)
        {
            [PreTrace] public float X;
            [Derivative(nameof(X))] public float {|SNN0026:Dx|} => -X * X / Tau;
            [OnPre] public float Pre(float w) { X += 1f; return w; }
        }
        """));

    [Fact]
    public void SNN0026_HandlerSignature() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Plasticity]
        public partial record Rule(float Tau = 5f)
        {
            [PreTrace] public float X;
            [Derivative(nameof(X))] public float Dx => -X / Tau;
            [OnPre] public void {|SNN0026:Pre|}(float w) => X += 1f;
        }
        """));

    [Fact]
    public void SNN0026_UnsupportedStatement() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Plasticity]
        public partial record Rule(float Tau = 5f)
        {
            [PreTrace] public float X;
            [Derivative(nameof(X))] public float Dx => -X / Tau;
            [OnPre] public float Pre(float w) { {|SNN0026:if (X > 1f) X = 1f;|} return w; }
        }
        """));

    [Fact]
    public void SNN0026_StateInARule() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Plasticity]
        public partial record Rule(float Tau = 5f)
        {
            [State] public float {|SNN0026:S|};
            [PreTrace] public float X;
            [Derivative(nameof(X))] public float Dx => -X / Tau;
            [OnPre] public float Pre(float w) { X += 1f; return w; }
        }
        """));

    [Fact]
    public void SNN0026_Valid() => ValidPlasticity("""
        [Plasticity]
        public partial record Rule(float Tau = 5f, float WMax = 1f)
        {
            [PreTrace] public float X;
            [PostTrace] public float Y = 0.5f;
            [Derivative(nameof(X))] public float Dx => -X / Tau;
            [Next(nameof(Y))] public float Ny => Y * 0.9f;
            [OnPre] public float Pre(float w) { float before = X; X = 1f; return System.Math.Clamp(w + before - Y, 0f, WMax); }
            [OnPost] public float Post(float w) { Y += Y > 2f ? 0.5f : 1f; return w; }
        }
        """);

    [Fact]
    public void SNN0026_RewardReadsANeuronTrace() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Plasticity]
        public partial record Rule(float Tau = 5f)
        {
            [PreTrace] public float X;
            [SynapseTrace] public float C;
            [Derivative(nameof(X))] public float Dx => -X / Tau;
            [Derivative(nameof(C))] public float Dc => -C / Tau;
            [OnPre] public float Pre(float w) { X += 1f; C += 1f; return w; }
            [OnReward] public float {|SNN0026:Reward|}(float w, float reward) => w + reward * C * X;
        }
        """));

    [Fact]
    public void SNN0026_NeuronTraceReadsASynapseTrace() => DiagnosticVerifier.Verify(TestSourceBuilder.File("""
        [Plasticity]
        public partial record Rule(float Tau = 5f)
        {
            [PreTrace] public float X;
            [SynapseTrace] public float C;
            [Derivative(nameof(X))] public float Dx => -X / Tau;
            [Derivative(nameof(C))] public float Dc => -C / Tau;
            [OnPre] public float Pre(float w) { {|SNN0026:X += C|}; return w; }
        }
        """));

    private static void ValidPlasticity(string members)
    {
        var run = GeneratorHarness.Run(new TestFile("Fixture.cs", TestSourceBuilder.File(members)));
        Assert.True(run.GeneratorDiagnostics.IsEmpty, GeneratorHarness.Format(run.GeneratorDiagnostics));
        Assert.True(run.CompilerDiagnostics.IsEmpty, GeneratorHarness.Format(run.CompilerDiagnostics));
        Assert.Contains("public sealed class Learner : global::SnnDsl.Plasticity.IPlasticityLearner", Assert.Single(run.GeneratedSources).SourceText.ToString());
    }
}
