using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SnnDsl.Model.Diagnostics;
using SnnDsl.Model.Ir;

namespace SnnDsl.Model.Extraction;

/// <summary>Fully qualified names of the synapse attributes.</summary>
internal static class SynapseAttributeNames
{
    public const string Synapse = "SnnDsl.SynapseAttribute";
    public const string OnPre = "SnnDsl.OnPreAttribute";
    public const string Output = "SnnDsl.OutputAttribute";
}

internal static partial class ModelExtractor
{
    /// <summary>Names the generator adds to every synapse model or its <c>Targets</c> type.</summary>
    public static readonly string[] SynapseReservedNames = { "Dt", "Targets", "CreateTargets" };

    private static readonly string[] SynapseTargetsMembers = { "Model", "Count", "Dt", "Port", "TargetStates", "States", "State", "Integrator", "Reset", "OnPre", "Advance", "AddOutput", "Targets" };
    private static readonly string[] SynapseConstructorLocals = { "model", "targets", "dt", "step", "target", "start", "count", "current", "name" };

    /// <summary>Turns a <c>[Synapse]</c> declaration into a <see cref="SynapseSpec"/> plus located diagnostics; never throws on user input.</summary>
    public static Result<SynapseSpec> ExtractSynapse(INamedTypeSymbol type, AttributeData attribute, CancellationToken ct)
    {
        var diags = new List<DiagnosticInfo>();
        SynapseSpec? spec;
        try
        {
            spec = new Extractor(type, diags, ct).RunSynapse(attribute);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            diags.Add(Failure(type, ex));
            spec = null;
        }
        return new Result<SynapseSpec>(spec, diags.ToEquatableArray());
    }

    private sealed partial class Extractor
    {
        public SynapseSpec? RunSynapse(AttributeData attribute)
        {
            if (!CheckShape(out var declarations, out var containing)) return null;
            var first = declarations[0];
            CheckEnumArgument(attribute, "Integrator");

            ReadParameters(declarations);
            ReadConstants();
            var members = OrderedMembers();
            ReadStates(members);
            ReadSubExpressions(members);

            var equations = new Dictionary<string, (DynamicsKind Kind, Expr Expr, string Member)>(StringComparer.Ordinal);
            var declared = new HashSet<string>(StringComparer.Ordinal);
            var onPre = new List<(IMethodSymbol Symbol, SyntaxNode Node)>();
            var outputs = new List<(ISymbol Symbol, SyntaxNode Node, AttributeData Attr)>();
            foreach (var (symbol, node) in members)
            {
                _ct.ThrowIfCancellationRequested();
                foreach (var (attr, kind) in new[] { (Find(symbol, AttributeNames.Derivative), DynamicsKind.Derivative), (Find(symbol, AttributeNames.Next), DynamicsKind.Next) })
                {
                    if (attr is null) continue;
                    string target = attr.ConstructorArguments.Length == 1 && attr.ConstructorArguments[0].Value is string t ? t : "";
                    var attrNode = attr.ApplicationSyntaxReference?.GetSyntax(_ct);
                    if (!_states.Contains(target))
                    {
                        if (_rejected.Contains(target)) continue;
                        Report(DiagnosticDescriptors.UnknownState, attrNode ?? node, symbol.Name, target, _type.Name);
                        continue;
                    }
                    declared.Add(target);
                    if (symbol is IMethodSymbol { Parameters.Length: > 0 } withPorts)
                    {
                        Report(DiagnosticDescriptors.InvalidSynapseMember, NameLocation(node), symbol.Name,
                            "takes parameters, but synapse dynamics have no input ports: the state changes through its equation and through [OnPre] (move the spike's effect into [OnPre])");
                        continue;
                    }
                    var expr = ConvertEquation(symbol, node);
                    if (expr is null) continue;
                    if (equations.TryGetValue(target, out var existing))
                    {
                        Report(DiagnosticDescriptors.StateWithTwoDynamics, attrNode ?? node, target, existing.Member, symbol.Name);
                        continue;
                    }
                    equations[target] = (kind, expr, symbol.Name);
                }
                if (Has(symbol, SynapseAttributeNames.OnPre))
                {
                    if (symbol is IMethodSymbol m) onPre.Add((m, node));
                    else Report(DiagnosticDescriptors.InvalidReset, NameLocation(node), symbol.Name, "is not a method");
                }
                if (Find(symbol, SynapseAttributeNames.Output) is { } outAttr) outputs.Add((symbol, node, outAttr));
                if (Has(symbol, AttributeNames.SpikeWhen) || Has(symbol, AttributeNames.OnSpike))
                    Report(DiagnosticDescriptors.InvalidSynapseMember, NameLocation(node), symbol.Name,
                        "is a neuron member ([SpikeWhen]/[OnSpike]); a synapse does not fire: declare it in a [Neuron]");
            }

            var stateSpecs = new List<StateSpec>();
            foreach (var (symbol, node) in members)
            {
                if (symbol is not IFieldSymbol field || !Has(field, AttributeNames.State) || _rejected.Contains(field.Name)) continue;
                var init = StateInitializer(field, node);
                if (!equations.TryGetValue(field.Name, out var eq))
                {
                    if (declared.Contains(field.Name)) continue;
                    Report(DiagnosticDescriptors.StateWithoutDynamics, NameLocation(node), field.Name);
                    continue;
                }
                stateSpecs.Add(new StateSpec(field.Name, init ?? Expr.Zero, eq.Kind, eq.Expr, eq.Member));
            }

            // [OnPre]: assignments to states; its one float parameter is the spike's weight.
            var onPreSpecs = new List<ResetSpec>();
            string weight = "w", onPreMember = "";
            if (onPre.Count != 1)
            {
                Report(DiagnosticDescriptors.SynapseMemberCount, onPre.Count > 1 ? NameLocation(onPre[1].Node) : first.Identifier.GetLocation(),
                    _type.Name, "[OnPre]", onPre.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                var (method, node) = onPre[0];
                onPreMember = method.Name;
                if (method.Parameters.Length != 1)
                {
                    Report(DiagnosticDescriptors.InvalidSynapseMember, NameLocation(node), method.Name,
                        $"takes {method.Parameters.Length} parameters; [OnPre] takes exactly one float parameter, the weight of the arriving spike (e.g. 'void OnSpike(float w) => G += w')");
                }
                else if (ReadPorts(method, node))
                {
                    weight = method.Parameters[0].Name;
                    ConvertReset(method, node, onPreSpecs);
                    _ports = new HashSet<string>(StringComparer.Ordinal);
                }
            }

            // [Output]: the current, an expression of states, parameters and target states (its parameters).
            Expr? output = null;
            string outputMember = "", port = "input";
            var targetReads = new List<string>();
            if (outputs.Count != 1)
            {
                Report(DiagnosticDescriptors.SynapseMemberCount, outputs.Count > 1 ? NameLocation(outputs[1].Node) : first.Identifier.GetLocation(),
                    _type.Name, "[Output]", outputs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                var (symbol, node, attr) = outputs[0];
                outputMember = symbol.Name;
                if (attr.ConstructorArguments.Length == 1 && attr.ConstructorArguments[0].Value is string p) port = p;
                if (symbol is IMethodSymbol om)
                    foreach (var prm in om.Parameters)
                        if (prm.Name == weight && onPre.Count == 1)
                            Report(DiagnosticDescriptors.InvalidSynapseMember, NameLocation(node), symbol.Name,
                                $"reads '{prm.Name}', the weight of [OnPre]; the weight exists only when a spike arrives: store its effect in a state");
                output = ConvertEquation(symbol, node);
                if (symbol is IMethodSymbol om2) targetReads.AddRange(om2.Parameters.Select(x => x.Name));
                if (port.Length == 0 || !SyntaxFacts.IsValidIdentifier(port))
                    Report(DiagnosticDescriptors.InvalidSynapseMember, attr.ApplicationSyntaxReference?.GetSyntax(_ct) ?? node, symbol.Name,
                        $"names the port '{port}', which is not an identifier; name the target neuron's input port, e.g. [Output(\"input\")]");
            }

            // Spiked is a neuron built-in: a synapse has no spike of its own.
            foreach (var s in stateSpecs)
                if (Symbolic.Algebra.DependsOnKind(s.Equation, SymKind.Spiked))
                    Report(DiagnosticDescriptors.InvalidSynapseMember, _declaredAt.TryGetValue(s.Name, out var at) ? NameLocation(at) : null, s.EquationMember,
                        "reads Spiked, a neuron built-in; a synapse reacts to presynaptic spikes in [OnPre]");
            if (output is not null && Symbolic.Algebra.DependsOnKind(output, SymKind.Spiked))
                Report(DiagnosticDescriptors.InvalidSynapseMember, NameLocation(outputs[0].Node), outputMember, "reads Spiked, a neuron built-in; a synapse has no spike of its own");
            foreach (var r in onPreSpecs)
                if (Symbolic.Algebra.DependsOnKind(r.Value, SymKind.Spiked))
                    Report(DiagnosticDescriptors.InvalidSynapseMember, NameLocation(onPre[0].Node), onPreMember, "reads Spiked, a neuron built-in");

            CheckSynapseNames(members, weight, targetReads);
            if (_failed || output is null) return null;

            var integrator = (IntegratorKind)Named(attribute, "Integrator", 0);
            var dynamics = new ModelSpec(
                NamespaceText(),
                containing.ToEquatableArray(),
                _type.Name,
                AccessibilityText(),
                integrator,
                true,
                DeclaredDt(attribute),
                _params.Values.ToEquatableArray(),
                stateSpecs.ToEquatableArray(),
                EquatableArray<string>.Empty,
                null,
                EquatableArray<ResetSpec>.Empty);
            if (stateSpecs.Any(s => s.Dynamics == DynamicsKind.Derivative) && Symbolic.Linearity.Choose(dynamics) is { Error: { } error } choice)
            {
                Report(DiagnosticDescriptors.IntegratorNotApplicable, attribute.ApplicationSyntaxReference?.GetSyntax(_ct) ?? first,
                    choice.Integrator.ToString(), _type.Name, error);
                return null;
            }
            return new SynapseSpec(dynamics, weight, onPreSpecs.ToEquatableArray(), onPreMember, Symbolic.Algebra.Simplify(output), outputMember, port, targetReads.ToEquatableArray());
        }

        private void CheckSynapseNames(List<(ISymbol Symbol, SyntaxNode Node)> members, string weight, List<string> targetReads)
        {
            foreach (var (symbol, node) in members)
                if (Array.IndexOf(SynapseReservedNames, symbol.Name) >= 0)
                    Report(DiagnosticDescriptors.NameConflict, NameLocation(node), symbol.Name, "is a member the generator adds to every synapse (Dt, Targets, CreateTargets)");
            foreach (var name in _params.Keys.Concat(_states).Concat(targetReads).Append(weight))
            {
                if (name.StartsWith("_", StringComparison.Ordinal))
                    Report(DiagnosticDescriptors.NameConflict, At(name), name, "starts with '_', which is reserved for generated locals");
                else if (SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None)
                    Report(DiagnosticDescriptors.NameConflict, At(name), name, "is a C# keyword, which the generated code cannot use as a local name");
            }
            foreach (var name in _states)
                if (Array.IndexOf(SynapseTargetsMembers, name) >= 0)
                    Report(DiagnosticDescriptors.NameConflict, At(name), name, "is a member of the generated Targets type, where every state is also a property");
            foreach (var name in _params.Keys.Concat(targetReads).Append(weight))
                if (Array.IndexOf(SynapseConstructorLocals, name) >= 0)
                    Report(DiagnosticDescriptors.NameConflict, At(name), name, "would clash with a parameter or local of the generated Targets code (model, targets, dt, step, target, start, count, current, name)");
        }
    }
}
