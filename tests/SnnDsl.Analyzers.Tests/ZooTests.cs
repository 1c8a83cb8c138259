using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using SnnDsl.Analyzers.Tests.Infrastructure;
using SnnDsl.Generators.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SnnDsl.Analyzers.Tests;

/// <summary>The neuron zoo (src/SnnDsl/Neurons, read from disk) under the analyzers at its documented Dt.</summary>
public sealed class ZooTests
{
    private readonly ITestOutputHelper _output;

    public ZooTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Zoo_HasNoSnn1xxxWarningAtItsDocumentedDt()
    {
        var files = Zoo.FileNames.Select(f => new TestFile(f, Zoo.Read(f))).ToArray();
        var run = await AnalyzerHarness.RunAsync(AnalyzerHarness.Compile(files), reportSuppressed: true);
        Assert.Empty(run.AnalyzerExceptions);
        foreach (var d in run.Diagnostics) _output.WriteLine((d.IsSuppressed ? "[suppressed] " : "") + GeneratorHarness.Format(d));

        var active = run.Diagnostics.Where(d => !d.IsSuppressed).ToList();
        Assert.DoesNotContain(active, d => d.Severity >= DiagnosticSeverity.Warning);
        // What is left is information: Auto's choice for the three nonlinear models.
        Assert.Equal(new[]
        {
            "SNN1009 AdEx.cs: Integrator.Auto chose Integrator.Rk4 for 'AdEx'",
            "SNN1009 HodgkinHuxley.cs: Integrator.Auto chose Integrator.ExponentialEuler for 'HodgkinHuxley'",
            "SNN1009 Izhikevich.cs: Integrator.Auto chose Integrator.Rk4 for 'Izhikevich'",
        }, active.Select(d => $"{d.Id} {System.IO.Path.GetFileName(d.Location.SourceTree!.FilePath)}: {d.GetMessage().Split(':')[0]}").OrderBy(s => s, StringComparer.Ordinal));
        // Alif learns TauM and TauAdp directly, as the SRNN paper does: SNN1007 is right, and suppressed in the
        // source with its justification (the sample clamps the learned values).
        var suppressed = run.Diagnostics.Where(d => d.IsSuppressed).Select(d => $"{d.Id} {d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan)}").OrderBy(s => s, StringComparer.Ordinal);
        Assert.Equal(new[] { "SNN1007 TauAdp", "SNN1007 TauM" }, suppressed);
    }
}
