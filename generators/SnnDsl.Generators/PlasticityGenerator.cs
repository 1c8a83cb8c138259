using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SnnDsl.Model;
using SnnDsl.Model.Diagnostics;
using SnnDsl.Model.Extraction;
using SnnDsl.Model.Ir;

namespace SnnDsl.Generators;

/// <summary>
/// The <c>[Plasticity]</c> pipeline: Extract (symbols to an equatable <see cref="PlasticitySpec"/>
/// and located diagnostics; handlers executed symbolically), Emit (the rule's <c>Learner</c> type).
/// Diagnostics are reported on their own, as in <see cref="NeuronGenerator"/>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class PlasticityGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline stages.</summary>
    public static class Stages
    {
        public const string Extract = "SnnDsl.Plasticity.Extract";
        public const string Diagnostics = "SnnDsl.Plasticity.Diagnostics";
        public const string Emit = "SnnDsl.Plasticity.Emit";
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var extracted = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                PlasticityAttributeNames.Plasticity,
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

        var sources = extracted
            .Select(static (e, _) => e.Result.Value is { } rule
                ? Guard.Run(e.Where, rule.Name,
                    () => new NeuronGenerator.Source(PlasticityEmitter.HintName(rule.FullName), PlasticityEmitter.Emit(rule), null),
                    (source, failure) => source ?? ShellSource(e.Shell, failure))
                : ShellSource(e.Shell, null))
            .WithTrackingName(Stages.Emit);

        context.RegisterSourceOutput(sources, static (spc, source) =>
        {
            if (source is null) return;
            if (source.Failure is { } failure) spc.ReportDiagnostic(failure.ToDiagnostic());
            if (source.Text.Length > 0) spc.AddSource(source.HintName, source.Text);
        });
    }

    private static NeuronGenerator.Source? ShellSource(SynapseGenerator.Shell? shell, DiagnosticInfo? failure) =>
        shell is null
            ? (failure is null ? null : new NeuronGenerator.Source("", "", failure))
            : new NeuronGenerator.Source(PlasticityEmitter.HintName(shell.FullName),
                PlasticityEmitter.EmitBuiltInsOnly(shell.Namespace, shell.ContainingTypes.ToList(), shell.Name, shell.Dt), failure);

    internal sealed record Extracted(Result<PlasticitySpec> Result, SynapseGenerator.Shell? Shell, LocationInfo? Where, string Name)
    {
        private static readonly Extracted Duplicate = new(new Result<PlasticitySpec>(null, EquatableArray<DiagnosticInfo>.Empty), null, null, "");

        public static Extracted From(INamedTypeSymbol type, SyntaxNode target, System.Threading.CancellationToken ct)
        {
            // [Plasticity] repeated on partial declarations: extract once (see NeuronGenerator.Extracted.From).
            var attribute = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == PlasticityAttributeNames.Plasticity);
            var first = attribute?.ApplicationSyntaxReference;
            if (attribute is null || (first is not null && !(first.SyntaxTree == target.SyntaxTree && target.Span.Contains(first.Span)))) return Duplicate;

            var result = ModelExtractor.ExtractPlasticity(type, attribute, ct);
            SynapseGenerator.Shell? shell = null;
            if (ModelExtractor.CanHostBuiltIns(type, ct, out var containing, "Dt"))
            {
                double dt = attribute.NamedArguments.FirstOrDefault(kv => kv.Key == "Dt").Value.Value is float f ? f : 1.0;
                string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
                shell = new SynapseGenerator.Shell(ns, containing, type.Name, dt);
            }
            return new Extracted(result, shell, LocationInfo.From(type.Locations.FirstOrDefault()), type.Name);
        }
    }
}
