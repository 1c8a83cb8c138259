using Microsoft.CodeAnalysis;

namespace SnnDsl.Model.Diagnostics;

// The analyzers' judgement calls (SNN1xxx), part of the one catalogue. Compiled into the analyzer
// assembly only: the generator never reports them.
internal static partial class DiagnosticDescriptors
{
    // ------------------------------------------------------------------ analyzers (SNN1xxx): judgement calls

    private const string AnalyzerCategory = "SnnDsl.Analyzers";

    private static DiagnosticDescriptor Rule(string id, DiagnosticSeverity severity, string title, string message, string description) =>
        new(id, title, message, AnalyzerCategory, severity, isEnabledByDefault: true,
            description: description, helpLinkUri: HelpBase + id.ToLowerInvariant());

    public static readonly DiagnosticDescriptor NonPositiveTimeConstant = Rule("SNN1001", DiagnosticSeverity.Error,
        "Time constant is zero or negative",
        "{0} of '{1}' is {2}, but it divides time and must be positive: {3}",
        "A parameter that divides time (found symbolically: tau in -V/tau or exp(-Dt/tau), C in -g V/C) must be positive; zero divides by zero and a negative value turns decay into growth. Checked in parameter defaults, the Dt of [Neuron], [Synapse], [Encoder] and [Plasticity] (also NaN or infinite) and constant arguments where a model or layer is constructed.");

    public static readonly DiagnosticDescriptor UnstableIntegrator = Rule("SNN1002", DiagnosticSeverity.Error,
        "Integrator is unstable at this time step",
        "Integrator.{0} is unstable for '{1}' at Dt = {2} ms: {3} leaves its stability region, which needs Dt < {4} ms (the largest stable Dt); {5}",
        "The eigenvalues lambda of the Jacobian of the continuous system (at rest, and over the subthreshold range for nonlinear models) must satisfy |R(Dt lambda)| < 1 for the integrator's stability function R (Euler 1 + z, Rk2 1 + z + z^2/2, Rk4 up to z^4/24); forward Euler needs Dt < 2 tau. Otherwise every step amplifies the error and the simulation diverges to infinity or NaN.");

    public static readonly DiagnosticDescriptor InaccurateIntegrator = Rule("SNN1003", DiagnosticSeverity.Warning,
        "Integrator is stable but oscillates or is inaccurate at this time step",
        "Integrator.{0} is stable for '{1}' at Dt = {2} ms but steps over its {3}: Dt / tau = {4} >= 1, so {5}; {6}",
        "A decay step larger than the smallest time constant: forward Euler with 1 <= Dt/tau < 2 multiplies the state by 1 - Dt/tau <= 0 every step (it overshoots and alternates in sign, Norse issue 302 at Dt = tau decays to exactly 0); higher-order methods lose their accuracy there too.");

    public static readonly DiagnosticDescriptor TimeConstantBelowDt = Rule("SNN1004", DiagnosticSeverity.Warning,
        "Time constant is shorter than the time step",
        "The {0} of '{1}' is shorter than Dt = {2} ms: under Integrator.{3} the state keeps e^(-Dt/tau) = {4} of itself per step and forgets itself within one step; use Dt <= {5} ms",
        "Exact integration stays stable for any Dt, but a mode whose time constant is shorter than Dt has decayed almost completely after one step: the dynamics the model declares are not resolved.");

    public static readonly DiagnosticDescriptor DecayFactorOutOfRange = Rule("SNN1005", DiagnosticSeverity.Warning,
        "Discrete decay factor outside (0, 1)",
        "The discrete map of '{0}' has the decay factor {1} (eigenvalue of d[{2}]/d[{2}] = {3}); {4}. snnTorch silently clamps such a beta into [0, 1]; SnnDsl uses it as written, so give it a value in (0, 1)",
        "A [Next] map x[t] = a x[t-1] + ... forgets its past only for 0 < a < 1: a >= 1 grows without bound (or never forgets), a < 0 alternates in sign every step. The factor is the eigenvalue of the map's Jacobian at its fixed point.");

    public static readonly DiagnosticDescriptor StiffExplicit = Rule("SNN1006", DiagnosticSeverity.Warning,
        "Stiff model with an explicit integrator",
        "'{0}' is stiff at rest (time constants from {1} ms to {2} ms, ratio {3} > 1000) but uses the explicit Integrator.{4}: the fastest mode bounds Dt; {5}",
        "With time constants more than 1000 apart, an explicit method needs a step set by the fastest mode while the slowest sets the simulated time: Exact (linear) or ExponentialEuler (conditionally linear) integrate the fast decay in closed form.");

    public static readonly DiagnosticDescriptor LearnableTimeConstant = Rule("SNN1007", DiagnosticSeverity.Warning,
        "Learnable time constant without a positivity-preserving parameterisation",
        "[Learnable] parameter '{0}' of '{1}' is a time constant used directly: a gradient step can make it zero or negative (division by zero, growth instead of decay); learn a logit W with 1/{0} = sigmoid(W) as PLIF does",
        "PLIF (Fang et al. 2021) learns W with 1/tau = sigmoid(W), so tau stays in (1, infinity) whatever the optimiser does. A raw learnable tau needs clamping by the training loop.");

    public static readonly DiagnosticDescriptor SingularExactSolution = Rule("SNN1008", DiagnosticSeverity.Warning,
        "Exact solution is singular for these parameter values",
        "The closed-form solution of '{0}' is singular here: {1}, and the generated code does not handle that case",
        "Textbook exact solutions divide by tau_mem - tau_syn (NESTML issue 460) or by a zero coefficient. SnnDsl's generator uses the augmented matrix exponential (Van Loan) and a branch at a = 0, so it never reports this for code it generates; the ID is kept for integrators that would.");

    public static readonly DiagnosticDescriptor AutoChoseNonExact = Rule("SNN1009", DiagnosticSeverity.Info,
        "Auto chose an integrator other than Exact",
        "Integrator.Auto chose Integrator.{0} for '{1}': {2}",
        "Auto integrates exactly when the continuous system is linear with constant coefficients; otherwise it picks exponential Euler (each equation linear in its own state) or Rk4, which have a step-size limit. Set Integrator explicitly to silence this.");

    public static readonly DiagnosticDescriptor ThresholdNotAboveReset = Rule("SNN1010", DiagnosticSeverity.Warning,
        "Threshold is not above the reset value",
        "'{0}' resets {1} to {2}, which is not below the threshold {3}: a neuron that fires stays above threshold and fires again at every step; reset below the threshold",
        "After the reset the spiking variable must be below the threshold, or the spike condition holds again immediately.");

    public static readonly DiagnosticDescriptor StateNeverRead = Rule("SNN1011", DiagnosticSeverity.Warning,
        "State is never read",
        "State '{0}' of '{1}' is not read by any other equation, the spike condition or the reset; it costs memory and time in every step but cannot affect the spikes",
        "A state that only feeds itself is invisible to the model's output. Use it in an equation or the spike condition, or remove it (a probe you only record can stay: suppress this warning there).");

    public static readonly DiagnosticDescriptor NonPositiveSurrogateSlope = Rule("SNN1012", DiagnosticSeverity.Warning,
        "Surrogate slope is not positive",
        "The surrogate slope of '{0}' is {1}: a slope <= 0 gives a zero or sign-flipped surrogate gradient, so training pushes the spikes the wrong way or not at all",
        "The surrogate derivative scales with its slope (FastSigmoid 1/(k|x|+1)^2, ATan, Sigmoid ...); it must be positive.");
}
