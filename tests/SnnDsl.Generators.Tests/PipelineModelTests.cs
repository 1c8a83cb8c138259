using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using SnnDsl.Model;
using SnnDsl.Model.Diagnostics;
using SnnDsl.Model.Ir;

namespace SnnDsl.Generators.Tests;

/// <summary>
/// No ISymbol, SyntaxNode, Location, SemanticModel or Compilation may be reachable from a value that
/// crosses a pipeline stage (System.Text.Json's SourceGenModelDoesNotEncapsulateSymbolsOrCompilationData):
/// they would pin compilations in memory and defeat caching.
/// </summary>
public class PipelineModelTests
{
    private static readonly Type[] Forbidden =
    {
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxToken), typeof(SyntaxTree), typeof(SyntaxReference),
        typeof(Location), typeof(SemanticModel), typeof(Compilation), typeof(AttributeData), typeof(Diagnostic),
    };

    /// <summary>Every type reachable from <paramref name="root"/> that is forbidden or opaque, with the path that reaches it.</summary>
    internal static List<string> Violations(Type root) => Violations(root, out _);

    internal static List<string> Violations(Type root, out HashSet<Type> seen)
    {
        var problems = new List<string>();
        seen = new HashSet<Type>();
        var queue = new Queue<(Type Type, string Path)>();
        queue.Enqueue((root, root.Name));
        while (queue.Count > 0)
        {
            var (t, path) = queue.Dequeue();
            if (!seen.Add(t)) continue;
            if (Forbidden.Any(f => f.IsAssignableFrom(t)))
            {
                problems.Add($"{path}: {t.FullName}");
                continue;
            }
            if (t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal)) continue;
            if (t == typeof(object) || (t.IsInterface && !t.IsGenericType))
            {
                problems.Add($"{path}: opaque type {t.FullName} could hold anything");
                continue;
            }
            if (t.IsArray)
            {
                queue.Enqueue((t.GetElementType()!, path + "[]"));
                continue;
            }
            if (t.IsGenericType)
                foreach (var arg in t.GetGenericArguments()) queue.Enqueue((arg, $"{path}<{arg.Name}>"));

            // Walk the members of our own types (and EquatableArray's storage); framework generics are covered by their arguments.
            bool ours = t.Assembly == typeof(EquatableArray<>).Assembly || t.Assembly == root.Assembly;
            if (!ours) continue;
            const BindingFlags all = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
            for (var cur = t; cur is not null && cur != typeof(object) && cur != typeof(ValueType); cur = cur.BaseType)
            {
                foreach (var f in cur.GetFields(all)) queue.Enqueue((f.FieldType, $"{path}.{f.Name}"));
                foreach (var p in cur.GetProperties(all).Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract"))
                    queue.Enqueue((p.PropertyType, $"{path}.{p.Name}"));
            }
            // A field of an abstract or unsealed type may hold any derived type: walk them all.
            if (!t.IsSealed && !t.IsValueType)
                foreach (var derived in t.Assembly.GetTypes().Where(d => d != t && t.IsAssignableFrom(d)))
                    queue.Enqueue((derived, $"{path}:{derived.Name}"));
        }
        return problems;
    }

    public static TheoryData<Type> PipelineTypes => new()
    {
        typeof(ModelSpec),
        typeof(KernelPlan),
        typeof(Result<ModelSpec>),
        typeof(NeuronGenerator.Extracted),
        typeof(NeuronGenerator.Planned),
        typeof(NeuronGenerator.Source),
        typeof(DiagnosticInfo),
        typeof(EquatableArray<DiagnosticInfo>),
    };

    [Theory]
    [MemberData(nameof(PipelineTypes))]
    public void PipelineModelHoldsNoRoslynObjects(Type type) => Assert.Empty(Violations(type));

    [Fact]
    public void WalkReachesEveryExpressionNodeAndDerivedType()
    {
        // Fields typed as the abstract Expr may hold any node: the walk must visit each of them,
        // so a Location added to any node would be found.
        Violations(typeof(KernelPlan), out var seen);
        var nodes = typeof(Expr).Assembly.GetTypes().Where(t => typeof(Expr).IsAssignableFrom(t) && !t.IsAbstract).ToList();
        Assert.True(nodes.Count >= 6);
        Assert.All(nodes, n => Assert.Contains(n, seen));
        Assert.Contains(typeof(DiagnosticInfo), Violations(typeof(NeuronGenerator.Extracted), out var fromExtracted) is { Count: 0 } ? fromExtracted : new HashSet<Type>());
        Assert.Contains(Violations(typeof(ControlWithDerived)), v => v.Contains(nameof(Location), StringComparison.Ordinal));
    }

    // ------------------------------------------------------------------ controls: the walker must find these

    internal sealed record ControlHolder(SyntaxNode? Node);

    internal sealed record ControlModel(string Name, EquatableArray<ControlHolder> Items);

    internal abstract record ControlBase;

    internal sealed record ControlDerived(Location Where) : ControlBase;

    internal sealed record ControlWithDerived(ControlBase Value);

    internal sealed record ControlOpaque(object Anything);

    [Fact]
    public void WalkerFindsForbiddenTypesInsideEquatableArrays() =>
        Assert.Contains(Violations(typeof(ControlModel)), v => v.Contains("SyntaxNode", StringComparison.Ordinal));

    [Fact]
    public void WalkerFindsOpaqueObjects() =>
        Assert.Contains(Violations(typeof(ControlOpaque)), v => v.Contains("opaque", StringComparison.Ordinal));
}
