using System;

namespace SnnDsl.Neurons;

/// <summary>
/// Izhikevich (2003) simple model: dv/dt = 0.04 v^2 + 5 v + 140 - u + I, du/dt = a (b v - u);
/// when v &gt;= 30 mV: v &lt;- c, u &lt;- u + d. Time in ms, v in mV, input in the paper's units.
/// </summary>
/// <remarks>
/// The model is nonlinear, so <see cref="Integrator.Auto"/> picks Rk4 (Izhikevich's own code used
/// Euler with 0.5 ms half-steps). Inside the equations v is read as min(v, VPeak), as NEST does for
/// its exponential models: a Runge-Kutta stage that overshoots the peak then cannot blow u up; below
/// the peak the equations are exactly the paper's.
/// </remarks>
/// <param name="A">Recovery time scale a (1/ms).</param>
/// <param name="B">Recovery sensitivity b.</param>
/// <param name="C">Reset potential c (mV).</param>
/// <param name="D">Recovery jump d after a spike.</param>
/// <param name="VPeak">Spike cut-off (mV).</param>
[Neuron(Dt = 0.1f)]
public partial record Izhikevich(float A = 0.02f, float B = 0.2f, float C = -65f, float D = 8f, float VPeak = 30f)
{
    /// <summary>Regular spiking (RS) cortical neuron: a = 0.02, b = 0.2, c = -65, d = 8.</summary>
    public static Izhikevich RegularSpiking => new(A: 0.02f, B: 0.2f, C: -65f, D: 8f);

    /// <summary>Fast spiking (FS) interneuron: a = 0.1, b = 0.2, c = -65, d = 2.</summary>
    public static Izhikevich FastSpiking => new(A: 0.1f, B: 0.2f, C: -65f, D: 2f);

    /// <summary>Membrane potential (mV); starts at c.</summary>
    [State] public float V = C;

    /// <summary>Recovery variable; starts at b c.</summary>
    [State] public float U = B * C;

    private float Vc => MathF.Min(V, VPeak);

    /// <summary>dv/dt = 0.04 v^2 + 5 v + 140 - u + input.</summary>
    [Derivative(nameof(V))]
    public float Dv(float input) => 0.04f * Vc * Vc + 5f * Vc + 140f - U + input;

    /// <summary>du/dt = a (b v - u).</summary>
    [Derivative(nameof(U))]
    public float Du => A * (B * Vc - U);

    /// <summary>Fires at the peak, boundary included.</summary>
    [SpikeWhen]
    public bool Fires => V >= VPeak;

    /// <summary>v &lt;- c, u &lt;- u + d.</summary>
    [OnSpike]
    public void Reset()
    {
        V = C;
        U += D;
    }
}
