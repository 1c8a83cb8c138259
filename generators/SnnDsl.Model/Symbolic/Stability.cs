using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using SnnDsl.Model.Ir;

namespace SnnDsl.Model.Symbolic;

/// <summary>Numeric evaluation of <see cref="Expr"/> trees (comparisons and logic give 1 or 0).</summary>
internal static class Evaluator
{
    /// <summary>The value of <paramref name="e"/> with every symbol looked up in <paramref name="env"/> (NaN when one is missing).</summary>
    public static double Eval(Expr e, IReadOnlyDictionary<Sym, double> env)
    {
        switch (e)
        {
            case Num n: return n.Value;
            case Sym s: return env.TryGetValue(s, out var v) ? v : double.NaN;
            case Unary u:
                {
                    double x = Eval(u.Operand, env);
                    return u.Op == UnOp.Neg ? -x : (x == 0 ? 1 : 0);
                }
            case Binary b:
                {
                    double l = Eval(b.Left, env), r = Eval(b.Right, env);
                    return b.Op switch
                    {
                        BinOp.Add => l + r,
                        BinOp.Sub => l - r,
                        BinOp.Mul => l * r,
                        BinOp.Div => l / r,
                        BinOp.Lt => l < r ? 1 : 0,
                        BinOp.Le => l <= r ? 1 : 0,
                        BinOp.Gt => l > r ? 1 : 0,
                        BinOp.Ge => l >= r ? 1 : 0,
                        BinOp.Eq => l == r ? 1 : 0,
                        BinOp.Ne => l != r ? 1 : 0,
                        BinOp.And => l != 0 && r != 0 ? 1 : 0,
                        _ => l != 0 || r != 0 ? 1 : 0,
                    };
                }
            case Call c:
                {
                    double a = Eval(c.Args[0], env);
                    double Arg(int i) => Eval(c.Args[i], env);
                    return c.Fn switch
                    {
                        Fn.Exp => Math.Exp(a),
                        Fn.Expm1 => Math.Exp(a) - 1,
                        Fn.Log => Math.Log(a),
                        Fn.Sqrt => Math.Sqrt(a),
                        Fn.Abs => Math.Abs(a),
                        Fn.Min => Math.Min(a, Arg(1)),
                        Fn.Max => Math.Max(a, Arg(1)),
                        Fn.Pow => Math.Pow(a, Arg(1)),
                        Fn.Tanh => Math.Tanh(a),
                        Fn.Clamp => Math.Min(Math.Max(a, Arg(1)), Arg(2)),
                        Fn.Round => Math.Round(a, MidpointRounding.ToEven),
                        _ => Math.Floor(a),
                    };
                }
            case Cond c: return Eval(c.Test, env) != 0 ? Eval(c.IfTrue, env) : Eval(c.IfFalse, env);
            default: return double.NaN;
        }
    }
}

/// <summary>A parameter that divides time in an equation (a time constant), and the state whose equation shows it.</summary>
internal sealed record TimeConstant(string Parameter, string State);

/// <summary>A state of the continuous system at which it was linearised, with the Jacobian's eigenvalues there.</summary>
internal sealed record OperatingPoint(string Description, double[] States, double[] Jacobian, Complex[] Eigenvalues);

/// <summary>An eigenvalue (per ms) of the linearisation, the point where it was found and the state it belongs to when the Jacobian shows it on the diagonal.</summary>
internal sealed record Mode(Complex Lambda, OperatingPoint Point, string? State)
{
    /// <summary>1/|lambda| in ms.</summary>
    public double TimeConstant => 1 / Lambda.Magnitude;

    /// <summary>"-2 /ms (time constant 0.5 ms, V at rest (V = 0))".</summary>
    public string Describe()
    {
        string lambda = Lambda.Imaginary == 0 || Math.Abs(Lambda.Imaginary) < 1e-12 * Lambda.Magnitude
            ? Stability.Format(Lambda.Real)
            : Stability.Format(Lambda.Real) + (Lambda.Imaginary >= 0 ? " + " : " - ") + Stability.Format(Math.Abs(Lambda.Imaginary)) + "i";
        string of = State is null ? "" : $" of {State}";
        return $"eigenvalue {lambda} /ms (time constant {Stability.Format(TimeConstant)} ms{of}, {Point.Description})";
    }
}

/// <summary>The linear stability of a model's continuous states under its integrator at one Dt.</summary>
internal sealed record ContinuousStability(
    IntegratorKind Integrator,
    string Reason,
    double Dt,
    IReadOnlyList<string> States,
    OperatingPoint Rest,
    IReadOnlyList<OperatingPoint> Points,
    IReadOnlyList<Mode> Modes)
{
    /// <summary>True for Euler, Rk2 and Rk4 (their stability regions are bounded).</summary>
    public bool IsExplicit => Integrator is IntegratorKind.Euler or IntegratorKind.Rk2 or IntegratorKind.Rk4;

    /// <summary>Decaying (or purely oscillating) modes: the ones an integrator must not amplify.</summary>
    public IEnumerable<Mode> NonGrowing => Modes.Where(m => Spectra.IsNonGrowing(m.Lambda) && m.Lambda.Magnitude > 1e-12);

    /// <summary>
    /// The largest Dt at which every non-growing mode at every point stays inside the integrator's
    /// stability region, and the mode that limits it; infinity (and null) for Exact.
    /// </summary>
    public (double Dt, Mode? Limit) LargestStableDt { get; init; } = (double.PositiveInfinity, null);

    /// <summary>True when the integrator amplifies a non-growing mode at <see cref="Dt"/>.</summary>
    public bool Unstable => LargestStableDt.Limit is not null && Dt >= LargestStableDt.Dt * (1 - 1e-12);

    /// <summary>The fastest non-growing mode (smallest time constant) over all points, or null.</summary>
    public Mode? Fastest => NonGrowing.OrderByDescending(m => m.Lambda.Magnitude).FirstOrDefault();

    /// <summary>The fastest and slowest non-growing modes at rest, for stiffness.</summary>
    public (Mode? Fast, Mode? Slow) RestExtremes
    {
        get
        {
            var rest = NonGrowing.Where(m => ReferenceEquals(m.Point, Rest)).ToList();
            return (rest.OrderByDescending(m => m.Lambda.Magnitude).FirstOrDefault(), rest.OrderBy(m => m.Lambda.Magnitude).FirstOrDefault());
        }
    }
}

/// <summary>The eigenvalues of the Jacobian of a model's discrete <c>[Next]</c> maps at their fixed point.</summary>
internal sealed record DiscreteStability(IReadOnlyList<string> States, double[] FixedPoint, double[] Jacobian, Complex[] Eigenvalues)
{
    /// <summary>The largest eigenvalue magnitude.</summary>
    public double SpectralRadius => Eigenvalues.Length == 0 ? 0 : Eigenvalues.Max(e => e.Magnitude);
}

/// <summary>
/// Linear stability of declared models, shared by the analyzers (SNN1xxx) and the generator's
/// runtime guards so the two cannot disagree. Nothing here is specific to one neuron: the Jacobian
/// of the continuous system comes from <see cref="Algebra.Diff"/>, its eigenvalues from
/// <see cref="Spectra.Eigenvalues"/>, and the verdict from the integrator's stability region.
/// </summary>
/// <remarks>
/// Operating points. The model is linearised at rest: the equilibrium of its continuous states
/// with every input at 0 and <c>Spiked</c> = 0, found by Newton's method from the declared initial
/// values (the initial values themselves when Newton does not converge). When the Jacobian depends
/// on the state (a nonlinear model), it is also sampled over a default range, because the DSL has no
/// range declaration: the spiking variable (the left side of <c>[SpikeWhen]</c> when it is a
/// continuous state) is swept over <see cref="RangeSamples"/> evenly spaced values from the lowest of
/// its rest, initial and reset values up to the threshold (the right side), and at each value the
/// other continuous states sit at their equilibrium with that variable held (for Hodgkin-Huxley: the
/// gates at m_inf(V), h_inf(V), n_inf(V)). Every such point is an equilibrium of the model under some
/// constant additive input, i.e. a state the model can rest in while driven below threshold.
/// </remarks>
internal static class Stability
{
    /// <summary>Number of points sampled over the spiking variable's range for nonlinear models.</summary>
    public const int RangeSamples = 16;

    /// <summary>Stiffness threshold: ratio of the slowest to the fastest time constant at rest.</summary>
    public const double StiffRatio = 1000;

    private static readonly Sym DtSym = new(SymKind.Dt, "Dt");
    private static readonly Sym SpikedSym = new(SymKind.Spiked, "Spiked");

    /// <summary>Numbers in messages: four significant digits, invariant culture.</summary>
    public static string Format(double v)
    {
        if (double.IsPositiveInfinity(v)) return "infinity";
        if (double.IsNegativeInfinity(v)) return "-infinity";
        if (v == 0) return "0";
        return v.ToString("G4", CultureInfo.InvariantCulture);
    }

    // ------------------------------------------------------------------ time constants

    /// <summary>
    /// Parameters that divide time, found symbolically: a parameter the self-coefficient d(dX/dt)/dX of a
    /// continuous state is inversely proportional to (tau in -X/tau, C in -g X/C), or a factor of the
    /// denominator of a quotient whose numerator reads Dt in a discrete map (tau in exp(-Dt/tau)).
    /// </summary>
    public static List<TimeConstant> TimeConstants(ModelSpec m)
    {
        var found = new List<TimeConstant>();
        void Add(string p, string state)
        {
            if (!found.Any(t => t.Parameter == p)) found.Add(new TimeConstant(p, state));
        }
        foreach (var s in m.States)
        {
            if (s.Dynamics == DynamicsKind.Derivative)
            {
                Expr self = Algebra.Diff(s.Equation, new Sym(SymKind.State, s.Name));
                foreach (var p in Divisors(self)) Add(p, s.Name);
            }
            else
            {
                Algebra.Visit(s.Equation, n =>
                {
                    if (n is Binary { Op: BinOp.Div } d && Algebra.DependsOnKind(d.Left, SymKind.Dt))
                        foreach (var p in DenominatorParameters(d.Right)) Add(p, s.Name);
                });
            }
        }
        return found;
    }

    /// <summary>
    /// Parameters p such that <paramref name="e"/> is X / (p * ...) with X free of p: the rate scales as
    /// 1/p (tau in -1/tau, C in (-gL + ...)/C), unlike a slope factor inside a nonlinearity (AdEx's
    /// DeltaT in exp((V - VT)/DeltaT)/DeltaT, which also appears outside the denominator).
    /// </summary>
    private static IEnumerable<string> Divisors(Expr e)
    {
        switch (e)
        {
            case Unary { Op: UnOp.Neg } u:
                foreach (var p in Divisors(u.Operand)) yield return p;
                break;
            case Binary { Op: BinOp.Div } d:
                foreach (var p in DenominatorParameters(d.Right))
                    if (!Algebra.DependsOn(d.Left, y => y.Kind == SymKind.Param && y.Name == p)) yield return p;
                break;
            case Binary { Op: BinOp.Mul } m:
                foreach (var p in Divisors(m.Left))
                    if (!Algebra.DependsOn(m.Right, y => y.Kind == SymKind.Param && y.Name == p)) yield return p;
                foreach (var p in Divisors(m.Right))
                    if (!Algebra.DependsOn(m.Left, y => y.Kind == SymKind.Param && y.Name == p)) yield return p;
                break;
        }
    }

    /// <summary>Parameters that are factors of a product-of-factors denominator (p, p*q, 2*p, -p).</summary>
    private static IEnumerable<string> DenominatorParameters(Expr e)
    {
        switch (e)
        {
            case Sym { Kind: SymKind.Param } s: yield return s.Name; break;
            case Unary { Op: UnOp.Neg } u: foreach (var p in DenominatorParameters(u.Operand)) yield return p; break;
            case Binary { Op: BinOp.Mul } b:
                foreach (var p in DenominatorParameters(b.Left)) yield return p;
                foreach (var p in DenominatorParameters(b.Right)) yield return p;
                break;
        }
    }

    // ------------------------------------------------------------------ environment

    /// <summary>
    /// Parameter values: the defaults, overridden by <paramref name="overrides"/>. Null when a
    /// parameter has neither (nothing can be concluded).
    /// </summary>
    public static Dictionary<Sym, double>? Environment(ModelSpec m, double dt, IReadOnlyDictionary<string, double>? overrides = null)
    {
        var env = new Dictionary<Sym, double> { [DtSym] = dt, [SpikedSym] = 0 };
        foreach (var p in m.Parameters)
        {
            double? v = overrides is not null && overrides.TryGetValue(p.Name, out var o) ? o : p.Default;
            if (v is not double d || double.IsNaN(d) || double.IsInfinity(d)) return null;
            env[new Sym(SymKind.Param, p.Name)] = d;
        }
        foreach (var i in m.Inputs) env[new Sym(SymKind.Input, i)] = 0;
        foreach (var s in m.States)
        {
            double init = Evaluator.Eval(s.Initial, env);
            env[new Sym(SymKind.State, s.Name)] = double.IsNaN(init) || double.IsInfinity(init) ? 0 : init;
        }
        return env;
    }

    // ------------------------------------------------------------------ continuous system

    /// <summary>
    /// Linearises the continuous states of <paramref name="m"/> (at rest, and over the default range for
    /// nonlinear models) and checks the eigenvalues against the stability region of the integrator the
    /// model gets at <paramref name="dt"/>. Null when the model has no continuous state, a parameter has
    /// no value, or the integrator cannot apply (SNN0012 reports that).
    /// </summary>
    public static ContinuousStability? AnalyzeContinuous(ModelSpec m, double dt, IReadOnlyDictionary<string, double>? overrides = null)
    {
        var states = Linearity.Continuous(m).ToList();
        if (states.Count == 0) return null;
        var choice = Linearity.Choose(m);
        if (choice.Error is not null) return null;
        var env = Environment(m, dt, overrides);
        if (env is null) return null;

        int n = states.Count;
        var syms = states.Select(s => new Sym(SymKind.State, s.Name)).ToArray();
        var f = states.Select(s => s.Equation).ToArray();
        var jac = new Expr[n * n];
        bool constant = true;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                jac[i * n + j] = Algebra.Diff(f[i], syms[j]);
                if (Algebra.DependsOnKind(jac[i * n + j], SymKind.State, SymKind.Spiked)) constant = false;
            }

        var initial = syms.Select(s => env[s]).ToArray();
        var rest = (double[])initial.Clone();
        bool atRest = Newton(f, jac, syms, env, rest, fixedIndex: -1);
        if (!atRest) rest = initial;
        var restPoint = Point(atRest ? "at rest" : "at the initial state", syms, rest, jac, env);
        var points = new List<OperatingPoint> { restPoint };

        if (!constant && m.Spike is { Left: Sym { Kind: SymKind.State } v } spike && Array.IndexOf(syms, v) is var vi && vi >= 0)
        {
            double top = Evaluator.Eval(spike.Right, env);
            double bottom = Math.Min(rest[vi], initial[vi]);
            foreach (var r in m.Resets.Where(r => r.State == v.Name))
            {
                double value = Evaluator.Eval(r.Value, env);
                if (!double.IsNaN(value) && !double.IsInfinity(value)) bottom = Math.Min(bottom, value);
            }
            if (!double.IsNaN(top) && !double.IsInfinity(top) && top > bottom)
            {
                for (int k = 0; k < RangeSamples; k++)
                {
                    double value = bottom + (top - bottom) * k / (RangeSamples - 1);
                    var x = (double[])rest.Clone();
                    x[vi] = value;
                    if (n > 1 && !Newton(f, jac, syms, env, x, vi)) continue;
                    points.Add(Point($"at {v.Name} = {Format(value)} held (equilibrium under constant input)", syms, x, jac, env));
                }
            }
        }

        var names = states.Select(s => s.Name).ToList();
        var modes = new List<Mode>();
        foreach (var p in points)
            foreach (var lambda in p.Eigenvalues)
                modes.Add(new Mode(lambda, p, OwnerState(p, lambda, names)));

        var result = new ContinuousStability(choice.Integrator, choice.Reason, dt, names, restPoint, points, modes);
        return result with { LargestStableDt = LargestStable(result) };
    }

    private static OperatingPoint Point(string description, Sym[] syms, double[] x, Expr[] jac, Dictionary<Sym, double> env)
    {
        int n = syms.Length;
        var saved = syms.Select(s => env[s]).ToArray();
        for (int i = 0; i < n; i++) env[syms[i]] = x[i];
        var j = jac.Select(e => Evaluator.Eval(e, env)).ToArray();
        for (int i = 0; i < n; i++) env[syms[i]] = saved[i];
        var ev = Spectra.Eigenvalues(j, n) ?? new Complex[0];
        string where = n == 1 || description.StartsWith("at rest", StringComparison.Ordinal) || description.StartsWith("at the initial", StringComparison.Ordinal)
            ? $"{description} ({string.Join(", ", syms.Select((s, i) => $"{s.Name} = {Format(x[i])}"))})"
            : description;
        return new OperatingPoint(where, x, j, ev);
    }

    /// <summary>The state whose diagonal entry is this eigenvalue (a triangular or decoupled Jacobian), else null.</summary>
    private static string? OwnerState(OperatingPoint p, Complex lambda, List<string> names)
    {
        int n = names.Count;
        if (lambda.Imaginary != 0) return null;
        for (int i = 0; i < n; i++)
        {
            double d = p.Jacobian[i * n + i];
            if (Math.Abs(d - lambda.Real) <= 1e-9 * Math.Max(1, Math.Abs(d))) return names[i];
        }
        return null;
    }

    private static (double, Mode?) LargestStable(ContinuousStability s)
    {
        double best = double.PositiveInfinity;
        Mode? limit = null;
        switch (s.Integrator)
        {
            case IntegratorKind.Euler:
            case IntegratorKind.Rk2:
            case IntegratorKind.Rk4:
                {
                    var method = s.Integrator == IntegratorKind.Euler ? ExplicitMethod.Euler : s.Integrator == IntegratorKind.Rk2 ? ExplicitMethod.Rk2 : ExplicitMethod.Rk4;
                    foreach (var mode in s.NonGrowing)
                    {
                        double h = Spectra.LargestStableStep(method, mode.Lambda);
                        if (h < best) { best = h; limit = mode; }
                    }
                    break;
                }
            case IntegratorKind.ExponentialEuler:
                foreach (var p in s.Points)
                {
                    // Only where the continuous system itself does not grow; the step matrix is not a function of J alone.
                    if (p.Eigenvalues.Length != s.States.Count || !p.Eigenvalues.All(Spectra.IsNonGrowing)) continue;
                    double h = LargestStableExponentialEuler(p.Jacobian, s.States.Count, s.Dt);
                    if (h < best)
                    {
                        best = h;
                        var fastest = p.Eigenvalues.OrderByDescending(e => e.Magnitude).First();
                        limit = new Mode(fastest, p, OwnerState(p, fastest, s.States.ToList()));
                    }
                }
                break;
        }
        return (best, limit);
    }

    /// <summary>The first Dt (scanning up to 1000 x <paramref name="dtHint"/>) where the exponential-Euler step matrix has spectral radius above 1, refined by bisection.</summary>
    private static double LargestStableExponentialEuler(double[] j, int n, double dtHint)
    {
        bool Stable(double h) => Spectra.SpectralRadius(Spectra.ExponentialEulerStep(j, n, h), n) is var r && !double.IsNaN(r) && r < 1 + 1e-9;
        double lo = 0, hi = dtHint / 64;
        while (Stable(hi))
        {
            lo = hi;
            hi *= 2;
            if (hi > dtHint * 1000) return double.PositiveInfinity;
        }
        for (int i = 0; i < 50; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (Stable(mid)) lo = mid; else hi = mid;
        }
        return hi;
    }

    /// <summary>
    /// Damped Newton iteration on f(x) = 0 (with x[<paramref name="fixedIndex"/>] held, its equation
    /// dropped). Returns false when it does not converge; <paramref name="x"/> then holds the last iterate.
    /// </summary>
    private static bool Newton(Expr[] f, Expr[] jac, Sym[] syms, Dictionary<Sym, double> env, double[] x, int fixedIndex)
    {
        int n = syms.Length;
        var idx = Enumerable.Range(0, n).Where(i => i != fixedIndex).ToArray();
        int k = idx.Length;
        var saved = syms.Select(s => env[s]).ToArray();
        try
        {
            double Residual(double[] at, double[]? into)
            {
                for (int i = 0; i < n; i++) env[syms[i]] = at[i];
                double norm = 0;
                for (int a = 0; a < k; a++)
                {
                    double v = Evaluator.Eval(f[idx[a]], env);
                    if (into is not null) into[a] = v;
                    norm = Math.Max(norm, Math.Abs(v));
                }
                return norm;
            }
            var fx = new double[k];
            double res = Residual(x, fx);
            for (int iter = 0; iter < 100; iter++)
            {
                if (double.IsNaN(res) || double.IsInfinity(res)) return false;
                if (res == 0) return true;
                var a = new double[k * k];
                for (int r = 0; r < k; r++)
                    for (int c = 0; c < k; c++) a[r * k + c] = Evaluator.Eval(jac[idx[r] * n + idx[c]], env);
                var dx = Solve(a, fx.Select(v => -v).ToArray(), k);
                if (dx is null) return res <= 1e-9;
                double rel = 0;
                for (int c = 0; c < k; c++) rel = Math.Max(rel, Math.Abs(dx[c]) / (1 + Math.Abs(x[idx[c]])));
                // Close to the root a full step is taken whatever rounding does to the residual.
                double step = 1;
                var trial = new double[n];
                double trialRes = double.NaN;
                for (int halving = 0; halving < 30; halving++)
                {
                    Array.Copy(x, trial, n);
                    for (int c = 0; c < k; c++) trial[idx[c]] += step * dx[c];
                    trialRes = Residual(trial, null);
                    if (!double.IsNaN(trialRes) && (trialRes < res || rel * step < 1e-6)) break;
                    step /= 2;
                }
                if (double.IsNaN(trialRes) || !(trialRes < res || rel * step < 1e-6)) return res <= 1e-9;
                Array.Copy(trial, x, n);
                res = Residual(x, fx);
                if (rel * step < 1e-13) return res <= 1e-9;
            }
            return res <= 1e-9;
        }
        finally
        {
            for (int i = 0; i < n; i++) env[syms[i]] = saved[i];
        }
    }

    /// <summary>Gaussian elimination with partial pivoting; null when singular.</summary>
    private static double[]? Solve(double[] a, double[] b, int n)
    {
        for (int c = 0; c < n; c++)
        {
            int piv = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(a[r * n + c]) > Math.Abs(a[piv * n + c])) piv = r;
            if (!(Math.Abs(a[piv * n + c]) > 1e-300)) return null;
            if (piv != c)
            {
                for (int j = 0; j < n; j++) { double t = a[c * n + j]; a[c * n + j] = a[piv * n + j]; a[piv * n + j] = t; }
                (b[c], b[piv]) = (b[piv], b[c]);
            }
            for (int r = c + 1; r < n; r++)
            {
                double l = a[r * n + c] / a[c * n + c];
                if (l == 0) continue;
                for (int j = c; j < n; j++) a[r * n + j] -= l * a[c * n + j];
                b[r] -= l * b[c];
            }
        }
        var x = new double[n];
        for (int r = n - 1; r >= 0; r--)
        {
            double s = b[r];
            for (int j = r + 1; j < n; j++) s -= a[r * n + j] * x[j];
            x[r] = s / a[r * n + r];
        }
        return x;
    }

    // ------------------------------------------------------------------ discrete maps

    /// <summary>
    /// The Jacobian of the discrete <c>[Next]</c> maps with respect to the discrete states, at their
    /// fixed point (inputs 0, <c>Spiked</c> 0, continuous states at their initial values), and its
    /// eigenvalues. Null when the model has no discrete state or a parameter has no value.
    /// </summary>
    public static DiscreteStability? AnalyzeDiscrete(ModelSpec m, double dt, IReadOnlyDictionary<string, double>? overrides = null)
    {
        var states = m.States.Where(s => s.Dynamics == DynamicsKind.Next).ToList();
        if (states.Count == 0) return null;
        var env = Environment(m, dt, overrides);
        if (env is null) return null;
        int n = states.Count;
        var syms = states.Select(s => new Sym(SymKind.State, s.Name)).ToArray();
        // Fixed point x = g(x), as the root of g(x) - x.
        var residual = states.Select((s, i) => (Expr)new Binary(BinOp.Sub, s.Equation, syms[i])).ToArray();
        var jr = new Expr[n * n];
        var jg = new Expr[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                jg[i * n + j] = Algebra.Diff(states[i].Equation, syms[j]);
                jr[i * n + j] = Algebra.Simplify(i == j ? new Binary(BinOp.Sub, jg[i * n + j], Expr.One) : jg[i * n + j]);
            }
        var x = syms.Select(s => env[s]).ToArray();
        if (!Newton(residual, jr, syms, env, x, -1)) x = syms.Select(s => env[s]).ToArray();
        for (int i = 0; i < n; i++) env[syms[i]] = x[i];
        var j0 = jg.Select(e => Evaluator.Eval(e, env)).ToArray();
        var ev = Spectra.Eigenvalues(j0, n);
        if (ev is null) return null;
        return new DiscreteStability(states.Select(s => s.Name).ToList(), x, j0, ev);
    }

    /// <summary>
    /// Eigenvalues of a discrete map that make it grow or oscillate: |mu| &gt;= 1 (grows, or never
    /// forgets), or a negative real part (the sign alternates every step). mu = 0 (a plain copy, as a
    /// previous-value register) is fine.
    /// </summary>
    public static IEnumerable<Complex> BadDecayFactors(DiscreteStability d) =>
        d.Eigenvalues.Where(mu => mu.Magnitude >= 1 - 1e-12 || mu.Real < -1e-12);

    // ------------------------------------------------------------------ exact solution

    /// <summary>
    /// For Exact integration: the parameter values at which the textbook closed-form solution is
    /// singular — repeated eigenvalues of A in a coupled chain (tau_mem = tau_syn divides by
    /// tau_mem - tau_syn), or a zero diagonal coefficient ((e^(a Dt) - 1)/a at a = 0). Null when none.
    /// The generated code handles both (<see cref="GeneratedCodeHandlesSingularExactCases"/>).
    /// </summary>
    public static string? SingularExactCase(ModelSpec m, double dt, IReadOnlyDictionary<string, double>? overrides = null)
    {
        if (Linearity.Choose(m) is not { Integrator: IntegratorKind.Exact, Error: null }) return null;
        var sys = Linearity.TryLinear(m, out _);
        var env = Environment(m, dt, overrides);
        if (sys is null || env is null) return null;
        int n = sys.N;
        var a = sys.A.Select(e => Evaluator.Eval(e, env)).ToArray();
        if (sys.IsDiagonal)
        {
            for (int i = 0; i < n; i++)
                if (a[i * n + i] == 0) return $"the coefficient of {sys.States[i]} in d{sys.States[i]}/dt is 0";
            return null;
        }
        var ev = Spectra.Eigenvalues(a, n);
        if (ev is null) return null;
        for (int i = 0; i < ev.Length; i++)
            for (int j = i + 1; j < ev.Length; j++)
                if ((ev[i] - ev[j]).Magnitude <= 1e-9 * Math.Max(1, ev[i].Magnitude))
                    return $"the coupled system [{string.Join(", ", sys.States)}] has the repeated eigenvalue {Format(ev[i].Real)} /ms (equal time constants)";
        return null;
    }

    /// <summary>
    /// True: the generator writes the diagonal propagator as (e^(a Dt) - 1)/a with a run-time branch to
    /// Dt at a = 0, and coupled systems through one augmented matrix exponential (Van Loan), with no
    /// eigendecomposition; so SNN1008 has nothing to report for code it generates.
    /// </summary>
    public const bool GeneratedCodeHandlesSingularExactCases = true;
}
