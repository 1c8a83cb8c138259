using System;
using System.Collections.Generic;
using System.Linq;
using SnnDsl.Model;
using SnnDsl.Model.Ir;
using SnnDsl.Model.Symbolic;

namespace SnnDsl.Generators;

/// <summary>
/// The backward kernel of a neuron: per step, in reverse time, the statements that turn the
/// adjoint of the state after the step (<c>_lam_X</c>) into the adjoint of the state before it and
/// the gradient of the input. Derived symbolically from the lowered forward statements by
/// reverse-mode differentiation of the straight-line step code, so it differentiates exactly the
/// update the forward pass executes (the integrator's discretisation, hoisted constants included).
/// </summary>
/// <remarks>
/// Loads the emitter provides before <see cref="Statements"/>: <c>_pre_X</c> (pre-reset state at
/// t), <c>_ppre_X</c> (pre-reset state at t-1, or the start state at t = 0), <c>_pfire</c> (the
/// spike at t-1, 0 at t = 0), <c>Spiked</c> (the spike at t-1, or the start Spiked), <c>_s</c> (the
/// spike at t), the input port, <c>_gs</c> (dL/dspike at t), <c>_gv</c> (dL/d pre-reset first
/// state at t) and the carried adjoints <c>_lam_X</c>. The statements end with <c>_nlam_X</c>
/// (the adjoints to carry to t-1) and <c>_gin</c> (dL/dinput at t).
/// </remarks>
internal sealed record BackwardPlan(EquatableArray<Stmt> Statements, string Surrogate, EquatableArray<string> Leaves);

internal static partial class Lower
{
    private sealed partial class Builder
    {
        private static Sym Pre(string state) => new(SymKind.Local, "_pre_" + state);
        private static Sym PrevPre(string state) => new(SymKind.Local, "_ppre_" + state);

        /// <summary>The surrogate derivative of H at <paramref name="x"/> (snnTorch 0.9 formulas).</summary>
        internal static Expr SurrogateDerivative(SurrogateKind kind, double slope, Expr x)
        {
            var k = new Num(slope);
            switch (kind)
            {
                case SurrogateKind.FastSigmoid:
                    {
                        Expr t = k * new Call(Fn.Abs, x) + Expr.One;
                        return Expr.One / (t * t);
                    }
                case SurrogateKind.ATan:
                    {
                        Expr t = new Num(Math.PI / 2) * k * x;
                        return (k / new Num(2)) / (Expr.One + t * t);
                    }
                case SurrogateKind.Sigmoid:
                    {
                        Expr e = new Call(Fn.Exp, -(k * x));
                        return k * e / ((e + Expr.One) * (e + Expr.One));
                    }
                case SurrogateKind.Triangle:
                    return new Call(Fn.Max, Expr.Zero, Expr.One - new Call(Fn.Abs, x) * k) * k;
                case SurrogateKind.Rectangular:
                    return new Cond(new Binary(BinOp.Lt, new Call(Fn.Abs, x), k / new Num(2)), Expr.One / k, Expr.Zero);
                default:
                    return Expr.One;
            }
        }

        private static Expr Sum(IEnumerable<Expr> terms)
        {
            Expr? total = null;
            foreach (var t in terms) total = total is null ? t : total + t;
            return Algebra.Simplify(total ?? Expr.Zero);
        }

        /// <summary>Builds the backward statements, or returns null with a reason when the model has no backward pass.</summary>
        public BackwardPlan? BuildBackward(List<Stmt> body, List<Stmt> commit, List<ResetSpec> resets, HashSet<string> variable, List<ParamSpec> learnables, out string reason)
        {
            var m = _m;
            if (m.Inputs.Count != 1) { reason = "Backward is generated for models with exactly one input port"; return null; }
            if (m.Spike is null) { reason = "no spike condition"; return null; }
            if (m.States.Count == 0) { reason = "Backward needs at least one state"; return null; }
            if (m.Spike.Surrogate == SurrogateKind.Custom) { reason = "custom surrogates are not supported by Backward yet"; return null; }
            reason = "";

            var states = m.States.Select(s => s.Name).ToList();
            var input = new Sym(SymKind.Input, m.Inputs[0]);
            var toPre = states.ToDictionary(s => new Sym(SymKind.State, s), s => (Expr)Pre(s));
            var toPrevPre = states.ToDictionary(s => new Sym(SymKind.State, s), s => (Expr)PrevPre(s));
            var stmts = new List<Stmt>();
            void Add(string name, Expr value, string comment) => stmts.Add(new Stmt(name, Hoist(Algebra.Simplify(value)), comment));

            // The reset as one map from the pre-reset state: the [OnSpike] assignments composed in order.
            var reset = states.ToDictionary(s => s, s => (Expr)new Sym(SymKind.State, s));
            foreach (var r in resets) reset[r.State] = Algebra.Simplify(Algebra.Substitute(r.Value, reset.ToDictionary(kv => new Sym(SymKind.State, kv.Key), kv => kv.Value)));

            // 1. The state the step started from: the previous step's pre-reset state, reset where it fired.
            foreach (var s in states)
            {
                Expr after = Algebra.Substitute(reset[s], toPrevPre);
                Add(s, after.Equals(PrevPre(s)) ? PrevPre(s) : new Cond(new Binary(BinOp.Ne, new Sym(SymKind.Local, "_pfire"), Expr.Zero), after, PrevPre(s)),
                    after.Equals(PrevPre(s)) ? $"{s} before step t" : $"{s} before step t: the previous step's value, reset where it fired");
            }

            // 2. The surrogate derivative at the spike condition's a - b (gated conditions pass no gradient when closed).
            var spike = m.Spike;
            Expr v = Algebra.Simplify(spike.Left - spike.Right);
            Expr sg = SurrogateDerivative(spike.Surrogate, spike.Slope, new Sym(SymKind.Local, "_v"));
            Add("_v", Algebra.Substitute(v, toPre), $"spike condition a - b = {v}, at the pre-reset state");
            if (spike.Gate is { } gate) sg = new Cond(Algebra.Substitute(gate, toPre), sg, Expr.Zero);
            Add("_sg", sg, $"{spike.Surrogate} surrogate derivative, slope {Infix.Number(spike.Slope)}");

            // 3. Adjoint of the pre-reset state: through the reset (detached: the reset's Jacobian where it fired),
            //    plus the spike's gradient through the surrogate.
            var fired = new Binary(BinOp.Ne, new Sym(SymKind.Local, "_s"), Expr.Zero);
            for (int j = 0; j < states.Count; j++)
            {
                var xj = new Sym(SymKind.State, states[j]);
                Expr throughReset = Sum(states.Select(si => new Sym(SymKind.Local, "_lam_" + si) * Algebra.Diff(reset[si], xj)));
                Expr lam = new Sym(SymKind.Local, "_lam_" + states[j]);
                Expr dReset = Algebra.Substitute(throughReset, toPre);
                Expr adj = dReset.Equals(lam) ? lam : new Cond(fired, dReset, lam);
                Expr dv = Algebra.Diff(v, xj);
                Expr drive = new Sym(SymKind.Local, "_gs");
                if (!m.DetachReset)
                {
                    // d(state after)/d(spike) = reset value - pre-reset value; the spike's gradient is the surrogate's.
                    drive = drive + Sum(states.Select(si => new Sym(SymKind.Local, "_lam_" + si) * (Algebra.Substitute(reset[si], toPre) - Pre(si))));
                }
                // The membrane-loss gradient (dL/d pre-reset first state) enters directly, not through the surrogate.
                Expr direct = j == 0 ? new Sym(SymKind.Local, "_gv") : Expr.Zero;
                Add("_dpre_" + states[j], adj + drive * new Sym(SymKind.Local, "_sg") * Algebra.Substitute(dv, toPre) + direct,
                    $"dL/d{states[j]} before the reset at step t");
            }

            // 4. Recompute the step from the state before it (the forward statements, unchanged).
            foreach (var s in body) stmts.Add(s);

            // 5. Reverse sweep over the step's straight-line code.
            var terms = new Dictionary<Sym, List<Expr>>();
            void Accumulate(Expr value, Expr adjoint)
            {
                foreach (var y in Algebra.Symbols(value))
                {
                    bool leaf = (y.Kind == SymKind.Hoisted && variable.Contains(y.Name)) || (y.Kind == SymKind.Param && learnables.Any(l => l.Name == y.Name));
                    if (y.Kind is not (SymKind.State or SymKind.Input or SymKind.Local) && !leaf) continue;
                    Expr d = Algebra.Diff(value, y);
                    if (d is Num { Value: 0 }) continue;
                    if (!terms.TryGetValue(y, out var list)) terms[y] = list = new List<Expr>();
                    list.Add(Algebra.Simplify(adjoint * d));
                }
            }
            for (int i = 0; i < states.Count; i++) Accumulate(commit[i].Value, new Sym(SymKind.Local, "_dpre_" + states[i]));
            var reverse = new List<Stmt>();
            for (int k = body.Count - 1; k >= 0; k--)
            {
                var local = new Sym(SymKind.Local, body[k].Name);
                if (!terms.TryGetValue(local, out var list)) continue;
                string adjName = "_adj" + body[k].Name;
                reverse.Add(new Stmt(adjName, Hoist(Sum(list)), $"dL/d{body[k].Name}"));
                Accumulate(body[k].Value, new Sym(SymKind.Local, adjName));
            }
            stmts.AddRange(reverse);
            foreach (var s in states)
            {
                var x = new Sym(SymKind.State, s);
                Add("_nlam_" + s, terms.TryGetValue(x, out var list) ? Sum(list) : Expr.Zero, $"dL/d{s} after step t-1");
            }
            Add("_gin", terms.TryGetValue(input, out var gin) ? Sum(gin) : Expr.Zero, $"dL/d{input.Name} at step t");

            // Learnable parameters read by the spike condition (a learnable threshold) or by the reset
            // (V -= Threshold) contribute through the surrogate and, where the neuron fired, the reset map.
            var vStatement = stmts.First(st => st.Name == "_v").Value;
            Expr spikeGrad = new Sym(SymKind.Local, "_gs");
            if (!m.DetachReset)
                spikeGrad = spikeGrad + Sum(states.Select(si => new Sym(SymKind.Local, "_lam_" + si) * (Algebra.Substitute(reset[si], toPre) - Pre(si))));
            var leafSyms = Algebra.Symbols(vStatement)
                .Concat(states.SelectMany(si => Algebra.Symbols(reset[si])))
                .Where(y => (y.Kind == SymKind.Hoisted && variable.Contains(y.Name)) || (y.Kind == SymKind.Param && learnables.Any(l => l.Name == y.Name)))
                .Distinct().ToList();
            foreach (var y in leafSyms)
            {
                if (!terms.TryGetValue(y, out var list)) terms[y] = list = new List<Expr>();
                Expr dv = Algebra.Diff(vStatement, y);
                if (!(dv is Num { Value: 0 })) list.Add(Algebra.Simplify(spikeGrad * new Sym(SymKind.Local, "_sg") * dv));
                Expr dr = Sum(states.Select(si => new Sym(SymKind.Local, "_lam_" + si) * Algebra.Substitute(Algebra.Diff(reset[si], y), toPre)));
                if (!(dr is Num { Value: 0 })) list.Add(new Cond(fired, dr, Expr.Zero));
            }

            // The adjoint of every per-element constant and learnable parameter the step reads.
            var leaves = new List<string>();
            foreach (var kv in terms.Where(kv => kv.Key.Kind is SymKind.Hoisted or SymKind.Param).OrderBy(kv => kv.Key.Name, StringComparer.Ordinal))
            {
                leaves.Add(kv.Key.Name);
                Add("_dleaf_" + kv.Key.Name, Sum(kv.Value), $"dL/d{kv.Key.Name} at step t");
            }

            var cse = EliminateCommonSubexpressions(stmts, "_b");
            return new BackwardPlan(cse.ToEquatableArray(), $"{spike.Surrogate} (slope {Infix.Number(spike.Slope)})", leaves.ToEquatableArray());
        }
    }
}
