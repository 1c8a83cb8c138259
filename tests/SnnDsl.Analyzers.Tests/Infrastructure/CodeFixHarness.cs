using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using SnnDsl.Generators.Tests.Infrastructure;

namespace SnnDsl.Analyzers.Tests.Infrastructure;

/// <summary>
/// Applies a code fix with plain Roslyn: the diagnostic comes from the analyzer (or the generator)
/// run over the source, the fix runs in an <see cref="AdhocWorkspace"/> document with the same text,
/// and the fixed text is returned for an exact comparison.
/// </summary>
public static class CodeFixHarness
{
    public static async Task<string> ApplyAsync(CodeFixProvider provider, string source, string id, string title)
    {
        var diagnostic = await FindAsync(source, id);
        Assert.Contains(id, provider.FixableDiagnosticIds);

        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject(ProjectInfo.Create(ProjectId.CreateNewId(), VersionStamp.Default, "Fix", "Fix", LanguageNames.CSharp,
            parseOptions: GeneratorHarness.ParseOptions, metadataReferences: GeneratorHarness.References));
        var document = workspace.AddDocument(project.Id, "Fixture.cs", SourceText.From(source));
        var tree = (await document.GetSyntaxTreeAsync())!;
        var located = Diagnostic.Create(diagnostic.Descriptor, Location.Create(tree, diagnostic.Location.SourceSpan), diagnostic.Properties);

        var actions = ImmutableArray.CreateBuilder<CodeAction>();
        var context = new CodeFixContext(document, located, (a, _) => actions.Add(a), CancellationToken.None);
        await provider.RegisterCodeFixesAsync(context);
        var action = actions.FirstOrDefault(a => a.Title == title);
        Assert.True(action is not null, $"no fix titled '{title}'; offered: {string.Join(" | ", actions.Select(a => a.Title))}");
        var operations = await action!.GetOperationsAsync(CancellationToken.None);
        var changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
        return (await changed.GetDocument(document.Id)!.GetTextAsync()).ToString();
    }

    /// <summary>The titles of the fixes offered for the only <paramref name="id"/> diagnostic.</summary>
    public static async Task<string[]> TitlesAsync(CodeFixProvider provider, string source, string id)
    {
        var diagnostic = await FindAsync(source, id);
        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject("Fix", LanguageNames.CSharp);
        var document = workspace.AddDocument(project.Id, "Fixture.cs", SourceText.From(source));
        var tree = (await document.GetSyntaxTreeAsync())!;
        var located = Diagnostic.Create(diagnostic.Descriptor, Location.Create(tree, diagnostic.Location.SourceSpan), diagnostic.Properties);
        var titles = new System.Collections.Generic.List<string>();
        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, located, (a, _) => titles.Add(a.Title), CancellationToken.None));
        return titles.ToArray();
    }

    private static async Task<Diagnostic> FindAsync(string source, string id)
    {
        if (id.StartsWith("SNN0", StringComparison.Ordinal))
        {
            var run = GeneratorHarness.Run(new TestFile("Fixture.cs", source));
            return Assert.Single(run.GeneratorDiagnostics, d => d.Id == id);
        }
        var analyzed = await AnalyzerHarness.RunAsync(source);
        return Assert.Single(analyzed.Diagnostics, d => d.Id == id);
    }

    /// <summary>Asserts that the fixed source no longer has <paramref name="id"/> (and, for analyzer IDs, no SNN1xxx error).</summary>
    public static async Task AssertFixedAsync(string source, string id)
    {
        if (id.StartsWith("SNN0", StringComparison.Ordinal))
        {
            var run = GeneratorHarness.Run(new TestFile("Fixture.cs", source));
            Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == id);
            return;
        }
        var analyzed = await AnalyzerHarness.RunAsync(source);
        Assert.DoesNotContain(analyzed.Diagnostics, d => d.Id == id);
        Assert.DoesNotContain(analyzed.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }
}
