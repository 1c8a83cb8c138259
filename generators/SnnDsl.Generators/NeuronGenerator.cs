using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SnnDsl.Model;
using SnnDsl.Model.Diagnostics;
using SnnDsl.Model.Extraction;
using SnnDsl.Model.Ir;

namespace SnnDsl.Generators;

/// <summary>
/// The <c>[Neuron]</c> pipeline: Discover + Extract (symbols to an equatable model and located
/// diagnostics), Lower (model to kernel plan), Emit (plan to C#). Diagnostics travel beside the
/// model and are reported on their own, so a message change never re-emits code.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NeuronGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline stages, for incremental-caching tests.</summary>
    public static class Stages
    {
        public const string Extract = "SnnDsl.Neuron.Extract";
        public const string Diagnostics = "SnnDsl.Neuron.Diagnostics";
        public const string Lower = "SnnDsl.Neuron.Lower";
        public const string Emit = "SnnDsl.Neuron.Emit";
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var extracted = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeNames.Neuron,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, ct) => Extracted.From((INamedTypeSymbol)ctx.TargetSymbol, ctx.TargetNode, ctx.Attributes[0], ct))
            .WithTrackingName(Stages.Extract);

        var diagnostics = extracted
            .Select(static (e, _) => e.Result.Diagnostics)
            .WithTrackingName(Stages.Diagnostics);
        // The compilation only maps each file path back to its syntax tree, so the diagnostic is in
        // source; this output re-runs on every edit but only walks the (usually empty) list.
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (spc, pair) =>
        {
            foreach (var d in pair.Left) spc.ReportDiagnostic(d.ToDiagnostic(pair.Right));
        });

        var plans = extracted
            .Select(static (e, _) => Guard.Run(e.Where, e.Name, () => e.Result.Value is { } model ? Lower.Run(model) : null,
                (plan, failure) => new Planned(plan, e.Shell, failure, e.Where)))
            .WithTrackingName(Stages.Lower);

        var sources = plans
            .Select(static (p, _) => p.Plan is { } plan
                ? Guard.Run(p.Where, plan.Model.Name, () => new Source(Emitter.HintName(plan.Model), Emitter.Emit(plan), null),
                    (source, failure) => source ?? ShellSource(p.Shell, failure))
                : ShellSource(p.Shell, p.Failure))
            .WithTrackingName(Stages.Emit);

        context.RegisterSourceOutput(sources, static (spc, source) =>
        {
            if (source is null) return;
            if (source.Failure is { } failure) spc.ReportDiagnostic(failure.ToDiagnostic());
            if (source.Text.Length > 0) spc.AddSource(source.HintName, source.Text);
        });
    }

    private static Source? ShellSource(Shell? shell, DiagnosticInfo? failure) =>
        shell is null
            ? (failure is null ? null : new Source("", "", failure))
            : new Source(shell.FullName + ".Neuron.g.cs", Emitter.EmitBuiltInsOnly(shell.Namespace, shell.ContainingTypes.ToList(), shell.Name, shell.Dt), failure);

    /// <summary>What the generator needs to add Dt and Spiked to a model that has errors.</summary>
    internal sealed record Shell(string Namespace, EquatableArray<ContainingType> ContainingTypes, string Name, double Dt)
    {
        public string FullName => Names.Full(Namespace, ContainingTypes, Name);
    }

    internal sealed record Extracted(Result<ModelSpec> Result, Shell? Shell, LocationInfo? Where, string Name)
    {
        /// <summary>A duplicate discovery of a model already extracted from another partial declaration.</summary>
        private static readonly Extracted Duplicate = new(new Result<ModelSpec>(null, EquatableArray<DiagnosticInfo>.Empty), null, null, "");

        public static Extracted From(INamedTypeSymbol type, SyntaxNode target, AttributeData attribute, System.Threading.CancellationToken ct)
        {
            // [Neuron] on two partial declarations (C# reports CS0579) makes the type a target twice:
            // extract it only for the declaration that carries the first [Neuron], or the second AddSource
            // with the same hint name fails the whole generator.
            var first = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == AttributeNames.Neuron)?.ApplicationSyntaxReference;
            if (first is not null && !(first.SyntaxTree == target.SyntaxTree && target.Span.Contains(first.Span))) return Duplicate;

            var result = ModelExtractor.ExtractNeuron(type, attribute, ct);
            Shell? shell = null;
            if (ModelExtractor.CanHostBuiltIns(type, ct, out var containing))
            {
                double dt = attribute.NamedArguments.FirstOrDefault(kv => kv.Key == "Dt").Value.Value is float f ? f : 1.0;
                string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
                shell = new Shell(ns, containing, type.Name, dt);
            }
            return new Extracted(result, shell, LocationInfo.From(type.Locations.FirstOrDefault()), type.Name);
        }
    }

    internal sealed record Planned(KernelPlan? Plan, Shell? Shell, DiagnosticInfo? Failure, LocationInfo? Where);

    /// <summary>A generated file (empty text: none), and the internal failure to report, if any.</summary>
    internal sealed record Source(string HintName, string Text, DiagnosticInfo? Failure);
}
