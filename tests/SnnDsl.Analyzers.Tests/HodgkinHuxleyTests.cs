using System;
using System.Linq;
using System.Threading.Tasks;
using SnnDsl.Analyzers.Tests.Infrastructure;
using SnnDsl.Generators.Tests.Infrastructure;

namespace SnnDsl.Analyzers.Tests;

/// <summary>
/// The zoo's Hodgkin-Huxley model under explicit integrators. Forward Euler at Dt = 0.1 ms is SNN1002
/// (unstable), not SNN1003: at rest every eigenvalue is inside Euler's region (the fastest, the m gate,
/// is about -4.2 /ms, so Dt lambda = -0.42), but the model rests at depolarised equilibria under constant
/// input, and at V = 0 mV held (the top of the swept range: the SpikeLevel) the Jacobian has the real
/// eigenvalue -24.62 /ms, mostly gK n_inf^4 / C: Dt lambda = -2.46 is outside |1 + z| &lt; 1, so Euler
/// needs Dt &lt; 2/24.62 = 0.081 ms. A plain forward-Euler simulation agrees: at 0.1 ms the first spike
/// (input 10 uA/cm^2) already diverges, while 0.01 ms is fine. Rk4 at 0.01 ms has
/// Dt |lambda| &lt;= 0.25 everywhere in the range and is clean.
/// </summary>
public sealed class HodgkinHuxleyTests
{
    private static string Hh(string attribute)
    {
        string text = Zoo.Read("HodgkinHuxley.cs");
        Assert.Contains("[Neuron(Dt = 0.01f)]", text);
        return text.Replace("[Neuron(Dt = 0.01f)]", attribute);
    }

    [Fact]
    public async Task Euler_AtPointOneMs_IsUnstable_SNN1002()
    {
        var d = await AnalyzerHarness.VerifyAsync(Hh("[Neuron(Dt = 0.1f, Integrator = {|SNN1002:Integrator.Euler|})]"));
        Assert.Equal("Integrator.Euler is unstable for 'HodgkinHuxley' at Dt = 0.1 ms: eigenvalue -24.62 /ms (time constant 0.04062 ms, at V = 0 held (equilibrium under constant input)) "
            + "leaves its stability region, which needs Dt < 0.08125 ms (the largest stable Dt); use a smaller Dt (e.g. 0.04f) or Integrator.ExponentialEuler",
            AnalyzerHarness.Message(d, "SNN1002"));
    }

    [Fact]
    public async Task Rk4_AtPointZeroOneMs_IsClean()
    {
        await AnalyzerHarness.VerifyAsync(Hh("[Neuron(Dt = 0.01f, Integrator = Integrator.Rk4)]"));
        await AnalyzerHarness.VerifyAsync(Hh("[Neuron(Dt = 0.01f, Integrator = Integrator.Euler)]"));
    }

    [Fact]
    public async Task Rk4_AtPointOneMs_IsStableButStepsOverTheFastestMode_SNN1003()
    {
        // Rk4's region reaches z = -2.785 on the real axis, so -2.46 is stable but not resolved.
        var d = await AnalyzerHarness.VerifyAsync(Hh("[Neuron(Dt = 0.1f, Integrator = {|SNN1003:Integrator.Rk4|})]"));
        Assert.Contains("Dt / tau = 2.462 >= 1, so the factor per step is 0.612 where the exact decay is 0.0853", AnalyzerHarness.Message(d, "SNN1003"));
    }
}
