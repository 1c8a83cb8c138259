using System;
using System.Collections.Generic;
using System.Linq;
using SnnDsl.Model.Ir;

namespace SnnDsl.Model.Symbolic;

/// <summary>Simplification, substitution, dependency queries and differentiation of <see cref="Expr"/> trees.</summary>
internal static class Algebra
{
    // ------------------------------------------------------------------ queries

    /// <summary>True when any symbol in <paramref name="e"/> satisfies <paramref name="predicate"/>.</summary>
    public static bool DependsOn(Expr e, Func<Sym, bool> predicate) => e switch
    {
        Sym s => predicate(s),
        Num => false,
        Unary u => DependsOn(u.Operand, predicate),
        Binary b => DependsOn(b.Left, predicate) || DependsOn(b.Right, predicate),
        Call c => c.Args.Any(a => DependsOn(a, predicate)),
        Cond c => DependsOn(c.Test, predicate) || DependsOn(c.IfTrue, predicate) || DependsOn(c.IfFalse, predicate),
        _ => throw new InvalidOperationException(e.GetType().Name),
    };

    public static bool DependsOnKind(Expr e, params SymKind[] kinds) => DependsOn(e, s => Array.IndexOf(kinds, s.Kind) >= 0);

    /// <summary>Symbols of <paramref name="e"/> in first-appearance order.</summary>
    public static List<Sym> Symbols(Expr e)
    {
        var list = new List<Sym>();
        Visit(e, n => { if (n is Sym s && !list.Contains(s)) list.Add(s); });
        return list;
    }

    public static void Visit(Expr e, Action<Expr> action)
    {
        ExprLimits.EnsureStack();
        action(e);
        switch (e)
        {
            case Unary u: Visit(u.Operand, action); break;
            case Binary b: Visit(b.Left, action); Visit(b.Right, action); break;
            case Call c: foreach (var a in c.Args) Visit(a, action); break;
            case Cond c: Visit(c.Test, action); Visit(c.IfTrue, action); Visit(c.IfFalse, action); break;
        }
    }

    // ------------------------------------------------------------------ rewriting

    /// <summary>Rebuilds <paramref name="e"/> bottom-up, letting <paramref name="rewrite"/> replace any node (return null to keep it).</summary>
    public static Expr Rewrite(Expr e, Func<Expr, Expr?> rewrite)
    {
        ExprLimits.EnsureStack();
        Expr rebuilt = e switch
        {
            Unary u => u with { Operand = Rewrite(u.Operand, rewrite) },
            Binary b => b with { Left = Rewrite(b.Left, rewrite), Right = Rewrite(b.Right, rewrite) },
            Call c => c with { Args = c.Args.Select(a => Rewrite(a, rewrite)).ToEquatableArray() },
            Cond c => new Cond(Rewrite(c.Test, rewrite), Rewrite(c.IfTrue, rewrite), Rewrite(c.IfFalse, rewrite)),
            _ => e,
        };
        return rewrite(rebuilt) ?? rebuilt;
    }

    /// <summary>Replaces symbols found in <paramref name="map"/>.</summary>
    public static Expr Substitute(Expr e, IReadOnlyDictionary<Sym, Expr> map) =>
        Rewrite(e, n => n is Sym s && map.TryGetValue(s, out var r) ? r : null);

    // ------------------------------------------------------------------ simplification

    /// <summary>
    /// Folds constants and removes neutral elements (x+0, x*1, x*0, --x), expands integer powers
    /// into products, and sorts nothing else: the result keeps the user's order of operations.
    /// </summary>
    public static Expr Simplify(Expr e) => Rewrite(e, SimplifyNode);

    private static bool IsNum(Expr e, double v) => e is Num n && n.Value == v;

    private static Expr? Fold(double v) => double.IsNaN(v) || double.IsInfinity(v) ? null : new Num(v);

    private static Expr? SimplifyNode(Expr e)
    {
        switch (e)
        {
            case Unary { Op: UnOp.Neg, Operand: Num n }:
                return new Num(-n.Value);
            case Unary { Op: UnOp.Neg, Operand: Unary { Op: UnOp.Neg } inner }:
                return inner.Operand;
            case Binary b:
                return SimplifyBinary(b);
            case Call c:
                return SimplifyCall(c);
            case Cond { Test: Num t } c:
                return t.Value != 0 ? c.IfTrue : c.IfFalse;
            case Cond c when c.IfTrue.Equals(c.IfFalse):
                return c.IfTrue;
            default:
                return null;
        }
    }

    private static Expr? SimplifyBinary(Binary b)
    {
        Expr l = b.Left, r = b.Right;
        if (l is Num a && r is Num c)
        {
            switch (b.Op)
            {
                case BinOp.Add: return Fold(a.Value + c.Value);
                case BinOp.Sub: return Fold(a.Value - c.Value);
                case BinOp.Mul: return Fold(a.Value * c.Value);
                case BinOp.Div: return c.Value == 0 ? null : Fold(a.Value / c.Value);
                case BinOp.Lt: return Bool(a.Value < c.Value);
                case BinOp.Le: return Bool(a.Value <= c.Value);
                case BinOp.Gt: return Bool(a.Value > c.Value);
                case BinOp.Ge: return Bool(a.Value >= c.Value);
                case BinOp.Eq: return Bool(a.Value == c.Value);
                case BinOp.Ne: return Bool(a.Value != c.Value);
                case BinOp.And: return Bool(a.Value != 0 && c.Value != 0);
                case BinOp.Or: return Bool(a.Value != 0 || c.Value != 0);
            }
        }
        switch (b.Op)
        {
            case BinOp.Add:
                if (IsNum(l, 0)) return r;
                if (IsNum(r, 0)) return l;
                if (r is Unary { Op: UnOp.Neg } nr) return Simplify(new Binary(BinOp.Sub, l, nr.Operand));
                if (r is Num { Value: < 0 } rn) return new Binary(BinOp.Sub, l, new Num(-rn.Value));
                break;
            case BinOp.Sub:
                if (IsNum(r, 0)) return l;
                if (IsNum(l, 0)) return Simplify(new Unary(UnOp.Neg, r));
                if (l.Equals(r)) return Expr.Zero;
                if (r is Unary { Op: UnOp.Neg } ns) return new Binary(BinOp.Add, l, ns.Operand);
                break;
            case BinOp.Mul:
                if (IsNum(l, 0) || IsNum(r, 0)) return Expr.Zero;
                if (IsNum(l, 1)) return r;
                if (IsNum(r, 1)) return l;
                if (IsNum(l, -1)) return Simplify(new Unary(UnOp.Neg, r));
                if (IsNum(r, -1)) return Simplify(new Unary(UnOp.Neg, l));
                if (l is Unary { Op: UnOp.Neg } ml && r is Unary { Op: UnOp.Neg } mr) return Simplify(new Binary(BinOp.Mul, ml.Operand, mr.Operand));
                if (l is Unary { Op: UnOp.Neg } ml2) return Simplify(new Unary(UnOp.Neg, Simplify(new Binary(BinOp.Mul, ml2.Operand, r))));
                if (r is Unary { Op: UnOp.Neg } mr2) return Simplify(new Unary(UnOp.Neg, Simplify(new Binary(BinOp.Mul, l, mr2.Operand))));
                // Gather numeric factors: a * (b * x) -> (a*b) * x.
                if (l is Num n1 && r is Binary { Op: BinOp.Mul, Left: Num n2 } rm) return Simplify(new Binary(BinOp.Mul, new Num(n1.Value * n2.Value), rm.Right));
                break;
            case BinOp.Div:
                if (IsNum(r, 1)) return l;
                if (IsNum(l, 0) && !IsNum(r, 0)) return Expr.Zero;
                if (l is Unary { Op: UnOp.Neg } dl && r is Unary { Op: UnOp.Neg } dr) return Simplify(new Binary(BinOp.Div, dl.Operand, dr.Operand));
                if (l is Unary { Op: UnOp.Neg } dl2) return Simplify(new Unary(UnOp.Neg, Simplify(new Binary(BinOp.Div, dl2.Operand, r))));
                if (r is Num { Value: var d } && d != 0 && l is Binary { Op: BinOp.Mul, Left: Num k } lm) return Simplify(new Binary(BinOp.Mul, new Num(k.Value / d), lm.Right));
                break;
            case BinOp.And:
                if (l is Num la) return la.Value != 0 ? r : Bool(false);
                if (r is Num ra) return ra.Value != 0 ? l : Bool(false);
                break;
            case BinOp.Or:
                if (l is Num oa) return oa.Value != 0 ? Bool(true) : r;
                if (r is Num ob) return ob.Value != 0 ? Bool(true) : l;
                break;
        }
        return null;
    }

    private static Expr Bool(bool v) => v ? Expr.One : Expr.Zero;

    private static Expr? SimplifyCall(Call c)
    {
        if (c.Args.All(a => a is Num))
        {
            double[] v = c.Args.Select(a => ((Num)a).Value).ToArray();
            double? r = c.Fn switch
            {
                Fn.Exp => Math.Exp(v[0]),
                Fn.Expm1 => Math.Exp(v[0]) - 1,
                Fn.Log => v[0] > 0 ? Math.Log(v[0]) : null,
                Fn.Sqrt => v[0] >= 0 ? Math.Sqrt(v[0]) : null,
                Fn.Abs => Math.Abs(v[0]),
                Fn.Min => Math.Min(v[0], v[1]),
                Fn.Max => Math.Max(v[0], v[1]),
                Fn.Pow => Math.Pow(v[0], v[1]),
                Fn.Tanh => Math.Tanh(v[0]),
                Fn.Clamp => Math.Min(Math.Max(v[0], v[1]), v[2]),
                Fn.Round => Math.Round(v[0], MidpointRounding.ToEven),
                Fn.Floor => Math.Floor(v[0]),
                _ => null,
            };
            return r is double d ? Fold(d) : null;
        }
        if (c.Fn == Fn.Pow && c.Args[1] is Num { Value: var p } && p == Math.Floor(p) && Math.Abs(p) <= 4)
        {
            Expr x = c.Args[0];
            int k = (int)Math.Abs(p);
            if (k == 0) return Expr.One;
            Expr prod = x;
            for (int i = 1; i < k; i++) prod = new Binary(BinOp.Mul, prod, x);
            return p > 0 ? prod : new Binary(BinOp.Div, Expr.One, prod);
        }
        return null;
    }

    // ------------------------------------------------------------------ differentiation

    /// <summary>
    /// d<paramref name="e"/>/d<paramref name="v"/>, simplified. Piecewise functions (Abs, Min,
    /// Max, Clamp, conditionals) differentiate branch by branch; comparisons carry no derivative.
    /// </summary>
    public static Expr Diff(Expr e, Sym v) => Simplify(D(e, v));

    private static Expr D(Expr e, Sym v)
    {
        ExprLimits.EnsureStack();
        switch (e)
        {
            case Num: return Expr.Zero;
            case Sym s: return s.Equals(v) ? Expr.One : Expr.Zero;
            case Unary { Op: UnOp.Neg } u: return new Unary(UnOp.Neg, D(u.Operand, v));
            case Unary: return Expr.Zero;
            case Binary b:
                switch (b.Op)
                {
                    case BinOp.Add: return D(b.Left, v) + D(b.Right, v);
                    case BinOp.Sub: return D(b.Left, v) - D(b.Right, v);
                    case BinOp.Mul: return D(b.Left, v) * b.Right + b.Left * D(b.Right, v);
                    case BinOp.Div:
                        {
                            Expr dl = Simplify(D(b.Left, v)), dr = Simplify(D(b.Right, v));
                            if (IsNum(dr, 0)) return dl / b.Right;
                            return (dl * b.Right - b.Left * dr) / (b.Right * b.Right);
                        }
                    default: return Expr.Zero; // comparisons and logic: piecewise constant
                }
            case Call c:
                {
                    Expr a0 = c.Args[0], d0 = D(a0, v);
                    switch (c.Fn)
                    {
                        case Fn.Exp: return c * d0;
                        case Fn.Expm1: return new Call(Fn.Exp, a0) * d0;
                        case Fn.Log: return d0 / a0;
                        case Fn.Sqrt: return d0 / (new Num(2) * c);
                        case Fn.Abs: return new Cond(new Binary(BinOp.Ge, a0, Expr.Zero), d0, -d0);
                        case Fn.Tanh: return (Expr.One - c * c) * d0;
                        case Fn.Round:
                        case Fn.Floor: return Expr.Zero; // piecewise constant
                        case Fn.Min: return new Cond(new Binary(BinOp.Le, a0, c.Args[1]), d0, D(c.Args[1], v));
                        case Fn.Max: return new Cond(new Binary(BinOp.Ge, a0, c.Args[1]), d0, D(c.Args[1], v));
                        case Fn.Clamp:
                            return new Cond(new Binary(BinOp.Lt, a0, c.Args[1]), D(c.Args[1], v),
                                new Cond(new Binary(BinOp.Gt, a0, c.Args[2]), D(c.Args[2], v), d0));
                        case Fn.Pow:
                            {
                                Expr w = c.Args[1], dw = Simplify(D(w, v));
                                Expr powerRule = w * new Call(Fn.Pow, a0, w - Expr.One) * d0;
                                if (IsNum(dw, 0)) return powerRule;
                                return powerRule + c * new Call(Fn.Log, a0) * dw;
                            }
                        default: throw new InvalidOperationException(c.Fn.ToString());
                    }
                }
            case Cond c: return new Cond(c.Test, D(c.IfTrue, v), D(c.IfFalse, v));
            default: throw new InvalidOperationException(e.GetType().Name);
        }
    }
}
