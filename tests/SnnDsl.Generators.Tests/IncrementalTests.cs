using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using SnnDsl.Generators.Tests.Infrastructure;

namespace SnnDsl.Generators.Tests;

/// <summary>
/// Incremental caching: after an edit, the run reason of every pipeline stage for every model,
/// as a table (Mapperly's IncrementalGeneratorTest).
/// </summary>
public class IncrementalTests
{
    public enum Edit
    {
        /// <summary>A new file with an unrelated type.</summary>
        AddUnrelatedTree,
        /// <summary>A comment edited inside model A's body.</summary>
        EditCommentInA,
        /// <summary>One parameter default of model A changed (TauMem = 10f -> 20f).</summary>
        ChangeParameterDefaultOfA,
        /// <summary>A literal of model A's equation changed, which changes its kernel.</summary>
        ChangeEquationOfA,
        /// <summary>The [Neuron(Dt = ...)] of model A changed, which changes the emitted default.</summary>
        ChangeDtOfA,
        /// <summary>A comment edited inside model C, which has an SNN error: its diagnostic moves.</summary>
        EditCommentInBrokenC,
    }

    private const string Output = "SnnDsl.Neuron.SourceOutput";

    private static readonly string ModelA = TestModels.Lif.Replace("[State] public float V;", "// membrane\n    [State] public float V;");
    private static readonly string ModelB = TestModels.Leaky;
    private static readonly string ModelC = TestSourceBuilder.Neuron("Broken", "float Tau = 10f", """
        // a comment
        [State] public float V;

        [Derivative(nameof(V))]
        public float Dv(float input) => (-V + input) / Tau + V % 2f;

        [SpikeWhen]
        public bool Fires => V >= 1f;
        """);

    private static Compilation Apply(Compilation c, Edit edit)
    {
        Compilation Replace(string path, Func<string, string> change)
        {
            var tree = c.SyntaxTrees.Single(t => t.FilePath == path);
            string text = tree.GetText().ToString();
            string changed = change(text);
            Assert.NotEqual(text, changed);
            return c.ReplaceSyntaxTree(tree, GeneratorHarness.Parse(new TestFile(path, changed)));
        }
        return edit switch
        {
            Edit.AddUnrelatedTree => c.AddSyntaxTrees(GeneratorHarness.Parse(new TestFile("Unrelated.cs", "namespace Other; public sealed class Unrelated { public int X => 1; }"))),
            Edit.EditCommentInA => Replace("A.cs", t => t.Replace("// membrane", "// membrane potential, in mV")),
            Edit.ChangeParameterDefaultOfA => Replace("A.cs", t => t.Replace("TauMem = 10f", "TauMem = 20f")),
            Edit.ChangeEquationOfA => Replace("A.cs", t => t.Replace("(-V + input) / TauMem", "(-V + 2f * input) / TauMem")),
            Edit.ChangeDtOfA => Replace("A.cs", t => t.Replace("[Neuron]", "[Neuron(Dt = 0.5f)]")),
            Edit.EditCommentInBrokenC => Replace("C.cs", t => t.Replace("// a comment", "// a longer comment that moves the diagnostic")),
            _ => throw new ArgumentOutOfRangeException(nameof(edit)),
        };
    }

    private static string ModelOf(object? value) => value switch
    {
        NeuronGenerator.Extracted e => e.Result.Value?.Name ?? e.Shell?.Name ?? "?",
        NeuronGenerator.Planned p => p.Plan?.Model.Name ?? p.Shell?.Name ?? "?",
        NeuronGenerator.Source s => s.HintName.Split('.')[^4],
        _ => "?",
    };

    /// <summary>stage -> model -> reason of its output in the second run.</summary>
    private static Dictionary<(string Stage, string Model), IncrementalStepRunReason> Reasons(Edit edit)
    {
        var c1 = GeneratorHarness.CreateCompilation(new TestFile("A.cs", ModelA), new TestFile("B.cs", ModelB), new TestFile("C.cs", ModelC));
        var driver = GeneratorHarness.CreateDriver().RunGenerators(c1);
        var first = driver.GetRunResult();
        Assert.Equal(3, first.Results[0].GeneratedSources.Length);
        var c2 = Apply(c1, edit);
        driver = driver.RunGenerators(c2);
        var result = driver.GetRunResult().Results[0];
        Assert.Null(result.Exception);

        var reasons = new Dictionary<(string, string), IncrementalStepRunReason>();
        foreach (var stage in new[] { NeuronGenerator.Stages.Extract, NeuronGenerator.Stages.Lower, NeuronGenerator.Stages.Emit })
            foreach (var step in result.TrackedSteps[stage])
                foreach (var (value, reason) in step.Outputs)
                    reasons.Add((stage, ModelOf(value)), reason);
        // The code output: the RegisterSourceOutput step fed by Emit (values are Source).
        foreach (var step in result.TrackedOutputSteps["SourceOutput"])
            foreach (var input in step.Inputs)
                if (input.Source.Name == NeuronGenerator.Stages.Emit)
                    reasons.Add((Output, ModelOf(input.Source.Outputs[input.OutputIndex].Value)), step.Outputs.Length == 0 ? input.Source.Outputs[input.OutputIndex].Reason : step.Outputs[0].Reason);
        return reasons;
    }

    private const IncrementalStepRunReason C = IncrementalStepRunReason.Cached;
    private const IncrementalStepRunReason U = IncrementalStepRunReason.Unchanged;
    private const IncrementalStepRunReason M = IncrementalStepRunReason.Modified;

    private const string Extract = NeuronGenerator.Stages.Extract;
    private const string Lower = NeuronGenerator.Stages.Lower;
    private const string Emit = NeuronGenerator.Stages.Emit;

    /// <summary>
    /// Expected run reasons. Extract re-runs for every model on any compilation change (it reads the
    /// semantic model) and must then report Unchanged unless the model itself changed; later stages
    /// must be Cached when their input is unchanged. Lif = A (edited), Leaky = B, Broken = C (has an SNN error).
    /// </summary>
    private static readonly (Edit Edit, string Stage, IncrementalStepRunReason A, IncrementalStepRunReason B, IncrementalStepRunReason C)[] Table =
    {
        //  edit                           stage    A (Lif)  B (Leaky)  C (Broken)
        (Edit.AddUnrelatedTree,            Extract, U,       U,         U),
        (Edit.AddUnrelatedTree,            Lower,   C,       C,         C),
        (Edit.AddUnrelatedTree,            Emit,    C,       C,         C),
        (Edit.AddUnrelatedTree,            Output,  C,       C,         C),

        (Edit.EditCommentInA,              Extract, U,       U,         U),
        (Edit.EditCommentInA,              Lower,   C,       C,         C),
        (Edit.EditCommentInA,              Emit,    C,       C,         C),
        (Edit.EditCommentInA,              Output,  C,       C,         C),

        // The layer reads parameter values from the model instance, so a new default re-lowers A
        // but emits the same text: Emit reports Unchanged and nothing is re-added.
        (Edit.ChangeParameterDefaultOfA,   Extract, M,       U,         U),
        (Edit.ChangeParameterDefaultOfA,   Lower,   M,       C,         C),
        (Edit.ChangeParameterDefaultOfA,   Emit,    U,       C,         C),
        (Edit.ChangeParameterDefaultOfA,   Output,  C,       C,         C),

        (Edit.ChangeEquationOfA,           Extract, M,       U,         U),
        (Edit.ChangeEquationOfA,           Lower,   M,       C,         C),
        (Edit.ChangeEquationOfA,           Emit,    M,       C,         C),
        (Edit.ChangeEquationOfA,           Output,  M,       C,         C),

        (Edit.ChangeDtOfA,                 Extract, M,       U,         U),
        (Edit.ChangeDtOfA,                 Lower,   M,       C,         C),
        (Edit.ChangeDtOfA,                 Emit,    M,       C,         C),
        (Edit.ChangeDtOfA,                 Output,  M,       C,         C),

        // C's diagnostic moves (its location is part of the extracted value), but its built-ins-only
        // plan is equal, so no code is re-emitted.
        (Edit.EditCommentInBrokenC,        Extract, U,       U,         M),
        (Edit.EditCommentInBrokenC,        Lower,   C,       C,         U),
        (Edit.EditCommentInBrokenC,        Emit,    C,       C,         C),
        (Edit.EditCommentInBrokenC,        Output,  C,       C,         C),
    };

    public static TheoryData<Edit> Edits => new(Enum.GetValues<Edit>());

    [Theory]
    [MemberData(nameof(Edits))]
    public void RunReasonsAfterEdit(Edit edit)
    {
        var actual = Reasons(edit);
        var rows = Table.Where(r => r.Edit == edit).ToList();
        Assert.Equal(4, rows.Count);
        var expected = new Dictionary<(string, string), IncrementalStepRunReason>();
        foreach (var r in rows)
        {
            expected[(r.Stage, "Lif")] = r.A;
            expected[(r.Stage, "Leaky")] = r.B;
            expected[(r.Stage, "Broken")] = r.C;
        }
        string Show(Dictionary<(string, string), IncrementalStepRunReason> d) =>
            string.Join("\n", d.OrderBy(k => k.Key.Item1, StringComparer.Ordinal).ThenBy(k => k.Key.Item2, StringComparer.Ordinal)
                .Select(k => $"  {k.Key.Item1,-30} {k.Key.Item2,-7} {k.Value}"));
        Assert.True(expected.Count == actual.Count && expected.All(kv => actual.TryGetValue(kv.Key, out var a) && a == kv.Value),
            $"Run reasons after {edit}:\nexpected\n{Show(expected)}\nactual\n{Show(actual)}");
    }

    [Fact]
    public void EditedModelIsRegeneratedWithTheNewText()
    {
        // The cached run must still produce the edited model's new code and keep the others.
        var c1 = GeneratorHarness.CreateCompilation(new TestFile("A.cs", ModelA), new TestFile("B.cs", ModelB), new TestFile("C.cs", ModelC));
        var driver = GeneratorHarness.CreateDriver().RunGenerators(c1);
        string before = driver.GetRunResult().Results[0].GeneratedSources.Single(s => s.HintName.Contains(".Lif.")).SourceText.ToString();
        driver = driver.RunGenerators(Apply(c1, Edit.ChangeDtOfA));
        var sources = driver.GetRunResult().Results[0].GeneratedSources;
        Assert.Equal(3, sources.Length);
        string after = sources.Single(s => s.HintName.Contains(".Lif.")).SourceText.ToString();
        Assert.Contains("public float Dt { get; init; } = 1f;", before);
        Assert.Contains("public float Dt { get; init; } = 0.5f;", after);
    }
}
