using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using SnnDsl.Model.Diagnostics;
using SnnDsl.Model.Extraction;
using SnnDsl.Model.Ir;

namespace SnnDsl.Analyzers;

/// <summary>
/// The SNN1xxx judgement calls on <c>[Neuron]</c> models: time constants, integrator stability at
/// the model's Dt, discrete decay factors, learnable time constants, threshold and reset, unread
/// states, surrogate slopes; and, at call sites that construct a model or a layer with constant
/// arguments, non-positive time constants and unstable time steps. The Dt declared by <c>[Synapse]</c>,
/// <c>[Encoder]</c> and <c>[Plasticity]</c> models gets the same SNN1001 check as the neuron's. It runs the generator's own
/// extractor and <see cref="SnnDsl.Model.Symbolic.Stability"/>, so the two cannot disagree.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ModelAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.NonPositiveTimeConstant,
        DiagnosticDescriptors.UnstableIntegrator,
        DiagnosticDescriptors.InaccurateIntegrator,
        DiagnosticDescriptors.TimeConstantBelowDt,
        DiagnosticDescriptors.DecayFactorOutOfRange,
        DiagnosticDescriptors.StiffExplicit,
        DiagnosticDescriptors.LearnableTimeConstant,
        DiagnosticDescriptors.SingularExactSolution,
        DiagnosticDescriptors.AutoChoseNonExact,
        DiagnosticDescriptors.ThresholdNotAboveReset,
        DiagnosticDescriptors.StateNeverRead,
        DiagnosticDescriptors.NonPositiveSurrogateSlope);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var neuron = start.Compilation.GetTypeByMetadataName(AttributeNames.Neuron);
            if (neuron is null) return;
            var cache = new ModelCache(neuron);
            start.RegisterSymbolAction(c => Guarded(() => AnalyzeModel(c, cache)), SymbolKind.NamedType);
            var timed = new[] { SynapseAttributeNames.Synapse, AttributeNames.Encoder, PlasticityAttributeNames.Plasticity }
                .Select(start.Compilation.GetTypeByMetadataName).Where(t => t is not null).Select(t => t!).ToImmutableArray();
            if (!timed.IsEmpty)
                start.RegisterSymbolAction(c => Guarded(() => AnalyzeDeclaredDt(c, timed)), SymbolKind.NamedType);
            // Syntax actions with a cheap filter, then the operation of just that node: an operation action
            // would make the driver build operation trees for every method body (about 100 ms for ten models).
            start.RegisterSyntaxNodeAction(c => Guarded(() => AnalyzeCreationSyntax(c, cache)),
                SyntaxKind.ObjectCreationExpression, SyntaxKind.ImplicitObjectCreationExpression, SyntaxKind.InvocationExpression);
        });
    }

    // A failure inside one model's analysis must not take the IDE's analyzer host down (AD0001), but it
    // must not be hidden either: tests run the analyzers with exceptions surfaced (see the fuzz test).
    private static void Guarded(Action action)
    {
        try { action(); }
        catch (OperationCanceledException) { throw; }
        catch (Exception) when (!ThrowOnFailure) { }
    }

    /// <summary>Set by tests so that a defect in an analysis surfaces as AD0001 instead of being swallowed.</summary>
    internal static bool ThrowOnFailure { get; set; }

    /// <summary>Extracted models by type, so call sites do not extract a model again for every construction.</summary>
    private sealed class ModelCache
    {
        private readonly INamedTypeSymbol _neuron;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<INamedTypeSymbol, (ModelSpec? Spec, AttributeData? Attribute)> _specs = new(SymbolEqualityComparer.Default);

        public ModelCache(INamedTypeSymbol neuron) => _neuron = neuron;

        public AttributeData? NeuronAttribute(INamedTypeSymbol type) =>
            type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, _neuron));

        public (ModelSpec? Spec, AttributeData? Attribute) Get(INamedTypeSymbol type, CancellationToken ct) =>
            _specs.GetOrAdd(type, t =>
            {
                var attr = NeuronAttribute(t);
                if (attr is null) return (null, null);
                return (ModelExtractor.ExtractNeuron(t, attr, ct).Value, attr);
            });
    }

    // ------------------------------------------------------------------ declarations

    private static void AnalyzeModel(SymbolAnalysisContext context, ModelCache cache)
    {
        if (context.Symbol is not INamedTypeSymbol type) return;
        var (spec, attribute) = cache.Get(type, context.CancellationToken);
        if (spec is null || attribute is null) return; // the generator reports why (SNN0xxx)
        foreach (var f in StabilityFindings.ForDeclaration(spec))
        {
            var location = Locate(type, attribute, f, context.CancellationToken);
            if (location is null) continue;
            context.ReportDiagnostic(Diagnostic.Create(f.Descriptor, location, f.Properties.ToImmutableDictionary(), f.Arguments));
        }
    }

    /// <summary>
    /// SNN1001 for the Dt of <c>[Synapse]</c>, <c>[Encoder]</c> and <c>[Plasticity]</c> models: the neuron's
    /// check (<see cref="StabilityFindings.InvalidDt"/>) on the value the generator's extractor reads
    /// (<see cref="ModelExtractor.DeclaredDt"/>), located like the neuron's at the Dt argument. These models
    /// have no other SNN1xxx rule, so the value is read from the attribute without extracting the model;
    /// the error shows even while the generator reports other (SNN0xxx) errors on the same model.
    /// </summary>
    private static void AnalyzeDeclaredDt(SymbolAnalysisContext context, ImmutableArray<INamedTypeSymbol> attributes)
    {
        if (context.Symbol is not INamedTypeSymbol type) return;
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is not { } kind || !attributes.Contains(kind, SymbolEqualityComparer.Default)) continue;
            string name = kind.Name.EndsWith("Attribute", StringComparison.Ordinal) ? kind.Name.Substring(0, kind.Name.Length - "Attribute".Length) : kind.Name;
            if (StabilityFindings.InvalidDt(type.Name, name, ModelExtractor.DeclaredDt(attribute)) is not { } f) continue;
            if (Locate(type, attribute, f, context.CancellationToken) is { } location)
                context.ReportDiagnostic(Diagnostic.Create(f.Descriptor, location, f.Properties.ToImmutableDictionary(), f.Arguments));
        }
    }

    private static Location? Locate(INamedTypeSymbol type, AttributeData attribute, Finding f, CancellationToken ct)
    {
        var attrSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(ct) as AttributeSyntax;
        Location? NamedArgument(string name) =>
            attrSyntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name)?.Expression.GetLocation();
        Location AttributeName() => attrSyntax?.Name.GetLocation() ?? type.Locations.First();
        switch (f.Anchor)
        {
            case Anchor.Integrator: return NamedArgument("Integrator") ?? NamedArgument("Dt") ?? AttributeName();
            case Anchor.Dt: return NamedArgument("Dt") ?? AttributeName();
            case Anchor.Attribute: return AttributeName();
            case Anchor.Parameter:
            case Anchor.ParameterDefault:
                {
                    var p = Parameter(type, f.Target!, ct);
                    if (p is null) return type.Locations.First();
                    return f.Anchor == Anchor.ParameterDefault && p.Default is not null ? p.Default.Value.GetLocation() : p.Identifier.GetLocation();
                }
            case Anchor.Equation:
                return Member(type, f.Target!, ct) is { } m ? Identifier(m) : type.Locations.First();
            case Anchor.StateField:
                return type.GetMembers(f.Target!).OfType<IFieldSymbol>().SelectMany(x => x.Locations).FirstOrDefault() ?? type.Locations.First();
            case Anchor.ResetValue:
                foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
                {
                    if (!method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "SnnDsl.OnSpikeAttribute")) continue;
                    foreach (var r in method.DeclaringSyntaxReferences)
                    {
                        var assignment = r.GetSyntax(ct).DescendantNodes().OfType<AssignmentExpressionSyntax>()
                            .LastOrDefault(a => a.Left is IdentifierNameSyntax id && id.Identifier.ValueText == f.Target);
                        if (assignment is not null) return assignment.Right.GetLocation();
                    }
                }
                return type.Locations.First();
            case Anchor.Slope:
                foreach (var member in type.GetMembers())
                {
                    var spike = member.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "SnnDsl.SpikeWhenAttribute");
                    if (spike?.ApplicationSyntaxReference?.GetSyntax(ct) is AttributeSyntax s)
                        return s.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == "Slope")?.Expression.GetLocation() ?? s.GetLocation();
                }
                return type.Locations.First();
            default:
                return type.Locations.First();
        }
    }

    private static ParameterSyntax? Parameter(INamedTypeSymbol type, string name, CancellationToken ct) =>
        type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(ct)).OfType<RecordDeclarationSyntax>()
            .SelectMany(r => r.ParameterList?.Parameters ?? default)
            .FirstOrDefault(p => p.Identifier.ValueText == name);

    private static SyntaxNode? Member(INamedTypeSymbol type, string name, CancellationToken ct) =>
        type.GetMembers(name).SelectMany(m => m.DeclaringSyntaxReferences).Select(r => r.GetSyntax(ct)).FirstOrDefault();

    private static Location Identifier(SyntaxNode node) => node switch
    {
        MethodDeclarationSyntax m => m.Identifier.GetLocation(),
        PropertyDeclarationSyntax p => p.Identifier.GetLocation(),
        _ => node.GetLocation(),
    };

    // ------------------------------------------------------------------ call sites

    private static void AnalyzeCreationSyntax(SyntaxNodeAnalysisContext context, ModelCache cache)
    {
        if (context.Node is InvocationExpressionSyntax invocation)
        {
            string? name = invocation.Expression switch
            {
                MemberAccessExpressionSyntax m => m.Name.Identifier.ValueText,
                IdentifierNameSyntax id => id.Identifier.ValueText,
                _ => null,
            };
            if (name != "CreateLayer") return;
        }
        else if (context.Node is BaseObjectCreationExpressionSyntax creation)
        {
            // Without arguments nothing is constant but the defaults, which the declaration's own analysis covers.
            if (creation.ArgumentList is null or { Arguments.Count: 0 }) return;
            if (context.SemanticModel.GetTypeInfo(creation, context.CancellationToken).Type is not INamedTypeSymbol type) return;
            var model = type.Name == "Layer" && type.ContainingType is { } owner ? owner : type;
            if (cache.NeuronAttribute(model) is null) return;
        }
        var operation = context.SemanticModel.GetOperation(context.Node, context.CancellationToken);
        if (operation is null) return;
        AnalyzeCreation(operation, context.ReportDiagnostic, cache, context.CancellationToken);
    }

    private static void AnalyzeCreation(IOperation operation, Action<Diagnostic> report, ModelCache cache, CancellationToken ct)
    {
        switch (operation)
        {
            case IObjectCreationOperation creation when creation.Type is INamedTypeSymbol t && cache.NeuronAttribute(t) is not null:
                {
                    // new Model(Tau: ...): time constants given as constants, and the model's own Dt.
                    var (spec, _) = cache.Get(t, ct);
                    if (spec is null) return;
                    var values = ConstantArguments(creation, out var all);
                    var reported = false;
                    foreach (var (tau, value) in StabilityFindings.NonPositiveTimeConstants(spec, values))
                    {
                        var arg = creation.Arguments.FirstOrDefault(a => a.Parameter?.Name == tau.Parameter && a.ArgumentKind == ArgumentKind.Explicit);
                        if (arg is null) continue;
                        reported = true;
                        report(Diagnostic.Create(DiagnosticDescriptors.NonPositiveTimeConstant, arg.Value.Syntax.GetLocation(),
                            $"Time constant '{tau.Parameter}'", spec.Name, Model.Symbolic.Stability.Format(value), $"it divides time in d{tau.State}; pass a positive value"));
                    }
                    if (reported || !all || !creation.Arguments.Any(a => a.ArgumentKind == ArgumentKind.Explicit)) return;
                    // Constant parameters that make the model unstable at its own Dt (only when the defaults are not).
                    if (StabilityFindings.ForStep(spec, spec.Dt, null, atCallSite: true).Count > 0) return;
                    foreach (var f in StabilityFindings.ForStep(spec, spec.Dt, values, atCallSite: true))
                        report(Diagnostic.Create(f.Descriptor, creation.Syntax.GetLocation(), f.Properties.ToImmutableDictionary(), f.Arguments));
                    return;
                }
            case IObjectCreationOperation layer when layer.Type is INamedTypeSymbol { Name: "Layer", ContainingType: { } owner } && cache.NeuronAttribute(owner) is not null:
                CheckLayer(report, cache, ct, owner, layer.Arguments.FirstOrDefault(a => a.Parameter?.Name == "model")?.Value, layer.Arguments);
                return;
            case IInvocationOperation { TargetMethod: { Name: "CreateLayer", ContainingType: { } owner2 } } call when cache.NeuronAttribute(owner2) is not null:
                CheckLayer(report, cache, ct, owner2, call.Instance, call.Arguments);
                return;
        }
    }

    private static Dictionary<string, double> ConstantArguments(IObjectCreationOperation creation, out bool allConstant)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        allConstant = true;
        foreach (var a in creation.Arguments)
        {
            if (a.ArgumentKind != ArgumentKind.Explicit || a.Parameter is null) continue;
            if (Constant(a.Value) is double v) values[a.Parameter.Name] = v;
            else allConstant = false;
        }
        if (creation.Initializer is not null) allConstant = false;
        return values;
    }

    private static double? Constant(IOperation? op)
    {
        while (op is IConversionOperation c) op = c.Operand;
        if (op is null || !op.ConstantValue.HasValue) return null;
        return op.ConstantValue.Value switch
        {
            float f => f,
            double d => d,
            int i => i,
            long l => l,
            bool b => b ? 1 : 0,
            _ => null,
        };
    }

    /// <summary>A layer built with a constant dt: SNN1001 for dt &lt;= 0, SNN1002 when the model's parameters are known and unstable at dt.</summary>
    private static void CheckLayer(Action<Diagnostic> report, ModelCache cache, CancellationToken ct, INamedTypeSymbol modelType, IOperation? model, ImmutableArray<IArgumentOperation> arguments)
    {
        var dtArg = arguments.FirstOrDefault(a => a.Parameter?.Name == "dt" && a.ArgumentKind == ArgumentKind.Explicit);
        if (dtArg is null || Constant(dtArg.Value) is not double dt) return;
        var (spec, _) = cache.Get(modelType, ct);
        if (spec is null) return;
        var location = dtArg.Value.Syntax.GetLocation();
        // Infinity is as wrong as NaN or a negative step (the layer constructor rejects all three at run time).
        if (!(dt > 0) || double.IsInfinity(dt))
        {
            report(Diagnostic.Create(DiagnosticDescriptors.NonPositiveTimeConstant, location,
                "The time step dt", spec.Name, Model.Symbolic.Stability.Format(dt), "pass a positive, finite number of ms"));
            return;
        }
        var values = KnownModel(model, ct);
        if (values is null) return;
        foreach (var f in StabilityFindings.ForStep(spec, dt, values, atCallSite: true))
            report(Diagnostic.Create(f.Descriptor, location, f.Properties.ToImmutableDictionary(), f.Arguments));
    }

    /// <summary>
    /// The parameter values of a model expression when they are known at compile time: a
    /// <c>new Model(...)</c> with constant arguments, or a local initialised with one and never assigned again.
    /// </summary>
    private static Dictionary<string, double>? KnownModel(IOperation? model, CancellationToken ct)
    {
        while (model is IConversionOperation c) model = c.Operand;
        if (model is ILocalReferenceOperation local && local.Local.DeclaringSyntaxReferences.Length == 1
            && local.Local.DeclaringSyntaxReferences[0].GetSyntax(ct) is VariableDeclaratorSyntax { Initializer.Value: { } init } declarator
            && model.SemanticModel is { } semantic)
        {
            var body = declarator.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or CompilationUnitSyntax or AccessorDeclarationSyntax);
            bool reassigned = body is not null && body.DescendantNodes().Any(n =>
                (n is AssignmentExpressionSyntax a && a.Left is IdentifierNameSyntax id && id.Identifier.ValueText == local.Local.Name)
                || (n is ArgumentSyntax arg && !arg.RefKindKeyword.IsKind(SyntaxKind.None) && arg.Expression is IdentifierNameSyntax rid && rid.Identifier.ValueText == local.Local.Name));
            if (reassigned) return null;
            model = semantic.GetOperation(init, ct);
            while (model is IConversionOperation c2) model = c2.Operand;
        }
        if (model is not IObjectCreationOperation creation) return null;
        var values = ConstantArguments(creation, out bool all);
        return all ? values : null;
    }
}
