using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using SnnDsl.Analyzers;
using SnnDsl.Generators.Tests.Infrastructure;

namespace SnnDsl.Analyzers.Tests.Infrastructure;

/// <summary>The outcome of running the SNN1xxx analyzer over a compilation (after the generator ran).</summary>
public sealed record AnalyzerRun(Compilation Compilation, ImmutableArray<Diagnostic> Diagnostics, IReadOnlyList<string> AnalyzerExceptions);

/// <summary>
/// Runs <see cref="ModelAnalyzer"/> with plain Roslyn: the test compilation of the generator tests
/// (platform assemblies + SnnDsl), the generator applied first (so Dt, Layer and CreateLayer exist as
/// for a user), then <see cref="CompilationWithAnalyzers"/>. Analyzer exceptions are collected, not
/// swallowed: <see cref="ModelAnalyzer.ThrowOnFailure"/> is on in tests.
/// </summary>
public static class AnalyzerHarness
{
    static AnalyzerHarness() => ModelAnalyzer.ThrowOnFailure = true;

    public static Compilation Compile(params TestFile[] files)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(files));
        return run.Output;
    }

    public static async Task<AnalyzerRun> RunAsync(Compilation compilation, bool reportSuppressed = false)
    {
        ModelAnalyzer.ThrowOnFailure = true;
        var exceptions = new ConcurrentQueue<string>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (ex, analyzer, diagnostic) => exceptions.Enqueue(ex.ToString()),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: reportSuppressed);
        var cwa = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new ModelAnalyzer()), options);
        var diagnostics = await cwa.GetAnalyzerDiagnosticsAsync();
        var ad0001 = diagnostics.Where(d => d.Id == "AD0001").Select(d => d.GetMessage()).ToList();
        return new AnalyzerRun(compilation, diagnostics.Where(d => d.Id != "AD0001").OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray(),
            exceptions.Concat(ad0001).ToList());
    }

    public static Task<AnalyzerRun> RunAsync(params TestFile[] files) => RunAsync(Compile(files));

    public static Task<AnalyzerRun> RunAsync(string source) => RunAsync(new TestFile("Fixture.cs", source));

    /// <summary>
    /// Checks a markup fixture: every <c>{|SNN1xxx:span|}</c> is reported with that ID at exactly that
    /// span, and no SNN1xxx diagnostic is left unasserted; returns the diagnostics for message checks.
    /// </summary>
    public static async Task<ImmutableArray<Diagnostic>> VerifyAsync(string markup)
    {
        var (source, expected) = DiagnosticMarkup.Parse(markup);
        var run = await RunAsync(source);
        Assert.Empty(run.AnalyzerExceptions);
        var actual = run.Diagnostics.Where(d => d.Id.StartsWith("SNN1", StringComparison.Ordinal))
            .Select(d => (d.Id, d.Location.SourceSpan)).OrderBy(x => x.SourceSpan.Start).ThenBy(x => x.Id, StringComparer.Ordinal).ToList();
        var wanted = expected.Select(e => (e.Id, e.Span)).OrderBy(x => x.Span.Start).ThenBy(x => x.Id, StringComparer.Ordinal).ToList();
        if (!actual.SequenceEqual(wanted))
        {
            Assert.Fail("Expected:\n" + DiagnosticMarkup.Render(source, wanted) + "\n\nActual:\n" + DiagnosticMarkup.Render(source, actual)
                + "\n\nMessages:\n" + string.Join("\n", run.Diagnostics.Select(GeneratorHarness.Format)));
        }
        // The fixture must be valid C# (with the generated code): analyzer findings on broken code prove nothing.
        var errors = run.Compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, GeneratorHarness.Format(errors));
        return run.Diagnostics;
    }

    /// <summary>The message of the only diagnostic with <paramref name="id"/>.</summary>
    public static string Message(ImmutableArray<Diagnostic> diagnostics, string id) =>
        Assert.Single(diagnostics, d => d.Id == id).GetMessage(System.Globalization.CultureInfo.InvariantCulture);
}
