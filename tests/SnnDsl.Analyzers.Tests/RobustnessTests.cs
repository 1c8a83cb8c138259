using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using SnnDsl.Analyzers.Tests.Infrastructure;
using SnnDsl.Generators.Tests;
using SnnDsl.Generators.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SnnDsl.Analyzers.Tests;

/// <summary>The analyzer never throws (the generator's fuzz corpus) and stays fast (ten models in one file).</summary>
public sealed class RobustnessTests
{
    private readonly ITestOutputHelper _output;

    public RobustnessTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task NoAnalyzerException_OnTheGeneratorFuzzCorpus()
    {
        var watch = Stopwatch.StartNew();
        var corpus = FuzzTests.CorpusTexts();
        var failures = new List<string>();
        var seen = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in corpus)
        {
            var run = await AnalyzerHarness.RunAsync(new TestFile("Mutant.cs", text));
            foreach (var e in run.AnalyzerExceptions) failures.Add(e + "\n" + text);
            foreach (var d in run.Diagnostics.Where(d => d.Id.StartsWith("SNN1", StringComparison.Ordinal)))
            {
                seen[d.Id] = seen.TryGetValue(d.Id, out var n) ? n + 1 : 1;
                if (!d.Location.IsInSource) failures.Add("not in source: " + GeneratorHarness.Format(d) + "\n" + text);
            }
        }
        _output.WriteLine($"{corpus.Count} mutants in {watch.Elapsed.TotalSeconds:F1} s; SNN1xxx seen: {string.Join(", ", seen.Select(kv => $"{kv.Key} x{kv.Value}"))}");
        Assert.True(failures.Count == 0, $"{failures.Count} failures; first:\n{failures.FirstOrDefault()}");
        Assert.Equal(500, corpus.Count);
        // The corpus exercises the analyzer, not only the generator's rejections.
        Assert.True(seen.Count >= 3, "too few SNN1xxx IDs on the corpus: " + string.Join(", ", seen.Keys));
    }

    [Fact]
    public async Task NoAnalyzerException_OnHugeEquations()
    {
        // Issue 13: a 12,000-term equation and a helper chain of 2^25 nodes: the analyzers share the
        // extractor, which rejects both (SNN0027, the generator's) without overflowing the stack or
        // expanding the chain, so the analysis is skipped quickly and nothing throws.
        string sum = string.Join(" + ", Enumerable.Repeat("input", 12_000));
        var helpers = "private float S1 => V + V;\n" + string.Concat(Enumerable.Range(2, 23).Select(i => $"private float S{i} => S{i - 1} * S{i - 1};\n"));
        foreach (var equation in new[] { sum, "-V + input + S24" })
        {
            var watch = Stopwatch.StartNew();
            var run = await AnalyzerHarness.RunAsync(new TestFile("Huge.cs", TestSourceBuilder.Neuron("Huge", "float TauMem = 10f", helpers + $$"""
                [State] public float V;
                [Derivative(nameof(V))] public float Dv(float input) => {{equation}};
                [SpikeWhen] public bool Fires => V >= 1f;
                """)));
            Assert.Empty(run.AnalyzerExceptions);
            Assert.DoesNotContain(run.Diagnostics, d => d.Id.StartsWith("SNN1", StringComparison.Ordinal) || d.Id == "AD0001");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        }
    }

    /// <summary>Ten models of every kind (linear, coupled, discrete, nonlinear, Hodgkin-Huxley) in one file.</summary>
    private static string TenModels()
    {
        var parts = new List<string>();
        foreach (var (file, count) in new[] { ("Lif.cs", 2), ("Leaky.cs", 3), ("Izhikevich.cs", 1), ("AdEx.cs", 1), ("HodgkinHuxley.cs", 1), ("Plif.cs", 2) })
        {
            string text = Zoo.Read(file);
            parts.Add(text);
        }
        // The zoo files hold Lif, IF, Leaky, LeakyResetZero, LeakyNoReset, Izhikevich, AdEx, HodgkinHuxley, Plif, Alif: ten models.
        var usings = string.Join("\n", parts.SelectMany(p => p.Split('\n')).Where(l => l.StartsWith("using ", StringComparison.Ordinal)).Distinct());
        var bodies = parts.Select(p => string.Join("\n", p.Split('\n').Where(l => !l.StartsWith("using ", StringComparison.Ordinal) && !l.StartsWith("namespace ", StringComparison.Ordinal))));
        return usings + "\nusing SnnDsl;\nnamespace SnnDsl.Neurons.FromSource;\n" + string.Join("\n", bodies);
    }

    [Fact]
    public async Task AnalyzerTime_ForAFileWithTenModels_IsWellUnder100Ms()
    {
        var compilation = AnalyzerHarness.Compile(new TestFile("TenModels.cs", TenModels()));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        int models = compilation.SyntaxTrees.First().GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.RecordDeclarationSyntax>().Count();
        Assert.Equal(10, models);

        var times = new List<double>();
        for (int i = 0; i < 15; i++)
        {
            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false, logAnalyzerExecutionTime: true, reportSuppressedDiagnostics: false);
            var analyzer = new ModelAnalyzer();
            var cwa = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(analyzer), options);
            var diagnostics = await cwa.GetAnalyzerDiagnosticsAsync();
            Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
            var telemetry = await cwa.GetAnalyzerTelemetryInfoAsync(analyzer, default);
            if (i >= 2) times.Add(telemetry.ExecutionTime.TotalMilliseconds); // after two warm-up runs
        }
        times.Sort();
        double best = times[0], median = times[times.Count / 2];
        _output.WriteLine($"analyzer execution time for 10 models (Roslyn telemetry, after 2 warm-up runs): best {best:F1} ms, median {median:F1} ms (runs: {string.Join(", ", times.Select(t => t.ToString("F1")))})");
        // The target is "well under 100 ms". On a shared 2-core machine other processes only add time, so the
        // best of 13 runs is the analyzer's own cost; the median bound is generous so the test cannot flake.
        Assert.True(best < 100, $"best analyzer time {best:F1} ms");
        Assert.True(median < 500, $"median analyzer time {median:F1} ms");
    }
}
