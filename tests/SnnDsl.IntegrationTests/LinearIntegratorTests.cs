using System;

namespace SnnDsl.IntegrationTests;

/// <summary>
/// DESIGN section 4 on a linear membrane tau dV/dt = -V + I from V = 0 under constant I:
/// exact and exponential Euler give V_n = I (1 - e^(-n dt/tau)); forward Euler gives
/// V_n = I (1 - (1 - dt/tau)^n), which oscillates around I for 1 &lt; dt/tau &lt; 2 and diverges beyond 2.
/// (dt/tau &gt;= 2 is refused by the generated run-time guard, SNN1002: see StabilityGuardTests.)
/// </summary>
public sealed class LinearIntegratorTests
{
    private static void AssertRel(double expected, float actual, double tol, string what)
    {
        double err = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-30);
        Assert.True(err <= tol, $"{what}: expected {expected:R}, got {actual:R} (relative error {err:E2})");
    }

    [Theory]
    [InlineData(10f, 1f)]
    [InlineData(10f, 0.1f)]
    [InlineData(2f, 3f)]
    public void ExponentialEuler_IsExactForALinearMembrane(float tau, float dt)
    {
        Assert.Equal(Integrator.ExponentialEuler, LifExpEuler.Layer.Integrator);
        const float current = 0.8f;
        var layer = new LifExpEuler(TauMem: tau).CreateLayer(1, 1, dt);
        var s = new float[1];
        for (int n = 1; n <= 100; n++)
        {
            layer.Step(new[] { current }, s);
            AssertRel(current * (1 - Math.Exp(-n * (double)dt / tau)), layer.V[0], 1e-5, $"step {n}");
        }
    }

    [Theory]
    [InlineData(10f, 1f)]     // dt/tau = 0.1: monotone
    [InlineData(10f, 15f)]    // 1.5: oscillates, converges
    public void Euler_FollowsItsOwnRecurrence(float tau, float dt)
    {
        Assert.Equal(Integrator.Euler, LifEuler.Layer.Integrator);
        const float current = 0.8f;
        var layer = new LifEuler(TauMem: tau).CreateLayer(1, 1, dt);
        var s = new float[1];
        double r = 1 - dt / (double)tau;
        for (int n = 1; n <= 30; n++)
        {
            layer.Step(new[] { current }, s);
            double expected = current * (1 - Math.Pow(r, n));
            AssertRel(expected, layer.V[0], 1e-5, $"step {n}");
            if (dt / tau > 1) Assert.Equal(n % 2 == 1, layer.V[0] > current); // overshoots on odd steps
        }
    }

    [Theory]
    [InlineData(1f, 150f)]
    [InlineData(0.1f, -80f)]
    [InlineData(2.5f, 0f)]
    public void Exact_WithRestingPotentialAndParameterTimeConstant_MatchesTheClosedForm(float dt, float current)
    {
        // C dV/dt = -G (V - EL) + I: V(t) = Vinf + (V0 - Vinf) e^(-t G/C), Vinf = EL + I/G, here tau = 20 ms.
        Assert.Equal(Integrator.Exact, LifRest.Layer.Integrator);
        var model = new LifRest();
        var layer = model.CreateLayer(1, 1, dt);
        Assert.Equal(-70f, layer.V[0]);
        double vinf = model.EL + current / (double)model.G, tau = model.C / (double)model.G;
        var s = new float[1];
        for (int n = 1; n <= 400; n++)
        {
            layer.Step(new[] { current }, s);
            double expected = vinf + (-70 - vinf) * Math.Exp(-n * (double)dt / tau);
            AssertRel(expected, layer.V[0], 2e-6, $"step {n}");
        }
    }
}
