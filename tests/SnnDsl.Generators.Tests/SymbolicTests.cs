using System;
using System.Collections.Generic;
using System.Linq;
using SnnDsl.Model;
using SnnDsl.Model.Ir;
using SnnDsl.Model.Symbolic;

namespace SnnDsl.Generators.Tests;

/// <summary>The symbolic core: simplification keeps values, derivatives match finite differences, linearity and integrator choice.</summary>
public class SymbolicTests
{
    private static readonly Sym V = new(SymKind.State, "V");
    private static readonly Sym W = new(SymKind.State, "W");
    private static readonly Sym Input = new(SymKind.Input, "input");
    private static readonly Sym Tau = new(SymKind.Param, "Tau");

    private static Expr N(double v) => new Num(v);

    /// <summary>Evaluates an expression in double precision with the given symbol values.</summary>
    private static double Eval(Expr e, IReadOnlyDictionary<string, double> env) => e switch
    {
        Num n => n.Value,
        Sym s => env[s.Name],
        Unary { Op: UnOp.Neg } u => -Eval(u.Operand, env),
        Unary u => Eval(u.Operand, env) != 0 ? 0 : 1,
        Binary b => b.Op switch
        {
            BinOp.Add => Eval(b.Left, env) + Eval(b.Right, env),
            BinOp.Sub => Eval(b.Left, env) - Eval(b.Right, env),
            BinOp.Mul => Eval(b.Left, env) * Eval(b.Right, env),
            BinOp.Div => Eval(b.Left, env) / Eval(b.Right, env),
            BinOp.Lt => Eval(b.Left, env) < Eval(b.Right, env) ? 1 : 0,
            BinOp.Le => Eval(b.Left, env) <= Eval(b.Right, env) ? 1 : 0,
            BinOp.Gt => Eval(b.Left, env) > Eval(b.Right, env) ? 1 : 0,
            BinOp.Ge => Eval(b.Left, env) >= Eval(b.Right, env) ? 1 : 0,
            BinOp.Eq => Eval(b.Left, env) == Eval(b.Right, env) ? 1 : 0,
            BinOp.Ne => Eval(b.Left, env) != Eval(b.Right, env) ? 1 : 0,
            BinOp.And => Eval(b.Left, env) != 0 && Eval(b.Right, env) != 0 ? 1 : 0,
            _ => Eval(b.Left, env) != 0 || Eval(b.Right, env) != 0 ? 1 : 0,
        },
        Call c => c.Fn switch
        {
            Fn.Exp => Math.Exp(Eval(c.Args[0], env)),
            Fn.Expm1 => Math.Exp(Eval(c.Args[0], env)) - 1,
            Fn.Log => Math.Log(Eval(c.Args[0], env)),
            Fn.Sqrt => Math.Sqrt(Eval(c.Args[0], env)),
            Fn.Abs => Math.Abs(Eval(c.Args[0], env)),
            Fn.Tanh => Math.Tanh(Eval(c.Args[0], env)),
            Fn.Min => Math.Min(Eval(c.Args[0], env), Eval(c.Args[1], env)),
            Fn.Max => Math.Max(Eval(c.Args[0], env), Eval(c.Args[1], env)),
            Fn.Pow => Math.Pow(Eval(c.Args[0], env), Eval(c.Args[1], env)),
            _ => Math.Min(Math.Max(Eval(c.Args[0], env), Eval(c.Args[1], env)), Eval(c.Args[2], env)),
        },
        Cond c => Eval(c.Test, env) != 0 ? Eval(c.IfTrue, env) : Eval(c.IfFalse, env),
        _ => throw new InvalidOperationException(),
    };

    public static IEnumerable<object[]> Expressions() => Cases().Select(c => new object[] { c[0] });

    private static Expr Case(string name) => (Expr)Cases().Single(c => (string)c[0] == name)[1];

    private static IEnumerable<object[]> Cases()
    {
        // (name, expression): smooth at the sample points used below.
        yield return new object[] { "lif", (-V + Input) / Tau };
        yield return new object[] { "izhikevich", N(0.04) * V * V + N(5) * V + N(140) - W + Input };
        yield return new object[] { "adex", (N(-30) * (V - N(-70)) + N(60) * new Call(Fn.Exp, (V - N(1)) / N(2)) - W) / N(281) };
        yield return new object[] { "hh-gate", N(0.1) * (V + N(40)) / (N(1) - new Call(Fn.Exp, -(V + N(40)) / N(10))) * (N(1) - W) };
        yield return new object[] { "log-sqrt-tanh", new Call(Fn.Log, V * V + N(1)) + new Call(Fn.Sqrt, W * W + N(2)) * new Call(Fn.Tanh, V / Tau) };
        yield return new object[] { "pow", new Call(Fn.Pow, V * V + N(1), N(1.5)) + new Call(Fn.Pow, W, N(3)) + new Call(Fn.Pow, N(2), V) };
        yield return new object[] { "quotient", (V * W - N(3)) / (V * V + W * W + N(1)) };
        yield return new object[] { "min-max-clamp", new Call(Fn.Min, V, N(30)) * new Call(Fn.Max, W, N(-1)) + new Call(Fn.Clamp, V * W, N(-5), N(5)) };
        yield return new object[] { "conditional", new Cond(new Binary(BinOp.Ge, V, N(0)), V * V, -V * W) + new Call(Fn.Abs, W - V) };
    }

    private static readonly (double V, double W)[] Points = { (0.7, 1.3), (-0.4, 2.1), (1.9, -0.6), (-1.3, 0.35) };

    [Theory]
    [MemberData(nameof(Expressions))]
    public void Derivative_matches_central_finite_difference(string name)
    {
        Expr e = Case(name);
        foreach (var (v, w) in Points)
        {
            var env = new Dictionary<string, double> { ["V"] = v, ["W"] = w, ["input"] = 0.8, ["Tau"] = 7.0 };
            foreach (var sym in new[] { V, W })
            {
                Expr d = Algebra.Diff(e, sym);
                double h = 1e-6;
                var plus = new Dictionary<string, double>(env) { [sym.Name] = env[sym.Name] + h };
                var minus = new Dictionary<string, double>(env) { [sym.Name] = env[sym.Name] - h };
                double fd = (Eval(e, plus) - Eval(e, minus)) / (2 * h);
                double exact = Eval(d, env);
                Assert.True(Math.Abs(fd - exact) <= 1e-6 * Math.Max(1, Math.Abs(exact)),
                    $"{name}: d/d{sym.Name} at V={v}, W={w}: symbolic {exact} ({d}) vs finite difference {fd}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Expressions))]
    public void Simplify_preserves_values(string name)
    {
        Expr e = Case(name);
        Expr s = Algebra.Simplify(e);
        foreach (var (v, w) in Points)
        {
            var env = new Dictionary<string, double> { ["V"] = v, ["W"] = w, ["input"] = 0.8, ["Tau"] = 7.0 };
            double a = Eval(e, env), b = Eval(s, env);
            Assert.True(Math.Abs(a - b) <= 1e-12 * Math.Max(1, Math.Abs(a)), $"{name}: {e} = {a} but simplified {s} = {b}");
        }
    }

    [Fact]
    public void Simplify_folds_neutral_elements_and_integer_powers()
    {
        Assert.Equal("V", Algebra.Simplify(V * N(1) + N(0)).ToString());
        Assert.Equal("0", Algebra.Simplify(N(0) * (V + W)).ToString());
        Assert.Equal("V * V * V", Algebra.Simplify(new Call(Fn.Pow, V, N(3))).ToString());
        Assert.Equal("1 / (V * V)", Algebra.Simplify(new Call(Fn.Pow, V, N(-2))).ToString());
        Assert.Equal("V", Algebra.Simplify(-(-V)).ToString());
        Assert.Equal("V - W", Algebra.Simplify(V + (-W)).ToString());
        Assert.Equal("1", Algebra.Simplify(new Call(Fn.Exp, N(0) * Tau)).ToString());
        Assert.Equal("Tau", Algebra.Simplify(new Cond(new Binary(BinOp.Eq, N(0), N(0)), Tau, V)).ToString());
    }

    [Fact]
    public void Derivative_of_lif_is_minus_one_over_tau()
    {
        Expr d = Algebra.Diff((-V + Input) / Tau, V);
        Assert.Equal("-1 / Tau", d.ToString());
        Assert.Equal("1 / Tau", Algebra.Diff((-V + Input) / Tau, Input).ToString());
    }

    private static ModelSpec Model(IntegratorKind integrator, params (string Name, DynamicsKind Kind, Expr Eq)[] states) => new(
        "", EquatableArray<ContainingType>.Empty, "M", "public", integrator, true, 1,
        new[] { new ParamSpec("Tau", 10, false, false) }.ToEquatableArray(),
        states.Select(s => new StateSpec(s.Name, Expr.Zero, s.Kind, s.Eq, "D" + s.Name)).ToEquatableArray(),
        new[] { "input" }.ToEquatableArray(),
        new SpikeSpec(V, N(1), false, null, SurrogateKind.FastSigmoid, 25, null),
        EquatableArray<ResetSpec>.Empty);

    [Fact]
    public void Linear_chain_is_exact_with_its_coefficient_matrix()
    {
        // dW/dt = -W/Tau + input (a current synapse), dV/dt = (-V + W)/Tau.
        var m = Model(IntegratorKind.Auto, ("W", DynamicsKind.Derivative, -W / Tau + Input), ("V", DynamicsKind.Derivative, (-V + W) / Tau));
        var sys = Linearity.TryLinear(m, out _);
        Assert.NotNull(sys);
        Assert.False(sys!.IsDiagonal);
        Assert.Equal("-1 / Tau", sys[0, 0].ToString());
        Assert.Equal("0", sys[0, 1].ToString());
        Assert.Equal("1 / Tau", sys[1, 0].ToString());
        Assert.Equal("-1 / Tau", sys[1, 1].ToString());
        Assert.Equal("input", sys.B[0].ToString());
        Assert.Equal("0", sys.B[1].ToString());
        Assert.Equal(IntegratorKind.Exact, Linearity.Choose(m).Integrator);
    }

    [Fact]
    public void Input_dependent_coefficient_is_not_exact_but_conditionally_linear()
    {
        // Conductance-like: dV/dt = input * (E - V) — linear in V, coefficient varies with the input.
        var m = Model(IntegratorKind.Auto, ("V", DynamicsKind.Derivative, Input * (N(2) - V)));
        Assert.Null(Linearity.TryLinear(m, out string why));
        Assert.Contains("varies with the input", why);
        var choice = Linearity.Choose(m);
        Assert.Equal(IntegratorKind.ExponentialEuler, choice.Integrator);
        Assert.Null(choice.Error);
    }

    [Fact]
    public void Quadratic_model_falls_back_to_rk4_and_rejects_exact()
    {
        var izh = Model(IntegratorKind.Auto, ("V", DynamicsKind.Derivative, N(0.04) * V * V + N(5) * V + Input));
        var auto = Linearity.Choose(izh);
        Assert.Equal(IntegratorKind.Rk4, auto.Integrator);
        Assert.Contains("not linear in V", auto.Reason);

        var exact = Linearity.Choose(izh with { Integrator = IntegratorKind.Exact });
        Assert.NotNull(exact.Error);
        var expEuler = Linearity.Choose(izh with { Integrator = IntegratorKind.ExponentialEuler });
        Assert.NotNull(expEuler.Error);
        Assert.Null(Linearity.Choose(izh with { Integrator = IntegratorKind.Euler }).Error);
    }

    [Fact]
    public void Discrete_only_model_needs_no_integrator()
    {
        var leaky = Model(IntegratorKind.Auto, ("V", DynamicsKind.Next, N(0.9) * V + Input));
        var choice = Linearity.Choose(leaky);
        Assert.Null(choice.Error);
        Assert.Contains("discrete", choice.Reason);
    }
}
