using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SnnDsl.Generators.Tests.Infrastructure;

/// <summary>A source file given to the test compilation: its path (used in diagnostics) and text.</summary>
public sealed record TestFile(string Path, string Text);

/// <summary>The outcome of one generator run over a test compilation.</summary>
public sealed record GeneratorRun(
    CSharpCompilation Input,
    Compilation Output,
    GeneratorDriver Driver,
    GeneratorDriverRunResult Result)
{
    /// <summary>Diagnostics the generator reported (SNN0xxx and driver diagnostics such as CS8785).</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics => Result.Diagnostics;

    /// <summary>Compiler diagnostics of the input plus generated sources, warnings and errors only.</summary>
    public ImmutableArray<Diagnostic> CompilerDiagnostics =>
        Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();

    /// <summary>The generated files, by hint name, in ordinal order.</summary>
    public IReadOnlyList<GeneratedSourceResult> GeneratedSources =>
        Result.Results.SelectMany(r => r.GeneratedSources).OrderBy(s => s.HintName, StringComparer.Ordinal).ToList();
}

/// <summary>
/// Builds a <see cref="CSharpCompilation"/> from source strings against the running process's
/// platform assemblies and SnnDsl, and runs <see cref="NeuronGenerator"/> over it with step tracking.
/// </summary>
public static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions =
        new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    public static ImmutableArray<MetadataReference> References => s_references.Value;

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var tpa = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in tpa.Append(typeof(NeuronAttribute).Assembly.Location))
        {
            string name = System.IO.Path.GetFileNameWithoutExtension(p);
            // The generator assembly is not a reference of user code (it is an analyzer).
            if (name == "SnnDsl.Generators") continue;
            paths.TryAdd(name, p);
        }
        return paths.Values.OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }

    public static CSharpCompilationOptions CompilationOptions { get; } =
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                allowUnsafe: false,
                deterministic: true)
            // Test models are not documented; generated code is still checked for bad crefs (CS1574 etc.).
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1591"] = ReportDiagnostic.Suppress });

    public static SyntaxTree Parse(TestFile file) =>
        CSharpSyntaxTree.ParseText(file.Text, ParseOptions, path: file.Path);

    public static CSharpCompilation CreateCompilation(params TestFile[] files) =>
        CSharpCompilation.Create("SnnDsl.TestInput", files.Select(Parse), References, CompilationOptions);

    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CreateCompilation(sources.Select((s, i) => new TestFile($"Model{i}.cs", s)).ToArray());

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new NeuronGenerator().AsSourceGenerator(), new EncoderGenerator().AsSourceGenerator(), new SynapseGenerator().AsSourceGenerator(), new PlasticityGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Run(CSharpCompilation compilation, GeneratorDriver? driver = null)
    {
        driver ??= CreateDriver();
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return new GeneratorRun(compilation, output, driver, driver.GetRunResult());
    }

    public static GeneratorRun Run(params string[] sources) => Run(CreateCompilation(sources));

    public static GeneratorRun Run(params TestFile[] files) => Run(CreateCompilation(files));

    /// <summary>Formats diagnostics one a line: id, file(line,col), message.</summary>
    public static string Format(IEnumerable<Diagnostic> diagnostics) =>
        string.Join(Environment.NewLine, diagnostics.Select(Format));

    public static string Format(Diagnostic d)
    {
        var span = d.Location.GetLineSpan();
        string where = d.Location.IsInSource
            ? $"{System.IO.Path.GetFileName(span.Path)}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})"
            : "(no location)";
        return $"{d.Id} {where}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }
}
