using System.Linq;
using SnnDsl.Generators.Tests.Infrastructure;

namespace SnnDsl.Generators.Tests;

/// <summary>Golden files for the generated code of representative models (Snapshots/SnapshotTests/...).</summary>
public class SnapshotTests
{
    private static GeneratorRun RunClean(string source, string expectedIntegrator)
    {
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.CompilerDiagnostics.IsEmpty, "Generated code does not compile cleanly:\n" + GeneratorHarness.Format(run.CompilerDiagnostics));
        var text = Assert.Single(run.GeneratedSources).SourceText.ToString();
        Assert.Contains($"public static global::SnnDsl.Integrator Integrator => global::SnnDsl.Integrator.{expectedIntegrator};", text);
        return run;
    }

    private static GeneratorRun RunCleanEncoder(string source)
    {
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.CompilerDiagnostics.IsEmpty, "Generated code does not compile cleanly:\n" + GeneratorHarness.Format(run.CompilerDiagnostics));
        Assert.Contains("global::SnnDsl.ISpikeEncoder", Assert.Single(run.GeneratedSources).SourceText.ToString());
        return run;
    }

    [Fact]
    public void EncoderDeltaWithStateAndOptions()
    {
        var run = RunCleanEncoder(TestSourceBuilder.File("""
            [Encoder]
            public partial record DeltaCode(float Threshold = 0.1f, bool Padding = false, bool OffSpike = false)
            {
                [State] public float Prev;
                [Next(nameof(Prev))] public float Remember(float x) => x;
                private float Change(float x) => x - (Time == 0f && Padding ? x : Prev);
                [Emit] public float Spike(float x) => Change(x) >= Threshold ? 1f : (OffSpike && Change(x) <= -Threshold ? -1f : 0f);
            }
            """));
        Snapshot.Verify(run);
    }

    [Fact]
    public void EncoderRateWithUniformDraw()
    {
        var run = RunCleanEncoder(TestSourceBuilder.File("""
            [Encoder]
            public partial record RateCode(float Gain = 1f, float Offset = 0f)
            {
                [Emit] public bool Spike(float x, [Uniform] float u) => u < System.Math.Clamp(Gain * x + Offset, 0f, 1f);
            }
            """));
        var text = run.GeneratedSources[0].SourceText.ToString();
        Assert.Contains("global::SnnDsl.Kernels.SnnRandom.Uniform(_key_u, _elem0 + (ulong)_i, (ulong)_t, _shape)", text);
        Snapshot.Verify(run);
    }

    [Fact]
    public void EncoderPopulationWithFanOutAndRequires()
    {
        var run = RunCleanEncoder(TestSourceBuilder.File("""
            [Encoder(FanOut = nameof(Neurons))]
            public partial record Fields(float Neurons = 4f, float Width = 0.25f)
            {
                private float Centre => Index / (Neurons - 1f);
                [Emit] public bool Spike(float x, [Uniform] float u) => u < System.MathF.Exp(-(x - Centre) * (x - Centre) / (2f * Width * Width));
                [Requires("x must lie in [0, 1]")] public bool InRange(float x) => x >= 0f && x <= 1f;
                [Requires("Width must be positive")] public bool WidthPositive => Width > 0f;
            }
            """));
        var text = run.GeneratedSources[0].SourceText.ToString();
        Assert.Contains("GatherRepeat", text);
        Assert.Contains("private void Validate(", text);
        Assert.Contains("Width must be positive", text);
        Snapshot.Verify(run);
    }

    [Fact]
    public void LifExactDiagonal()
    {
        var run = RunClean(TestModels.Lif, "Exact");
        Assert.Contains("_decay_V", run.GeneratedSources[0].SourceText.ToString());
        Snapshot.Verify(run);
    }

    [Fact]
    public void LeakyDiscreteWithSpiked()
    {
        var run = RunClean(TestModels.Leaky, "Auto");
        Snapshot.Verify(run);
    }

    [Fact]
    public void IzhikevichRk4()
    {
        var run = RunClean(TestModels.Izhikevich, "Rk4");
        Snapshot.Verify(run);
    }

    [Fact]
    public void HodgkinHuxleyLikeExponentialEuler()
    {
        var run = RunClean(TestModels.HhLike, "ExponentialEuler");
        Snapshot.Verify(run);
    }

    [Fact]
    public void CoupledLifCurrentSynapseMatrixPropagator()
    {
        var run = RunClean(TestModels.CubaLif, "Exact");
        var text = run.GeneratedSources[0].SourceText.ToString();
        Assert.Contains("global::SnnDsl.Numerics.Propagator.Compute(_A, 2, Dt, _P, _Q);", text);
        Snapshot.Verify(run);
    }

    [Fact]
    public void LifExplicitEuler()
    {
        var run = RunClean(TestModels.LifEuler, "Euler");
        Snapshot.Verify(run);
    }

    [Fact]
    public void AdaptiveRk2()
    {
        var run = RunClean(TestModels.AdaptiveRk2, "Rk2");
        Snapshot.Verify(run);
    }

    [Fact]
    public void GlobalNamespaceModel()
    {
        var run = RunClean(TestModels.GlobalNamespace, "Exact");
        Assert.Equal("GlobalLif.Neuron.g.cs", run.GeneratedSources[0].HintName);
        Snapshot.Verify(run);
    }

    [Fact]
    public void ModelNestedInPartialClass()
    {
        var run = RunClean(TestModels.Nested, "Exact");
        Assert.Equal("SnnDsl.TestModels.Zoo.Cortex.Pyramidal.Neuron.g.cs", run.GeneratedSources[0].HintName);
        Snapshot.Verify(run);
    }

    [Fact]
    public void ModelWithErrorsGetsBuiltInsOnly()
    {
        // A model with an SNN error still gets Dt and Spiked, and its diagnostics are part of the snapshot.
        var run = GeneratorHarness.Run(TestSourceBuilder.Neuron("Broken", "float Tau = 10f", """
            [State] public float V;

            [Derivative(nameof(V))]
            public float Dv(float input) => (-V + input) / Tau + Unknown;

            [SpikeWhen]
            public bool Fires => V >= 1f;
            """));
        Assert.Equal(new[] { "SNN0003" }, run.GeneratorDiagnostics.Select(d => d.Id));
        Snapshot.Verify(run);
    }
}
