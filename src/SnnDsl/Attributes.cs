using System;

namespace SnnDsl;

/// <summary>How the generator integrates <see cref="DerivativeAttribute"/> equations over one time step.</summary>
/// <remarks>
/// Integrators are data inside the generator (update formulas in the spirit of Brian2's
/// <c>stateupdaters</c>); this enum only names them. Discrete <see cref="NextAttribute"/> maps are
/// never integrated: they are applied as written.
/// </remarks>
public enum Integrator
{
    /// <summary>
    /// <see cref="Exact"/> when every continuous state obeys a linear ODE with constant coefficients;
    /// otherwise <see cref="ExponentialEuler"/> when each equation is linear in its own state
    /// (conditionally linear, as Hodgkin-Huxley gates); otherwise <see cref="Rk4"/>.
    /// The choice is published as the generated <c>Layer.Integrator</c> property and in the layer's docs.
    /// </summary>
    Auto = 0,
    /// <summary>
    /// Exact solution of dX/dt = A X + b with A constant and the inputs b held over the step
    /// (zero-order hold): X(t+Dt) = exp(A Dt) X + (integral of exp(A s) over [0, Dt]) b.
    /// The propagator is computed once per layer; equal time constants need no special case.
    /// </summary>
    Exact = 1,
    /// <summary>
    /// Exponential Euler (Brian2's <c>exponential_euler</c>): each equation written as
    /// dx/dt = A(other states) x + B(other states), then x &lt;- x e^(A Dt) + B/A (e^(A Dt) - 1).
    /// </summary>
    ExponentialEuler = 2,
    /// <summary>Forward Euler: X &lt;- X + Dt f(X). First order; unstable for Dt/tau &gt;= 2.</summary>
    Euler = 3,
    /// <summary>Explicit midpoint Runge-Kutta (second order), as Brian2's <c>rk2</c>.</summary>
    Rk2 = 4,
    /// <summary>Classic fourth-order Runge-Kutta.</summary>
    Rk4 = 5,
}

/// <summary>Surrogate derivatives of the Heaviside spike function, evaluated at x = a - b of <see cref="SpikeWhenAttribute"/>.</summary>
/// <remarks>Formulas follow snnTorch 0.9 (<c>snntorch.surrogate</c>) with the slope/alpha named <see cref="SpikeWhenAttribute.Slope"/>.</remarks>
public enum Surrogate
{
    /// <summary>SuperSpike / snnTorch <c>fast_sigmoid</c>: 1 / (k|x| + 1)^2, k = Slope (default 25).</summary>
    FastSigmoid = 0,
    /// <summary>snnTorch <c>atan</c>: (a/2) / (1 + (pi/2 a x)^2), a = Slope (default 2).</summary>
    ATan = 1,
    /// <summary>snnTorch <c>sigmoid</c>: k e^(-kx) / (e^(-kx) + 1)^2, k = Slope (default 25).</summary>
    Sigmoid = 2,
    /// <summary>Triangle: max(0, 1 - |x| k) k, k = Slope (default 1).</summary>
    Triangle = 3,
    /// <summary>Rectangular (boxcar): 1/k on |x| &lt; k/2, else 0, k = Slope (default 1).</summary>
    Rectangular = 4,
    /// <summary>Straight-through estimator: the gradient passes unchanged (1).</summary>
    StraightThrough = 5,
    /// <summary>A user function marked <see cref="SurrogateGradientAttribute"/>, named by <see cref="SpikeWhenAttribute.Custom"/>.</summary>
    Custom = 6,
}

/// <summary>
/// Marks a <c>partial record</c> as a neuron model. Its primary-constructor parameters are the
/// model parameters, its <see cref="StateAttribute"/> fields the per-neuron state, and its
/// <see cref="DerivativeAttribute"/> / <see cref="NextAttribute"/> members the dynamics.
/// The generator adds a population type <c>Layer</c> with <c>Step</c> and fused <c>Run</c>.
/// </summary>
/// <remarks>Step order is: integrate (charge), fire, reset. Time is in milliseconds.</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NeuronAttribute : Attribute
{
    /// <summary>The integrator for continuous (<see cref="DerivativeAttribute"/>) states. Default <see cref="Integrator.Auto"/>.</summary>
    public Integrator Integrator { get; set; } = Integrator.Auto;
    /// <summary>When true (the default, as snnTorch), no gradient flows through the reset in BPTT.</summary>
    public bool DetachReset { get; set; } = true;
    /// <summary>The model's default time step in ms (1 ms when absent). A layer may be built with another.</summary>
    public float Dt { get; set; } = 1f;
}

/// <summary>Marks a <c>partial record</c> as a synapse model (per-target state, <see cref="OnPreAttribute"/>, <see cref="OutputAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SynapseAttribute : Attribute
{
    /// <summary>The integrator for continuous states. Default <see cref="Integrator.Auto"/>.</summary>
    public Integrator Integrator { get; set; } = Integrator.Auto;
    /// <summary>The model's default time step in ms.</summary>
    public float Dt { get; set; } = 1f;
}

/// <summary>Marks a <c>partial record</c> as a plasticity rule (<see cref="PreTraceAttribute"/>, <see cref="PostTraceAttribute"/>, <see cref="OnPreAttribute"/>, <see cref="OnPostAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class PlasticityAttribute : Attribute
{
    /// <summary>The model's default time step in ms.</summary>
    public float Dt { get; set; } = 1f;
}

/// <summary>Marks a <c>partial record</c> as an encoder: parameters, optional state, and an <see cref="EmitAttribute"/> member.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class EncoderAttribute : Attribute
{
    /// <summary>The model's default time step in ms.</summary>
    public float Dt { get; set; } = 1f;

    /// <summary>
    /// Population codes: the name of the parameter giving how many output channels each input
    /// element drives (read in equations as the built-in <c>Index</c>, 0-based). Absent: one output per input.
    /// </summary>
    public string? FanOut { get; set; }
}

/// <summary>A state variable: one <see cref="float"/> per neuron (or per synapse target, per trace). The initializer is the initial value.</summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class StateAttribute : Attribute
{
}

/// <summary>Makes a parameter trainable by BPTT.</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class LearnableAttribute : Attribute
{
    /// <summary>True: one value shared by every neuron of the layer. False (default): one value per neuron.</summary>
    public bool Shared { get; set; }
}

/// <summary>dX/dt for the named state, in units per ms, as an expression-bodied member. Method parameters are input ports.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class DerivativeAttribute : Attribute
{
    /// <summary>Creates the attribute for <paramref name="state"/> (use <c>nameof</c>).</summary>
    public DerivativeAttribute(string state) => State = state;
    /// <summary>The state this derivative integrates.</summary>
    public string State { get; }
}

/// <summary>The discrete-time map X[t] = f(X[t-1], inputs) for the named state. Method parameters are input ports.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class NextAttribute : Attribute
{
    /// <summary>Creates the attribute for <paramref name="state"/> (use <c>nameof</c>).</summary>
    public NextAttribute(string state) => State = state;
    /// <summary>The state this map updates.</summary>
    public string State { get; }
}

/// <summary>
/// The spike condition: a comparison <c>a &gt;= b</c> or <c>a &gt; b</c>, optionally followed by
/// <c>&amp;&amp; gate</c> conditions that carry no gradient. The spike is H(a - b) with the
/// operator's boundary (<c>&gt;</c> as snnTorch and Norse, <c>&gt;=</c> as SpikingJelly), and the
/// surrogate derivative is evaluated at a - b.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class SpikeWhenAttribute : Attribute
{
    /// <summary>Uses <see cref="Surrogate.FastSigmoid"/>.</summary>
    public SpikeWhenAttribute() : this(Surrogate.FastSigmoid) { }
    /// <summary>Uses the given surrogate.</summary>
    public SpikeWhenAttribute(Surrogate surrogate) => Surrogate = surrogate;
    /// <summary>The surrogate derivative used by BPTT.</summary>
    public Surrogate Surrogate { get; }
    /// <summary>The surrogate's slope or width parameter; NaN selects the surrogate's default.</summary>
    public float Slope { get; set; } = float.NaN;
    /// <summary>With <see cref="Surrogate.Custom"/>: the name of a static method marked <see cref="SurrogateGradientAttribute"/>.</summary>
    public string? Custom { get; set; }
}

/// <summary>The reset applied to neurons that fired, as assignments to states (<c>V = VReset</c>, <c>V -= Threshold</c>, <c>W += B</c>).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OnSpikeAttribute : Attribute
{
}

/// <summary>What a presynaptic spike does (synapses: the effect of a spike of weight <c>w</c>; plasticity: trace update and new weight).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OnPreAttribute : Attribute
{
}

/// <summary>What a postsynaptic spike does in a plasticity rule (trace update and new weight).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OnPostAttribute : Attribute
{
}

/// <summary>A plasticity trace stored once per presynaptic neuron.</summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class PreTraceAttribute : Attribute
{
}

/// <summary>A plasticity trace stored once per postsynaptic neuron.</summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class PostTraceAttribute : Attribute
{
}

/// <summary>A plasticity trace stored once per synapse (e.g. the eligibility trace of reward-modulated STDP); [OnPre], [OnPost] and [OnReward] may assign it.</summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class SynapseTraceAttribute : Attribute
{
}

/// <summary>What a scalar reward (or neuromodulator) signal does in a plasticity rule: <c>float F(float w, float reward)</c> returning the new weight, applied to every synapse.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OnRewardAttribute : Attribute
{
}

/// <summary>The current a synapse delivers to its target's input port; it may read the target's state by name.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class OutputAttribute : Attribute
{
    /// <summary>Delivers to the port named <c>input</c>.</summary>
    public OutputAttribute() : this("input") { }
    /// <summary>Delivers to the named input port of the target neuron.</summary>
    public OutputAttribute(string port) => Port = port;
    /// <summary>The target neuron's input port.</summary>
    public string Port { get; }
}

/// <summary>An encoder's spike for one element and time step: 0/1, or -1/0/1.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class EmitAttribute : Attribute
{
}

/// <summary>An encoder argument drawn uniformly from [0, 1) by the layer's seeded generator each step.</summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class UniformAttribute : Attribute
{
}

/// <summary>Declares a static pure function <c>float f(float x, float slope)</c> as a custom surrogate derivative.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class SurrogateGradientAttribute : Attribute
{
}

/// <summary>
/// A run-time precondition of an encoder, checked on every input element before any spike is
/// written: a <c>bool</c> member over parameters, the input and the built-ins <c>Steps</c> and
/// <c>Dt</c>. A violation throws <see cref="ArgumentException"/> naming the input, the element
/// and <see cref="Message"/> (snnTorch raises the same errors for latency codes).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class RequiresAttribute : Attribute
{
    /// <summary>Creates the precondition with the message shown when it fails.</summary>
    public RequiresAttribute(string message) => Message = message;

    /// <summary>What the input must satisfy, in words.</summary>
    public string Message { get; }
}
