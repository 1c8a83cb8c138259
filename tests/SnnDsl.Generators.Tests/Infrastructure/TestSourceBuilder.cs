using System.Text;

namespace SnnDsl.Generators.Tests.Infrastructure;

/// <summary>
/// Wraps model declarations into a compilable file (Mapperly's <c>TestSourceBuilder</c>): usings,
/// an optional file-scoped namespace, then the body as written.
/// </summary>
public static class TestSourceBuilder
{
    public const string DefaultNamespace = "SnnDsl.TestModels";

    /// <summary>A file with <c>using System; using SnnDsl;</c> and the body in <paramref name="ns"/> (global namespace when null).</summary>
    public static string File(string body, string? ns = DefaultNamespace)
    {
        var sb = new StringBuilder();
        sb.Append("using System;\n");
        sb.Append("using SnnDsl;\n");
        sb.Append('\n');
        if (ns is not null) sb.Append("namespace ").Append(ns).Append(";\n\n");
        sb.Append(body.Trim('\n', '\r')).Append('\n');
        return sb.ToString().Replace("\r\n", "\n");
    }

    /// <summary>A <c>[Neuron]</c> partial record with the given parameter list and members.</summary>
    public static string Neuron(string name, string parameters, string members, string attribute = "[Neuron]", string? ns = DefaultNamespace) =>
        File($"{attribute}\npublic partial record {name}({parameters})\n{{\n{Indent(members.Trim('\n', '\r'))}\n}}", ns);

    private static string Indent(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
            if (lines[i].Length > 0) lines[i] = "    " + lines[i];
        return string.Join("\n", lines);
    }
}
