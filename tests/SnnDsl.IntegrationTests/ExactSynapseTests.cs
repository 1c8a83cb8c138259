using System;

namespace SnnDsl.IntegrationTests;

/// <summary>
/// <see cref="LifCurrentSynapse"/>: dI/dt = -I/ts + x, dV/dt = (-V + I)/tm, integrated exactly.
/// Closed forms from V = I = 0 under constant x = c (hand-derived):
///   I(t) = c ts (1 - e^(-t/ts)),
///   V(t) = c ts [1 - e^(-t/tm) - ts/(ts - tm) (e^(-t/ts) - e^(-t/tm))],
/// and for ts = tm = t0 the limit V(t) = c t0 [1 - e^(-t/t0) (1 + t/t0)].
/// </summary>
public sealed class ExactSynapseTests
{
    private static double ClosedI(double c, double ts, double t) => c * ts * (1 - Math.Exp(-t / ts));

    private static double ClosedV(double c, double tm, double ts, double t) =>
        tm == ts
            ? c * ts * (1 - Math.Exp(-t / ts) * (1 + t / ts))
            : c * ts * (1 - Math.Exp(-t / tm) - ts / (ts - tm) * (Math.Exp(-t / ts) - Math.Exp(-t / tm)));

    /// <summary>V(t) per unit initial current with V(0) = 0 and no input: ts/(ts - tm) (e^(-t/ts) - e^(-t/tm)), or (t/t0) e^(-t/t0).</summary>
    private static double Kernel(double tm, double ts, double t) =>
        tm == ts ? t / ts * Math.Exp(-t / ts) : ts / (ts - tm) * (Math.Exp(-t / ts) - Math.Exp(-t / tm));

    private static void AssertRel(double expected, float actual, double tol, string what)
    {
        double err = Math.Abs(actual - expected) / Math.Abs(expected);
        Assert.True(err <= tol, $"{what}: expected {expected:R}, got {actual:R} (relative error {err:E2})");
    }

    [Fact]
    public void AutoPicksExact() => Assert.Equal(Integrator.Exact, LifCurrentSynapse.Layer.Integrator);

    [Theory]
    [InlineData(10f, 5f, 1f)]
    [InlineData(10f, 10f, 1f)]    // equal time constants: the textbook closed form divides by zero
    [InlineData(20f, 2f, 0.1f)]
    [InlineData(5f, 5f, 0.25f)]
    [InlineData(4f, 12f, 0.5f)]
    public void ConstantInput_MatchesTheClosedForm(float tm, float ts, float dt)
    {
        const float c = 0.07f;
        var layer = new LifCurrentSynapse(TauMem: tm, TauSyn: ts).CreateLayer(1, 1, dt);
        var x = new[] { c };
        var s = new float[1];
        int steps = (int)Math.Ceiling(6 * Math.Max(tm, ts) / dt);
        for (int n = 1; n <= steps; n++)
        {
            layer.Step(x, s);
            double t = n * (double)dt;
            AssertRel(ClosedI(c, ts, t), layer.I[0], 1e-5, $"I at step {n}");
            AssertRel(ClosedV(c, tm, ts, t), layer.V[0], 1e-5, $"V at step {n}");
        }
    }

    [Theory]
    [InlineData(10f, 5f)]
    [InlineData(10f, 10f)]
    [InlineData(3f, 8f)]
    public void InputPulse_ThenFreeDecay_MatchesTheClosedForm(float tm, float ts)
    {
        // x = c during the first step only. After it: I1 = c ts (1 - e^(-1/ts)), V1 = V(1) of the
        // constant-input form; then I(t) = I1 e^(-(t-1)/ts), V(t) = V1 e^(-(t-1)/tm) + I1 K(t - 1).
        const float c = 2f;
        var layer = new LifCurrentSynapse(TauMem: tm, TauSyn: ts).CreateLayer(1, 1); // dt = 1 ms
        var s = new float[1];
        layer.Step(new[] { c }, s);
        double i1 = ClosedI(c, ts, 1), v1 = ClosedV(c, tm, ts, 1);
        AssertRel(i1, layer.I[0], 1e-6, "I1");
        AssertRel(v1, layer.V[0], 1e-6, "V1");
        var zero = new[] { 0f };
        for (int n = 2; n <= 60; n++)
        {
            layer.Step(zero, s);
            double u = n - 1;
            AssertRel(i1 * Math.Exp(-u / ts), layer.I[0], 1e-5, $"I at step {n}");
            AssertRel(v1 * Math.Exp(-u / tm) + i1 * Kernel(tm, ts, u), layer.V[0], 1e-5, $"V at step {n}");
        }
    }

    [Theory]
    [InlineData(10f, 5f)]
    [InlineData(10f, 10f)]
    public void FirstSpike_AtTheClosedFormCrossing_ResetTouchesOnlyV(float tm, float ts)
    {
        const float c = 0.3f, dt = 0.1f; // V tends to c ts = 1.5 (ts = 5) or 3 (ts = 10) > 1
        double lo = 0, hi = 200; // bisection for V(t*) = 1 on the monotone closed form
        for (int k = 0; k < 200; k++)
        {
            double mid = (lo + hi) / 2;
            if (ClosedV(c, tm, ts, mid) < 1) lo = mid; else hi = mid;
        }
        double ratio = hi / dt;
        Assert.True(Math.Abs(ratio - Math.Round(ratio)) > 1e-3, "test case must not sit on a step boundary");
        int expectedStep = (int)Math.Ceiling(ratio) - 1;

        var layer = new LifCurrentSynapse(TauMem: tm, TauSyn: ts, Threshold: 1f, VReset: -0.2f).CreateLayer(1, 1, dt);
        var x = new[] { c };
        var s = new float[1];
        int first = -1;
        for (int n = 0; n <= expectedStep + 5 && first < 0; n++)
        {
            layer.Step(x, s);
            if (s[0] == 1f) first = n;
        }
        Assert.Equal(expectedStep, first);
        Assert.Equal(-0.2f, layer.V[0]);
        AssertRel(ClosedI(c, ts, (first + 1) * (double)dt), layer.I[0], 1e-5, "I after the reset");
    }
}
