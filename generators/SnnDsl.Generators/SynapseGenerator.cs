using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SnnDsl.Model;
using SnnDsl.Model.Diagnostics;
using SnnDsl.Model.Extraction;
using SnnDsl.Model.Ir;

namespace SnnDsl.Generators;

/// <summary>
/// The <c>[Synapse]</c> pipeline: Extract (symbols to an equatable <see cref="SynapseSpec"/> and
/// located diagnostics), Lower (through the neuron lowering: same integrators and exact
/// propagators), Emit (the model's <c>Targets</c> type). Diagnostics are reported on their own,
/// as in <see cref="NeuronGenerator"/>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class SynapseGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline stages.</summary>
    public static class Stages
    {
        public const string Extract = "SnnDsl.Synapse.Extract";
        public const string Diagnostics = "SnnDsl.Synapse.Diagnostics";
        public const string Lower = "SnnDsl.Synapse.Lower";
        public const string Emit = "SnnDsl.Synapse.Emit";
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var extracted = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                SynapseAttributeNames.Synapse,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, ct) => Extracted.From((INamedTypeSymbol)ctx.TargetSymbol, ctx.TargetNode, ct))
            .WithTrackingName(Stages.Extract);

        var diagnostics = extracted
            .Select(static (e, _) => e.Result.Diagnostics)
            .WithTrackingName(Stages.Diagnostics);
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (spc, pair) =>
        {
            foreach (var d in pair.Left) spc.ReportDiagnostic(d.ToDiagnostic(pair.Right));
        });

        var plans = extracted
            .Select(static (e, _) => Guard.Run(e.Where, e.Name, () => e.Result.Value is { } model ? SynapseLower.Run(model) : null,
                (plan, failure) => new Planned(plan, e.Shell, failure, e.Where)))
            .WithTrackingName(Stages.Lower);

        var sources = plans
            .Select(static (p, _) => p.Plan is { } plan
                ? Guard.Run(p.Where, plan.Synapse.Dynamics.Name,
                    () => new NeuronGenerator.Source(SynapseEmitter.HintName(plan.Synapse.FullName), SynapseEmitter.Emit(plan), null),
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

    private static NeuronGenerator.Source? ShellSource(Shell? shell, DiagnosticInfo? failure) =>
        shell is null
            ? (failure is null ? null : new NeuronGenerator.Source("", "", failure))
            : new NeuronGenerator.Source(SynapseEmitter.HintName(shell.FullName),
                SynapseEmitter.EmitBuiltInsOnly(shell.Namespace, shell.ContainingTypes.ToList(), shell.Name, shell.Dt), failure);

    internal sealed record Shell(string Namespace, EquatableArray<ContainingType> ContainingTypes, string Name, double Dt)
    {
        public string FullName => Names.Full(Namespace, ContainingTypes, Name);
    }

    internal sealed record Extracted(Result<SynapseSpec> Result, Shell? Shell, LocationInfo? Where, string Name)
    {
        private static readonly Extracted Duplicate = new(new Result<SynapseSpec>(null, EquatableArray<DiagnosticInfo>.Empty), null, null, "");

        public static Extracted From(INamedTypeSymbol type, SyntaxNode target, System.Threading.CancellationToken ct)
        {
            // [Synapse] repeated on partial declarations: extract once (see NeuronGenerator.Extracted.From).
            var attribute = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == SynapseAttributeNames.Synapse);
            var first = attribute?.ApplicationSyntaxReference;
            if (attribute is null || (first is not null && !(first.SyntaxTree == target.SyntaxTree && target.Span.Contains(first.Span)))) return Duplicate;

            var result = ModelExtractor.ExtractSynapse(type, attribute, ct);
            Shell? shell = null;
            if (ModelExtractor.CanHostBuiltIns(type, ct, out var containing, "Dt"))
            {
                double dt = attribute.NamedArguments.FirstOrDefault(kv => kv.Key == "Dt").Value.Value is float f ? f : 1.0;
                string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
                shell = new Shell(ns, containing, type.Name, dt);
            }
            return new Extracted(result, shell, LocationInfo.From(type.Locations.FirstOrDefault()), type.Name);
        }
    }

    internal sealed record Planned(SynapsePlan? Plan, Shell? Shell, DiagnosticInfo? Failure, LocationInfo? Where);
}
