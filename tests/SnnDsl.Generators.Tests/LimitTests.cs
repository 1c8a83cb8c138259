using System;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using SnnDsl.Generators.Tests.Infrastructure;
using SnnDsl.Model.Ir;

namespace SnnDsl.Generators.Tests;

/// <summary>
/// Expressions the generator must survive (issue 13): a 12,000-term equation (a stack overflow in the
/// extractor before), deep parentheses, and chains of sub-expressions that read the previous one
/// twice (2^k expansion before). Each gives code that compiles or the located SNN0027, in seconds,
/// and never a crash. The generator runs on a thread with a 1 MB stack (the default of compiler
/// threads on Windows; smaller than the test host's), so a recursion that needs more fails here.
/// On the old code the 12,000-term test kills the test host with a stack overflow (it cannot be
/// caught); the sub-expression test fails its time bound.
/// </summary>
public class LimitTests
{
    private const int OneMegabyte = 1 << 20;

    private static GeneratorRun RunOnSmallStack(string source, TimeSpan limit)
    {
        var compilation = GeneratorHarness.CreateCompilation(new TestFile("Fixture.cs", source));
        GeneratorRun? run = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try { run = GeneratorHarness.Run(compilation); }
            catch (Exception ex) { error = ex; }
        }, OneMegabyte) { IsBackground = true };
        var clock = Stopwatch.StartNew();
        thread.Start();
        Assert.True(thread.Join(limit), $"The generator did not finish within {limit.TotalSeconds} s");
        Assert.Null(error);
        Assert.All(run!.Result.Results, r => Assert.Null(r.Exception));
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id is "SNN0018" or "CS8785");
        return run;
    }

    private static string Model(string equation, string helpers = "") => TestSourceBuilder.Neuron("Big", "float TauMem = 10f, float Threshold = 1f", $$"""
        [State] public float V;
        {{helpers}}
        [Derivative(nameof(V))]
        public float Dv(float input) => {{equation}};

        [SpikeWhen]
        public bool Fires => V >= Threshold;
        """);

    /// <summary>Asserts exactly one SNN0027, spanning <paramref name="expected"/> in the source, and no compiler errors in the output.</summary>
    private static Diagnostic AssertTooLarge(GeneratorRun run, string source, string expected)
    {
        var d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SNN0027", d.Id);
        Assert.True(d.Location.IsInSource);
        Assert.Equal(expected, source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
        // No follow-on errors: the built-ins-only file still gives the model Dt and Spiked.
        Assert.Empty(run.Output.GetDiagnostics().Where(x => x.Severity == DiagnosticSeverity.Error));
        return d;
    }

    [Fact]
    public void TwelveThousandTermSumIsALocatedError()
    {
        string sum = string.Join(" + ", Enumerable.Repeat("input", 12_000));
        string source = Model(sum);
        var run = RunOnSmallStack(source, TimeSpan.FromSeconds(60));
        var d = AssertTooLarge(run, source, sum);
        Assert.Equal("'Dv' is too large to compile: it nests 11999 operations deep, more than the limit of 400; split it into helper members (e.g. sums of at most a few hundred terms each) and combine those",
            d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void TwelveThousandTermsSplitIntoHelpersCompile()
    {
        // The advice of the message works: 40 helpers of 300 terms each, added in one equation.
        var helpers = new StringBuilder();
        for (int i = 0; i < 40; i++)
            helpers.Append($"private float H{i}(float x) => {string.Join(" + ", Enumerable.Repeat("x * 0.001f", 300))};\n");
        string source = Model(string.Join(" + ", Enumerable.Range(0, 40).Select(i => $"H{i}(input)")) + " - V", helpers.ToString());
        var run = RunOnSmallStack(source, TimeSpan.FromSeconds(120));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Output.GetDiagnostics().Where(x => x.Severity == DiagnosticSeverity.Error));
        Assert.Contains("public sealed class Layer", Assert.Single(run.GeneratedSources).SourceText.ToString());
    }

    [Theory]
    [InlineData("Auto")]
    [InlineData("Euler")]
    [InlineData("Rk2")]
    [InlineData("Rk4")]
    public void DeepestAllowedEquationCompilesUnderEveryIntegrator(string integrator)
    {
        // 396 operations deep (the limit is 400), nonlinear: extraction, simplification, linearity,
        // the integrator's substitutions, differentiation for the backward pass, CSE and printing all run
        // on the deep tree, on a 1 MB stack.
        string equation = "-V + input + " + string.Join(" + ", Enumerable.Repeat("0.0001f * V * V", 392));
        string source = Model(equation).Replace("[Neuron]", $"[Neuron(Integrator = Integrator.{integrator})]");
        var run = RunOnSmallStack(source, TimeSpan.FromSeconds(120));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Output.GetDiagnostics().Where(x => x.Severity == DiagnosticSeverity.Error));
        Assert.Contains("public sealed class Layer", Assert.Single(run.GeneratedSources).SourceText.ToString());
    }

    [Theory]
    [InlineData("(", ")")]      // nested parentheses around a right operand: a right-deep chain
    [InlineData("MathF.Abs(", ")")]
    public void DeeplyNestedRightOperandsAreALocatedError(string open, string close)
    {
        const int n = 2_000;
        var sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.Append("input - ").Append(open);
        sb.Append("input");
        for (int i = 0; i < n; i++) sb.Append(close);
        string equation = sb.ToString();
        string source = Model(equation);
        var run = RunOnSmallStack(source, TimeSpan.FromSeconds(60));
        AssertTooLarge(run, source, equation);
    }

    private static string Doubling(int k)
    {
        var helpers = new StringBuilder("private float S1 => V + V;\n");
        for (int i = 2; i <= k; i++) helpers.Append($"private float S{i} => S{i - 1} * S{i - 1};\n");
        return Model($"(-V + input) / TauMem + 0.000001f * S{k}", helpers.ToString());
    }

    [Fact]
    public void DoublingSubExpressionChainK24IsALocatedErrorInSeconds()
    {
        // 2^24 copies of V after inlining: 75-103 s at k = 20 and out of memory at k = 24 before.
        string source = Doubling(24);
        var clock = Stopwatch.StartNew();
        var run = RunOnSmallStack(source, TimeSpan.FromSeconds(20));
        var d = AssertTooLarge(run, source, "(-V + input) / TauMem + 0.000001f * S24");
        string message = d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(message.Contains("with its sub-expressions inlined it has 33554440 nodes, more than the limit of 100000"), message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public void DoublingSubExpressionChainWithinTheLimitCompiles()
    {
        // k = 14: 2^15 - 1 nodes in S14, within the limit.
        var run = RunOnSmallStack(Doubling(14), TimeSpan.FromSeconds(60));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Output.GetDiagnostics().Where(x => x.Severity == DiagnosticSeverity.Error));
        Assert.Contains("public sealed class Layer", Assert.Single(run.GeneratedSources).SourceText.ToString());
    }

    [Fact]
    public void RecursivePassesRunShortOfStackAsAnExceptionThatBecomesSNN0027()
    {
        // The backstop behind the depth limit: a recursive pass over a deeper tree than the stack holds
        // throws InsufficientExecutionStackException (catchable), which the pipeline reports as SNN0027.
        Expr deep = new Sym(SymKind.State, "V");
        for (int i = 0; i < 200_000; i++) deep = new Binary(BinOp.Add, new Num(1), deep);
        foreach (var pass in new Action[]
        {
            () => SnnDsl.Model.Symbolic.Algebra.Simplify(deep),
            () => SnnDsl.Model.Symbolic.Algebra.Diff(deep, new Sym(SymKind.State, "V")),
            () => Infix.Print(deep),
            () => KernelPrinter.Print(deep),
            () => DoublePrinter.Print(deep),
        })
        {
            Exception? caught = null;
            var thread = new Thread(() => { try { pass(); } catch (Exception ex) { caught = ex; } }, 256 * 1024);
            thread.Start();
            thread.Join();
            Assert.IsType<InsufficientExecutionStackException>(caught);
        }
        var d = SnnDsl.Model.Extraction.ModelExtractor.Failure(null, "Big", new InsufficientExecutionStackException());
        Assert.Equal("SNN0027", d.Id);
        Assert.Equal("SNN0018", SnnDsl.Model.Extraction.ModelExtractor.Failure(null, "Big", new InvalidOperationException("x")).Id);
    }

    [Fact]
    public void MeasureCountsTheExpandedTreeInLinearTime()
    {
        Expr e = new Sym(SymKind.State, "V");
        for (int i = 0; i < 70; i++) e = new Binary(BinOp.Mul, e, e);
        var (nodes, depth) = ExprLimits.Measure(e);
        Assert.Equal(71, depth);
        Assert.Equal(long.MaxValue / 2, nodes); // saturated, not overflowed
        Expr chain = new Num(1);
        for (int i = 0; i < 100_000; i++) chain = new Binary(BinOp.Add, chain, new Num(i));
        Assert.Equal((200_001L, 100_001), ExprLimits.Measure(chain));
    }
}
