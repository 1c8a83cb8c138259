using System;
using System.Linq;
using System.Numerics;
using Microsoft.CodeAnalysis;
using SnnDsl.Generators.Tests.Infrastructure;
using SnnDsl.Model.Extraction;
using SnnDsl.Model.Ir;
using SnnDsl.Model.Symbolic;

namespace SnnDsl.Analyzers.Tests;

/// <summary>The shared stability core: eigenvalues against closed forms, stability regions, time constants, operating points.</summary>
public sealed class StabilityTests
{
    private static void Near(double expected, double actual, double tol = 1e-10) =>
        Assert.True(Math.Abs(expected - actual) <= tol * Math.Max(1, Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");

    private static void SameSpectrum(Complex[] expected, Complex[]? actual, double tol = 1e-9)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Length, actual!.Length);
        var left = actual.ToList();
        foreach (var e in expected)
        {
            var best = left.OrderBy(a => (a - e).Magnitude).First();
            Assert.True((best - e).Magnitude <= tol * Math.Max(1, e.Magnitude), $"missing eigenvalue {e}; got {string.Join(", ", actual)}");
            left.Remove(best);
        }
    }

    // ------------------------------------------------------------------ eigenvalues

    [Fact]
    public void Eigenvalues_2x2_MatchTheQuadraticFormula()
    {
        // [[1, 2], [3, 4]]: (5 +- sqrt(33)) / 2.
        SameSpectrum(new[] { new Complex((5 + Math.Sqrt(33)) / 2, 0), new Complex((5 - Math.Sqrt(33)) / 2, 0) }, Spectra.Eigenvalues(new double[] { 1, 2, 3, 4 }, 2));
        // A damped rotation [[a, -b], [b, a]]: a +- i b.
        SameSpectrum(new[] { new Complex(-0.5, 3), new Complex(-0.5, -3) }, Spectra.Eigenvalues(new double[] { -0.5, -3, 3, -0.5 }, 2));
        // Small eigenvalue next to a large one, without cancellation: [[-1e8, 1], [0, -1e-8]].
        var ev = Spectra.Eigenvalues2(-1e8, 1, 0, -1e-8);
        Near(-1e8, ev.Min(e => e.Real));
        Near(-1e-8, ev.Max(e => e.Real), 1e-12);
    }

    [Fact]
    public void Eigenvalues_TriangularAndCompanionMatrices()
    {
        SameSpectrum(new Complex[] { -1, -20, 3 }, Spectra.Eigenvalues(new double[] { -1, 5, 7, 0, -20, 2, 0, 0, 3 }, 3));
        // Companion matrix of (x-1)(x-2)(x-3)(x-4) = x^4 - 10x^3 + 35x^2 - 50x + 24.
        SameSpectrum(new Complex[] { 1, 2, 3, 4 }, Spectra.Eigenvalues(new double[] { 10, -35, 50, -24, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0 }, 4), 1e-8);
        // x^3 - 1: the cube roots of unity (a complex pair from a real matrix).
        SameSpectrum(new[] { Complex.One, Complex.FromPolarCoordinates(1, 2 * Math.PI / 3), Complex.FromPolarCoordinates(1, -2 * Math.PI / 3) },
            Spectra.Eigenvalues(new double[] { 0, 0, 1, 1, 0, 0, 0, 1, 0 }, 3));
    }

    [Fact]
    public void Eigenvalues_5x5_SimilarToAKnownBlockDiagonal()
    {
        // D = diag([[-1, -2], [2, -1]], 3, -5, 0.5), A = Q D Q^T with Q a product of Givens rotations.
        int n = 5;
        var d = new double[n * n];
        d[0] = -1; d[1] = -2; d[5] = 2; d[6] = -1; d[12] = 3; d[18] = -5; d[24] = 0.5;
        var q = Identity(n);
        var rng = new Random(7);
        for (int k = 0; k < 12; k++)
        {
            int i = rng.Next(n), j = (i + 1 + rng.Next(n - 1)) % n;
            double t = rng.NextDouble() * 2 * Math.PI;
            var g = Identity(n);
            g[i * n + i] = Math.Cos(t); g[j * n + j] = Math.Cos(t); g[i * n + j] = -Math.Sin(t); g[j * n + i] = Math.Sin(t);
            q = Mul(q, g, n);
        }
        var a = Mul(Mul(q, d, n), Transpose(q, n), n);
        SameSpectrum(new[] { new Complex(-1, 2), new Complex(-1, -2), new Complex(3, 0), new Complex(-5, 0), new Complex(0.5, 0) }, Spectra.Eigenvalues(a, n), 1e-8);
    }

    [Fact]
    public void Eigenvalues_RefuseNonFiniteMatrices()
    {
        Assert.Null(Spectra.Eigenvalues(new[] { 1, double.NaN, 0, 1 }, 2));
        Assert.Null(Spectra.Eigenvalues(new[] { 1, 0, 0, 0, double.PositiveInfinity, 0, 0, 0, 1 }, 3));
        Assert.Throws<ArgumentException>(() => Spectra.Eigenvalues(new double[3], 2));
    }

    private static double[] Identity(int n) { var m = new double[n * n]; for (int i = 0; i < n; i++) m[i * n + i] = 1; return m; }

    private static double[] Transpose(double[] a, int n) { var t = new double[n * n]; for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) t[j * n + i] = a[i * n + j]; return t; }

    private static double[] Mul(double[] a, double[] b, int n)
    {
        var c = new double[n * n];
        for (int i = 0; i < n; i++) for (int k = 0; k < n; k++) for (int j = 0; j < n; j++) c[i * n + j] += a[i * n + k] * b[k * n + j];
        return c;
    }

    // ------------------------------------------------------------------ stability regions

    [Fact]
    public void LargestStableStep_MatchesTheKnownBoundaries()
    {
        Near(1.0, Spectra.LargestStableStep(ExplicitMethod.Euler, -2));                      // Dt < 2 tau
        Near(1.0, Spectra.LargestStableStep(ExplicitMethod.Euler, new Complex(-1, 1)));      // -2 Re / |lambda|^2
        Near(2.0, Spectra.LargestStableStep(ExplicitMethod.Rk2, -1), 1e-9);                  // 1 + z + z^2/2 = 1 at z = -2
        Near(2.785293563405282, Spectra.LargestStableStep(ExplicitMethod.Rk4, -1), 1e-9);    // RK4's real boundary
        Near(2 * Math.Sqrt(2), Spectra.LargestStableStep(ExplicitMethod.Rk4, Complex.ImaginaryOne), 1e-9); // RK4 on the imaginary axis
        Assert.True(Spectra.LargestStableStep(ExplicitMethod.Rk2, Complex.ImaginaryOne) < 1e-2);          // Rk2 amplifies any pure oscillation
        Assert.Equal(0, Spectra.LargestStableStep(ExplicitMethod.Euler, new Complex(0, 3)));
        Assert.Equal(double.PositiveInfinity, Spectra.LargestStableStep(ExplicitMethod.Rk4, Complex.Zero));
        // The amplification at the boundary has magnitude 1.
        Near(1.0, Spectra.Amplification(ExplicitMethod.Rk4, -2.785293563405282).Magnitude, 1e-9);
    }

    [Fact]
    public void ExponentialEulerStep_IsTheExactDecayOnTheDiagonalAndPhi1OffIt()
    {
        // J = [[-1/10, 1/10], [0, -1/5]] at Dt = 2: G = [[e^-0.2, phi1(-0.2) * 2 * 0.1], [0, e^-0.4]].
        var g = Spectra.ExponentialEulerStep(new[] { -0.1, 0.1, 0, -0.2 }, 2, 2);
        Near(Math.Exp(-0.2), g[0]);
        Near((Math.Exp(-0.2) - 1) / -0.2 * 0.2, g[1]);
        Assert.Equal(0, g[2]);
        Near(Math.Exp(-0.4), g[3]);
    }

    // ------------------------------------------------------------------ model-level analysis

    private static ModelSpec Extract(string source, string name)
    {
        var compilation = GeneratorHarness.CreateCompilation(new TestFile("M.cs", source));
        var type = compilation.GetSymbolsWithName(name, SymbolFilter.Type).OfType<INamedTypeSymbol>().Single();
        var attr = type.GetAttributes().Single(a => a.AttributeClass?.Name == "NeuronAttribute");
        var result = ModelExtractor.ExtractNeuron(type, attr, default);
        Assert.Empty(result.Diagnostics);
        return result.Value!;
    }

    private static ModelSpec ZooModel(string file, string name) => Extract(Zoo.Read(file), name);

    [Fact]
    public void TimeConstants_AreFoundSymbolically()
    {
        Assert.Equal(new[] { "TauMem" }, Stability.TimeConstants(ZooModel("Lif.cs", "Lif")).Select(t => t.Parameter));
        Assert.Empty(Stability.TimeConstants(ZooModel("Lif.cs", "IF")));                 // input / Capacitance: not a decay
        Assert.Equal(new[] { "TauM", "TauAdp" }, Stability.TimeConstants(ZooModel("Plif.cs", "Alif")).Select(t => t.Parameter).OrderByDescending(p => p.Length == 4));
        Assert.Empty(Stability.TimeConstants(ZooModel("Plif.cs", "Plif")));              // 1/tau = sigmoid(W)
        Assert.Equal(new[] { "Capacitance" }, Stability.TimeConstants(ZooModel("HodgkinHuxley.cs", "HodgkinHuxley")).Select(t => t.Parameter));
        Assert.Equal(new[] { "Capacitance", "TauW" }, Stability.TimeConstants(ZooModel("AdEx.cs", "AdEx")).Select(t => t.Parameter));
    }

    [Fact]
    public void Izhikevich_RestsAtTheLowerRootWithTheClosedFormEigenvalues()
    {
        // Rest of the regular-spiking cell: k v^2 + (5 - b) v + 140 = 0 with u = b v: v = -70 (and -50, a saddle)
        // for k = 0.04, b = 0.2; the constants are floats, so the root is that of the float values.
        double k = 0.04f, a = 0.02f, b = 0.2f;
        double vRest = (-(5 - b) - Math.Sqrt((5 - b) * (5 - b) - 4 * k * 140)) / (2 * k);
        Assert.InRange(vRest, -70.0001, -69.9999);
        var s = Stability.AnalyzeContinuous(ZooModel("Izhikevich.cs", "Izhikevich"), 0.1)!;
        Assert.Equal(IntegratorKind.Rk4, s.Integrator);
        Near(vRest, s.Rest.States[0], 1e-12);
        Near(b * vRest, s.Rest.States[1], 1e-12);
        // J = [[2 k v + 5, -1], [a b, -a]] (about [[-0.6, -1], [0.004, -0.02]]).
        double j00 = 2 * k * vRest + 5, trace = j00 - a, det = -a * j00 + a * b;
        double disc = Math.Sqrt(trace * trace - 4 * det);
        SameSpectrum(new Complex[] { (trace + disc) / 2, (trace - disc) / 2 }, s.Rest.Eigenvalues);
        Assert.False(s.Unstable);
        // Rk4's boundary for the fastest rest mode is far beyond Dt = 0.1.
        Assert.True(s.LargestStableDt.Dt > 1);
    }

    [Fact]
    public void HodgkinHuxley_GateEigenvaluesAtRestAreTheRateSums()
    {
        var s = Stability.AnalyzeContinuous(ZooModel("HodgkinHuxley.cs", "HodgkinHuxley"), 0.01)!;
        Assert.Equal(IntegratorKind.ExponentialEuler, s.Integrator);
        double v = s.Rest.States[0];
        Assert.InRange(v, -65.1, -64.9);
        // d(dm/dt)/dm = -(alpha_m + beta_m) at the rest V, exactly (the Jacobian is symbolic).
        double am = 0.1 * -(v + 40) / (Math.Exp(-(v + 40) / 10) - 1), bm = 4 * Math.Exp(-(v + 65) / 18);
        Near(-(am + bm), s.Rest.Jacobian[1 * 4 + 1], 1e-6);
        // Exponential Euler at 0.01 ms is stable over the whole swept range.
        Assert.False(s.Unstable);
        Assert.Equal(Stability.RangeSamples + 1, s.Points.Count);
    }

    [Fact]
    public void SingularExactCase_SeesEqualTimeConstantsInACoupledChain()
    {
        const string source = """
            using SnnDsl;
            namespace T;
            [Neuron]
            public partial record LifSyn(float TauMem = 5f, float TauSyn = 5f)
            {
                [State] public float V;
                [State] public float I;
                [Derivative(nameof(I))] public float Di(float input) => -I / TauSyn + input;
                [Derivative(nameof(V))] public float Dv => (-V + I) / TauMem;
                [SpikeWhen] public bool Fires => V >= 1f;
                [OnSpike] public void Reset() => V = 0f;
            }
            """;
        var m = Extract(source, "LifSyn");
        Assert.Equal("the coupled system [V, I] has the repeated eigenvalue -0.2 /ms (equal time constants)", Stability.SingularExactCase(m, 1));
        Assert.Null(Stability.SingularExactCase(m, 1, new System.Collections.Generic.Dictionary<string, double> { ["TauSyn"] = 2 }));
        Assert.True(Stability.GeneratedCodeHandlesSingularExactCases);
    }

    [Fact]
    public void DiscreteMaps_DecayFactorIsTheJacobianEigenvalue()
    {
        var d = Stability.AnalyzeDiscrete(ZooModel("Plif.cs", "Alif"), 1)!;
        // u: alpha = e^(-1/20); eta: rho = e^(-1/200).
        SameSpectrum(new Complex[] { Math.Exp(-1.0 / 20), Math.Exp(-1.0 / 200) }, d.Eigenvalues);
        Assert.Empty(Stability.BadDecayFactors(d));
        var leaky = Stability.AnalyzeDiscrete(ZooModel("Leaky.cs", "Leaky"), 1, new System.Collections.Generic.Dictionary<string, double> { ["Beta"] = 1.5 })!;
        Assert.Equal(new Complex[] { 1.5 }, Stability.BadDecayFactors(leaky));
    }
}
