using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace SnnDsl.Generators.Tests.Infrastructure;

/// <summary>An expected diagnostic: its ID and the exact span it must cover.</summary>
public sealed record ExpectedDiagnostic(string Id, TextSpan Span);

/// <summary>
/// Markup for expected diagnostics, as in Roslyn's testing library: <c>{|SNN0003:Foo|}</c> marks the
/// exact span of an SNN0003. Markers may nest; <c>{|</c> and <c>|}</c> do not otherwise occur in C#.
/// </summary>
public static class DiagnosticMarkup
{
    public static (string Source, IReadOnlyList<ExpectedDiagnostic> Expected) Parse(string markup)
    {
        var text = new StringBuilder(markup.Length);
        var open = new Stack<(string Id, int Start)>();
        var expected = new List<ExpectedDiagnostic>();
        for (int i = 0; i < markup.Length; i++)
        {
            if (i + 1 < markup.Length && markup[i] == '{' && markup[i + 1] == '|')
            {
                int colon = markup.IndexOf(':', i + 2);
                if (colon < 0) throw new FormatException($"Marker at {i} has no ':'");
                string id = markup.Substring(i + 2, colon - i - 2);
                if (id.Length == 0 || !id.All(char.IsLetterOrDigit)) throw new FormatException($"Bad diagnostic id '{id}' at {i}");
                open.Push((id, text.Length));
                i = colon;
                continue;
            }
            if (i + 1 < markup.Length && markup[i] == '|' && markup[i + 1] == '}' && open.Count > 0)
            {
                var (id, start) = open.Pop();
                expected.Add(new ExpectedDiagnostic(id, TextSpan.FromBounds(start, text.Length)));
                i++;
                continue;
            }
            text.Append(markup[i]);
        }
        if (open.Count > 0) throw new FormatException($"Unclosed marker for {open.Peek().Id}");
        return (text.ToString(), expected);
    }

    /// <summary>Renders the source with the given diagnostics as markup, for readable failure messages.</summary>
    public static string Render(string source, IEnumerable<(string Id, TextSpan Span)> diagnostics)
    {
        var inserts = new List<(int Pos, int Order, string Text)>();
        int n = 0;
        foreach (var (id, span) in diagnostics)
        {
            inserts.Add((span.Start, 1, "{|" + id + ":"));
            inserts.Add((span.End, 0, "|}"));
            n++;
        }
        var sb = new StringBuilder(source);
        foreach (var ins in inserts.OrderByDescending(x => x.Pos).ThenBy(x => x.Order))
            sb.Insert(ins.Pos, ins.Text);
        return sb.ToString();
    }
}

/// <summary>
/// Runs the generator over a markup fixture and checks that every expected diagnostic is reported
/// with its ID and exact span, and that no diagnostic is left unasserted (Mapperly's
/// <c>HaveAssertedAllDiagnostics</c>).
/// </summary>
public static class DiagnosticVerifier
{
    /// <param name="markup">The fixture with <c>{|ID:span|}</c> markers.</param>
    /// <param name="allowedCompilerErrors">C# error IDs the fixture causes by itself (the generator cannot prevent them).</param>
    public static GeneratorRun Verify(string markup, params string[] allowedCompilerErrors)
    {
        var (source, expected) = DiagnosticMarkup.Parse(markup);
        var run = GeneratorHarness.Run(new TestFile("Fixture.cs", source));
        Assert.All(run.Result.Results, r => Assert.Null(r.Exception));

        var actual = run.GeneratorDiagnostics
            .Select(d => (d.Id, Span: d.Location.SourceSpan, d.Location.IsInSource, Diagnostic: d))
            .ToList();
        var unasserted = actual.ToList();
        var missing = new List<ExpectedDiagnostic>();
        foreach (var e in expected)
        {
            int k = unasserted.FindIndex(a => a.Id == e.Id && a.Span == e.Span && a.IsInSource);
            if (k < 0) missing.Add(e);
            else unasserted.RemoveAt(k);
        }
        if (missing.Count > 0 || unasserted.Count > 0)
        {
            var msg = new StringBuilder();
            foreach (var m in missing) msg.Append($"Missing: {m.Id} at {m.Span} '{source.Substring(m.Span.Start, m.Span.Length)}'\n");
            foreach (var u in unasserted) msg.Append($"Unasserted: {GeneratorHarness.Format(u.Diagnostic)} span '{(u.IsInSource ? source.Substring(u.Span.Start, u.Span.Length) : "(not in source)")}'\n");
            msg.Append("Actual diagnostics as markup:\n");
            msg.Append(DiagnosticMarkup.Render(source, actual.Where(a => a.IsInSource).Select(a => (a.Id, a.Span))));
            throw new Xunit.Sdk.XunitException(msg.ToString());
        }

        // The generator adds the built-ins even to a broken model, so C# reports nothing of its own
        // (no CS0103 for Dt/Spiked, no errors in generated code) beyond what the fixture itself causes.
        var csErrors = run.Output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && !allowedCompilerErrors.Contains(d.Id))
            .ToList();
        Assert.True(csErrors.Count == 0, "Unexpected compiler errors:\n" + GeneratorHarness.Format(csErrors));
        foreach (var id in allowedCompilerErrors)
            Assert.True(run.Output.GetDiagnostics().Any(d => d.Id == id), $"{id} was allowed but does not occur; remove it from the fixture");
        return run;
    }
}
