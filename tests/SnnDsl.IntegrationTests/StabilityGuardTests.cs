using System;
using SnnDsl.Neurons;

namespace SnnDsl.IntegrationTests;

/// <summary>LIF membrane under classic RK4, to pin the run-time guard at RK4's real stability boundary.</summary>
[Neuron(Integrator = Integrator.Rk4)]
public partial record LifRk4(float TauMem = 1f, float Threshold = 1e9f)
{
    /// <summary>Membrane potential.</summary>
    [State] public float V;
    /// <summary>tau dV/dt = -V + input.</summary>
    [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
    /// <summary>Never fires in these tests.</summary>
    [SpikeWhen] public bool Fires => V >= Threshold;
}

/// <summary>
/// The run-time guards in generated Layer constructors: values only known at run time that the
/// analyzers would reject throw ArgumentOutOfRangeException with the diagnostic ID first.
/// </summary>
public sealed class StabilityGuardTests
{
    // Run-time values: the analyzers cannot see them (a constant argument would be a compile-time SNN1002).
    private static float RunTime(float v) => v;

    [Fact]
    public void Euler_AtTwiceTau_ThrowsSNN1002_AndJustBelowIsAccepted()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new LifEuler(TauMem: 10f).CreateLayer(1, 1, RunTime(20f)));
        Assert.StartsWith("SNN1002: Integrator.Euler is unstable for 'LifEuler' at Dt = 20 ms: eigenvalue -0.1 /ms (time constant 10 ms of V) leaves its stability region, which needs Dt < 20 ms", e.Message);
        Assert.Equal("dt", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LifEuler(TauMem: 0.5f).CreateLayer(1, 1));   // the issue's Dt/tau = 2 at the default 1 ms
        Assert.Equal(19.9f, new LifEuler(TauMem: 10f).CreateLayer(1, 1, RunTime(19.9f)).Dt);               // 1.99: oscillates, stable
    }

    [Fact]
    public void Rk4_ThrowsBeyondItsRealBoundary()
    {
        // RK4 is stable on the negative real axis down to z = -2.7853.
        Assert.Equal(2.78f, new LifRk4().CreateLayer(1, 1, RunTime(2.78f)).Dt);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new LifRk4().CreateLayer(1, 1, RunTime(2.79f)));
        Assert.StartsWith("SNN1002: Integrator.Rk4 is unstable for 'LifRk4' at Dt = 2.79 ms", e.Message);
        Assert.Contains("needs Dt < 2.785 ms", e.Message);
    }

    [Fact]
    public void NonPositiveTimeConstant_ThrowsSNN1001()
    {
        foreach (float tau in new[] { 0f, -5f, float.NaN })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Lif(TauMem: RunTime(tau)).CreateLayer(1, 1));
            Assert.StartsWith($"SNN1001: Time constant 'TauMem' of 'Lif' is {tau.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)}", e.Message);
        }
        Assert.StartsWith("SNN1001: Time constant 'TauM' of 'Alif'", Assert.Throws<ArgumentOutOfRangeException>(() => new Alif(TauM: RunTime(0f)).CreateLayer(1, 1)).Message);
        Assert.StartsWith("SNN1001: Time constant 'Capacitance' of 'HodgkinHuxley'", Assert.Throws<ArgumentOutOfRangeException>(() => new HodgkinHuxley(Capacitance: RunTime(-1f)).CreateLayer(1, 1)).Message);
    }

    [Fact]
    public void Zoo_AtItsDocumentedDt_ConstructsWithoutAGuardFiring()
    {
        Assert.Equal(1f, new Lif().CreateLayer(2, 3).Dt);
        Assert.Equal(1f, new IF().CreateLayer(2, 3).Dt);
        Assert.Equal(1f, new Leaky().CreateLayer(2, 3).Dt);
        Assert.Equal(1f, new LeakyResetZero().CreateLayer(2, 3).Dt);
        Assert.Equal(1f, new LeakyNoReset().CreateLayer(2, 3).Dt);
        Assert.Equal(0.1f, Izhikevich.RegularSpiking.CreateLayer(2, 3).Dt);
        Assert.Equal(0.1f, Izhikevich.FastSpiking.CreateLayer(2, 3).Dt);
        Assert.Equal(0.1f, new AdEx().CreateLayer(2, 3).Dt);
        Assert.Equal(0.01f, new HodgkinHuxley().CreateLayer(2, 3).Dt);
        Assert.Equal(1f, new Plif().CreateLayer(2, 3).Dt);
        Assert.Equal(1f, new Alif().CreateLayer(2, 3).Dt);
    }
}
