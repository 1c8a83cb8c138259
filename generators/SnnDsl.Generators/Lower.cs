using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SnnDsl.Model;
using SnnDsl.Model.Ir;
using SnnDsl.Model.Symbolic;

namespace SnnDsl.Generators;

/// <summary>
/// Lowers a <see cref="ModelSpec"/> to a <see cref="KernelPlan"/>: applies the integrator (as data:
/// a Butcher tableau for the explicit Runge-Kutta family, update formulas for Exact and
/// ExponentialEuler), hoists everything that depends only on parameters and Dt out of the time
/// loop, and names the numeric literals.
/// </summary>
internal static partial class Lower
{
    /// <summary>An explicit Runge-Kutta method as data (Brian2 writes its state updaters the same way).</summary>
    internal sealed record Tableau(double[][] A, double[] B);

    internal static readonly Tableau Euler = new(new[] { Array.Empty<double>() }, new[] { 1.0 });

    /// <summary>Explicit midpoint: k2 = f(x + Dt/2 k1), x' = x + Dt k2.</summary>
    internal static readonly Tableau Rk2 = new(new[] { Array.Empty<double>(), new[] { 0.5 } }, new[] { 0.0, 1.0 });

    internal static readonly Tableau Rk4 = new(
        new[] { Array.Empty<double>(), new[] { 0.5 }, new[] { 0.0, 0.5 }, new[] { 0.0, 0.0, 1.0 } },
        new[] { 1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6 });

    private static Sym State(string n) => new(SymKind.State, n);
    private static Sym Local(string n) => new(SymKind.Local, n);
    private static Sym Hoisted(string n) => new(SymKind.Hoisted, n);
    private static readonly Sym DtSym = new(SymKind.Dt, "Dt");

    public static KernelPlan Run(ModelSpec m)
    {
        var b = new Builder(m);
        return b.Build();
    }

    private sealed partial class Builder
    {
        private readonly ModelSpec _m;
        private readonly List<ConstantStep> _constants = new();
        private readonly Dictionary<Expr, string> _hoistedByValue = new();
        private readonly List<Stmt> _body = new();
        private readonly Dictionary<string, Expr> _next = new(StringComparer.Ordinal);
        private int _hoistCounter;

        public Builder(ModelSpec? m) => _m = m!;

        private void Constant(string name, Expr value, string comment)
        {
            value = Algebra.Simplify(value);
            _constants.Add(new ConstantStep(new ConstantDef(name, value, comment), null));
            _hoistedByValue[value] = name;
        }

        /// <summary>Defines a per-layer constant and returns a reference to it, or the number itself when it folds to one.</summary>
        private Expr Bind(string name, Expr value, string comment)
        {
            value = Algebra.Simplify(value);
            if (value is Num) return value;
            Constant(name, value, comment);
            return Hoisted(name);
        }

        private void Let(string name, Expr value, string comment) => _body.Add(new Stmt(name, Algebra.Simplify(value), comment));

        public KernelPlan Build()
        {
            var choice = Linearity.Choose(_m);
            var continuous = _m.States.Where(s => s.Dynamics == DynamicsKind.Derivative).ToList();

            // Discrete maps read the old values, like everything else in the step.
            foreach (var s in _m.States.Where(s => s.Dynamics == DynamicsKind.Next))
            {
                Let("_next_" + s.Name, s.Equation, $"{s.Name}[t] = {s.Equation}");
                _next[s.Name] = Local("_next_" + s.Name);
            }

            if (continuous.Count > 0)
            {
                switch (choice.Integrator)
                {
                    case IntegratorKind.Exact: LowerExact(Linearity.TryLinear(_m, out _)!); break;
                    case IntegratorKind.ExponentialEuler: LowerExponentialEuler(Linearity.TryConditionallyLinear(_m, out _)!); break;
                    case IntegratorKind.Euler: LowerRungeKutta(continuous, Euler); break;
                    case IntegratorKind.Rk2: LowerRungeKutta(continuous, Rk2); break;
                    default: LowerRungeKutta(continuous, Rk4); break;
                }
            }

            var commit = _m.States.Select(s => new Stmt(s.Name, _next[s.Name], "")).ToList();
            Expr spike = _m.Spike!.Condition;
            var resets = _m.Resets.ToList();

            // Hoist loop invariants (Brian2's loop-invariant optimisation, GeNN's derived parameters).
            var body = HoistStatements(_body);
            commit = commit.Select(c => c with { Value = Substitute(c.Value) }).ToList();
            spike = Hoist(Substitute(spike));
            resets = resets.Select(r => r with { Value = Hoist(Substitute(r.Value)) }).ToList();

            // Compute repeated sub-expressions once per step.
            body = EliminateCommonSubexpressions(body);

            // Learnable parameters: which constants vary with them (stored per element, recomputed on update).
            var learnables = _m.Parameters.Where(p => p.Learnable).ToList();
            var variable = new HashSet<string>(StringComparer.Ordinal);
            bool learnableInPropagator = false;
            foreach (var step in _constants)
            {
                bool Varies(Expr e) => Algebra.DependsOn(e, y => (y.Kind == SymKind.Param && learnables.Any(l => l.Name == y.Name))
                    || (y.Kind == SymKind.Hoisted && variable.Contains(y.Name)));
                if (step.Constant is { } c && Varies(c.Value)) variable.Add(c.Name);
                if (step.Propagator is { } prop && prop.A.Any(Varies)) learnableInPropagator = true;
            }

            // The backward pass, derived from the forward statements as they now stand.
            var backward = BuildBackward(body, commit, resets, variable, learnables, out string backwardReason);
            if (learnableInPropagator && backward is not null)
            {
                backward = null;
                backwardReason = "a learnable parameter enters the exact propagator of a coupled system, whose derivative is not generated yet";
            }

            // Name the literals of the per-step code.
            var literals = new SortedDictionary<string, double>(StringComparer.Ordinal);
            Expr Lit(Expr e) => Algebra.Rewrite(e, n =>
            {
                if (n is not Num num) return null;
                string name = LiteralName(num.Value);
                literals[name] = num.Value;
                return new Sym(SymKind.Literal, name);
            });
            body = body.Select(s => s with { Value = Lit(s.Value) }).ToList();
            commit = commit.Select(s => s with { Value = Lit(s.Value) }).ToList();
            spike = Lit(spike);
            resets = resets.Select(r => r with { Value = Lit(r.Value) }).ToList();
            if (backward is not null)
                backward = backward with { Statements = backward.Statements.Select(st => st with { Value = Lit(st.Value) }).ToEquatableArray() };

            // What the kernel reads from the layer.
            var used = new List<Sym>();
            void Collect(Expr e) { foreach (var s in Algebra.Symbols(e)) if (!used.Contains(s)) used.Add(s); }
            foreach (var s in body) Collect(s.Value);
            foreach (var s in commit) Collect(s.Value);
            Collect(spike);
            foreach (var r in resets) Collect(r.Value);
            if (backward is not null) foreach (var st in backward.Statements) Collect(st.Value);

            var kernelParams = _m.Parameters.Select(p => p.Name).Where(n => used.Contains(new Sym(SymKind.Param, n))).ToList();
            var kernelConstants = _constants.Where(c => c.Constant is not null).Select(c => c.Constant!.Name)
                .Concat(_constants.Where(c => c.Propagator is not null).SelectMany(c => c.Propagator!.P.Concat(c.Propagator.Q)))
                .Where(n => n.Length > 0 && used.Contains(Hoisted(n))).ToList();
            var ordered = new List<string>();
            foreach (var step in _constants)
            {
                if (step.Constant is { } c && kernelConstants.Contains(c.Name)) ordered.Add(c.Name);
                if (step.Propagator is { } p)
                    foreach (var n in p.P.Concat(p.Q))
                        if (kernelConstants.Contains(n)) ordered.Add(n);
            }

            var initials = _m.States.Select(s => new ConstantDef("_init_" + s.Name, s.Initial, $"initial {s.Name} = {s.Initial}")).ToList();
            bool usesSpiked = _m.States.Any(s => Algebra.DependsOnKind(s.Equation, SymKind.Spiked))
                || Algebra.DependsOnKind(_m.Spike.Condition, SymKind.Spiked)
                || _m.Resets.Any(r => Algebra.DependsOnKind(r.Value, SymKind.Spiked));

            LearningPlan? learning = null;
            if (learnables.Count > 0 && !learnableInPropagator)
            {
                var perElement = learnables.Select(l => l.Name).Where(n => used.Contains(new Sym(SymKind.Param, n)))
                    .Concat(ordered.Where(variable.Contains)).ToList();
                var leaves = backward?.Leaves.ToList() ?? new List<string>();
                var derivatives = new List<LeafDerivative>();
                var definitions = _constants.Where(c => c.Constant is not null).ToDictionary(c => (Sym)Hoisted(c.Constant!.Name), c => c.Constant!.Value);
                Expr Inline(Expr e) => Algebra.Rewrite(e, n => n is Sym { Kind: SymKind.Hoisted } h && definitions.TryGetValue(h, out var d) ? Inline(d) : null);
                foreach (var leaf in leaves)
                {
                    bool isParam = learnables.Any(l => l.Name == leaf);
                    Expr value = isParam ? new Sym(SymKind.Param, leaf) : Inline(Hoisted(leaf));
                    foreach (var l in learnables)
                    {
                        Expr d = Algebra.Diff(value, new Sym(SymKind.Param, l.Name));
                        if (!(d is Num { Value: 0 })) derivatives.Add(new LeafDerivative(leaf, l.Name, d));
                    }
                }
                learning = new LearningPlan(
                    learnables.Select(l => new LearnableDef(l.Name, l.Shared)).ToEquatableArray(),
                    perElement.ToEquatableArray(),
                    leaves.ToEquatableArray(),
                    derivatives.ToEquatableArray());
            }

            return new KernelPlan(
                _m,
                choice.Integrator,
                choice.Reason,
                _constants.ToEquatableArray(),
                initials.ToEquatableArray(),
                kernelParams.ToEquatableArray(),
                ordered.ToEquatableArray(),
                literals.Select(kv => new LiteralDef(kv.Key, kv.Value)).ToEquatableArray(),
                used.Contains(DtSym),
                usesSpiked,
                body.ToEquatableArray(),
                commit.ToEquatableArray(),
                spike,
                resets.ToEquatableArray(),
                backward,
                backwardReason,
                learning);
        }

        // ---------------------------------------------------------------- Exact

        private void LowerExact(LinearSystem sys)
        {
            int n = sys.N;
            var drivers = Drivers(sys.B);
            if (sys.IsDiagonal)
            {
                for (int i = 0; i < n; i++)
                {
                    string x = sys.States[i];
                    Expr a = sys[i, i];
                    // P = exp(a Dt); Q = (exp(a Dt) - 1) / a, or Dt when a = 0 (a perfect integrator).
                    string p = "_decay_" + x, q = "_gain_" + x;
                    Expr decay = Bind(p, new Call(Fn.Exp, a * DtSym), $"exp({a} * Dt): decay of {x} over one step");
                    Expr gain = Bind(q, new Cond(new Binary(BinOp.Eq, a, Expr.Zero), DtSym, new Call(Fn.Expm1, a * DtSym) / a),
                        $"integral of exp({a} * s) over [0, Dt]: gain of the held drive of {x}");
                    Expr next = decay * State(x);
                    next = next + DriveTerm(x, new List<(Expr, Expr)> { (gain, sys.B[i]) }, drivers);
                    Let("_next_" + x, next, $"exact: {x}(t + Dt) = {decay} * {x} + {gain} * ({sys.B[i]})");
                    _next[x] = Local("_next_" + x);
                }
                return;
            }

            // Coupled system: the propagator comes from one matrix exponential per layer.
            var reach = Reachability(sys);
            var pNames = new string[n * n];
            var qNames = new string[n * n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    pNames[i * n + j] = reach[i, j] ? $"_P_{sys.States[i]}_{sys.States[j]}" : "";
                    qNames[i * n + j] = reach[i, j] ? $"_Q_{sys.States[i]}_{sys.States[j]}" : "";
                }
            _constants.Add(new ConstantStep(null, new PropagatorDef(sys.States, sys.A, pNames.ToEquatableArray(), qNames.ToEquatableArray())));
            for (int i = 0; i < n; i++)
            {
                string x = sys.States[i];
                Expr next = Expr.Zero;
                for (int j = 0; j < n; j++)
                    if (pNames[i * n + j].Length > 0) next = next + Hoisted(pNames[i * n + j]) * State(sys.States[j]);
                var terms = new List<(Expr, Expr)>();
                for (int j = 0; j < n; j++)
                    if (qNames[i * n + j].Length > 0) terms.Add((Hoisted(qNames[i * n + j]), sys.B[j]));
                next = next + DriveTerm(x, terms, drivers);
                Let("_next_" + x, next, $"exact (coupled): {x}(t + Dt) = sum_j P[{x}, j] x_j + sum_j Q[{x}, j] b_j");
                _next[x] = Local("_next_" + x);
            }
        }

        /// <summary>The per-step drive sum_j Q_j b_j, folded into per-driver gains when every b is affine in the inputs.</summary>
        private Expr DriveTerm(string x, IList<(Expr Q, Expr B)> terms, List<Sym> drivers)
        {
            bool affine = terms.All(t => IsAffine(t.B, drivers));
            if (!affine)
            {
                Expr sum = Expr.Zero;
                foreach (var (q, b) in terms) sum = sum + q * b;
                return sum;
            }
            Expr result = Expr.Zero;
            foreach (var d in drivers)
            {
                Expr gain = Expr.Zero;
                foreach (var (q, b) in terms) gain = gain + q * Algebra.Diff(b, d);
                gain = Algebra.Simplify(gain);
                if (gain is Num { Value: 0 }) continue;
                result = result + Bind($"_in_{x}_{d.Name}", gain, $"gain from {d.Name} to {x} over one step") * d;
            }
            var zero = drivers.ToDictionary(d => d, _ => (Expr)Expr.Zero);
            Expr bias = Expr.Zero;
            foreach (var (q, b) in terms) bias = bias + q * Algebra.Substitute(b, zero);
            bias = Algebra.Simplify(bias);
            if (!(bias is Num { Value: 0 }))
            {
                result = result + Bind($"_bias_{x}", bias, $"constant drive of {x} over one step");
            }
            return result;
        }

        private static List<Sym> Drivers(IEnumerable<Expr> bs)
        {
            var list = new List<Sym>();
            foreach (var b in bs)
                foreach (var s in Algebra.Symbols(b))
                    if (s.Kind is SymKind.Input or SymKind.Spiked or SymKind.State && !list.Contains(s)) list.Add(s);
            return list;
        }

        private static bool IsAffine(Expr b, List<Sym> drivers) =>
            drivers.All(d => !Algebra.DependsOnKind(Algebra.Diff(b, d), SymKind.Input, SymKind.Spiked, SymKind.State));

        private static bool[,] Reachability(LinearSystem sys)
        {
            int n = sys.N;
            var r = new bool[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    r[i, j] = i == j || !(sys[i, j] is Num { Value: 0 });
            for (int k = 0; k < n; k++)
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++)
                        if (r[i, k] && r[k, j]) r[i, j] = true;
            return r;
        }

        // ---------------------------------------------------------------- Exponential Euler

        private void LowerExponentialEuler(List<ConditionallyLinear> eqs)
        {
            foreach (var e in eqs)
            {
                string x = e.State;
                // dx/dt = A x + B  =>  x' = x e^(A Dt) + B (e^(A Dt) - 1) / A   (B Dt when A = 0)
                string a = "_a_" + x, em1 = "_em1_" + x;
                Let(a, e.A, $"d({x}')/d{x}: the linear coefficient of {x}");
                Let(em1, new Call(Fn.Expm1, Local(a) * DtSym), $"exp({a} * Dt) - 1");
                Expr phi = new Cond(new Binary(BinOp.Eq, Local(a), Expr.Zero), DtSym, Local(em1) / Local(a));
                Let("_next_" + x, State(x) + State(x) * Local(em1) + e.B * phi,
                    $"exponential Euler: {x} e^(a Dt) + ({e.B}) (e^(a Dt) - 1) / a");
                _next[x] = Local("_next_" + x);
            }
        }

        // ---------------------------------------------------------------- explicit Runge-Kutta

        private void LowerRungeKutta(List<StateSpec> states, Tableau t)
        {
            int stages = t.B.Length;
            var k = new string[stages, states.Count];
            for (int s = 0; s < stages; s++)
            {
                // Stage values x + Dt * sum_j a_sj k_j.
                var map = new Dictionary<Sym, Expr>();
                if (s > 0)
                {
                    for (int i = 0; i < states.Count; i++)
                    {
                        Expr sum = Expr.Zero;
                        for (int j = 0; j < t.A[s].Length; j++)
                            if (t.A[s][j] != 0) sum = sum + (DtSym * new Num(t.A[s][j])) * Local(k[j, i]);
                        string name = $"_{states[i].Name}_{s + 1}";
                        Let(name, State(states[i].Name) + sum, $"stage {s + 1} value of {states[i].Name}");
                        map[State(states[i].Name)] = Local(name);
                    }
                }
                for (int i = 0; i < states.Count; i++)
                {
                    k[s, i] = $"_k{s + 1}_{states[i].Name}";
                    Let(k[s, i], Algebra.Substitute(states[i].Equation, map), s == 0 ? $"d{states[i].Name}/dt = {states[i].Equation}" : $"d{states[i].Name}/dt at stage {s + 1}");
                }
            }
            for (int i = 0; i < states.Count; i++)
            {
                Expr sum = State(states[i].Name);
                for (int s = 0; s < stages; s++)
                    if (t.B[s] != 0) sum = sum + (DtSym * new Num(t.B[s])) * Local(k[s, i]);
                Let("_next_" + states[i].Name, sum, "");
                _next[states[i].Name] = Local("_next_" + states[i].Name);
            }
        }

        // ---------------------------------------------------------------- hoisting

        private readonly Dictionary<string, Expr> _localToConstant = new(StringComparer.Ordinal);

        private Expr Substitute(Expr e) => Algebra.Rewrite(e, n => n is Sym { Kind: SymKind.Local } s && _localToConstant.TryGetValue(s.Name, out var c) ? c : null);

        private static bool IsInvariant(Expr e) => !Algebra.DependsOnKind(e, SymKind.State, SymKind.Input, SymKind.Spiked, SymKind.Local, SymKind.LocalMask,
            SymKind.Uniform, SymKind.Time, SymKind.Steps, SymKind.Index);

        private static bool IsLeaf(Expr e) => e is Num or Sym;

        private List<Stmt> HoistStatements(List<Stmt> body)
        {
            var result = new List<Stmt>();
            foreach (var s in body)
            {
                Expr v = Algebra.Simplify(Substitute(s.Value));
                if (IsInvariant(v) && !KernelPrinter.IsMask(v))
                {
                    // The whole statement is a constant: compute it once per layer.
                    string name = IsLeaf(v) ? "" : HoistConstant(v, s.Name);
                    _localToConstant[s.Name] = name.Length == 0 ? v : Hoisted(name);
                    continue;
                }
                result.Add(s with { Value = Hoist(v) });
            }
            return result;
        }

        private Expr Hoist(Expr e)
        {
            // Conditions stay in the kernel (constants are numbers); their operands may still be hoisted.
            if (IsInvariant(e) && !KernelPrinter.IsMask(e)) return IsLeaf(e) ? e : Hoisted(HoistConstant(e, null));
            return e switch
            {
                Unary u => u with { Operand = Hoist(u.Operand) },
                Binary b => b with { Left = Hoist(b.Left), Right = Hoist(b.Right) },
                Call c => c with { Args = c.Args.Select(Hoist).ToEquatableArray() },
                Cond c => new Cond(Hoist(c.Test), Hoist(c.IfTrue), Hoist(c.IfFalse)),
                _ => e,
            };
        }

        private string HoistConstant(Expr value, string? preferred)
        {
            value = Algebra.Simplify(value);
            if (_hoistedByValue.TryGetValue(value, out var existing)) return existing;
            string name = preferred ?? $"_h{_hoistCounter++}";
            Constant(name, value, Infix.Print(value));
            return name;
        }

        // ---------------------------------------------------------------- common sub-expressions

        private static int Size(Expr e)
        {
            int n = 0;
            Algebra.Visit(e, _ => n++);
            return n;
        }

        /// <summary>
        /// Binds every non-trivial sub-expression that occurs more than once in the step body to a
        /// local, largest first, placed just before its first use. Equations are pure and both
        /// branches of a select are evaluated anyway, so this never changes a result.
        /// </summary>
        private static List<Stmt> EliminateCommonSubexpressions(List<Stmt> body, string prefix = "_e")
        {
            int counter = 0;
            while (true)
            {
                var counts = new Dictionary<Expr, int>();
                var order = new List<Expr>();
                foreach (var s in body)
                {
                    Algebra.Visit(s.Value, e =>
                    {
                        if (e is Num or Sym || e is Unary { Operand: Num or Sym } || KernelPrinter.IsMask(e)) return; // conditions stay inline
                        if (counts.TryGetValue(e, out int c)) counts[e] = c + 1;
                        else { counts[e] = 1; order.Add(e); }
                    });
                }
                Expr? best = null;
                int bestSize = 0;
                foreach (var e in order)
                {
                    if (counts[e] < 2) continue;
                    int size = Size(e);
                    if (size > bestSize) { best = e; bestSize = size; }
                }
                if (best is null) return Renumber(body, prefix);

                string name = $"{prefix}{counter++}";
                var local = Local(name);
                int first = body.FindIndex(s => Algebra.DependsOn(s.Value, _ => true) && Contains(s.Value, best));
                var rewritten = body.Select(s => s with { Value = Algebra.Rewrite(s.Value, n => n.Equals(best) ? local : null) }).ToList();
                rewritten.Insert(first, new Stmt(name, best, Brief(best)));
                body = rewritten;
            }
        }

        /// <summary>Numbers the shared locals _e0, _e1, ... in the order they are computed.</summary>
        private static List<Stmt> Renumber(List<Stmt> body, string prefix)
        {
            var map = new Dictionary<Sym, Expr>();
            int k = 0;
            foreach (var s in body)
                if (s.Name.StartsWith(prefix, StringComparison.Ordinal) && s.Name.Length > prefix.Length && char.IsDigit(s.Name[prefix.Length]))
                    map[Local(s.Name)] = Local($"{prefix}{k++}");
            return body.Select(s => new Stmt(
                map.TryGetValue(Local(s.Name), out var renamed) ? ((Sym)renamed).Name : s.Name,
                Algebra.Substitute(s.Value, map),
                s.Comment)).ToList();
        }

        /// <summary>The expression as a comment, or nothing when it is too long to help a reader.</summary>
        private static string Brief(Expr e)
        {
            string text = Infix.Print(e);
            return text.Length <= 100 ? text : "";
        }

        private static bool Contains(Expr e, Expr part)
        {
            bool found = false;
            Algebra.Visit(e, n => { if (!found && n.Equals(part)) found = true; });
            return found;
        }

        private static string LiteralName(double v)
        {
            string text = Infix.Number(v);
            var chars = text.Select(c => c switch { '.' => '_', '-' => 'm', '+' => 'p', _ => c }).ToArray();
            return "_" + new string(chars);
        }
    }
}
