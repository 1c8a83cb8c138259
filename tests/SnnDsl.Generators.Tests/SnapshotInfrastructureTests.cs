using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SnnDsl.Generators.Tests.Infrastructure;

namespace SnnDsl.Generators.Tests;

/// <summary>The golden-file machinery itself: mismatches fail and leave received files, accept rewrites and prunes.</summary>
public sealed class SnapshotInfrastructureTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "snndsl-snapshot-" + Guid.NewGuid().ToString("N"));

    public SnapshotInfrastructureTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void MatchingFilesPass()
    {
        File.WriteAllText(PathOf("A.cs.txt"), "same\r\ntext\n");
        Snapshot.VerifyIn(_dir, new Dictionary<string, string> { ["A.cs.txt"] = "same\ntext\n" }, accept: false);
        Assert.False(File.Exists(PathOf("A.cs.received.txt")));
    }

    [Fact]
    public void MismatchFailsWithDiffAndWritesReceived()
    {
        File.WriteAllText(PathOf("A.cs.txt"), "one\ntwo\nthree\n");
        var ex = Assert.ThrowsAny<Exception>(() =>
            Snapshot.VerifyIn(_dir, new Dictionary<string, string> { ["A.cs.txt"] = "one\nTWO\nthree\n" }, accept: false));
        Assert.Contains("-    2: two", ex.Message);
        Assert.Contains("+    2: TWO", ex.Message);
        Assert.Equal("one\nTWO\nthree\n", File.ReadAllText(PathOf("A.cs.received.txt")));
        Assert.Equal("one\ntwo\nthree\n", File.ReadAllText(PathOf("A.cs.txt")));
    }

    [Fact]
    public void MissingAndExtraFilesFail()
    {
        File.WriteAllText(PathOf("Gone.cs.txt"), "x\n");
        var ex = Assert.ThrowsAny<Exception>(() =>
            Snapshot.VerifyIn(_dir, new Dictionary<string, string> { ["New.cs.txt"] = "y\n" }, accept: false));
        Assert.Contains("Gone.cs.txt", ex.Message);
        Assert.Contains("New.cs.txt", ex.Message);
        Assert.True(File.Exists(PathOf("New.cs.received.txt")));
    }

    [Fact]
    public void AcceptRewritesGoldensAndDeletesStaleOnes()
    {
        File.WriteAllText(PathOf("Gone.cs.txt"), "x\n");
        File.WriteAllText(PathOf("A.cs.txt"), "old\n");
        File.WriteAllText(PathOf("A.cs.received.txt"), "leftover\n");
        Snapshot.VerifyIn(_dir, new Dictionary<string, string> { ["A.cs.txt"] = "new\n", ["diagnostics.txt"] = "(none)\n" }, accept: true);
        Assert.Equal(new[] { "A.cs.txt", "diagnostics.txt" }, Array.ConvertAll(Directory.GetFiles(_dir), Path.GetFileName!).Order(StringComparer.Ordinal));
        Assert.Equal("new\n", File.ReadAllText(PathOf("A.cs.txt")));
        // And the accepted goldens now pass.
        Snapshot.VerifyIn(_dir, new Dictionary<string, string> { ["A.cs.txt"] = "new\n", ["diagnostics.txt"] = "(none)\n" }, accept: false);
    }

    [Theory]
    [InlineData(null, null, false)]
    [InlineData("0", null, false)]
    [InlineData("1", null, true)]
    [InlineData("1", "false", true)]
    public void AcceptIsReadFromTheEnvironment(string? accept, string? ci, bool expected)
    {
        var env = new Dictionary<string, string?> { [Snapshot.AcceptVariable] = accept, ["CI"] = ci };
        Assert.Equal(expected, Snapshot.IsAccepting(n => env.GetValueOrDefault(n)));
    }

    [Fact]
    public void AcceptIsRefusedOnCi()
    {
        var env = new Dictionary<string, string?> { [Snapshot.AcceptVariable] = "1", ["CI"] = "true" };
        var ex = Assert.ThrowsAny<Exception>(() => Snapshot.IsAccepting(n => env.GetValueOrDefault(n)));
        Assert.Contains("CI=true", ex.Message);
    }
}
