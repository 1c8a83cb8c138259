using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using SnnDsl.Generators.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SnnDsl.Generators.Tests;

/// <summary>
/// Mutates valid declarations (zoo and test models) with a fixed seed and checks that the generator
/// never throws, never reports its internal error, and reports every SNN diagnostic in source.
/// </summary>
public class FuzzTests
{
    private const int Seed = 20261123;
    private const int MutantCount = 500;
    // Compiling the output costs ~0.4 s per model: check the first valid accepted mutants only.
    private const int MaxCompileChecks = 12;

    private readonly ITestOutputHelper _output;

    public FuzzTests(ITestOutputHelper output) => _output = output;

    private static readonly string[] UnknownNames = { "Foo", "Unknown", "Console", "Dt", "Spiked", "_x", "Layer", "CreateLayer", "this", "value", "Math" };

    private static readonly string[] Operators = { "+", "-", "*", "/", "%", ">=", ">", "<", "<=", "==", "!=", "&&", "||", "&", "|", "^", "<<", "??" };

    private static readonly string[] Unsupported =
    {
        "input % 2f",
        "(float)new object().GetHashCode()",
        "\"text\".Length",
        "Helpers.Gain(1f)",
        "System.Environment.TickCount",
        "DateTime.Now.Second",
        "nameof(Unknown).Length",
        "typeof(int).Name.Length",
        "default(float)",
        "checked(1f)",
        "sizeof(int)",
        "(V is > 0f ? 1f : 0f)",
        "new float[] { 1f }[0]",
        "this.GetHashCode()",
        "MathF.Sin(1f)",
        "Math.Exp()",
        "MathF.Pow(2f)",
        "Fires ? 1f : 0f",
        "(int)1.5f",
        "1.0m",
        "'c'",
        "float.MaxValue",
        "++V",
        "V = 1f",
        "Missing(1f, 2f)",
        "Dv(1f)",
        "Step(1f, 2f)",
        "null!",
        "(() => 1f)()",
        "$\"{V}\".Length",
    };

    private static readonly string[] OnSpikeBodies =
    {
        "[OnSpike] public void FuzzReset() { for (int i = 0; i < 3; i++) { } }",
        "[OnSpike] public void FuzzReset() { if (true) { } }",
        "[OnSpike] public void FuzzReset() => Console.WriteLine();",
        "[OnSpike] public void FuzzReset() { var x = 1f; }",
        "[OnSpike] public float FuzzReset() => 1f;",
        "[OnSpike] public void FuzzReset(float x) => Fuzz = x;",
        "[OnSpike] public float FuzzProp => 1f;",
        "[OnSpike] public void FuzzReset() { Unknown %= 2f; }",
        "[OnSpike] public void FuzzReset() { this.Foo = 1f; }",
    };

    private static readonly string[] ExtraMembers =
    {
        "[State] public float Fuzz;",
        "[State] public float Fuzz = Unknown;",
        "[State] public int Fuzz;",
        "[State] public static float Fuzz;",
        "[State] public const float Fuzz = 1f;",
        "[State] public float Fuzz, Fuzz2;",
        "[Next(nameof(Fuzz))] public float NextFuzz => Fuzz;",
        "[Derivative(\"\")] public float DFuzz => 1f;",
        "[Derivative(null)] public float DFuzz => 1f;",
        "[Derivative(nameof(Unknown))] public float DFuzz => 1f;",
        "[SpikeWhen] public bool Fires2 => true;",
        "[SpikeWhen] public bool Fires2(float input) => input > 1f;",
        "[SpikeWhen] public float Fires2 => 1f;",
        "[SpikeWhen(Surrogate.Custom, Custom = \"Nope\")] public bool Fires2 => 1f > 0f;",
        "private float Loop => Loop;",
        "private float Rec(float x) => Rec(x);",
        "public float Layer => 1f;",
        "public class Layer { }",
        "public float Dt => 2f;",
        "public float Spiked;",
        "public event System.Action? Changed;",
        "public float this[int i] => 1f;",
        "public static implicit operator float(FUZZTYPE m) => 1f;",
        "[Derivative(nameof(FuzzA))] [Derivative(nameof(FuzzA))] public float DA => 1f; [State] public float FuzzA;",
    };

    private sealed record Mutant(string Origin, string Text, List<string> Mutations);

    private static IEnumerable<(string Name, string Text)> Seeds()
    {
        foreach (var f in Zoo.FileNames) yield return ("zoo/" + f, Zoo.Read(f));
        foreach (var f in Zoo.EncoderFileNames) yield return ("encoders/" + f, Zoo.ReadEncoder(f));
        yield return ("plasticity/Rules.cs", System.IO.File.ReadAllText(System.IO.Path.Combine(RepoPaths.RepoRoot, "src", "SnnDsl", "Plasticity", "Rules.cs"))
            .Replace("\r\n", "\n").Replace("namespace SnnDsl.Plasticity;", "namespace SnnDsl.Plasticity.FromSource;"));
        foreach (var (name, text) in TestModels.All) yield return ("test/" + name, text);
    }

    private static string Replace(string text, TextSpan span, string with) =>
        text.Substring(0, span.Start) + with + text.Substring(span.End);

    /// <summary>One random mutation of <paramref name="text"/>, or null when this operator does not apply.</summary>
    private static (string Text, string What)? Mutate(string text, Random rng)
    {
        var root = CSharpSyntaxTree.ParseText(text, GeneratorHarness.ParseOptions).GetCompilationUnitRoot();
        var model = root.DescendantNodes().OfType<TypeDeclarationSyntax>()
            .Where(t => t.AttributeLists.SelectMany(a => a.Attributes).Any(a => a.Name.ToString().StartsWith("Neuron", StringComparison.Ordinal) || a.Name.ToString().StartsWith("Encoder", StringComparison.Ordinal) || a.Name.ToString().StartsWith("Plasticity", StringComparison.Ordinal)))
            .OrderBy(_ => rng.Next()).FirstOrDefault();
        if (model is null) return null;
        var tokens = model.DescendantTokens().ToList();
        T Pick<T>(IReadOnlyList<T> list) => list[rng.Next(list.Count)];

        switch (rng.Next(14))
        {
            case 0:
                {
                    var t = Pick(tokens);
                    return (Replace(text, t.Span, ""), $"delete token '{t.Text}'");
                }
            case 1:
                {
                    var ops = tokens.Where(t => Operators.Contains(t.Text) && t.Parent is BinaryExpressionSyntax).ToList();
                    if (ops.Count == 0) return null;
                    var t = Pick(ops);
                    string op = Pick(Operators);
                    return (Replace(text, t.Span, op), $"operator '{t.Text}' -> '{op}'");
                }
            case 2:
                {
                    var ids = tokens.Where(t => t.IsKind(SyntaxKind.IdentifierToken)).ToList();
                    if (ids.Count == 0) return null;
                    var t = Pick(ids);
                    string other = rng.Next(2) == 0 ? Pick(ids).Text : Pick(UnknownNames);
                    return (Replace(text, t.Span, other), $"identifier '{t.Text}' -> '{other}'");
                }
            case 3:
                {
                    var bodies = model.DescendantNodes().OfType<ArrowExpressionClauseSyntax>().ToList();
                    if (bodies.Count == 0) return null;
                    var body = Pick(bodies).Expression;
                    string what = Pick(Unsupported);
                    return (Replace(text, body.Span, $"({body}) + {what}"), $"insert '{what}'");
                }
            case 4:
                {
                    string member = Pick(OnSpikeBodies);
                    return (Replace(text, new TextSpan(model.CloseBraceToken.SpanStart, 0), "    " + member + "\n"), $"add '{member}'");
                }
            case 5:
                {
                    var partial = model.Modifiers.FirstOrDefault(m => m.IsKind(SyntaxKind.PartialKeyword));
                    if (partial == default) return null;
                    return (Replace(text, partial.Span, ""), "remove partial");
                }
            case 6:
                {
                    var floats = tokens.Where(t => t.IsKind(SyntaxKind.FloatKeyword)).ToList();
                    if (floats.Count == 0) return null;
                    var t = Pick(floats);
                    string type = rng.Next(3) switch { 0 => "int", 1 => "double", _ => "bool" };
                    return (Replace(text, t.Span, type), $"float -> {type} at {t.SpanStart}");
                }
            case 7:
                {
                    var lists = model.DescendantNodes().OfType<AttributeListSyntax>().ToList();
                    if (lists.Count == 0) return null;
                    var l = Pick(lists);
                    return (Replace(text, new TextSpan(l.SpanStart, 0), l.ToString()), $"duplicate {l}");
                }
            case 8:
                {
                    if (model is not RecordDeclarationSyntax r || r.ClassOrStructKeyword != default) return null;
                    return (Replace(text, new TextSpan(r.Keyword.Span.End, 0), " struct"), "record struct");
                }
            case 9:
                return (Replace(text, new TextSpan(model.Identifier.Span.End, 0), rng.Next(2) == 0 ? "<T>" : "<T, U>"), "generic");
            case 10:
                {
                    var nameofs = model.DescendantNodes().OfType<InvocationExpressionSyntax>()
                        .Where(i => i.Expression.ToString() == "nameof").ToList();
                    if (nameofs.Count == 0) return null;
                    var n = Pick(nameofs);
                    string target = rng.Next(2) == 0 ? "nameof(Unknown)" : "nameof(Fires)";
                    return (Replace(text, n.Span, target), $"{n} -> {target}");
                }
            case 11:
                {
                    string member = Pick(ExtraMembers).Replace("FUZZTYPE", model.Identifier.Text);
                    return (Replace(text, new TextSpan(model.CloseBraceToken.SpanStart, 0), "    " + member + "\n"), $"add '{member}'");
                }
            case 12:
                {
                    // A second partial declaration of the model, maybe with its own [Neuron] (CS0579) or members.
                    string attr = rng.Next(3) switch { 0 => "[Neuron] ", 1 => "[Neuron(Dt = 2f)] ", _ => "" };
                    string body = rng.Next(2) == 0 ? "" : " [State] public float Extra; [Next(nameof(Extra))] public float NextExtra => Extra; ";
                    string decl = $"\n{attr}partial record {model.Identifier.Text} {{{body}}}\n";
                    int at = model.Parent is BaseNamespaceDeclarationSyntax or CompilationUnitSyntax ? model.Span.End : text.Length;
                    if (model.Parent is TypeDeclarationSyntax) at = model.Span.End;
                    return (Replace(text, new TextSpan(at, 0), decl), $"second partial declaration '{decl.Trim()}'");
                }
            default:
                {
                    // Swap two members of the model (order must not matter, nor crash anything).
                    var members = model.Members;
                    if (members.Count < 2) return null;
                    var m = Pick(members);
                    return (Replace(text, m.FullSpan, ""), $"delete member {m.ToString().Split('\n')[0].Trim()}");
                }
        }
    }

    /// <summary>The fuzz corpus as plain texts (the analyzer tests run the SNN1xxx analyzers over it).</summary>
    public static IReadOnlyList<string> CorpusTexts(int count = MutantCount) => Mutants(count).Select(m => m.Text).ToList();

    private static List<Mutant> Mutants(int count = MutantCount)
    {
        var rng = new Random(Seed);
        var seeds = Seeds().ToList();
        var list = new List<Mutant>();
        while (list.Count < count)
        {
            var (name, text) = seeds[rng.Next(seeds.Count)];
            var applied = new List<string>();
            int wanted = 1 + rng.Next(3);
            for (int attempt = 0; applied.Count < wanted && attempt < 20; attempt++)
            {
                if (Mutate(text, rng) is not { } m) continue;
                text = m.Text;
                applied.Add(m.What);
            }
            list.Add(new Mutant(name, text + "\npublic static class Helpers { public static float Gain(float x) => 2f * x; }\n", applied));
        }
        return list;
    }

    [Fact]
    public void MutantsAreDeterministic()
    {
        var a = Mutants(150);
        var b = Mutants(150);
        Assert.Equal(150, a.Count);
        Assert.Equal(a.Select(m => m.Text), b.Select(m => m.Text));
        Assert.True(a.Select(m => m.Text).Distinct().Count() > 150 * 9 / 10, "mutants should be mostly distinct");
        Assert.All(a, m => Assert.NotEmpty(m.Mutations));
    }

    [Fact]
    public void GeneratorNeverThrowsOnMutatedDeclarations()
    {
        var watch = Stopwatch.StartNew();
        var mutants = Mutants();
        var failures = new List<string>();
        int withSnn = 0, accepted = 0, acceptedAndCheckedCompile = 0;
        var idsSeen = new SortedDictionary<string, int>(StringComparer.Ordinal);

        foreach (var mutant in mutants)
        {
            GeneratorRun run;
            try
            {
                run = GeneratorHarness.Run(new TestFile("Mutant.cs", mutant.Text));
            }
            catch (Exception ex)
            {
                failures.Add(Describe(mutant, "driver threw " + ex));
                continue;
            }
            foreach (var r in run.Result.Results)
                if (r.Exception is not null) failures.Add(Describe(mutant, "generator exception " + r.Exception));
            foreach (var d in run.GeneratorDiagnostics)
            {
                if (d.Id is "CS8785" or "SNN0018") failures.Add(Describe(mutant, GeneratorHarness.Format(d)));
                if (d.Id.StartsWith("SNN", StringComparison.Ordinal))
                {
                    idsSeen[d.Id] = idsSeen.TryGetValue(d.Id, out var n) ? n + 1 : 1;
                    if (!d.Location.IsInSource) failures.Add(Describe(mutant, "not in source: " + GeneratorHarness.Format(d)));
                }
            }
            if (run.GeneratorDiagnostics.Any(d => d.Id.StartsWith("SNN", StringComparison.Ordinal))) withSnn++;
            else if (run.GeneratedSources.Any(s => s.SourceText.ToString().Contains("class Layer", StringComparison.Ordinal)))
            {
                accepted++;
                // When the user's file is valid C# (given the generated built-ins), the code generated for
                // an accepted model must compile too.
                if (acceptedAndCheckedCompile < MaxCompileChecks)
                {
                    var userTree = run.Output.SyntaxTrees.Single(t => t.FilePath == "Mutant.cs");
                    bool userValid = !run.Output.GetSemanticModel(userTree).GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
                    if (userValid)
                    {
                        acceptedAndCheckedCompile++;
                        var errors = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                        if (errors.Count > 0) failures.Add(Describe(mutant, "accepted model gives code that does not compile:\n" + GeneratorHarness.Format(errors)));
                    }
                }
            }
        }

        _output.WriteLine($"{mutants.Count} mutants in {watch.Elapsed.TotalSeconds:F1} s: {withSnn} with SNN diagnostics, {accepted} accepted ({acceptedAndCheckedCompile} compiled)");
        _output.WriteLine("SNN diagnostics seen: " + string.Join(", ", idsSeen.Select(kv => $"{kv.Key} x{kv.Value}")));
        Assert.True(failures.Count == 0, $"{failures.Count} failures; first ones:\n" + string.Join("\n\n", failures.Take(5)));
        // The fuzzer does something: a meaningful share of mutants are rejected with our diagnostics, and many kinds occur.
        Assert.True(withSnn >= mutants.Count / 4, $"only {withSnn} of {mutants.Count} mutants produced SNN diagnostics");
        Assert.True(idsSeen.Count >= 8, "too few distinct SNN diagnostics: " + string.Join(", ", idsSeen.Keys));
        Assert.True(acceptedAndCheckedCompile >= 5, $"only {acceptedAndCheckedCompile} accepted mutants were compiled");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"fuzzing took {watch.Elapsed}");
    }

    private static string Describe(Mutant m, string problem)
    {
        var sb = new StringBuilder();
        sb.Append($"[{m.Origin}; {string.Join("; ", m.Mutations)}] {problem}\n");
        sb.Append(m.Text);
        return sb.ToString();
    }
}
