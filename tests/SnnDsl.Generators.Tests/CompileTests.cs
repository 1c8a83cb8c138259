using System.Linq;
using System.Text.RegularExpressions;
using SnnDsl.Generators.Tests.Infrastructure;

namespace SnnDsl.Generators.Tests;

/// <summary>Every generated file compiles with no errors and no warnings when added to the compilation.</summary>
public class CompileTests
{
    public static TheoryData<string> TestModelNames => new(TestModels.All.Keys);

    public static TheoryData<string> ZooFiles => new(Zoo.FileNames);

    private static void AssertCompilesCleanly(GeneratorRun run, int expectedModels)
    {
        Assert.True(run.GeneratorDiagnostics.IsEmpty, "Generator diagnostics:\n" + GeneratorHarness.Format(run.GeneratorDiagnostics));
        Assert.All(run.Result.Results, r => Assert.Null(r.Exception));
        Assert.Equal(expectedModels, run.GeneratedSources.Count);
        // A full model (not the built-ins-only fallback) for each declaration.
        Assert.All(run.GeneratedSources, s => Assert.Contains("public sealed class Layer", s.SourceText.ToString()));
        Assert.True(run.CompilerDiagnostics.IsEmpty,
            "The compilation with the generated code has diagnostics:\n" + GeneratorHarness.Format(run.CompilerDiagnostics));
    }

    private static int CountNeurons(string text) => Regex.Matches(text, @"\[Neuron[\](]").Count;

    [Theory]
    [MemberData(nameof(TestModelNames))]
    public void TestModelCompiles(string name)
    {
        string source = TestModels.All[name];
        AssertCompilesCleanly(GeneratorHarness.Run(source), CountNeurons(source));
    }

    [Theory]
    [MemberData(nameof(ZooFiles))]
    public void ZooModelCompiles(string fileName)
    {
        var file = Zoo.File(fileName);
        int count = CountNeurons(file.Text);
        Assert.True(count > 0, $"{fileName} declares no [Neuron]");
        AssertCompilesCleanly(GeneratorHarness.Run(file), count);
    }

    public static TheoryData<string> EncoderFiles => new(Zoo.EncoderFileNames);

    [Theory]
    [MemberData(nameof(EncoderFiles))]
    public void BuiltInEncoderCompiles(string fileName)
    {
        var run = GeneratorHarness.Run(new TestFile(fileName, Zoo.ReadEncoder(fileName)));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.CompilerDiagnostics.IsEmpty, fileName + ":\n" + GeneratorHarness.Format(run.CompilerDiagnostics));
        Assert.NotEmpty(run.GeneratedSources);
        Assert.All(run.GeneratedSources, s => Assert.EndsWith(".Encoder.g.cs", s.HintName));
    }

    [Fact]
    public void WholeZooAndTestModelsCompileTogether()
    {
        var files = Zoo.FileNames.Select(Zoo.File)
            .Concat(TestModels.All.Select(kv => new TestFile(kv.Key + ".cs", kv.Value)))
            .ToArray();
        int count = files.Sum(f => CountNeurons(f.Text));
        Assert.True(count >= 14, $"expected the zoo and the test models, found {count} models");
        var run = GeneratorHarness.Run(files);
        AssertCompilesCleanly(run, count);
        // Hint names are unique and deterministic.
        Assert.Equal(run.GeneratedSources.Count, run.GeneratedSources.Select(s => s.HintName).Distinct().Count());
    }

    [Fact]
    public void ZooIsFoundFromTheSourcePath()
    {
        // Guards the tests above against passing vacuously on an empty directory.
        Assert.Contains("Lif.cs", Zoo.FileNames);
        Assert.True(Zoo.FileNames.Count >= 5);
    }
}
