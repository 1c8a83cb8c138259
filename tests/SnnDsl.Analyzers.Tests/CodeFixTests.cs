using System.Threading.Tasks;
using SnnDsl.Analyzers.Tests.Infrastructure;
using SnnDsl.CodeFixes;

namespace SnnDsl.Analyzers.Tests;

/// <summary>Each code fix applied to a fixture, compared with the exact expected source, then re-analyzed.</summary>
public sealed class CodeFixTests
{
    private static string Lif(string attribute, string parameters = "float TauMem = 0.5f, float Threshold = 1f") => $$"""
        using System;
        using SnnDsl;

        namespace Fix;

        {{attribute}}
        public partial record FixLif({{parameters}})
        {
            [State] public float V;
            [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
            [SpikeWhen] public bool Fires => V >= Threshold;
            [OnSpike] public void Reset() => V = 0f;
        }
        """;

    [Fact]
    public async Task SNN1002_SwitchToExact()
    {
        string fixedSource = await CodeFixHarness.ApplyAsync(new StepFixes(), Lif("[Neuron(Integrator = Integrator.Euler)]"), "SNN1002", "Use Integrator.Exact");
        Assert.Equal(Lif("[Neuron(Integrator = Integrator.Exact)]"), fixedSource);
        await CodeFixHarness.AssertFixedAsync(fixedSource, "SNN1002");
    }

    [Fact]
    public async Task SNN1002_SetDtToTheLargestStableTwoDigitValue()
    {
        // Euler with tau = 0.5 ms: stable below 1 ms, monotone below 0.5 ms; the fix sets 0.49 ms (no SNN1002, no SNN1003).
        string fixedSource = await CodeFixHarness.ApplyAsync(new StepFixes(), Lif("[Neuron(Integrator = Integrator.Euler)]"), "SNN1002", "Set Dt to 0.49 ms");
        Assert.Equal(Lif("[Neuron(Integrator = Integrator.Euler, Dt = 0.49f)]"), fixedSource);
        await CodeFixHarness.AssertFixedAsync(fixedSource, "SNN1002");
        await CodeFixHarness.AssertFixedAsync(fixedSource, "SNN1003");
    }

    [Fact]
    public async Task SNN1002_AtACallSite_SetsTheDtArgument()
    {
        string Source(string dt) => Lif("[Neuron(Integrator = Integrator.Euler)]", "float TauMem = 10f, float Threshold = 1f") + $$"""

            public static class Use
            {
                public static FixLif.Layer Build() => new FixLif().CreateLayer(1, 1, dt: {{dt}});
            }
            """;
        Assert.Equal(new[] { "Set dt to 9.9 ms" }, await CodeFixHarness.TitlesAsync(new StepFixes(), Source("25f"), "SNN1002"));
        string fixedSource = await CodeFixHarness.ApplyAsync(new StepFixes(), Source("25f"), "SNN1002", "Set dt to 9.9 ms");
        Assert.Equal(Source("9.9f"), fixedSource);
        await CodeFixHarness.AssertFixedAsync(fixedSource, "SNN1002");
    }

    [Fact]
    public async Task SNN1003_SwitchToExactOrSetDt()
    {
        string source = Lif("[Neuron(Integrator = Integrator.Euler, Dt = 0.8f)]");
        Assert.Equal(new[] { "Use Integrator.Exact", "Set Dt to 0.49 ms" }, await CodeFixHarness.TitlesAsync(new StepFixes(), source, "SNN1003"));
        Assert.Equal(Lif("[Neuron(Integrator = Integrator.Euler, Dt = 0.49f)]"), await CodeFixHarness.ApplyAsync(new StepFixes(), source, "SNN1003", "Set Dt to 0.49 ms"));
    }

    [Fact]
    public async Task SNN1006_SwitchAStiffChainToExact()
    {
        string Source(string integrator) => $$"""
            using SnnDsl;

            [Neuron(Integrator = {{integrator}}, Dt = 0.001f)]
            public partial record Stiff(float TauFast = 0.01f, float TauSlow = 100f)
            {
                [State] public float V;
                [State] public float W;
                [Derivative(nameof(V))] public float Dv(float input) => (-V + W + input) / TauFast;
                [Derivative(nameof(W))] public float Dw => -W / TauSlow;
                [SpikeWhen] public bool Fires => V >= 1f;
                [OnSpike] public void Reset() => V = 0f;
            }
            """;
        string fixedSource = await CodeFixHarness.ApplyAsync(new StepFixes(), Source("Integrator.Rk4"), "SNN1006", "Use Integrator.Exact");
        Assert.Equal(Source("Integrator.Exact"), fixedSource);
        await CodeFixHarness.AssertFixedAsync(fixedSource, "SNN1006");
    }

    [Fact]
    public async Task SNN1004_AddsDtWhenTheAttributeHasNone()
    {
        string source = Lif("[Neuron]", "float TauMem = 0.5f, float Threshold = 1f");
        string fixedSource = await CodeFixHarness.ApplyAsync(new StepFixes(), source, "SNN1004", "Set Dt to 0.5 ms");
        Assert.Equal(Lif("[Neuron(Dt = 0.5f)]", "float TauMem = 0.5f, float Threshold = 1f"), fixedSource);
        await CodeFixHarness.AssertFixedAsync(fixedSource, "SNN1004");
    }

    [Fact]
    public async Task SNN1007_WrapsTheLearnableTauInTheSigmoidForm()
    {
        string source = Lif("[Neuron]", "[Learnable] float TauMem = 10f, float Threshold = 1f");
        string fixedSource = await CodeFixHarness.ApplyAsync(new LearnableTauFix(), source, "SNN1007", "Learn TauMem as 1 + e^(-TauMemLogit) (PLIF's sigmoid form)");
        // 1/10 = sigmoid(W): W = -ln 9 = -2.1972246.
        Assert.Equal("""
            using System;
            using SnnDsl;

            namespace Fix;

            [Neuron]
            public partial record FixLif([Learnable] float TauMemLogit = -2.1972246f, float Threshold = 1f)
            {
                /// <summary>TauMem = 1 + e^(-TauMemLogit), i.e. 1/TauMem = sigmoid(TauMemLogit): positive whatever is learned (PLIF, Fang et al. 2021).</summary>
                private float TauMem => 1f + global::System.MathF.Exp(-TauMemLogit);

                [State] public float V;
                [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
                [SpikeWhen] public bool Fires => V >= Threshold;
                [OnSpike] public void Reset() => V = 0f;
            }
            """, fixedSource);
        await CodeFixHarness.AssertFixedAsync(fixedSource, "SNN1007");
    }

    [Fact]
    public async Task SNN0001_AddsPartial()
    {
        string Source(string modifiers) => Lif("[Neuron]", "float TauMem = 10f, float Threshold = 1f").Replace("public partial record", modifiers + " record");
        string fixedSource = await CodeFixHarness.ApplyAsync(new AddPartialFix(), Source("public"), "SNN0001", "Make 'FixLif' partial");
        Assert.Equal(Source("public partial"), fixedSource);
        await CodeFixHarness.AssertFixedAsync(fixedSource, "SNN0001");
    }

    [Fact]
    public async Task SNN0016_AddsPartialToTheContainingType()
    {
        string Source(string modifiers) => $$"""
            using SnnDsl;

            public {{modifiers}}class Outer
            {
                [Neuron]
                public partial record Inner(float TauMem = 10f)
                {
                    [State] public float V;
                    [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
                    [SpikeWhen] public bool Fires => V >= 1f;
                }
            }
            """;
        string fixedSource = await CodeFixHarness.ApplyAsync(new AddPartialFix(), Source(""), "SNN0016", "Make 'Outer' partial");
        Assert.Equal(Source("partial "), fixedSource);
        await CodeFixHarness.AssertFixedAsync(fixedSource, "SNN0016");
    }
}
