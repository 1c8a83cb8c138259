using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SnnDsl.Model.Diagnostics;
using SnnDsl.Model.Ir;

namespace SnnDsl.Model.Extraction;

internal static partial class ModelExtractor
{
    /// <summary>Turns an <c>[Encoder]</c> declaration into an <see cref="EncoderSpec"/> plus located diagnostics; never throws on user input.</summary>
    public static Result<EncoderSpec> ExtractEncoder(INamedTypeSymbol type, AttributeData attribute, CancellationToken ct)
    {
        var diags = new List<DiagnosticInfo>();
        EncoderSpec? spec;
        try
        {
            spec = new Extractor(type, diags, ct).RunEncoder(attribute);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            diags.Add(Failure(type, ex));
            spec = null;
        }
        return new Result<EncoderSpec>(spec, diags.ToEquatableArray());
    }

    private sealed partial class Extractor
    {
        // Names the generated encoder Layer uses.
        private static readonly string[] EncoderLayerMembers = { "Model", "Batch", "Features", "Outputs", "Dt", "Seed", "FirstSample", "Time", "Steps", "Index", "Encode", "Run", "Step", "Reset", "Layer" };
        private static readonly string[] EncoderConstructorLocals = { "model", "batch", "features", "dt", "seed", "step" };

        public EncoderSpec? RunEncoder(AttributeData attribute)
        {
            _encoder = true;
            if (!CheckShape(out var declarations, out var containing)) return null;
            var first = declarations[0];

            ReadParameters(declarations);
            ReadConstants();
            var members = OrderedMembers();
            ReadStates(members);
            ReadSubExpressions(members);

            string? fanOut = null;
            foreach (var kv in attribute.NamedArguments)
                if (kv.Key == "FanOut" && kv.Value.Value is string f) fanOut = f;
            if (fanOut is not null)
            {
                if (!_params.TryGetValue(fanOut, out var p) || p.Default is not double d || d < 1 || d != Math.Floor(d))
                {
                    Report(DiagnosticDescriptors.InvalidFanOut, attribute.ApplicationSyntaxReference?.GetSyntax(_ct) ?? first, fanOut, _type.Name);
                    return null;
                }
                _hasFanOut = true;
            }

            var next = new Dictionary<string, (Expr Expr, string Member)>(StringComparer.Ordinal);
            var emits = new List<(ISymbol Symbol, SyntaxNode Node)>();
            var requires = new List<RequireSpec>();
            var targeted = new HashSet<string>(StringComparer.Ordinal); // states named by an equation, even a rejected one
            foreach (var (symbol, node) in members)
            {
                _ct.ThrowIfCancellationRequested();
                if (Find(symbol, AttributeNames.Derivative) is { } derivative)
                {
                    if (derivative.ConstructorArguments.Length == 1 && derivative.ConstructorArguments[0].Value is string derived) targeted.Add(derived);
                    Report(DiagnosticDescriptors.EncoderStateNotDiscrete, derivative.ApplicationSyntaxReference?.GetSyntax(_ct) ?? node, _type.Name, symbol.Name);
                    continue;
                }
                if (Find(symbol, AttributeNames.Next) is { } nextAttr)
                {
                    string target = nextAttr.ConstructorArguments.Length == 1 && nextAttr.ConstructorArguments[0].Value is string t ? t : "";
                    targeted.Add(target);
                    var attrNode = nextAttr.ApplicationSyntaxReference?.GetSyntax(_ct);
                    if (!_states.Contains(target))
                    {
                        Report(DiagnosticDescriptors.UnknownState, attrNode ?? node, symbol.Name, target, _type.Name);
                        continue;
                    }
                    var expr = ConvertEquation(symbol, node);
                    if (expr is null) continue;
                    if (next.TryGetValue(target, out var existing))
                    {
                        Report(DiagnosticDescriptors.StateWithTwoDynamics, attrNode ?? node, target, existing.Member, symbol.Name);
                        continue;
                    }
                    next[target] = (expr, symbol.Name);
                }
                if (Has(symbol, AttributeNames.Emit)) emits.Add((symbol, node));
                if (Find(symbol, AttributeNames.Requires) is { } req)
                {
                    string message = req.ConstructorArguments.Length == 1 && req.ConstructorArguments[0].Value is string m ? m : symbol.Name;
                    var cond = ConvertEquation(symbol, node, allowBool: true);
                    if (cond is not null && Symbolic.Algebra.DependsOnKind(cond, SymKind.State, SymKind.Time, SymKind.Uniform, SymKind.Index))
                        Report(DiagnosticDescriptors.UnsupportedExpression, NameLocation(node), symbol.Name,
                            "a [Requires] condition is checked once per input element, so it may read the input, parameters, Steps and Dt, but not states, Time, Index or [Uniform] draws");
                    else if (cond is not null) requires.Add(new RequireSpec(cond, message, symbol.Name));
                }
            }

            var stateSpecs = new List<StateSpec>();
            foreach (var (symbol, node) in members)
            {
                if (symbol is not IFieldSymbol field || !Has(field, AttributeNames.State)) continue;
                var init = StateInitializer(field, node);
                if (!next.TryGetValue(field.Name, out var eq))
                {
                    if (targeted.Contains(field.Name)) continue; // its equation was reported already
                    Report(DiagnosticDescriptors.StateWithoutDynamics, NameLocation(node), field.Name);
                    continue;
                }
                stateSpecs.Add(new StateSpec(field.Name, init ?? Expr.Zero, DynamicsKind.Next, eq.Expr, eq.Member));
            }

            Expr? emit = null;
            string emitMember = "";
            if (emits.Count != 1)
            {
                Report(DiagnosticDescriptors.EmitCount, emits.Count > 1 ? NameLocation(emits[1].Node) : first.Identifier.GetLocation(),
                    _type.Name, emits.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                var (symbol, node) = emits[0];
                emit = ConvertEquation(symbol, node, allowBool: true);
                emitMember = symbol.Name;
                bool isBool = symbol is IMethodSymbol em ? em.ReturnType.SpecialType == SpecialType.System_Boolean
                    : symbol is IPropertySymbol ep && ep.Type.SpecialType == SpecialType.System_Boolean;
                if (emit is not null && isBool) emit = new Cond(emit, Expr.One, Expr.Zero);
            }

            if (!_failed && _inputs.Count != 1)
            {
                Report(DiagnosticDescriptors.EncoderInputCount, emits.Count == 1 ? NameLocation(emits[0].Node) : first.Identifier.GetLocation(),
                    _type.Name, _inputs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            CheckEncoderNames(members);
            if (_failed || emit is null) return null;

            double dt = DeclaredDt(attribute);

            return new EncoderSpec(
                NamespaceText(),
                containing.ToEquatableArray(),
                _type.Name,
                AccessibilityText(),
                dt,
                _params.Values.ToEquatableArray(),
                stateSpecs.ToEquatableArray(),
                _inputs[0],
                _uniforms.ToEquatableArray(),
                Symbolic.Algebra.Simplify(emit),
                emitMember,
                fanOut,
                requires.ToEquatableArray());
        }

        private void CheckEncoderNames(List<(ISymbol Symbol, SyntaxNode Node)> members)
        {
            foreach (var (symbol, node) in members)
            {
                if (symbol.Name is "Dt" or "Time" or "Steps" or "Index" or "Layer" or "CreateLayer")
                    Report(DiagnosticDescriptors.NameConflict, NameLocation(node), symbol.Name, "is a member the generator adds to every encoder (Dt, Time, Steps, Index, Layer, CreateLayer)");
            }
            foreach (var name in _params.Keys.Concat(_states).Concat(_inputs).Concat(_uniforms))
            {
                if (name.StartsWith("_", StringComparison.Ordinal))
                    Report(DiagnosticDescriptors.NameConflict, At(name), name, "starts with '_', which is reserved for generated locals");
            }
            foreach (var name in _states.Concat(_inputs).Concat(_uniforms))
            {
                if (Array.IndexOf(EncoderLayerMembers, name) >= 0)
                    Report(DiagnosticDescriptors.NameConflict, At(name), name, "would clash with a built-in or a member of the generated encoder Layer");
            }
            foreach (var name in _params.Keys)
            {
                if (Array.IndexOf(EncoderConstructorLocals, name) >= 0 || name is "Time" or "Steps" or "Index")
                    Report(DiagnosticDescriptors.NameConflict, At(name), name, "would clash with a built-in or a parameter of the generated encoder Layer");
            }
        }
    }
}
