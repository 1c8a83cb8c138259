using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SnnDsl.Model;
using SnnDsl.Model.Diagnostics;
using SnnDsl.Model.Extraction;
using SnnDsl.Model.Ir;

namespace SnnDsl.Generators;

/// <summary>
/// The <c>[Encoder]</c> pipeline: Extract (symbols to an equatable <see cref="EncoderSpec"/> and
/// located diagnostics), Lower (to an <see cref="EncoderPlan"/>), Emit (to C#). Diagnostics are
/// reported on their own, as in <see cref="NeuronGenerator"/>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class EncoderGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline stages.</summary>
    public static class Stages
    {
        public const string Extract = "SnnDsl.Encoder.Extract";
        public const string Diagnostics = "SnnDsl.Encoder.Diagnostics";
        public const string Lower = "SnnDsl.Encoder.Lower";
        public const string Emit = "SnnDsl.Encoder.Emit";
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var extracted = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeNames.Encoder,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, ct) => Extracted.From((INamedTypeSymbol)ctx.TargetSymbol, ctx.TargetNode, ctx.Attributes[0], ct))
            .WithTrackingName(Stages.Extract);

        var diagnostics = extracted
            .Select(static (e, _) => e.Result.Diagnostics)
            .WithTrackingName(Stages.Diagnostics);
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (spc, pair) =>
        {
            foreach (var d in pair.Left) spc.ReportDiagnostic(d.ToDiagnostic(pair.Right));
        });

        var plans = extracted
            .Select(static (e, _) => Guard.Run(e.Where, e.Name, () => e.Result.Value is { } model ? Lower.RunEncoder(model) : null,
                (plan, failure) => new Planned(plan, e.Shell, failure, e.Where)))
            .WithTrackingName(Stages.Lower);

        var sources = plans
            .Select(static (p, _) => p.Plan is { } plan
                ? Guard.Run(p.Where, plan.Model.Name,
                    () => new NeuronGenerator.Source(EncoderEmitter.HintName(plan.Model.FullName), EncoderEmitter.Emit(plan), null),
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
            : new NeuronGenerator.Source(EncoderEmitter.HintName(shell.FullName),
                EncoderEmitter.EmitBuiltInsOnly(shell.Namespace, shell.ContainingTypes.ToList(), shell.Name, shell.Dt, shell.FanOut), failure);

    internal sealed record Shell(string Namespace, EquatableArray<ContainingType> ContainingTypes, string Name, double Dt, bool FanOut)
    {
        public string FullName => Names.Full(Namespace, ContainingTypes, Name);
    }

    internal sealed record Extracted(Result<EncoderSpec> Result, Shell? Shell, LocationInfo? Where, string Name)
    {
        private static readonly Extracted Duplicate = new(new Result<EncoderSpec>(null, EquatableArray<DiagnosticInfo>.Empty), null, null, "");

        public static Extracted From(INamedTypeSymbol type, SyntaxNode target, AttributeData attribute, System.Threading.CancellationToken ct)
        {
            // [Encoder] repeated on partial declarations: extract once (see NeuronGenerator.Extracted.From).
            var first = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == AttributeNames.Encoder)?.ApplicationSyntaxReference;
            if (first is not null && !(first.SyntaxTree == target.SyntaxTree && target.Span.Contains(first.Span))) return Duplicate;

            var result = ModelExtractor.ExtractEncoder(type, attribute, ct);
            Shell? shell = null;
            if (ModelExtractor.CanHostBuiltIns(type, ct, out var containing, "Dt", "Time", "Steps", "Index"))
            {
                double dt = attribute.NamedArguments.FirstOrDefault(kv => kv.Key == "Dt").Value.Value is float f ? f : 1.0;
                bool fanOut = attribute.NamedArguments.Any(kv => kv.Key == "FanOut");
                string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
                shell = new Shell(ns, containing, type.Name, dt, fanOut);
            }
            return new Extracted(result, shell, LocationInfo.From(type.Locations.FirstOrDefault()), type.Name);
        }
    }

    internal sealed record Planned(EncoderPlan? Plan, Shell? Shell, DiagnosticInfo? Failure, LocationInfo? Where);
}
