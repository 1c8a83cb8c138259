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
                static (ctx, ct) => Extracted.From((INamedTypeSymbol)ctx.TargetSymbol, ctx.Attributes[0], ct))
            .WithTrackingName(Stages.Extract);

        var diagnostics = extracted
            .Select(static (e, _) => e.Result.Diagnostics)
            .WithTrackingName(Stages.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (spc, list) =>
        {
            foreach (var d in list) spc.ReportDiagnostic(d.ToDiagnostic());
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
        public string FullName => string.Join(".", new[] { Namespace }.Where(s => s.Length > 0).Concat(ContainingTypes.Select(c => c.Name)).Concat(new[] { Name }));
    }

    internal sealed record Extracted(Result<ModelSpec> Result, Shell? Shell, LocationInfo? Where, string Name)
    {
        public static Extracted From(INamedTypeSymbol type, AttributeData attribute, System.Threading.CancellationToken ct)
        {
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
