using System;
using Xunit.Abstractions;

namespace SnnDsl.IntegrationTests;

/// <summary>
/// Observed order of the Euler, Rk2 and Rk4 integrators on dV/dt = -V + 2 tanh(V) + c, from the
/// global error at a fixed time against a fine double-precision RK4 reference.
/// Measured (T = 3 ms): Euler dt = 1/8..1/32: errors 5.9e-3, 2.9e-3, 1.5e-3, orders 1.009, 1.004;
/// Rk2 dt = 1/4..1/16: 2.6e-3, 6.3e-4, 1.6e-4, orders 2.024, 2.011;
/// Rk4 dt = 1..1/4: 4.6e-3, 2.9e-4, 1.8e-5, orders 4.021, 4.003. Asserted: within 0.3 of 1, 2, 4.
/// </summary>
public sealed class ConvergenceTests
{
    private const double Input = 0.3, V0 = 0.1, TEnd = 3.0, Gain = 2.0;

    private readonly ITestOutputHelper _out;

    public ConvergenceTests(ITestOutputHelper output) => _out = output;

    private static double F(double v) => -v + Gain * Math.Tanh(v) + Input;

    /// <summary>RK4 in double with 2^15 steps over [0, TEnd]: error far below float rounding.</summary>
    private static double Reference()
    {
        const int n = 1 << 15;
        double h = TEnd / n, v = V0;
        for (int i = 0; i < n; i++)
        {
            double k1 = F(v), k2 = F(v + h / 2 * k1), k3 = F(v + h / 2 * k2), k4 = F(v + h * k3);
            v += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
        }
        return v;
    }

    [Fact]
    public void ReferenceUsesTheModelsOwnEquation()
    {
        // The double reference F must be the user's Dv: compare at several states.
        var m = new TanhRk4();
        foreach (float v in new[] { -3f, -0.5f, 0f, 0.1f, 0.7f, 2.2f, 5f })
        {
            m.V = v;
            Assert.Equal(F(v), m.Dv((float)Input), 1e-6);
        }
        Assert.Equal(0.1f, new TanhEuler().V);
    }

    private static double Simulate(ISpikingLayer layer, Func<float> v, int steps)
    {
        var x = new float[steps];
        Array.Fill(x, (float)Input);
        var s = new float[steps];
        layer.Run(steps, x, s);
        Assert.All(s, spike => Assert.Equal(0f, spike));
        return v();
    }

    private (double Order1, double Order2) Orders(string name, Func<float, (ISpikingLayer Layer, Func<float> V)> make, float dt)
    {
        double reference = Reference();
        var errors = new double[3];
        for (int k = 0; k < 3; k++)
        {
            float h = dt / (1 << k); // powers of two: exact in float, so steps * h == TEnd exactly
            int steps = checked((int)(TEnd / h));
            Assert.Equal(TEnd, steps * (double)h);
            var (layer, v) = make(h);
            Assert.Equal(h, layer.Dt);
            errors[k] = Math.Abs(Simulate(layer, v, steps) - reference);
        }
        double p1 = Math.Log2(errors[0] / errors[1]), p2 = Math.Log2(errors[1] / errors[2]);
        _out.WriteLine($"{name}: dt = {dt}, {dt / 2}, {dt / 4}: errors {errors[0]:E3}, {errors[1]:E3}, {errors[2]:E3}; observed orders {p1:F3}, {p2:F3}");
        // Float rounding over these runs (V about 2, at most 96 steps) is below 1e-6; the smallest
        // error must stay at least ten times above it.
        Assert.True(errors[2] > 1e-5, $"{name}: error {errors[2]:E2} too close to float rounding for a clean order");
        return (p1, p2);
    }

    [Fact]
    public void Euler_IsFirstOrder()
    {
        Assert.Equal(Integrator.Euler, TanhEuler.Layer.Integrator);
        var (p1, p2) = Orders("Euler", h => { var l = new TanhEuler().CreateLayer(1, 1, h); return (l, () => l.V[0]); }, 1f / 8);
        Assert.InRange(p1, 0.7, 1.3);
        Assert.InRange(p2, 0.7, 1.3);
    }

    [Fact]
    public void Rk2_IsSecondOrder()
    {
        Assert.Equal(Integrator.Rk2, TanhRk2.Layer.Integrator);
        var (p1, p2) = Orders("Rk2", h => { var l = new TanhRk2().CreateLayer(1, 1, h); return (l, () => l.V[0]); }, 1f / 4);
        Assert.InRange(p1, 1.7, 2.3);
        Assert.InRange(p2, 1.7, 2.3);
    }

    [Fact]
    public void Rk4_IsFourthOrder()
    {
        Assert.Equal(Integrator.Rk4, TanhRk4.Layer.Integrator);
        var (p1, p2) = Orders("Rk4", h => { var l = new TanhRk4().CreateLayer(1, 1, h); return (l, () => l.V[0]); }, 1f);
        Assert.InRange(p1, 3.7, 4.3);
        Assert.InRange(p2, 3.7, 4.3);
    }
}
