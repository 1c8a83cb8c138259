using System;
using System.IO;

namespace SnnDsl.Tests.Data;

/// <summary>A fresh temporary directory per test class instance, deleted afterwards.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "snndsl-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>Finds files of the repository from the test binaries, so tests run on a fresh clone.</summary>
public static class RepoPaths
{
    /// <summary>The folder holding SnnDsl.sln, found by walking up from the test assembly's folder.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "SnnDsl.sln"))) return dir.FullName;
            }

            throw new DirectoryNotFoundException($"No folder above {AppContext.BaseDirectory} contains SnnDsl.sln.");
        }
    }

    public static string Mnist10k => System.IO.Path.Combine(Root, "samples", "data", "mnist-10k");
}
