using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace SnnDsl.Model.Ir;

/// <summary>
/// The largest expression the generator compiles, and the checks that keep every pass within it.
/// Extraction inlines sub-expressions as a DAG (a sub-expression read twice is one shared node), but
/// the symbolic passes (simplification, differentiation, integrator substitution, printing) and the
/// value equality of the incremental pipeline walk expressions as trees, recursively. So an
/// equation is measured as the tree it expands to, in time linear in its DAG, and rejected with
/// SNN0027 when it nests deeper than <see cref="MaxDepth"/> or expands to more than
/// <see cref="MaxNodes"/> nodes; the recursive passes also check the remaining stack
/// (<see cref="EnsureStack"/>) so that a deep expression becomes a diagnostic, never a stack overflow.
/// </summary>
internal static class ExprLimits
{
    /// <summary>
    /// Nesting depth of one equation after inlining (a chain of n binary operators nests n deep).
    /// Real models nest a few dozen levels; integrator substitutions (Rk4) multiply the depth by a
    /// small factor and the passes take several frames per level, which this keeps well inside a
    /// 1 MB thread stack.
    /// </summary>
    public const int MaxDepth = 400;

    /// <summary>Nodes of one equation expanded as a tree (every read of a sub-expression counted).</summary>
    public const int MaxNodes = 100_000;

    /// <summary>Size of <paramref name="root"/> expanded as a tree and its depth, in time linear in the number of distinct nodes (shared nodes are measured once); iterative, so any depth is fine.</summary>
    public static (long Nodes, int Depth) Measure(Expr root)
    {
        var memo = new Dictionary<Expr, (long Nodes, int Depth)>(ReferenceComparer.Instance);
        var stack = new Stack<(Expr Node, bool ChildrenDone)>();
        stack.Push((root, false));
        var children = new List<Expr>(3);
        while (stack.Count > 0)
        {
            var (e, done) = stack.Pop();
            if (memo.ContainsKey(e)) continue;
            children.Clear();
            Children(e, children);
            if (!done)
            {
                stack.Push((e, true));
                foreach (var c in children) if (!memo.ContainsKey(c)) stack.Push((c, false));
                continue;
            }
            long nodes = 1;
            int depth = 0;
            foreach (var c in children)
            {
                var (n, d) = memo[c];
                nodes = nodes > long.MaxValue / 4 || n > long.MaxValue / 4 ? long.MaxValue / 2 : nodes + n;
                depth = Math.Max(depth, d);
            }
            memo[e] = (nodes, depth + 1);
        }
        return memo[root];
    }

    /// <summary>The reason <paramref name="e"/> is too large for the generator, or null when it is within the limits.</summary>
    public static string? Check(Expr e)
    {
        var (nodes, depth) = Measure(e);
        // A leaf nests 0 operations deep, a + b one.
        if (depth - 1 > MaxDepth)
            return $"it nests {depth - 1} operations deep, more than the limit of {MaxDepth}; split it into helper members (e.g. sums of at most a few hundred terms each) and combine those";
        if (nodes > MaxNodes)
            return $"with its sub-expressions inlined it has {(nodes >= long.MaxValue / 2 ? "more than 10^18" : nodes.ToString(System.Globalization.CultureInfo.InvariantCulture))} nodes, more than the limit of {MaxNodes}; "
                + "every read of a sub-expression copies it (helpers that each read the previous one twice double per helper): read large helpers once, or keep a repeated part in a [State]";
        return null;
    }

    /// <summary>
    /// Call at the top of a recursive pass over an expression: throws <see cref="InsufficientExecutionStackException"/>
    /// (which the generator reports as SNN0027 at the model) instead of overflowing the stack.
    /// </summary>
    public static void EnsureStack() => RuntimeHelpers.EnsureSufficientExecutionStack();

    private static void Children(Expr e, List<Expr> into)
    {
        switch (e)
        {
            case Unary u: into.Add(u.Operand); break;
            case Binary b: into.Add(b.Left); into.Add(b.Right); break;
            case Call c: foreach (var a in c.Args) into.Add(a); break;
            case Cond c: into.Add(c.Test); into.Add(c.IfTrue); into.Add(c.IfFalse); break;
        }
    }

    /// <summary>Compares expressions by reference: a DAG's shared nodes are one key, in O(1) (structural equality walks the whole tree).</summary>
    internal sealed class ReferenceComparer : IEqualityComparer<Expr>
    {
        public static readonly ReferenceComparer Instance = new();
        public bool Equals(Expr? x, Expr? y) => ReferenceEquals(x, y);
        public int GetHashCode(Expr obj) => RuntimeHelpers.GetHashCode(obj);
    }
}
