using System;
using System.Globalization;
using System.Text;
using SnnDsl.Model.Ir;

namespace SnnDsl.Generators;

/// <summary>
/// Prints per-step expressions as C# that compiles unchanged for <c>float</c> and for
/// <c>Vector&lt;float&gt;</c> locals: arithmetic uses operators, everything else calls
/// <c>SnnDsl.Kernels.SnnMath</c>, whose scalar and vector overloads perform the same operations.
/// </summary>
internal static class KernelPrinter
{
    /// <summary>The alias the emitted file declares for <c>global::SnnDsl.Kernels.SnnMath</c>.</summary>
    public const string Math = "SnnMath";

    public static string Print(Expr e)
    {
        var sb = new StringBuilder();
        Write(sb, e, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, Expr e, int minPrec)
    {
        ExprLimits.EnsureStack();
        switch (e)
        {
            case Sym s:
                sb.Append(s.Name);
                return;
            case Num n:
                // Lowering binds literals to named constants; a stray number is still valid scalar code.
                sb.Append(Emitter.FloatLiteral(n.Value));
                return;
            case Unary { Op: UnOp.Neg } u:
                bool p = minPrec > 8;
                if (p) sb.Append('(');
                sb.Append('-');
                Write(sb, u.Operand, 9);
                if (p) sb.Append(')');
                return;
            case Unary { Op: UnOp.Not } not:
                Call(sb, "Not", AsMask(not.Operand));
                return;
            case Binary b when b.Op is BinOp.Add or BinOp.Sub or BinOp.Mul or BinOp.Div:
                {
                    int prec = b.Op is BinOp.Add or BinOp.Sub ? 6 : 7;
                    bool paren = prec < minPrec;
                    if (paren) sb.Append('(');
                    Write(sb, b.Left, prec);
                    sb.Append(' ').Append(Infix.OpText(b.Op)).Append(' ');
                    Write(sb, b.Right, prec + 1);
                    if (paren) sb.Append(')');
                    return;
                }
            case Binary b:
                {
                    string name = b.Op switch
                    {
                        BinOp.Lt => "Lt", BinOp.Le => "Le", BinOp.Gt => "Gt", BinOp.Ge => "Ge",
                        BinOp.Eq => "Eq", BinOp.Ne => "Ne", BinOp.And => "And", _ => "Or",
                    };
                    if (b.IsLogical) Call(sb, name, AsMask(b.Left), AsMask(b.Right));
                    else Call(sb, name, b.Left, b.Right);
                    return;
                }
            case Call c:
                {
                    var args = new Expr[c.Args.Count];
                    for (int i = 0; i < args.Length; i++) args[i] = c.Args[i];
                    Call(sb, c.Fn.ToString(), args);
                    return;
                }
            case Cond c:
                Call(sb, "Select", AsMask(c.Test), c.IfTrue, c.IfFalse);
                return;
            case IsSet s:
                Call(sb, "IsSet", s.Value);
                return;
            default:
                throw new InvalidOperationException(e.GetType().Name);
        }
    }

    /// <summary>A float used as a condition (a bool option, read as 1/0) becomes the mask "non-zero".</summary>
    private static Expr AsMask(Expr e) => IsMask(e) ? e : new IsSet(e);

    internal static bool IsMask(Expr e) => e is Binary { IsComparison: true } or Binary { IsLogical: true } or Unary { Op: UnOp.Not } or Sym { Kind: SymKind.LocalMask };

    /// <summary>Printer-only node: the mask of a float being non-zero.</summary>
    private sealed record IsSet(Expr Value) : Expr;

    private static void Call(StringBuilder sb, string name, params Expr[] args)
    {
        sb.Append(Math).Append('.').Append(name).Append('(');
        for (int i = 0; i < args.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            Write(sb, args[i], 0);
        }
        sb.Append(')');
    }
}

/// <summary>Prints constant expressions as double-precision C# for the layer constructor.</summary>
internal static class DoublePrinter
{
    public static string Print(Expr e)
    {
        var sb = new StringBuilder();
        Write(sb, e, 0);
        return sb.ToString();
    }

    private static void WriteCondition(StringBuilder sb, Expr e, int minPrec)
    {
        if (KernelPrinter.IsMask(e)) { Write(sb, e, minPrec); return; }
        sb.Append('(');
        Write(sb, e, 0);
        sb.Append(" != 0.0)");
    }

    public static string Literal(double v)
    {
        if (double.IsPositiveInfinity(v)) return "double.PositiveInfinity";
        if (double.IsNegativeInfinity(v)) return "double.NegativeInfinity";
        if (double.IsNaN(v)) return "double.NaN";
        string s = Infix.Number(v);
        if (s.IndexOf('.') < 0 && s.IndexOf('E') < 0) s += ".0";
        return s;
    }

    private static void Write(StringBuilder sb, Expr e, int minPrec)
    {
        ExprLimits.EnsureStack();
        int prec = Infix.Precedence(e);
        bool paren = prec < minPrec;
        if (paren) sb.Append('(');
        switch (e)
        {
            case Num n: sb.Append(Literal(n.Value)); break;
            case Sym s: sb.Append(s.Name); break;
            case Unary { Op: UnOp.Not } not when !KernelPrinter.IsMask(not.Operand):
                sb.Append('(');
                Write(sb, not.Operand, 0);
                sb.Append(" == 0.0)");
                break;
            case Unary u:
                sb.Append(u.Op == UnOp.Neg ? "-" : "!");
                Write(sb, u.Operand, 9);
                break;
            case Binary b when b.IsLogical:
                WriteCondition(sb, b.Left, prec);
                sb.Append(' ').Append(Infix.OpText(b.Op)).Append(' ');
                WriteCondition(sb, b.Right, prec + 1);
                break;
            case Binary b:
                Write(sb, b.Left, prec);
                sb.Append(' ').Append(Infix.OpText(b.Op)).Append(' ');
                Write(sb, b.Right, prec + 1);
                break;
            case Call c when c.Fn == Fn.Expm1:
                sb.Append("(global::System.Math.Exp(");
                Write(sb, c.Args[0], 0);
                sb.Append(") - 1.0)");
                break;
            case Call c when c.Fn == Fn.Clamp:
                // min(max(x, lo), hi), as the kernels compute it (Math.Clamp throws when lo > hi).
                sb.Append("global::System.Math.Min(global::System.Math.Max(");
                Write(sb, c.Args[0], 0);
                sb.Append(", ");
                Write(sb, c.Args[1], 0);
                sb.Append("), ");
                Write(sb, c.Args[2], 0);
                sb.Append(')');
                break;
            case Call c:
                sb.Append("global::System.Math.").Append(c.Fn.ToString()).Append('(');
                for (int i = 0; i < c.Args.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    Write(sb, c.Args[i], 0);
                }
                sb.Append(')');
                break;
            case Cond c when !KernelPrinter.IsMask(c.Test):
                sb.Append('(');
                Write(sb, c.Test, 0);
                sb.Append(" != 0.0) ? ");
                Write(sb, c.IfTrue, 2);
                sb.Append(" : ");
                Write(sb, c.IfFalse, 1);
                break;
            case Cond c:
                Write(sb, c.Test, 2);
                sb.Append(" ? ");
                Write(sb, c.IfTrue, 2);
                sb.Append(" : ");
                Write(sb, c.IfFalse, 1);
                break;
        }
        if (paren) sb.Append(')');
    }
}
