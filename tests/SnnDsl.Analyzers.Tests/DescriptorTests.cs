using System;
using System.IO;
using System.Linq;
using SnnDsl.Generators.Tests.Infrastructure;
using SnnDsl.Model.Diagnostics;

namespace SnnDsl.Analyzers.Tests;

/// <summary>The SNN1xxx catalogue: IDs, help links into the README's table, release tracking, analyzer registration.</summary>
public sealed class DescriptorTests
{
    [Fact]
    public void EverySnn1xxxDescriptor_IsSupported_Tracked_AndDocumentedWhereItsHelpLinkPoints()
    {
        var ids = DiagnosticDescriptors.All.Where(d => d.Id.StartsWith("SNN1", StringComparison.Ordinal)).ToList();
        Assert.Equal(Enumerable.Range(1001, 12).Select(i => "SNN" + i), ids.Select(d => d.Id));
        Assert.Equal(ids.Select(d => d.Id), new ModelAnalyzer().SupportedDiagnostics.Select(d => d.Id).OrderBy(i => i, StringComparer.Ordinal));
        string readme = File.ReadAllText(Path.Combine(RepoPaths.RepoRoot, "README.md"));
        string unshipped = File.ReadAllText(Path.Combine(RepoPaths.RepoRoot, "analyzers", "SnnDsl.Analyzers", "AnalyzerReleases.Unshipped.md"));
        foreach (var d in ids)
        {
            string anchor = d.Id.ToLowerInvariant();
            Assert.Equal("https://github.com/snndsl/snndsl/blob/main/README.md#" + anchor, d.HelpLinkUri);
            Assert.Contains($"<a id=\"{anchor}\"></a>{d.Id} | {d.Title} | {d.DefaultSeverity} |", readme);
            Assert.Contains($"{d.Id} | SnnDsl.Analyzers | {d.DefaultSeverity} | {d.Title}", unshipped);
            Assert.Equal("SnnDsl.Analyzers", d.Category);
        }
    }
}
