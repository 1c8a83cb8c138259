using System;
using System.Collections.Generic;
using System.Linq;
using SnnDsl.Model;
using SnnDsl.Model.Ir;
using SnnDsl.Model.Symbolic;

namespace SnnDsl.Generators;

/// <summary>
/// A per-element statement of an encoder kernel, with where it may be computed: once per element
/// before the time loop when the input is held (<see cref="StaticInvariant"/>) or also when the
/// input is a time series (<see cref="SeriesInvariant"/>); otherwise every step.
/// </summary>
internal sealed record EncoderStmt(string Name, Expr Value, string Comment, bool StaticInvariant, bool SeriesInvariant);

/// <summary>A precondition after lowering: the condition over the input, parameters, constants, literals and Steps.</summary>
internal sealed record RequirePlan(Expr Condition, string Message);

/// <summary>The target-independent kernel of one encoder; the emitter prints it for held input (Encode) and for time series (Run).</summary>
internal sealed record EncoderPlan(
    EncoderSpec Model,
    EquatableArray<ConstantStep> Constants,
    EquatableArray<ConstantDef> Initials,
    EquatableArray<string> KernelParameters,
    EquatableArray<string> KernelConstants,
    EquatableArray<LiteralDef> Literals,
    bool UsesDt,
    bool UsesTime,
    bool UsesSteps,
    bool UsesIndex,
    EquatableArray<EncoderStmt> Body,
    EquatableArray<Stmt> Commit,
    Expr Emit,
    EquatableArray<RequirePlan> Requires);

internal static partial class Lower
{
    public static EncoderPlan RunEncoder(EncoderSpec e) => new Builder(null).BuildEncoder(e);

    private sealed partial class Builder
    {
        public EncoderPlan BuildEncoder(EncoderSpec e)
        {
            // The spike is computed from the state at the start of the step; then the state advances.
            Let("_emit", e.Emit, $"{e.EmitMember}: {e.Emit}");
            foreach (var s in e.States)
                Let("_next_" + s.Name, s.Equation, $"{s.Name}[t + 1] = {s.Equation}");

            var body = HoistStatements(_body);
            var commit = e.States.Select(s => new Stmt(s.Name, Substitute(Local("_next_" + s.Name)), "")).ToList();
            Expr emit = Substitute(Local("_emit"));
            var requires = e.Requires.Select(r => new RequirePlan(Hoist(Algebra.Simplify(r.Condition)), r.Message)).ToList();

            body = EliminateCommonSubexpressions(body);

            var literals = new SortedDictionary<string, double>(StringComparer.Ordinal);
            Expr Lit(Expr x) => Algebra.Rewrite(x, n =>
            {
                if (n is not Num num) return null;
                string name = LiteralName(num.Value);
                literals[name] = num.Value;
                return new Sym(SymKind.Literal, name);
            });
            body = body.Select(s => s with { Value = Lit(s.Value) }).ToList();
            commit = commit.Select(s => s with { Value = Lit(s.Value) }).ToList();
            emit = Lit(emit);
            requires = requires.Select(r => r with { Condition = Lit(r.Condition) }).ToList();

            // Where each statement may run: a statement is per step when it reads a state, a draw,
            // the time, or a per-step local; with a time-series input, reading the input is per step too.
            var stepLocals = new HashSet<string>(StringComparer.Ordinal);
            var inputLocals = new HashSet<string>(StringComparer.Ordinal);
            var placed = new List<EncoderStmt>();
            foreach (var s in body)
            {
                bool step = Algebra.DependsOn(s.Value, y => y.Kind is SymKind.State or SymKind.Uniform or SymKind.Time
                    || (y.Kind == SymKind.Local && stepLocals.Contains(y.Name)));
                bool input = Algebra.DependsOn(s.Value, y => y.Kind == SymKind.Input || (y.Kind == SymKind.Local && inputLocals.Contains(y.Name)));
                if (step) stepLocals.Add(s.Name);
                if (input) inputLocals.Add(s.Name);
                placed.Add(new EncoderStmt(s.Name, s.Value, s.Comment, StaticInvariant: !step, SeriesInvariant: !step && !input));
            }

            var used = new List<Sym>();
            void Collect(Expr x) { foreach (var y in Algebra.Symbols(x)) if (!used.Contains(y)) used.Add(y); }
            foreach (var s in placed) Collect(s.Value);
            foreach (var s in commit) Collect(s.Value);
            Collect(emit);
            foreach (var r in requires) Collect(r.Condition);

            var kernelParams = e.Parameters.Select(p => p.Name).Where(n => used.Contains(new Sym(SymKind.Param, n))).ToList();
            var kernelConstants = _constants.Where(c => c.Constant is not null).Select(c => c.Constant!.Name)
                .Where(n => used.Contains(Hoisted(n))).ToList();
            var initials = e.States.Select(s => new ConstantDef("_init_" + s.Name, s.Initial, $"initial {s.Name} = {s.Initial}")).ToList();

            return new EncoderPlan(
                e,
                _constants.ToEquatableArray(),
                initials.ToEquatableArray(),
                kernelParams.ToEquatableArray(),
                kernelConstants.ToEquatableArray(),
                literals.Select(kv => new LiteralDef(kv.Key, kv.Value)).ToEquatableArray(),
                used.Contains(DtSym),
                used.Any(y => y.Kind == SymKind.Time),
                used.Any(y => y.Kind == SymKind.Steps),
                used.Any(y => y.Kind == SymKind.Index),
                placed.ToEquatableArray(),
                commit.ToEquatableArray(),
                emit,
                requires.ToEquatableArray());
        }
    }
}
