using System.Collections.Generic;
using System.Linq;
using SnnDsl.Generators.Tests.Infrastructure;

namespace SnnDsl.Generators.Tests;

/// <summary>Valid but unusual declarations: each must be accepted and give code that compiles cleanly.</summary>
public class EdgeCaseTests
{
    public static readonly Dictionary<string, string> Models = new()
    {
        ["NoStateSpikeOnInput"] = TestSourceBuilder.Neuron("Detector", "float Threshold = 1f", """
            [SpikeWhen]
            public bool Fires(float input) => input > Threshold;
            """),
        ["TwoPortsConductance"] = TestSourceBuilder.Neuron("Coba", "float Tau = 20f, float EE = 0f, float EI = -80f, float EL = -65f, float VT = -50f", """
            [State] public float V = EL;

            [Derivative(nameof(V))]
            public float Dv(float ge, float gi) => (EL - V + ge * (EE - V) + gi * (EI - V)) / Tau;

            [SpikeWhen(Surrogate.ATan)]
            public bool Fires => V > VT;

            [OnSpike] public void Reset() => V = EL;
            """),
        ["GateAndSpikedInCondition"] = TestSourceBuilder.Neuron("Refractory", "float Tau = 10f, float Threshold = 1f", """
            [State] public float V;

            [Derivative(nameof(V))]
            public float Dv(float input) => (-V + input) / Tau;

            [SpikeWhen]
            public bool Fires => V >= Threshold && Spiked < 0.5f;

            [OnSpike] public void Reset() => V -= Threshold;
            """),
        ["MathFunctionsEverywhere"] = TestSourceBuilder.Neuron("Fancy", "float Tau = 10f, float Gain = 2f, float Lo = -1f, float Hi = 3f", """
            public const double Scale = 1.5;

            [State] public float V = MathF.Sqrt(Gain) * (float)Math.PI;
            [State] public float A;

            private float Squash(float x) => MathF.Tanh(x / Hi) * Hi;

            [Derivative(nameof(V))]
            public float Dv(float input) => -V / Tau + Squash(Math.Clamp(input, Lo, Hi)) + MathF.Pow(MathF.Abs(A) + 1f, 0.5f) - MathF.Log(1f + MathF.Exp(-V));

            [Next(nameof(A))]
            public float NextA => Math.Max(Math.Min(A * 0.9f + (float)Scale * Spiked, 10f), -10f);

            [SpikeWhen(Surrogate.Triangle, Slope = 0.5f)]
            public bool Fires => V >= Hi;
            """),
        ["PerfectIntegratorExact"] = TestSourceBuilder.Neuron("Counter", "float Threshold = 4f", """
            [State] public float V;

            [Derivative(nameof(V))]
            public float Dv(float input) => input;

            [SpikeWhen]
            public bool Fires => V >= Threshold;

            [OnSpike] public void Reset() => V = 0f;
            """),
        ["LearnableAndConstantDrive"] = TestSourceBuilder.Neuron("Biased", "[Learnable] float Tau = 10f, [Learnable(Shared = true)] float Bias = 0.1f, float Threshold = 1f", """
            [State] public float V;

            [Derivative(nameof(V))]
            public float Dv(float input) => (-V + input + Bias) / Tau;

            [SpikeWhen]
            public bool Fires => V >= Threshold;

            [OnSpike] public void Reset() => V = 0f;
            """),
        ["ThreeStateChainExact"] = TestSourceBuilder.Neuron("Chain", "float T1 = 2f, float T2 = 5f, float T3 = 5f", """
            [State] public float X;
            [State] public float Y;
            [State] public float Z;

            [Derivative(nameof(X))] public float Dx(float input) => -X / T1 + input;
            [Derivative(nameof(Y))] public float Dy => (X - Y) / T2;
            [Derivative(nameof(Z))] public float Dz => (Y - Z) / T3;

            [SpikeWhen] public bool Fires => Z >= 1f;
            [OnSpike] public void Reset() { X = 0f; Y = 0f; Z = 0f; }
            """),
        ["ThisQualifiedAndBlockReturn"] = TestSourceBuilder.Neuron("Qualified", "float Tau = 10f", """
            [State] public float V;

            [Derivative(nameof(V))]
            public float Dv(float input)
            {
                return (-this.V + input) / this.Tau;
            }

            [SpikeWhen]
            public bool Fires { get { return this.V >= 1f; } }

            [OnSpike] public void Reset() => this.V = 0f;
            """),
        ["PartialAcrossTwoDeclarations"] = TestSourceBuilder.File("""
            [Neuron]
            public partial record Split(float Tau = 10f)
            {
                [State] public float V;
            }

            public partial record Split
            {
                [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / Tau;
                [SpikeWhen] public bool Fires => V >= 1f;
            }
            """),
        ["InternalModelWithDtInEquation"] = TestSourceBuilder.File("""
            [Neuron(Dt = 0.25f)]
            internal partial record Stepper(float Rate = 0.5f)
            {
                // Dt is not usable here although SNN0017 lists it: C# forbids instance members in field initializers (CS0236).
                [State] public float X = Rate * 2f;
                [Next(nameof(X))] public float NextX(float input) => X + Rate * Dt * input;
                [SpikeWhen] public bool Fires => X > 1f;
                [OnSpike] public void Reset() => X = 0f;
            }
            """),
    };

    public static TheoryData<string> Names => new(Models.Keys.Order(System.StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Names))]
    public void EdgeCaseGeneratesCompilingCode(string name)
    {
        var run = GeneratorHarness.Run(new TestFile(name + ".cs", Models[name]));
        Assert.All(run.Result.Results, r => Assert.Null(r.Exception));
        Assert.True(run.GeneratorDiagnostics.IsEmpty, GeneratorHarness.Format(run.GeneratorDiagnostics));
        Assert.Contains("public sealed class Layer", Assert.Single(run.GeneratedSources).SourceText.ToString());
        Assert.True(run.CompilerDiagnostics.IsEmpty, GeneratorHarness.Format(run.CompilerDiagnostics));
    }

    [Fact]
    public void NeuronOnTwoPartialDeclarationsDoesNotCrashTheGenerator()
    {
        // C# reports CS0579 (duplicate attribute); the generator must not fail with CS8785 because the
        // type is discovered twice, which would also drop the code of every other model.
        var run = GeneratorHarness.Run(
            new TestFile("P1.cs", TestSourceBuilder.File("""
                [Neuron]
                public partial record Split(float Tau = 10f)
                {
                    [State] public float V;
                }
                """)),
            new TestFile("P2.cs", TestSourceBuilder.File("""
                [Neuron]
                public partial record Split
                {
                    [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / Tau;
                    [SpikeWhen] public bool Fires => V >= 1f;
                }
                """)),
            new TestFile("Other.cs", TestModels.Leaky));
        Assert.All(run.Result.Results, r => Assert.Null(r.Exception));
        Assert.True(run.GeneratorDiagnostics.IsEmpty, GeneratorHarness.Format(run.GeneratorDiagnostics));
        Assert.Equal(new[] { "SnnDsl.TestModels.Leaky.Neuron.g.cs", "SnnDsl.TestModels.Split.Neuron.g.cs" }, run.GeneratedSources.Select(s => s.HintName));
        var errors = run.Output.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).Select(d => d.Id);
        Assert.Equal(new[] { "CS0579" }, errors);
    }

    [Fact]
    public void NeuronOnTwoPartialDeclarationsInOneFileDoesNotCrashTheGenerator()
    {
        var run = GeneratorHarness.Run(new TestFile("P.cs", TestSourceBuilder.File("""
            [Neuron]
            public partial record Split(float Tau = 10f)
            {
                [State] public float V;
                [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / Tau;
                [SpikeWhen] public bool Fires => V >= 1f;
            }

            [Neuron]
            public partial record Split;
            """)));
        Assert.All(run.Result.Results, r => Assert.Null(r.Exception));
        Assert.True(run.GeneratorDiagnostics.IsEmpty, GeneratorHarness.Format(run.GeneratorDiagnostics));
        Assert.Equal("SnnDsl.TestModels.Split.Neuron.g.cs", Assert.Single(run.GeneratedSources).HintName);
        var errors = run.Output.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).Select(d => d.Id);
        Assert.Equal(new[] { "CS0579" }, errors);
    }
}
