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
    EquatableArray<RequirePlan> Requires,
    EquatableArray<RequirePlan> LayerRequires);

internal static partial class Lower
{
    public static EncoderPlan RunEncoder(EncoderSpec e) => new Builder(null).BuildEncoder(e);

    private sealed partial class Builder
    {
        private static bool IsStepVariant(Expr e, HashSet<string> stepLocals) =>
            Algebra.DependsOn(e, y => y.Kind is SymKind.State or SymKind.Uniform or SymKind.Time
                || (y.Kind is SymKind.Local or SymKind.LocalMask && stepLocals.Contains(y.Name)));

        /// <summary>
        /// Loop-invariant code motion over time: inside per-step statements, every largest
        /// sub-expression that does not change from step to step (it reads only the input,
        /// parameters and Index) is bound to a per-element local, computed once before the time loop.
        /// </summary>
        private static List<Stmt> HoistPerElement(List<Stmt> body)
        {
            var stepLocals = new HashSet<string>(StringComparer.Ordinal);
            var bound = new Dictionary<Expr, string>();
            var result = new List<Stmt>();
            foreach (var s in body)
            {
                if (!IsStepVariant(s.Value, stepLocals))
                {
                    result.Add(s);
                    continue;
                }
                Expr Lift(Expr e)
                {
                    if (!IsStepVariant(e, stepLocals) && e is not (Num or Sym))
                    {
                        if (!bound.TryGetValue(e, out var name))
                        {
                            name = $"_pe{bound.Count}";
                            bound[e] = name;
                            result.Add(new Stmt(name, e, Brief(e) is { Length: > 0 } text ? "per element: " + text : "per element"));
                        }
                        return KernelPrinter.IsMask(e) ? new Sym(SymKind.LocalMask, name) : Local(name);
                    }
                    return e switch
                    {
                        Unary u => u with { Operand = Lift(u.Operand) },
                        Binary b => b with { Left = Lift(b.Left), Right = Lift(b.Right) },
                        Call c => c with { Args = c.Args.Select(Lift).ToEquatableArray() },
                        Cond c => new Cond(Lift(c.Test), Lift(c.IfTrue), Lift(c.IfFalse)),
                        _ => e,
                    };
                }
                result.Add(s with { Value = Lift(s.Value) });
                stepLocals.Add(s.Name);
            }
            return result;
        }

        public EncoderPlan BuildEncoder(EncoderSpec e)
        {
            // The spike is computed from the state at the start of the step; then the state advances.
            string emitText = Infix.Print(e.Emit);
            Let("_emit", e.Emit, emitText.Length <= 100 ? $"{e.EmitMember}: {emitText}" : $"{e.EmitMember} (see the model)");
            foreach (var s in e.States)
                Let("_next_" + s.Name, s.Equation, $"{s.Name}[t + 1] = {s.Equation}");

            var body = HoistStatements(_body);
            var commit = e.States.Select(s => new Stmt(s.Name, Substitute(Local("_next_" + s.Name)), "")).ToList();
            Expr emit = Substitute(Local("_emit"));
            // Preconditions on parameters alone are checked once, at construction (in double precision);
            // the others per input element, in the kernel's float arithmetic.
            var layerRequires = e.Requires.Where(r => !Algebra.DependsOnKind(r.Condition, SymKind.Input, SymKind.Steps))
                .Select(r => new RequirePlan(Algebra.Simplify(r.Condition), r.Message)).ToList();
            var requires = e.Requires.Where(r => Algebra.DependsOnKind(r.Condition, SymKind.Input, SymKind.Steps))
                .Select(r => new RequirePlan(Hoist(Algebra.Simplify(r.Condition)), r.Message)).ToList();

            body = EliminateCommonSubexpressions(body);
            body = HoistPerElement(body);

            var literals = new SortedDictionary<string, double>(StringComparer.Ordinal);
            Expr Lit(Expr e) => NameLiterals(e, literals);
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
                    || (y.Kind is SymKind.Local or SymKind.LocalMask && stepLocals.Contains(y.Name)));
                bool input = Algebra.DependsOn(s.Value, y => y.Kind == SymKind.Input || (y.Kind is SymKind.Local or SymKind.LocalMask && inputLocals.Contains(y.Name)));
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
                requires.ToEquatableArray(),
                layerRequires.ToEquatableArray());
        }
    }
}
