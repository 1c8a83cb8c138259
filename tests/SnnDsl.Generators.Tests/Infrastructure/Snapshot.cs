using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SnnDsl.Generators.Tests.Infrastructure;

/// <summary>
/// Golden files without Verify: <c>Snapshots/{TestClass}/{TestMethod}/{HintName}.txt</c> for each
/// generated file plus <c>diagnostics.txt</c>. A mismatch writes <c>*.received.txt</c> beside the
/// golden and fails with a diff; <c>SNNDSL_ACCEPT=1</c> rewrites the goldens (refused when
/// <c>CI=true</c>) and deletes stale ones.
/// </summary>
public static class Snapshot
{
    public const string AcceptVariable = "SNNDSL_ACCEPT";
    private const string ReceivedSuffix = ".received.txt";

    /// <summary>The snapshot files of a generator run: one per generated source plus the sorted diagnostics.</summary>
    public static SortedDictionary<string, string> FilesOf(GeneratorRun run)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in run.GeneratedSources)
            files[source.HintName + ".txt"] = Normalize(source.SourceText.ToString());
        files["diagnostics.txt"] = DiagnosticsText(run.GeneratorDiagnostics);
        return files;
    }

    /// <summary>id, span (line:col-line:col, 1-based) and message, sorted, one a line.</summary>
    public static string DiagnosticsText(IEnumerable<Diagnostic> diagnostics)
    {
        var lines = diagnostics.Select(d =>
            {
                var s = d.Location.GetLineSpan();
                string span = d.Location.IsInSource
                    ? $"{Path.GetFileName(s.Path)}({s.StartLinePosition.Line + 1},{s.StartLinePosition.Character + 1})-({s.EndLinePosition.Line + 1},{s.EndLinePosition.Character + 1})"
                    : "(no location)";
                return $"{d.Id} {span}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
            })
            .OrderBy(l => l, StringComparer.Ordinal).ToList();
        return lines.Count == 0 ? "(none)\n" : string.Join("\n", lines) + "\n";
    }

    public static void Verify(GeneratorRun run, [CallerFilePath] string testFile = "", [CallerMemberName] string testMethod = "") =>
        Verify(FilesOf(run), Path.GetFileNameWithoutExtension(testFile), testMethod);

    /// <summary>Whether to accept received files, from the environment; throws when asked to accept on CI.</summary>
    public static bool Accepting => IsAccepting(Environment.GetEnvironmentVariable);

    internal static bool IsAccepting(Func<string, string?> env)
    {
        if (env(AcceptVariable) != "1") return false;
        if (string.Equals(env("CI"), "true", StringComparison.OrdinalIgnoreCase))
            throw new Xunit.Sdk.XunitException($"{AcceptVariable}=1 is refused when CI=true: goldens are accepted on a developer machine and committed.");
        return true;
    }

    public static void Verify(IReadOnlyDictionary<string, string> actual, string testClass, string testMethod) =>
        VerifyIn(Path.Combine(RepoPaths.Snapshots, testClass, testMethod), actual, Accepting);

    internal static void VerifyIn(string dir, IReadOnlyDictionary<string, string> actual, bool accept)
    {
        Directory.CreateDirectory(dir);
        foreach (var stale in Directory.GetFiles(dir, "*" + ReceivedSuffix)) File.Delete(stale);

        var golden = Directory.GetFiles(dir, "*.txt")
            .Where(f => !f.EndsWith(ReceivedSuffix, StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileName(f), f => Normalize(File.ReadAllText(f)), StringComparer.Ordinal);

        if (accept)
        {
            foreach (var name in golden.Keys.Where(k => !actual.ContainsKey(k))) File.Delete(Path.Combine(dir, name));
            foreach (var (name, text) in actual) File.WriteAllText(Path.Combine(dir, name), text);
            return;
        }

        var problems = new StringBuilder();
        foreach (var name in golden.Keys.Where(k => !actual.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal))
            problems.Append($"- {name}: golden file exists but the generator no longer produces it\n");
        foreach (var (name, text) in actual)
        {
            if (!golden.TryGetValue(name, out var expected))
            {
                File.WriteAllText(Path.Combine(dir, Path.GetFileNameWithoutExtension(name) + ReceivedSuffix), text);
                problems.Append($"+ {name}: new file without a golden (see {Path.GetFileNameWithoutExtension(name)}{ReceivedSuffix})\n");
                continue;
            }
            if (expected == text) continue;
            File.WriteAllText(Path.Combine(dir, Path.GetFileNameWithoutExtension(name) + ReceivedSuffix), text);
            problems.Append($"~ {name} differs:\n").Append(Diff(expected, text)).Append('\n');
        }
        if (problems.Length > 0)
            throw new Xunit.Sdk.XunitException(
                $"Snapshot mismatch in {dir}\n{problems}Run with {AcceptVariable}=1 to accept the received files.");
    }

    public static string Normalize(string text) => text.Replace("\r\n", "\n");

    /// <summary>A line diff (longest common subsequence) with 2 lines of context, capped at 80 lines.</summary>
    public static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
            for (int j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var ops = new List<(char Op, int Line, string Text)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { ops.Add((' ', x + 1, a[x])); x++; y++; }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y])) { ops.Add(('+', y + 1, b[y])); y++; }
            else { ops.Add(('-', x + 1, a[x])); x++; }
        }
        var sb = new StringBuilder();
        int shown = 0;
        for (int k = 0; k < ops.Count && shown < 80; k++)
        {
            bool near = false;
            for (int d = -2; d <= 2; d++)
                if (k + d >= 0 && k + d < ops.Count && ops[k + d].Op != ' ') near = true;
            if (!near) continue;
            sb.Append($"  {ops[k].Op} {ops[k].Line,4}: {ops[k].Text}\n");
            shown++;
        }
        return sb.ToString();
    }
}
