using System.Collections.Generic;
using System.Linq;
using SnnDsl.Model.Ir;

namespace SnnDsl.Model.Symbolic;

/// <summary>dX/dt = A X + b for the continuous states of a model, with A over parameters and Dt only.</summary>
internal sealed record LinearSystem(EquatableArray<string> States, EquatableArray<Expr> A, EquatableArray<Expr> B)
{
    public int N => States.Count;
    public Expr this[int i, int j] => A[i * N + j];

    /// <summary>True when every off-diagonal coefficient is structurally zero.</summary>
    public bool IsDiagonal
    {
        get
        {
            for (int i = 0; i < N; i++)
                for (int j = 0; j < N; j++)
                    if (i != j && !(this[i, j] is Num { Value: 0 })) return false;
            return true;
        }
    }
}

/// <summary>For one continuous state x: dx/dt = A x + B with A, B free of x (conditional linearity).</summary>
internal sealed record ConditionallyLinear(string State, Expr A, Expr B);

/// <summary>The integrator a model gets and why.</summary>
internal sealed record SchemeChoice(IntegratorKind Integrator, string Reason, string? Error);

/// <summary>Linearity detection and integrator selection, shared by the generator and the analyzers.</summary>
internal static class Linearity
{
    public static IEnumerable<StateSpec> Continuous(ModelSpec m) => m.States.Where(s => s.Dynamics == DynamicsKind.Derivative);

    private static bool IsParamOnly(Expr e) => !Algebra.DependsOn(e, s => s.Kind is not (SymKind.Param or SymKind.Dt));

    /// <summary>Tries to write the continuous states as dX/dt = A X + b with constant A; returns null and a reason otherwise.</summary>
    public static LinearSystem? TryLinear(ModelSpec m, out string reason)
    {
        var states = Continuous(m).ToList();
        var syms = states.Select(s => new Sym(SymKind.State, s.Name)).ToList();
        var a = new List<Expr>();
        var b = new List<Expr>();
        var zero = syms.ToDictionary(s => s, _ => (Expr)Expr.Zero);
        foreach (var s in states)
        {
            foreach (var x in syms)
            {
                Expr coeff = Algebra.Diff(s.Equation, x);
                if (Algebra.DependsOnKind(coeff, SymKind.State))
                {
                    reason = $"d{s.Name}/dt is not linear in {x.Name} (d/d{x.Name} = {coeff})";
                    return null;
                }
                if (!IsParamOnly(coeff))
                {
                    reason = $"the coefficient of {x.Name} in d{s.Name}/dt varies with the input ({coeff})";
                    return null;
                }
                a.Add(coeff);
            }
            b.Add(Algebra.Simplify(Algebra.Substitute(s.Equation, zero)));
        }
        reason = "";
        return new LinearSystem(states.Select(s => s.Name).ToEquatableArray(), a.ToEquatableArray(), b.ToEquatableArray());
    }

    /// <summary>Writes each continuous equation as A x + B with A, B free of its own state x; returns null and a reason otherwise.</summary>
    public static List<ConditionallyLinear>? TryConditionallyLinear(ModelSpec m, out string reason)
    {
        var result = new List<ConditionallyLinear>();
        foreach (var s in Continuous(m))
        {
            var x = new Sym(SymKind.State, s.Name);
            Expr coeff = Algebra.Diff(s.Equation, x);
            if (Algebra.DependsOn(coeff, y => y.Equals(x)))
            {
                reason = $"d{s.Name}/dt is not linear in {s.Name} (d/d{s.Name} = {coeff})";
                return null;
            }
            Expr rest = Algebra.Simplify(Algebra.Substitute(s.Equation, new Dictionary<Sym, Expr> { [x] = Expr.Zero }));
            result.Add(new ConditionallyLinear(s.Name, coeff, rest));
        }
        reason = "";
        return result;
    }

    /// <summary>Chooses the integrator for <paramref name="m"/>; <see cref="SchemeChoice.Error"/> is set when the requested one cannot apply.</summary>
    public static SchemeChoice Choose(ModelSpec m)
    {
        if (!Continuous(m).Any())
            return new SchemeChoice(IntegratorKind.Auto, "no continuous state: every state is a discrete [Next] map", null);

        switch (m.Integrator)
        {
            case IntegratorKind.Exact:
                return TryLinear(m, out var why)
                    is null ? new SchemeChoice(IntegratorKind.Exact, "", why)
                    : new SchemeChoice(IntegratorKind.Exact, "requested; the system is linear with constant coefficients", null);
            case IntegratorKind.ExponentialEuler:
                return TryConditionallyLinear(m, out var why2)
                    is null ? new SchemeChoice(IntegratorKind.ExponentialEuler, "", why2)
                    : new SchemeChoice(IntegratorKind.ExponentialEuler, "requested; each equation is linear in its own state", null);
            case IntegratorKind.Euler:
            case IntegratorKind.Rk2:
            case IntegratorKind.Rk4:
                return new SchemeChoice(m.Integrator, "requested", null);
        }

        if (TryLinear(m, out var notLinear) is not null)
            return new SchemeChoice(IntegratorKind.Exact, "Auto: the system is linear with constant coefficients", null);
        if (TryConditionallyLinear(m, out var notConditional) is not null)
            return new SchemeChoice(IntegratorKind.ExponentialEuler, $"Auto: not exactly solvable ({notLinear}), but each equation is linear in its own state", null);
        return new SchemeChoice(IntegratorKind.Rk4, $"Auto: {notConditional}", null);
    }
}
