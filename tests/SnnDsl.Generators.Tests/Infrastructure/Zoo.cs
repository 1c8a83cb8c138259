using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace SnnDsl.Generators.Tests.Infrastructure;

/// <summary>The neuron zoo of src/SnnDsl/Neurons, read from disk so the tests follow the real declarations.</summary>
public static class Zoo
{
    public static string Directory => Path.Combine(RepoPaths.RepoRoot, "src", "SnnDsl", "Neurons");

    public static IReadOnlyList<string> FileNames =>
        System.IO.Directory.GetFiles(Directory, "*.cs").Select(Path.GetFileName).OrderBy(n => n, System.StringComparer.Ordinal).ToList()!;

    /// <summary>
    /// The file's text, moved from <c>SnnDsl.Neurons</c> to <c>SnnDsl.Neurons.FromSource</c>: the
    /// referenced SnnDsl.dll already contains the compiled zoo, and the same full names in source
    /// would conflict with the imported types (CS0436).
    /// </summary>
    public static string Read(string fileName) =>
        System.IO.File.ReadAllText(Path.Combine(Directory, fileName)).Replace("\r\n", "\n")
            .Replace("namespace SnnDsl.Neurons;", "namespace SnnDsl.Neurons.FromSource;");

    public static TestFile File(string fileName) => new(fileName, Read(fileName));

    /// <summary>The built-in encoders in <c>src/SnnDsl/Encoders</c>.</summary>
    public static string EncoderDirectory => Path.Combine(RepoPaths.RepoRoot, "src", "SnnDsl", "Encoders");

    public static IReadOnlyList<string> EncoderFileNames =>
        System.IO.Directory.GetFiles(EncoderDirectory, "*.cs").Select(Path.GetFileName).OrderBy(n => n, System.StringComparer.Ordinal).ToList()!;

    /// <summary>An encoder file moved to <c>SnnDsl.Encoders.FromSource</c> (see <see cref="Read"/>).</summary>
    public static string ReadEncoder(string fileName) =>
        System.IO.File.ReadAllText(Path.Combine(EncoderDirectory, fileName)).Replace("\r\n", "\n")
            .Replace("namespace SnnDsl.Encoders;", "namespace SnnDsl.Encoders.FromSource;");
}
