using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using Microsoft.CodeAnalysis;
using SnnDsl.Model.Diagnostics;
using SnnDsl.Model.Ir;
using SnnDsl.Model.Symbolic;

namespace SnnDsl.Analyzers;

/// <summary>Where in the declaration a finding belongs; the analyzer maps it to syntax.</summary>
internal enum Anchor { Integrator, Dt, Attribute, Parameter, ParameterDefault, Equation, StateField, ResetValue, Slope }

/// <summary>One judgement call about a model, before it has a location.</summary>
internal sealed record Finding(DiagnosticDescriptor Descriptor, Anchor Anchor, string? Target, string[] Arguments, Dictionary<string, string?> Properties);

/// <summary>
/// The SNN1xxx rules over an extracted <see cref="ModelSpec"/>, without Roslyn locations: the
/// analyzer anchors them to syntax; call-site checks reuse them with constant arguments.
/// </summary>
internal static class StabilityFindings
{
    /// <summary>Diagnostic property: the integrator a code fix may switch to.</summary>
    public const string FixIntegrator = "SnnDsl.FixIntegrator";

    /// <summary>Diagnostic property: the Dt (C# float literal) a code fix may set.</summary>
    public const string FixDt = "SnnDsl.FixDt";

    private static string F(double v) => Stability.Format(v);

    /// <summary>Parameters that are time constants and have a value &lt;= 0 (SNN1001), from <paramref name="values"/>.</summary>
    public static IEnumerable<(TimeConstant Tau, double Value)> NonPositiveTimeConstants(ModelSpec m, IReadOnlyDictionary<string, double> values)
    {
        foreach (var tc in Stability.TimeConstants(m))
            if (values.TryGetValue(tc.Parameter, out var v) && !(v > 0)) yield return (tc, v);
    }

    /// <summary>
    /// SNN1001 for the time step a model attribute declares (<c>[<paramref name="attribute"/>(Dt = ...)]</c> of
    /// <c>Neuron</c>, <c>Synapse</c>, <c>Encoder</c> or <c>Plasticity</c>), anchored at its Dt argument;
    /// null when <paramref name="dt"/> is positive and finite. An infinite Dt is an error like NaN, zero
    /// or a negative one: every decay factor becomes 0 or NaN (the generated constructors reject all of them at run time).
    /// </summary>
    public static Finding? InvalidDt(string model, string attribute, double dt) =>
        dt > 0 && !double.IsInfinity(dt) ? null
            : new Finding(DiagnosticDescriptors.NonPositiveTimeConstant, Anchor.Dt, null,
                new[] { "The time step Dt", model, F(dt), $"set [{attribute}(Dt = ...)] to a positive, finite number of ms" }, new());

    /// <summary>Every finding about the declaration itself (parameter defaults, attribute values).</summary>
    public static List<Finding> ForDeclaration(ModelSpec m)
    {
        var list = new List<Finding>();
        var defaults = m.Parameters.Where(p => p.Default is not null).ToDictionary(p => p.Name, p => p.Default!.Value);
        foreach (var (tau, value) in NonPositiveTimeConstants(m, defaults))
            list.Add(new Finding(DiagnosticDescriptors.NonPositiveTimeConstant, Anchor.ParameterDefault, tau.Parameter,
                new[] { $"Time constant '{tau.Parameter}'", m.Name, F(value), $"it divides time in d{tau.State}; give it a positive default" }, new()));
        if (InvalidDt(m.Name, "Neuron", m.Dt) is { } dt) list.Add(dt);
        if (list.Count > 0) return list; // nothing below means anything with a non-positive time constant

        foreach (var tc in Stability.TimeConstants(m))
        {
            var p = m.Parameters.FirstOrDefault(x => x.Name == tc.Parameter);
            if (p is { Learnable: true })
                list.Add(new Finding(DiagnosticDescriptors.LearnableTimeConstant, Anchor.Parameter, p.Name, new[] { p.Name, m.Name }, new()));
        }

        list.AddRange(ForStep(m, m.Dt, null, atCallSite: false));

        if (Stability.AnalyzeDiscrete(m, m.Dt) is { } d)
        {
            foreach (var mu in Stability.BadDecayFactors(d).Distinct())
            {
                int n = d.States.Count;
                string? owner = null;
                for (int i = 0; i < n && owner is null; i++)
                    if (Math.Abs(d.Jacobian[i * n + i] - mu.Real) <= 1e-9 * Math.Max(1, Math.Abs(mu.Real)) && mu.Imaginary == 0) owner = d.States[i];
                owner ??= d.States[0];
                var state = m.States.First(s => s.Name == owner);
                string factor = n == 1
                    ? Infix.Print(Algebra.Diff(state.Equation, new Sym(SymKind.State, owner)))
                    : "the Jacobian [" + string.Join("; ", Enumerable.Range(0, n).Select(i => string.Join(", ", Enumerable.Range(0, n).Select(j => F(d.Jacobian[i * n + j]))))) + "]";
                string what = mu.Magnitude >= 1 - 1e-12
                    ? (mu.Real >= 1 - 1e-12 && Math.Abs(mu.Imaginary) < 1e-12 && mu.Real < 1 + 1e-12 ? "1 never forgets: the state accumulates without bound" : ">= 1 in magnitude: the state grows without bound")
                    : "negative: the state alternates in sign every step";
                list.Add(new Finding(DiagnosticDescriptors.DecayFactorOutOfRange, Anchor.Equation, state.EquationMember,
                    new[] { m.Name, Describe(mu), string.Join(", ", d.States), factor, what }, new()));
            }
        }

        if (Stability.SingularExactCase(m, m.Dt) is { } singular && !Stability.GeneratedCodeHandlesSingularExactCases)
            list.Add(new Finding(DiagnosticDescriptors.SingularExactSolution, Anchor.Attribute, null, new[] { m.Name, singular }, new()));

        list.AddRange(ThresholdAndReset(m));
        list.AddRange(UnreadStates(m));
        if (m.Spike is { } spike && spike.Surrogate is not (SurrogateKind.StraightThrough or SurrogateKind.Custom) && !(spike.Slope > 0))
            list.Add(new Finding(DiagnosticDescriptors.NonPositiveSurrogateSlope, Anchor.Slope, null, new[] { m.Name, F(spike.Slope) }, new()));
        return list;
    }

    private static string Describe(Complex z) =>
        Math.Abs(z.Imaginary) < 1e-12 ? F(z.Real) : F(z.Real) + (z.Imaginary >= 0 ? " + " : " - ") + F(Math.Abs(z.Imaginary)) + "i";

    /// <summary>
    /// The checks that depend on the time step: SNN1002, SNN1003, SNN1004, SNN1006 and (for the
    /// declaration only) SNN1009. At call sites only the error SNN1002 is reported.
    /// </summary>
    public static List<Finding> ForStep(ModelSpec m, double dt, IReadOnlyDictionary<string, double>? overrides, bool atCallSite)
    {
        var list = new List<Finding>();
        var s = Stability.AnalyzeContinuous(m, dt, overrides);
        if (s is null) return list;
        Anchor where = m.Integrator == IntegratorKind.Auto ? Anchor.Dt : Anchor.Integrator;

        if (!atCallSite && m.Integrator == IntegratorKind.Auto && s.Integrator != IntegratorKind.Exact)
            list.Add(new Finding(DiagnosticDescriptors.AutoChoseNonExact, Anchor.Attribute, null, new[] { s.Integrator.ToString(), m.Name, s.Reason.StartsWith("Auto: ", StringComparison.Ordinal) ? s.Reason.Substring(6) : s.Reason }, new()));

        if (s.Unstable && s.LargestStableDt.Limit is { } limit)
        {
            double hmax = s.LargestStableDt.Dt;
            string? better = Alternative(m, dt, overrides, requireAccurate: false);
            string fixDt = Below(AccurateBound(s) is var acc && acc < hmax ? acc : hmax);
            string advice = "use a smaller Dt" + (fixDt.Length > 0 ? $" (e.g. {fixDt})" : "") + (better is null ? "" : $" or Integrator.{better}");
            var props = new Dictionary<string, string?> { [FixDt] = fixDt, [FixIntegrator] = better };
            list.Add(new Finding(DiagnosticDescriptors.UnstableIntegrator, where, null,
                new[] { s.Integrator.ToString(), m.Name, F(dt), limit.Describe(), F(hmax), advice }, props));
            return list;
        }
        if (atCallSite) return list;

        if (s.IsExplicit && s.Fastest is { } fast && dt * fast.Lambda.Magnitude >= 1)
        {
            var method = s.Integrator == IntegratorKind.Euler ? ExplicitMethod.Euler : s.Integrator == IntegratorKind.Rk2 ? ExplicitMethod.Rk2 : ExplicitMethod.Rk4;
            Complex r = Spectra.Amplification(method, fast.Lambda * dt);
            string what = r.Real <= 0
                ? $"the factor per step is {Describe(r)} (exact: {F(Math.Exp(dt * fast.Lambda.Real))}) and the state overshoots, alternating in sign"
                : $"the factor per step is {Describe(r)} where the exact decay is {F(Math.Exp(dt * fast.Lambda.Real))}";
            string? better = Alternative(m, dt, overrides, requireAccurate: true);
            double bound = fast.TimeConstant;
            string advice = $"use Dt < {F(bound)} ms" + (better is null ? "" : $" or Integrator.{better}");
            var props = new Dictionary<string, string?> { [FixDt] = Below(bound), [FixIntegrator] = better };
            list.Add(new Finding(DiagnosticDescriptors.InaccurateIntegrator, where, null,
                new[] { s.Integrator.ToString(), m.Name, F(dt), fast.Describe(), F(dt * fast.Lambda.Magnitude), what, advice }, props));
        }

        if (s.Integrator is IntegratorKind.Exact or IntegratorKind.ExponentialEuler)
        {
            var restFast = s.RestExtremes.Fast;
            if (restFast is not null && restFast.TimeConstant < dt && restFast.Lambda.Real < 0)
                list.Add(new Finding(DiagnosticDescriptors.TimeConstantBelowDt, Anchor.Dt, null,
                    new[] { restFast.Describe(), m.Name, F(dt), s.Integrator.ToString(), F(Math.Exp(dt * restFast.Lambda.Real)), F(restFast.TimeConstant) },
                    new Dictionary<string, string?> { [FixDt] = Literal(restFast.TimeConstant) }));
        }

        if (s.IsExplicit && s.RestExtremes is { Fast: { } f, Slow: { } sl } && f.Lambda.Magnitude / sl.Lambda.Magnitude > Stability.StiffRatio)
        {
            string? better = Alternative(m, dt, overrides, requireAccurate: false, exactOnly: true);
            string advice = better is null ? $"keep Dt well below {F(f.TimeConstant)} ms (no implicit integrator applies to this model)" : $"use Integrator.{better}";
            list.Add(new Finding(DiagnosticDescriptors.StiffExplicit, where, null,
                new[] { m.Name, F(f.TimeConstant), F(sl.TimeConstant), F(f.Lambda.Magnitude / sl.Lambda.Magnitude), s.Integrator.ToString(), advice },
                new Dictionary<string, string?> { [FixIntegrator] = better }));
        }
        return list;
    }

    private static double AccurateBound(ContinuousStability s) =>
        s.IsExplicit && s.Fastest is { } f ? f.TimeConstant : double.PositiveInfinity;

    /// <summary>
    /// A better integrator for the model at this Dt: Exact, then ExponentialEuler (both integrate
    /// linear decay in closed form), then Rk4; the first that applies and is stable (and, when
    /// <paramref name="requireAccurate"/>, raises no SNN1003 either).
    /// </summary>
    public static string? Alternative(ModelSpec m, double dt, IReadOnlyDictionary<string, double>? overrides, bool requireAccurate, bool exactOnly = false)
    {
        var candidates = exactOnly ? new[] { IntegratorKind.Exact, IntegratorKind.ExponentialEuler }
            : new[] { IntegratorKind.Exact, IntegratorKind.ExponentialEuler, IntegratorKind.Rk4 };
        foreach (var k in candidates)
        {
            if (k == m.Integrator) continue;
            var alt = m with { Integrator = k };
            if (Linearity.Choose(alt).Error is not null) continue;
            var s = Stability.AnalyzeContinuous(alt, dt, overrides);
            if (s is null || s.Unstable) continue;
            if (requireAccurate && s.IsExplicit && s.Fastest is { } f && dt * f.Lambda.Magnitude >= 1) continue;
            return k.ToString();
        }
        return null;
    }

    /// <summary>The largest number with two significant digits strictly below <paramref name="bound"/>, as a C# float literal.</summary>
    public static string Below(double bound)
    {
        if (!(bound > 0) || double.IsInfinity(bound)) return "";
        double below = bound * (1 - 1e-12);
        double scale = Math.Pow(10, Math.Floor(Math.Log10(below)) - 1);
        double v = Math.Floor(below / scale) * scale;
        if (v >= bound) v -= scale;
        if (!(v > 0)) return "";
        return Literal(v);
    }

    /// <summary>A float literal with at most two significant digits (as a C# source literal, e.g. 0.49f).</summary>
    public static string Literal(double v)
    {
        double scale = Math.Pow(10, Math.Floor(Math.Log10(v)) - 1);
        double rounded = Math.Floor(v / scale * (1 + 1e-12)) * scale;
        decimal d = Math.Round((decimal)rounded, 10);
        return d.ToString("0.##########", CultureInfo.InvariantCulture) + "f";
    }

    private static IEnumerable<Finding> ThresholdAndReset(ModelSpec m)
    {
        if (m.Spike is not { Left: Sym { Kind: SymKind.State } v } spike) yield break;
        var env = Stability.Environment(m, m.Dt);
        if (env is null || spike.Gate is not null) yield break;
        if (Algebra.DependsOnKind(spike.Right, SymKind.State, SymKind.Input, SymKind.Spiked)) yield break;
        double threshold = Evaluator.Eval(spike.Right, env);
        var reset = m.Resets.LastOrDefault(r => r.State == v.Name);
        if (reset is null || Algebra.DependsOnKind(reset.Value, SymKind.State, SymKind.Input, SymKind.Spiked)) yield break;
        double value = Evaluator.Eval(reset.Value, env);
        if (double.IsNaN(threshold) || double.IsNaN(value)) yield break;
        if (spike.Strict ? value > threshold : value >= threshold)
            yield return new Finding(DiagnosticDescriptors.ThresholdNotAboveReset, Anchor.ResetValue, v.Name,
                new[] { m.Name, v.Name, F(value), F(threshold) }, new());
    }

    private static IEnumerable<Finding> UnreadStates(ModelSpec m)
    {
        foreach (var s in m.States)
        {
            bool Reads(Expr e) => Algebra.DependsOn(e, y => y.Kind == SymKind.State && y.Name == s.Name);
            bool read = m.States.Any(o => o.Name != s.Name && (Reads(o.Equation) || Reads(o.Initial)))
                || (m.Spike is { } sp && (Reads(sp.Left) || Reads(sp.Right) || (sp.Gate is not null && Reads(sp.Gate))))
                || m.Resets.Any(r => Reads(r.Value) && r.State != s.Name);
            if (!read)
                yield return new Finding(DiagnosticDescriptors.StateNeverRead, Anchor.StateField, s.Name, new[] { s.Name, m.Name }, new());
        }
    }
}
