using System;
using System.IO;
using System.Runtime.CompilerServices;

namespace SnnDsl.Generators.Tests.Infrastructure;

/// <summary>Paths in the source tree, found from this file's compile-time path so tests work from bin.</summary>
public static class RepoPaths
{
    /// <summary>The test project directory (where Snapshots/ lives).</summary>
    public static string TestProjectDirectory { get; } = FindTestProject();

    /// <summary>The repository root: the nearest ancestor of the test project that holds SnnDsl.sln.</summary>
    public static string RepoRoot { get; } = FindRoot(TestProjectDirectory)
        ?? throw new InvalidOperationException("SnnDsl.sln not found above " + TestProjectDirectory);

    public static string Snapshots => Path.Combine(TestProjectDirectory, "Snapshots");

    private static string ThisFile([CallerFilePath] string path = "") => path;

    private static string FindTestProject()
    {
        // [CallerFilePath] is the source path, unless the build maps paths (ContinuousIntegrationBuild / PathMap
        // turns it into /_/...): then walk up from the output directory instead.
        string fromSource = Path.GetDirectoryName(Path.GetDirectoryName(ThisFile())!)!;
        if (File.Exists(Path.Combine(fromSource, "SnnDsl.Generators.Tests.csproj"))) return fromSource;
        string root = FindRoot(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException($"Cannot find the test project from '{fromSource}' or '{AppContext.BaseDirectory}'");
        return Path.Combine(root, "tests", "SnnDsl.Generators.Tests");
    }

    private static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SnnDsl.sln"))) return dir.FullName;
        return null;
    }
}
