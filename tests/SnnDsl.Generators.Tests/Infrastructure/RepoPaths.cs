using System;
using System.IO;
using System.Runtime.CompilerServices;

namespace SnnDsl.Generators.Tests.Infrastructure;

/// <summary>Paths in the source tree, found from this file's compile-time path so tests work from bin.</summary>
public static class RepoPaths
{
    /// <summary>The test project directory (where Snapshots/ lives).</summary>
    public static string TestProjectDirectory { get; } = Path.GetDirectoryName(Path.GetDirectoryName(ThisFile())!)!;

    /// <summary>The repository root: the nearest ancestor that holds SnnDsl.sln.</summary>
    public static string RepoRoot { get; } = FindRoot();

    public static string Snapshots => Path.Combine(TestProjectDirectory, "Snapshots");

    private static string ThisFile([CallerFilePath] string path = "") => path;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(TestProjectDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SnnDsl.sln"))) return dir.FullName;
        throw new InvalidOperationException("SnnDsl.sln not found above " + TestProjectDirectory);
    }
}
