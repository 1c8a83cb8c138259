using System;
using System.Globalization;
using System.Text;

namespace SnnDsl.Model.Ir;

/// <summary>What a symbol in an expression refers to.</summary>
internal enum SymKind
{
    /// <summary>A model parameter (primary-constructor parameter).</summary>
    Param,
    /// <summary>A <c>[State]</c> variable: its value at the start of the step (or, after the update, its new value).</summary>
    State,
    /// <summary>An input port (a parameter of an equation method).</summary>
    Input,
    /// <summary>The time step in ms.</summary>
    Dt,
    /// <summary>The previous step's spike (0 or 1).</summary>
    Spiked,
    /// <summary>A per-step temporary introduced by lowering.</summary>
    Local,
    /// <summary>A temporary holding a condition (bool in scalar code, a lane mask in vector code).</summary>
    LocalMask,
    /// <summary>A constant resolved once per layer (depends only on parameters and Dt).</summary>
    Hoisted,
    /// <summary>A numeric literal bound to a named kernel constant by lowering.</summary>
    Literal,
    /// <summary>An encoder's <c>[Uniform]</c> argument: a fresh draw in [0, 1) per element and step.</summary>
    Uniform,
    /// <summary>Encoders: the step index t (0-based) as a float.</summary>
    Time,
    /// <summary>Encoders: the number of steps T of the current call, as a float.</summary>
    Steps,
    /// <summary>Population encoders: the output channel within the input's population (0-based).</summary>
    Index,
}

internal enum UnOp { Neg, Not }

internal enum BinOp { Add, Sub, Mul, Div, Lt, Le, Gt, Ge, Eq, Ne, And, Or }

/// <summary>Functions an equation may call (from <c>Math</c>/<c>MathF</c>; Round rounds half to even, as torch.round), plus <see cref="Expm1"/> introduced by lowering.</summary>
internal enum Fn { Exp, Log, Sqrt, Abs, Min, Max, Pow, Tanh, Clamp, Expm1, Round, Floor }

/// <summary>
/// An immutable expression tree with structural equality. It holds only strings, numbers and
/// <see cref="EquatableArray{T}"/>, so it can cross incremental-generator stages.
/// </summary>
internal abstract record Expr
{
    public static readonly Num Zero = new(0);
    public static readonly Num One = new(1);

    public sealed override string ToString() => Infix.Print(this);

    public static Expr operator +(Expr a, Expr b) => new Binary(BinOp.Add, a, b);
    public static Expr operator -(Expr a, Expr b) => new Binary(BinOp.Sub, a, b);
    public static Expr operator *(Expr a, Expr b) => new Binary(BinOp.Mul, a, b);
    public static Expr operator /(Expr a, Expr b) => new Binary(BinOp.Div, a, b);
    public static Expr operator -(Expr a) => new Unary(UnOp.Neg, a);
}

internal sealed record Num(double Value) : Expr;

internal sealed record Sym(SymKind Kind, string Name) : Expr;

internal sealed record Unary(UnOp Op, Expr Operand) : Expr;

internal sealed record Binary(BinOp Op, Expr Left, Expr Right) : Expr
{
    public bool IsComparison => Op is BinOp.Lt or BinOp.Le or BinOp.Gt or BinOp.Ge or BinOp.Eq or BinOp.Ne;
    public bool IsLogical => Op is BinOp.And or BinOp.Or;
}

internal sealed record Call(Fn Fn, EquatableArray<Expr> Args) : Expr
{
    public Call(Fn fn, params Expr[] args) : this(fn, args.ToEquatableArray()) { }
}

internal sealed record Cond(Expr Test, Expr IfTrue, Expr IfFalse) : Expr;

/// <summary>Mathematical infix notation, for documentation comments, messages and tests.</summary>
internal static class Infix
{
    public static string Print(Expr e)
    {
        var sb = new StringBuilder();
        Write(sb, e, 0);
        return sb.ToString();
    }

    public static string Number(double v)
    {
        if (double.IsPositiveInfinity(v)) return "inf";
        if (double.IsNegativeInfinity(v)) return "-inf";
        // Literals come from float source code: print the shortest text that round-trips the float.
        float f = (float)v;
        if ((double)f == v) return f.ToString("R", CultureInfo.InvariantCulture);
        return v.ToString("R", CultureInfo.InvariantCulture);
    }

    // Precedence: 1 ?:, 2 ||, 3 &&, 4 == !=, 5 < <= > >=, 6 + -, 7 * /, 8 unary, 9 atoms.
    internal static int Precedence(Expr e) => e switch
    {
        Cond => 1,
        Binary b => b.Op switch
        {
            BinOp.Or => 2,
            BinOp.And => 3,
            BinOp.Eq or BinOp.Ne => 4,
            BinOp.Lt or BinOp.Le or BinOp.Gt or BinOp.Ge => 5,
            BinOp.Add or BinOp.Sub => 6,
            _ => 7,
        },
        Unary => 8,
        Num n when n.Value < 0 => 8,
        _ => 9,
    };

    internal static string OpText(BinOp op) => op switch
    {
        BinOp.Add => "+", BinOp.Sub => "-", BinOp.Mul => "*", BinOp.Div => "/",
        BinOp.Lt => "<", BinOp.Le => "<=", BinOp.Gt => ">", BinOp.Ge => ">=",
        BinOp.Eq => "==", BinOp.Ne => "!=", BinOp.And => "&&", _ => "||",
    };

    private static void Write(StringBuilder sb, Expr e, int minPrec)
    {
        ExprLimits.EnsureStack();
        int p = Precedence(e);
        bool paren = p < minPrec;
        if (paren) sb.Append('(');
        switch (e)
        {
            case Num n: sb.Append(Number(n.Value)); break;
            case Sym s: sb.Append(s.Name); break;
            case Unary u:
                sb.Append(u.Op == UnOp.Neg ? "-" : "!");
                Write(sb, u.Operand, 9);
                break;
            case Binary b:
                Write(sb, b.Left, p);
                sb.Append(' ').Append(OpText(b.Op)).Append(' ');
                // Left-associative: the right operand of - and / needs parentheses at equal precedence.
                Write(sb, b.Right, p + 1);
                break;
            case Call c:
                sb.Append(c.Fn.ToString().ToLowerInvariant()).Append('(');
                for (int i = 0; i < c.Args.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    Write(sb, c.Args[i], 0);
                }
                sb.Append(')');
                break;
            case Cond c:
                Write(sb, c.Test, 2);
                sb.Append(" ? ");
                Write(sb, c.IfTrue, 2);
                sb.Append(" : ");
                Write(sb, c.IfFalse, 1);
                break;
            default: throw new InvalidOperationException("Unknown expression node " + e.GetType().Name);
        }
        if (paren) sb.Append(')');
    }
}
