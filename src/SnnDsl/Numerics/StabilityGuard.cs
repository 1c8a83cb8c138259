using System;
using System.Globalization;
using System.Numerics;
using SnnDsl.Model.Symbolic;

namespace SnnDsl.Numerics;

/// <summary>
/// Run-time counterparts of the analyzers' error rules, called by every generated <c>Layer</c>
/// constructor with the values only known at run time (parameters, the layer's Dt). They use the same
/// eigenvalue routine and stability regions as the analyzers (<c>Spectra.cs</c> is compiled into both),
/// and their messages start with the diagnostic ID.
/// </summary>
/// <remarks>
/// SNN1001: a time constant (a parameter that divides time, found by the generator symbolically) must
/// be positive. SNN1002: for a model integrated with Euler, Rk2 or Rk4 whose Jacobian does not depend on
/// the state (a linear system), every eigenvalue must stay inside the integrator's stability region at
/// the layer's Dt. Nonlinear models are checked over their state range at compile time only (SNN1002
/// from the analyzer); exact and exponential-Euler integration are not refused at run time.
/// </remarks>
public static class StabilityGuard
{
    private static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>Throws SNN1001 when <paramref name="value"/> is zero, negative or NaN.</summary>
    /// <param name="model">The model's name, for the message.</param>
    /// <param name="parameter">The parameter's name.</param>
    /// <param name="value">Its value in this layer.</param>
    /// <exception cref="ArgumentOutOfRangeException">The time constant is not positive (message starts with "SNN1001:").</exception>
    public static void TimeConstant(string model, string parameter, double value)
    {
        if (value > 0) return;
        throw new ArgumentOutOfRangeException("model", value,
            $"SNN1001: Time constant '{parameter}' of '{model}' is {F(value)}, but it divides time and must be positive.");
    }

    /// <summary>Throws when a parameter is NaN or infinite: no parameter of a neuron model may be (ranges beyond that are the model's own).</summary>
    /// <param name="model">The model's name, for the message.</param>
    /// <param name="parameter">The parameter's name.</param>
    /// <param name="value">Its value in this layer.</param>
    /// <exception cref="ArgumentException">The value is not finite (the parameter name is <c>model</c>, the generated constructor's argument; the message names the parameter).</exception>
    public static void Finite(string model, string parameter, double value)
    {
        if (double.IsFinite(value)) return;
        throw new ArgumentException($"Parameter '{parameter}' of '{model}' is {F(value)}, but every parameter must be a finite number.", "model");
    }

    /// <summary>
    /// The exception a generated <c>ApplyParameters</c> throws when a guard refuses the learnable parameters
    /// it is given, typically after an optimizer step: the guard's message (which names the model and the
    /// parameter), prefixed with the neuron and the likely cause.
    /// </summary>
    /// <param name="model">The model's name.</param>
    /// <param name="neuron">The neuron whose parameter values were refused (every neuron shares a shared parameter; the first is reported).</param>
    /// <param name="refused">What the guard threw; it becomes the inner exception.</param>
    /// <returns>An <see cref="InvalidOperationException"/> to throw.</returns>
    public static InvalidOperationException LearnedParameterOutOfRange(string model, int neuron, ArgumentException refused)
    {
        ArgumentNullException.ThrowIfNull(refused);
        // The guard's own sentence, without the " (Parameter 'model')" and "Actual value was" lines ArgumentException appends.
        string reason = refused.Message;
        int cut = refused.ParamName is { } name ? reason.LastIndexOf($" (Parameter '{name}')", StringComparison.Ordinal) : -1;
        if (cut > 0) reason = reason[..cut];
        return new InvalidOperationException(
            $"The '{model}' layer's learnable parameters are out of range at neuron {neuron} after an update: {reason} " +
            "An optimizer step drove a learnable parameter out of its valid range (ApplyParameters refuses what the layer constructor refuses): " +
            "lower the learning rate or clip the gradients, or keep the parameter in range (learn the logarithm of a time constant, or clamp it after each step).",
            refused);
    }

    /// <summary>
    /// Throws SNN1002 when an explicit integrator amplifies a non-growing mode of the linear system with
    /// Jacobian <paramref name="jacobian"/> at <paramref name="dt"/>. Exact, ExponentialEuler and Auto pass.
    /// </summary>
    /// <param name="model">The model's name, for the message.</param>
    /// <param name="integrator">The integrator the layer uses.</param>
    /// <param name="dt">The layer's time step in ms.</param>
    /// <param name="jacobian">The constant Jacobian of the continuous states, row-major, <paramref name="states"/>.Length squared values.</param>
    /// <param name="states">The continuous states, in the Jacobian's order.</param>
    /// <exception cref="ArgumentOutOfRangeException">The integrator is unstable at <paramref name="dt"/> (message starts with "SNN1002:").</exception>
    public static void Integrator(string model, Integrator integrator, double dt, double[] jacobian, string[] states)
    {
        ArgumentNullException.ThrowIfNull(jacobian);
        ArgumentNullException.ThrowIfNull(states);
        ExplicitMethod method;
        switch (integrator)
        {
            case SnnDsl.Integrator.Euler: method = ExplicitMethod.Euler; break;
            case SnnDsl.Integrator.Rk2: method = ExplicitMethod.Rk2; break;
            case SnnDsl.Integrator.Rk4: method = ExplicitMethod.Rk4; break;
            default: return;
        }
        int n = states.Length;
        var eigenvalues = Spectra.Eigenvalues(jacobian, n);
        if (eigenvalues is null) return; // non-finite coefficients: the generated finite-value guards say which
        double best = double.PositiveInfinity;
        Complex limit = default;
        foreach (var lambda in eigenvalues)
        {
            if (!Spectra.IsNonGrowing(lambda) || lambda.Magnitude <= 1e-12) continue;
            double h = Spectra.LargestStableStep(method, lambda);
            if (h < best) { best = h; limit = lambda; }
        }
        if (double.IsPositiveInfinity(best) || dt < best * (1 - 1e-12)) return;
        string owner = "";
        for (int i = 0; i < n; i++)
            if (limit.Imaginary == 0 && jacobian[i * n + i] == limit.Real) { owner = " of " + states[i]; break; }
        string lambdaText = Math.Abs(limit.Imaginary) < 1e-12 ? F(limit.Real) : $"{F(limit.Real)} {(limit.Imaginary >= 0 ? "+" : "-")} {F(Math.Abs(limit.Imaginary))}i";
        throw new ArgumentOutOfRangeException("dt", dt,
            $"SNN1002: Integrator.{integrator} is unstable for '{model}' at Dt = {F(dt)} ms: eigenvalue {lambdaText} /ms (time constant {F(1 / limit.Magnitude)} ms{owner}) " +
            $"leaves its stability region, which needs Dt < {F(best)} ms (the largest stable Dt); use a smaller Dt or Integrator.Exact.");
    }
}
