using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SnnDsl.Generators;

namespace SnnDsl.Benchmarks;

/// <summary>
/// Issue 9: the generators' run time as an IDE or a build sees it, for a project with 20 models
/// (five each of an exact LIF, a discrete Leaky, a two-state adaptive LIF and a non-linear
/// quadratic integrate-and-fire integrated by Rk4).
/// <list type="bullet">
/// <item><c>generator-cold-20-models</c>: a new <see cref="CSharpGeneratorDriver"/> (nothing cached) with both
/// generators over a new compilation of the 20 parsed files; binding the models is part of the time.
/// <c>first_run_ms</c> is the very first such run in the process, JIT compilation of the generator included.</item>
/// <item><c>generator-edit-1-of-20</c>: a warm driver re-run after one model's equation changed (alternately
/// two different edits, so every run sees a real change). <c>models_reemitted</c> counts the Emit outputs that
/// were new or modified in the last run, <c>models_cached</c> those served from the cache.</item>
/// </list>
/// </summary>
public static class GeneratorWorkloads
{
    private const int Models = 20;

    public static IEnumerable<Workload> All(BenchmarkOptions options)
    {
        var trees = Enumerable.Range(0, Models).Select(i => Parse(i, Source(i, variant: 0))).ToImmutableArray();

        var coldExtra = new Dictionary<string, double> { ["models"] = Models };
        bool first = true;
        yield return new Workload("generator-cold-20-models", "snndsl", () =>
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            var result = CreateDriver().RunGenerators(Compile(trees)).GetRunResult();
            if (first)
            {
                coldExtra["first_run_ms"] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                Check(result);
                first = false;
            }
        }, coldExtra, Threads: 1);

        var editExtra = new Dictionary<string, double> { ["models"] = Models };
        GeneratorDriver? driver = null;
        int edit = 0;
        yield return new Workload("generator-edit-1-of-20", "snndsl", () =>
        {
            if (driver is null)
            {
                driver = CreateDriver().RunGenerators(Compile(trees));
                Check(driver.GetRunResult());
            }
            // Model 7 alternates between two equations: each run is a real edit of one model.
            edit++;
            var edited = trees.SetItem(7, Parse(7, Source(7, variant: 1 + edit % 2)));
            driver = driver.RunGenerators(Compile(edited));
            var run = driver.GetRunResult().Results[0];
            var emits = run.TrackedSteps[NeuronGenerator.Stages.Emit].SelectMany(s => s.Outputs).ToList();
            editExtra["models_reemitted"] = emits.Count(o => o.Reason is IncrementalStepRunReason.New or IncrementalStepRunReason.Modified);
            editExtra["models_cached"] = emits.Count(o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        }, editExtra, Threads: 1);
    }

    private static GeneratorDriver CreateDriver() => CSharpGeneratorDriver.Create(
        new[] { new NeuronGenerator().AsSourceGenerator(), new EncoderGenerator().AsSourceGenerator(), new SynapseGenerator().AsSourceGenerator(), new PlasticityGenerator().AsSourceGenerator() },
        parseOptions: s_parse,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    private static void Check(GeneratorDriverRunResult result)
    {
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        int generated = result.Results.Sum(r => r.GeneratedSources.Length);
        if (errors.Count > 0 || generated != Models || result.Results.Any(r => r.Exception is not null))
            throw new InvalidOperationException($"The generator benchmark's models did not generate cleanly: {generated} files, errors: {string.Join("; ", errors)}");
    }

    private static readonly CSharpParseOptions s_parse = new(LanguageVersion.Latest);

    private static SyntaxTree Parse(int i, string text) => CSharpSyntaxTree.ParseText(text, s_parse, path: $"Model{i:00}.cs");

    private static CSharpCompilation Compile(IEnumerable<SyntaxTree> trees) =>
        CSharpCompilation.Create("GeneratorBenchmark", trees, s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>The platform assemblies of this process plus SnnDsl (the attributes), as a build references them.</summary>
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        var tpa = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return tpa.Append(typeof(NeuronAttribute).Assembly.Location)
            .Where(p => !Path.GetFileName(p).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)
                        && !Path.GetFileName(p).StartsWith("SnnDsl.Generators", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    });

    /// <summary>Model <paramref name="i"/>; <paramref name="variant"/> 1 and 2 change its equation (the edit).</summary>
    private static string Source(int i, int variant)
    {
        string gain = variant switch { 0 => "1f", 1 => "1.5f", _ => "2f" };
        string name = $"M{i:00}";
        string body = (i % 4) switch
        {
            0 => $$"""
                [Neuron(Integrator = Integrator.Exact)]
                public partial record {{name}}(float TauMem = {{10 + i}}f, float Threshold = 1f, float VReset = 0f)
                {
                    [State] public float V;
                    [Derivative(nameof(V))] public float Dv(float input) => (-V + {{gain}} * input) / TauMem;
                    [SpikeWhen(Surrogate.FastSigmoid, Slope = 25f)] public bool Fires => V >= Threshold;
                    [OnSpike] public void Reset() => V = VReset;
                }
                """,
            1 => $$"""
                [Neuron]
                public partial record {{name}}(float Beta = 0.9{{i % 10}}f, float Threshold = 1f)
                {
                    [State] public float Mem;
                    [Next(nameof(Mem))] public float Step(float input) => Beta * Mem + {{gain}} * input - Threshold * Spiked;
                    [SpikeWhen(Surrogate.ATan)] public bool Fires => Mem > Threshold;
                }
                """,
            2 => $$"""
                [Neuron]
                public partial record {{name}}(float TauMem = 20f, float TauAdapt = {{100 + i}}f, float Beta = 1.8f, float Threshold = 1f)
                {
                    [State] public float V;
                    [State] public float A;
                    [Derivative(nameof(V))] public float Dv(float input) => (-V + {{gain}} * input) / TauMem;
                    [Derivative(nameof(A))] public float Da() => -A / TauAdapt;
                    [SpikeWhen] public bool Fires => V >= Threshold + Beta * A;
                    [OnSpike] public void Reset() { V -= Threshold + Beta * A; A += 1f; }
                }
                """,
            _ => $$"""
                [Neuron(Integrator = Integrator.Rk4, Dt = 0.1f)]
                public partial record {{name}}(float Tau = 10f, float VRest = -65f, float VCrit = -50f, float VPeak = 30f, float VReset = -70f)
                {
                    [State] public float V = VRest;
                    [Derivative(nameof(V))] public float Dv(float input) => ((V - VRest) * (V - VCrit) / 20f + {{gain}} * input) / Tau;
                    [SpikeWhen] public bool Fires => V >= VPeak;
                    [OnSpike] public void Reset() => V = VReset;
                }
                """,
        };
        return "using SnnDsl;\n\nnamespace Bench.Models;\n\n" + body + "\n";
    }
}
