using System;
using SnnDsl.Numerics;

namespace SnnDsl.Tests;

/// <summary>
/// <see cref="Propagator.Compute"/> against closed forms: P = exp(A h), Q = integral of exp(A s) ds over [0, h].
/// </summary>
public sealed class PropagatorTests
{
    private static void AssertRel(double expected, double actual, double tol, string what)
    {
        double err = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-300);
        Assert.True(err <= tol, $"{what}: expected {expected:R}, got {actual:R} (relative error {err:E2} > {tol:E2})");
    }

    private static (double[] P, double[] Q) Compute(double[] a, int n, double h)
    {
        var p = new double[n * n];
        var q = new double[n * n];
        Propagator.Compute(a, n, h, p, q);
        return (p, q);
    }

    [Theory]
    [InlineData(-0.1, 1.0)]
    [InlineData(-1.0, 0.1)]
    [InlineData(-2.0, 0.5)]
    [InlineData(0.5, 1.0)]      // growing mode (e.g. a positive feedback coefficient)
    [InlineData(-50.0, 1.0)]    // ||A h|| = 50: several squarings
    [InlineData(-1e-3, 1e-2)]   // tiny a h, where (e^(ah) - 1)/a cancels in a naive formula
    public void Scalar_MatchesExpAndItsIntegral(double a, double h)
    {
        (double[] p, double[] q) = Compute(new[] { a }, 1, h);
        AssertRel(Math.Exp(a * h), p[0], 1e-13, "P");
        // (e^(ah) - 1)/a with expm1 semantics: use the series where a h is tiny.
        double ah = a * h;
        double expm1 = Math.Abs(ah) < 1e-3 ? ah + ah * ah / 2 + ah * ah * ah / 6 + ah * ah * ah * ah / 24 : Math.Exp(ah) - 1;
        AssertRel(expm1 / a, q[0], 1e-12, "Q");
    }

    [Fact]
    public void ZeroCoefficient_GivesIdentityAndStep()
    {
        (double[] p, double[] q) = Compute(new[] { 0.0 }, 1, 0.25);
        Assert.Equal(1.0, p[0]);
        Assert.Equal(0.25, q[0]);
    }

    [Fact]
    public void ZeroStep_GivesIdentityAndZero()
    {
        (double[] p, double[] q) = Compute(new[] { -3.0, 1.0, 0.0, -2.0 }, 2, 0.0);
        Assert.Equal(new[] { 1.0, 0.0, 0.0, 1.0 }, p);
        Assert.Equal(new[] { 0.0, 0.0, 0.0, 0.0 }, q);
    }

    /// <summary>
    /// Membrane V and current synapse I: dV/dt = (-V + I)/tm, dI/dt = -I/ts, state order (V, I).
    /// Hand-derived: P = [[e_m, ts (e_s - e_m)/(ts - tm)], [0, e_s]] with e_x = exp(-h/tx);
    /// Q00 = tm (1 - e_m), Q11 = ts (1 - e_s), Q10 = 0,
    /// Q01 = ts/(ts - tm) [ts (1 - e_s) - tm (1 - e_m)].
    /// Equal time constants t: P01 = (h/t) e^(-h/t), Q01 = t [1 - e^(-h/t) (1 + h/t)].
    /// </summary>
    private static double[] Chain(double tm, double ts) => new[] { -1 / tm, 1 / tm, 0.0, -1 / ts };

    [Theory]
    [InlineData(10.0, 5.0, 1.0)]
    [InlineData(20.0, 2.0, 0.1)]
    [InlineData(5.0, 10.0, 1.0)]
    [InlineData(10.0, 5.0, 30.0)]
    public void CurrentSynapseChain_MatchesClosedForm(double tm, double ts, double h)
    {
        (double[] p, double[] q) = Compute(Chain(tm, ts), 2, h);
        double em = Math.Exp(-h / tm), es = Math.Exp(-h / ts);
        AssertRel(em, p[0], 1e-13, "P00");
        AssertRel(ts * (es - em) / (ts - tm), p[1], 1e-12, "P01");
        Assert.Equal(0.0, p[2]);
        AssertRel(es, p[3], 1e-13, "P11");
        AssertRel(tm * (1 - em), q[0], 1e-12, "Q00");
        AssertRel(ts / (ts - tm) * (ts * (1 - es) - tm * (1 - em)), q[1], 1e-11, "Q01");
        Assert.Equal(0.0, q[2]);
        AssertRel(ts * (1 - es), q[3], 1e-12, "Q11");
    }

    [Theory]
    [InlineData(10.0, 1.0)]
    [InlineData(10.0, 0.1)]
    [InlineData(2.0, 5.0)]
    public void CurrentSynapseChain_EqualTimeConstants_GivesTheLimit(double tau, double h)
    {
        (double[] p, double[] q) = Compute(Chain(tau, tau), 2, h);
        double e = Math.Exp(-h / tau);
        Assert.All(p, v => Assert.True(double.IsFinite(v)));
        Assert.All(q, v => Assert.True(double.IsFinite(v)));
        AssertRel(e, p[0], 1e-13, "P00");
        AssertRel(h / tau * e, p[1], 1e-12, "P01 limit");
        AssertRel(e, p[3], 1e-13, "P11");
        AssertRel(tau * (1 - e), q[0], 1e-12, "Q00");
        AssertRel(tau * (1 - e * (1 + h / tau)), q[1], 1e-11, "Q01 limit");
        AssertRel(tau * (1 - e), q[3], 1e-12, "Q11");
    }

    [Fact]
    public void CurrentSynapseChain_IsContinuousThroughEqualTimeConstants()
    {
        // tau_syn = tau_mem (1 + d): the result approaches the limit smoothly (first order in d),
        // where the textbook closed form loses all digits to cancellation.
        const double tau = 10, h = 1;
        double e = Math.Exp(-h / tau);
        double limitP = h / tau * e, limitQ = tau * (1 - e * (1 + h / tau));
        foreach (double d in new[] { 1e-4, 1e-7, 1e-10, -1e-10 })
        {
            (double[] p, double[] q) = Compute(Chain(tau, tau * (1 + d)), 2, h);
            AssertRel(limitP, p[1], 2 * Math.Abs(d) + 1e-12, $"P01 at d = {d}");
            AssertRel(limitQ, q[1], 2 * Math.Abs(d) + 1e-11, $"Q01 at d = {d}");
        }
    }

    [Fact]
    public void PerfectIntegrator_SingularMatrix()
    {
        // dV/dt = I, dI/dt = 0 (A nilpotent): P = [[1, h], [0, 1]], Q = [[h, h^2/2], [0, h]].
        (double[] p, double[] q) = Compute(new[] { 0.0, 1.0, 0.0, 0.0 }, 2, 0.5);
        AssertRel(1, p[0], 1e-15, "P00");
        AssertRel(0.5, p[1], 1e-15, "P01");
        Assert.Equal(0.0, p[2]);
        AssertRel(1, p[3], 1e-15, "P11");
        AssertRel(0.5, q[0], 1e-15, "Q00");
        AssertRel(0.125, q[1], 1e-15, "Q01");
        Assert.Equal(0.0, q[2]);
        AssertRel(0.5, q[3], 1e-15, "Q11");
    }

    [Fact]
    public void GeneralMatrix_SatisfiesPEqualsIPlusAQ_AndSemigroup()
    {
        // For any A: A Q = P - I, and P(2h) = P(h)^2. A 3x3 with complex eigenvalues (oscillatory).
        double[] a = { -0.5, 2.0, 0.1, -2.0, -0.3, 0.0, 0.4, 0.0, -1.0 };
        const double h = 0.7;
        (double[] p, double[] q) = Compute(a, 3, h);
        (double[] p2, _) = Compute(a, 3, 2 * h);
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                double aq = 0, pp = 0;
                for (int k = 0; k < 3; k++) { aq += a[i * 3 + k] * q[k * 3 + j]; pp += p[i * 3 + k] * p[k * 3 + j]; }
                Assert.True(Math.Abs(aq - (p[i * 3 + j] - (i == j ? 1 : 0))) < 1e-13, $"(A Q - (P - I))[{i},{j}] = {aq - p[i * 3 + j] + (i == j ? 1 : 0)}");
                Assert.True(Math.Abs(pp - p2[i * 3 + j]) < 1e-13, $"(P(h)^2 - P(2h))[{i},{j}]");
            }
        }
    }

    [Fact]
    public void ArgumentErrors()
    {
        var ok = new double[4];
        var ex0 = Assert.Throws<ArgumentOutOfRangeException>(() => Propagator.Compute(ReadOnlySpan<double>.Empty, 0, 1, Span<double>.Empty, Span<double>.Empty));
        Assert.Equal("n", ex0.ParamName);
        var exA = Assert.Throws<ArgumentException>(() => Propagator.Compute(new double[3], 2, 1, new double[4], new double[4]));
        Assert.Equal("a", exA.ParamName);
        Assert.Contains("4", exA.Message);
        var exP = Assert.Throws<ArgumentException>(() => Propagator.Compute(ok, 2, 1, new double[2], new double[4]));
        Assert.Equal("p", exP.ParamName);
        var exQ = Assert.Throws<ArgumentException>(() => Propagator.Compute(ok, 2, 1, new double[4], new double[5]));
        Assert.Equal("q", exQ.ParamName);
        foreach (double h in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
        {
            var exH = Assert.Throws<ArgumentOutOfRangeException>(() => Propagator.Compute(ok, 2, h, new double[4], new double[4]));
            Assert.Equal("h", exH.ParamName);
        }
        foreach (double bad in new[] { double.NaN, double.NegativeInfinity })
        {
            var exBad = Assert.Throws<ArgumentException>(() => Propagator.Compute(new[] { bad, 0, 0, -1 }, 2, 1, new double[4], new double[4]));
            Assert.Equal("a", exBad.ParamName);
        }
    }
}
