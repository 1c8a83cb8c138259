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

/// <summary>Fully qualified names of the plasticity attributes.</summary>
internal static class PlasticityAttributeNames
{
    public const string Plasticity = "SnnDsl.PlasticityAttribute";
    public const string PreTrace = "SnnDsl.PreTraceAttribute";
    public const string PostTrace = "SnnDsl.PostTraceAttribute";
    public const string OnPre = "SnnDsl.OnPreAttribute";
    public const string OnPost = "SnnDsl.OnPostAttribute";
    public const string SynapseTrace = "SnnDsl.SynapseTraceAttribute";
    public const string OnReward = "SnnDsl.OnRewardAttribute";
}

internal static partial class ModelExtractor
{
    /// <summary>Names the generator adds to every plasticity rule.</summary>
    public static readonly string[] PlasticityReservedNames = { "Dt", "Learner", "CreateLearner" };

    // Members of the generated Learner (clash with trace properties) and names of its generated code.
    private static readonly string[] PlasticityLearnerMembers = { "Model", "Sources", "Targets", "Dt", "PreTraces", "PostTraces", "Trace", "Reset", "Advance", "OnPre", "OnPost", "HasOnPre", "HasOnPost", "Learner", "Synapses", "SynapseTraces", "HasOnReward", "Reward" };
    private static readonly string[] PlasticityLocals = { "model", "sources", "targets", "dt", "step", "name", "source", "target", "synapses", "weights", "firstSynapse", "reward" };

    /// <summary>Turns a <c>[Plasticity]</c> declaration into a <see cref="PlasticitySpec"/> plus located diagnostics; never throws on user input.</summary>
    public static Result<PlasticitySpec> ExtractPlasticity(INamedTypeSymbol type, AttributeData attribute, CancellationToken ct)
    {
        var diags = new List<DiagnosticInfo>();
        PlasticitySpec? spec;
        try
        {
            spec = new Extractor(type, diags, ct).RunPlasticity(attribute);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            diags.Add(Failure(type, ex));
            spec = null;
        }
        return new Result<PlasticitySpec>(spec, diags.ToEquatableArray());
    }

    private sealed partial class Extractor
    {
        private readonly Dictionary<string, TraceSide> _sides = new(StringComparer.Ordinal);

        public PlasticitySpec? RunPlasticity(AttributeData attribute)
        {
            if (!CheckShape(out var declarations, out var containing)) return null;
            var first = declarations[0];

            ReadParameters(declarations);
            ReadConstants();
            var members = OrderedMembers();
            ReadTraces(members);
            ReadSubExpressions(members);

            var equations = new Dictionary<string, (DynamicsKind Kind, Expr Expr, string Member, SyntaxNode Node)>(StringComparer.Ordinal);
            var declared = new HashSet<string>(StringComparer.Ordinal);
            var onPre = new List<(IMethodSymbol Symbol, SyntaxNode Node)>();
            var onPost = new List<(IMethodSymbol Symbol, SyntaxNode Node)>();
            var onReward = new List<(IMethodSymbol Symbol, SyntaxNode Node)>();
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
                    if (symbol is IMethodSymbol { Parameters.Length: > 0 })
                    {
                        Report(DiagnosticDescriptors.InvalidPlasticityMember, NameLocation(node), symbol.Name,
                            "takes parameters, but trace dynamics have no input ports: a trace decays by its equation and jumps in [OnPre]/[OnPost]");
                        continue;
                    }
                    var expr = ConvertEquation(symbol, node);
                    if (expr is null) continue;
                    if (equations.TryGetValue(target, out var existing))
                    {
                        Report(DiagnosticDescriptors.StateWithTwoDynamics, attrNode ?? node, target, existing.Member, symbol.Name);
                        continue;
                    }
                    equations[target] = (kind, expr, symbol.Name, node);
                }
                if (Has(symbol, PlasticityAttributeNames.OnPre))
                {
                    if (symbol is IMethodSymbol m) onPre.Add((m, node));
                    else Report(DiagnosticDescriptors.InvalidPlasticityMember, NameLocation(node), symbol.Name, "is not a method; [OnPre] is a method 'float OnPre(float w)' returning the new weight");
                }
                if (Has(symbol, PlasticityAttributeNames.OnPost))
                {
                    if (symbol is IMethodSymbol m) onPost.Add((m, node));
                    else Report(DiagnosticDescriptors.InvalidPlasticityMember, NameLocation(node), symbol.Name, "is not a method; [OnPost] is a method 'float OnPost(float w)' returning the new weight");
                }
                if (Has(symbol, PlasticityAttributeNames.OnReward))
                {
                    if (symbol is IMethodSymbol m) onReward.Add((m, node));
                    else Report(DiagnosticDescriptors.InvalidPlasticityMember, NameLocation(node), symbol.Name, "is not a method; [OnReward] is a method 'float OnReward(float w, float reward)' returning the new weight");
                }
                if (Has(symbol, AttributeNames.SpikeWhen) || Has(symbol, AttributeNames.OnSpike) || Has(symbol, SynapseAttributeNames.Output))
                    Report(DiagnosticDescriptors.InvalidPlasticityMember, NameLocation(node), symbol.Name,
                        "is a neuron or synapse member ([SpikeWhen]/[OnSpike]/[Output]); a plasticity rule has traces and [OnPre]/[OnPost] handlers only");
                if (symbol is IFieldSymbol f && Has(f, AttributeNames.State))
                    Report(DiagnosticDescriptors.InvalidPlasticityMember, NameLocation(node), symbol.Name,
                        "is a [State]; plasticity state is stored per presynaptic neuron ([PreTrace]) or per postsynaptic neuron ([PostTrace])");
            }

            // Traces: dynamics reading only the trace itself, parameters and Dt; continuous ones linear with constant coefficients.
            var traces = new List<TraceSpec>();
            foreach (var (symbol, node) in members)
            {
                if (symbol is not IFieldSymbol field || !_sides.TryGetValue(field.Name, out var side) || _rejected.Contains(field.Name)) continue;
                var init = StateInitializer(field, node);
                if (!equations.TryGetValue(field.Name, out var eq))
                {
                    if (declared.Contains(field.Name)) continue;
                    Report(DiagnosticDescriptors.StateWithoutDynamics, NameLocation(node), field.Name);
                    continue;
                }
                var self = new Sym(SymKind.State, field.Name);
                if (Symbolic.Algebra.DependsOn(eq.Expr, s => (s.Kind == SymKind.State && s.Name != field.Name) || s.Kind is SymKind.Spiked or SymKind.Input))
                {
                    Report(DiagnosticDescriptors.InvalidPlasticityMember, NameLocation(eq.Node), eq.Member,
                        $"reads something other than the trace '{field.Name}', parameters and Dt; each trace evolves on its own between spikes (spikes act in [OnPre]/[OnPost])");
                    continue;
                }
                Expr rate = Expr.Zero, drive = Expr.Zero;
                if (eq.Kind == DynamicsKind.Derivative)
                {
                    rate = Symbolic.Algebra.Diff(eq.Expr, self);
                    drive = Symbolic.Algebra.Simplify(Symbolic.Algebra.Substitute(eq.Expr, new Dictionary<Sym, Expr> { [self] = Expr.Zero }));
                    if (Symbolic.Algebra.DependsOn(rate, s => s.Kind == SymKind.State))
                    {
                        Report(DiagnosticDescriptors.InvalidPlasticityMember, NameLocation(eq.Node), eq.Member,
                            $"is not linear in '{field.Name}'; a [Derivative] trace must be dX/dt = a X + b with a and b constant (e.g. -X / Tau), which is integrated exactly; write a nonlinear map with [Next]");
                        continue;
                    }
                }
                traces.Add(new TraceSpec(field.Name, side, init ?? Expr.Zero, eq.Kind, Symbolic.Algebra.Simplify(eq.Expr), eq.Member, rate, drive));
            }

            if (onPre.Count + onPost.Count == 0)
                Report(DiagnosticDescriptors.PlasticityHandlerCount, first.Identifier.GetLocation(), _type.Name, "no [OnPre] or [OnPost] handler; declare at least one");
            if (onPre.Count > 1)
                Report(DiagnosticDescriptors.PlasticityHandlerCount, NameLocation(onPre[1].Node), _type.Name, $"{onPre.Count} [OnPre] handlers; declare at most one");
            if (onPost.Count > 1)
                Report(DiagnosticDescriptors.PlasticityHandlerCount, NameLocation(onPost[1].Node), _type.Name, $"{onPost.Count} [OnPost] handlers; declare at most one");
            if (onReward.Count > 1)
                Report(DiagnosticDescriptors.PlasticityHandlerCount, NameLocation(onReward[1].Node), _type.Name, $"{onReward.Count} [OnReward] handlers; declare at most one");

            HandlerSpec? pre = onPre.Count == 1 ? ConvertHandler(onPre[0].Symbol, onPre[0].Node, TraceSide.Pre) : null;
            HandlerSpec? post = onPost.Count == 1 ? ConvertHandler(onPost[0].Symbol, onPost[0].Node, TraceSide.Post) : null;
            HandlerSpec? reward = onReward.Count == 1 ? ConvertHandler(onReward[0].Symbol, onReward[0].Node, TraceSide.Synapse) : null;

            CheckPlasticityNames(members, pre, post, reward);
            if (_failed) return null;
            return new PlasticitySpec(NamespaceText(), containing.ToEquatableArray(), _type.Name, DeclaredDt(attribute),
                _params.Values.ToEquatableArray(), traces.ToEquatableArray(), pre, post, reward);
        }

        private void ReadTraces(List<(ISymbol Symbol, SyntaxNode Node)> members)
        {
            foreach (var (symbol, node) in members)
            {
                if (symbol is not IFieldSymbol field) continue;
                bool isPre = Has(field, PlasticityAttributeNames.PreTrace), isPost = Has(field, PlasticityAttributeNames.PostTrace), isSyn = Has(field, PlasticityAttributeNames.SynapseTrace);
                if (!isPre && !isPost && !isSyn) continue;
                if ((isPre ? 1 : 0) + (isPost ? 1 : 0) + (isSyn ? 1 : 0) > 1)
                {
                    Report(DiagnosticDescriptors.InvalidPlasticityMember, NameLocation(node), field.Name, "is marked with more than one of [PreTrace], [PostTrace], [SynapseTrace]; a trace belongs to one place");
                    _rejected.Add(field.Name);
                    continue;
                }
                if (field.Type.SpecialType != SpecialType.System_Single)
                {
                    var typeNode = (node.Parent as VariableDeclarationSyntax)?.Type;
                    Report(DiagnosticDescriptors.NonFloatMember, (SyntaxNode?)typeNode ?? node, "Trace", field.Name, field.Type.ToDisplayString());
                    _rejected.Add(field.Name);
                    continue;
                }
                _states.Add(field.Name);
                _sides[field.Name] = isPre ? TraceSide.Pre : isPost ? TraceSide.Post : TraceSide.Synapse;
                _declaredAt[field.Name] = node;
            }
        }

        /// <summary>
        /// Executes the handler's statements symbolically, in C# order: assignments to the spiking
        /// side's traces, local declarations, and a final <c>return</c> of the new weight. Every value
        /// ends up written in terms of the values at entry, so the generated code can update each
        /// trace once per spike and the weight once per synapse with the same result as the C#.
        /// </summary>
        private HandlerSpec? ConvertHandler(IMethodSymbol method, SyntaxNode node, TraceSide side)
        {
            bool isReward = side == TraceSide.Synapse;
            string kind = side == TraceSide.Pre ? "[OnPre]" : side == TraceSide.Post ? "[OnPost]" : "[OnReward]";
            string own = side == TraceSide.Pre ? "[PreTrace]" : side == TraceSide.Post ? "[PostTrace]" : "[SynapseTrace]";
            int arity = isReward ? 2 : 1;
            if (method.Parameters.Length != arity || method.Parameters.Any(p => p.Type.SpecialType != SpecialType.System_Single) || method.ReturnType.SpecialType != SpecialType.System_Single)
            {
                Report(DiagnosticDescriptors.InvalidPlasticityMember, NameLocation(node), method.Name,
                    isReward
                        ? $"must be 'float {method.Name}(float w, float reward)': [OnReward] takes the synapse's weight and the reward and returns the new weight"
                        : $"must be 'float {method.Name}(float w)': {kind} takes the synapse's weight and returns its new weight");
                return null;
            }
            if (node is not MethodDeclarationSyntax syntax) return null;
            string weight = method.Parameters[0].Name;
            if (_states.Contains(weight) || _params.ContainsKey(weight))
            {
                Report(DiagnosticDescriptors.NameConflict, syntax.ParameterList.Parameters[0], weight, $"is the weight of '{method.Name}' and shadows the trace or parameter of the same name");
                return null;
            }
            string rewardName = isReward ? method.Parameters[1].Name : "";
            if (isReward && (_states.Contains(rewardName) || _params.ContainsKey(rewardName)))
            {
                Report(DiagnosticDescriptors.NameConflict, syntax.ParameterList.Parameters[1], rewardName, $"is the reward of '{method.Name}' and shadows the trace or parameter of the same name");
                return null;
            }
            _ports = new HashSet<string>(StringComparer.Ordinal) { weight };
            if (isReward) _ports.Add(rewardName);
            _locals = new Dictionary<string, Expr>(StringComparer.Ordinal);
            // Current value of each trace, in terms of entry values (marked as Local symbols until the end).
            var env = new Dictionary<Sym, Expr>();
            foreach (var name in _states) env[new Sym(SymKind.State, name)] = new Sym(SymKind.Local, name);
            var assigned = new List<string>();
            var assignedSynapse = new List<string>();
            Expr? result = null;
            bool ok = true;

            Expr? Eval(ExpressionSyntax e)
            {
                var x = Convert(e);
                return x is null ? null : Symbolic.Algebra.Substitute(x, env);
            }

            var statements = new List<StatementSyntax>();
            if (syntax.ExpressionBody is not null)
            {
                result = Eval(syntax.ExpressionBody.Expression);
                if (result is null) ok = false;
            }
            else if (syntax.Body is not null) statements.AddRange(syntax.Body.Statements);
            for (int i = 0; i < statements.Count; i++)
            {
                var st = statements[i];
                bool last = i == statements.Count - 1;
                switch (st)
                {
                    case ReturnStatementSyntax { Expression: { } ret } when last:
                        result = Eval(ret);
                        if (result is null) ok = false;
                        break;
                    case LocalDeclarationStatementSyntax local when local.Declaration.Variables.All(v => v.Initializer is not null) && !local.IsConst:
                        foreach (var v in local.Declaration.Variables)
                        {
                            var value = Eval(v.Initializer!.Value);
                            if (value is null) { ok = false; continue; }
                            string name = v.Identifier.ValueText;
                            if (_states.Contains(name) || _params.ContainsKey(name) || name == weight)
                            {
                                Report(DiagnosticDescriptors.NameConflict, v, name, "is a local that shadows a trace, parameter or the weight");
                                ok = false;
                                continue;
                            }
                            _locals[name] = value;
                        }
                        break;
                    case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assign }:
                        {
                            string? target = assign.Left switch
                            {
                                IdentifierNameSyntax id => id.Identifier.ValueText,
                                MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } ma => ma.Name.Identifier.ValueText,
                                _ => null,
                            };
                            if (target is null || !_sides.TryGetValue(target, out var targetSide))
                            {
                                Report(DiagnosticDescriptors.InvalidPlasticityMember, assign.Left, assign.Left.ToString(),
                                    target == weight
                                        ? $"is the weight; {kind} returns the new weight instead of assigning it ('return Math.Clamp(w + ..., 0f, WMax);')"
                                        : $"is not a trace; {kind} may assign only {own}{(isReward ? "" : " and [SynapseTrace]")} fields");
                                ok = false;
                                break;
                            }
                            if (targetSide != side && targetSide != TraceSide.Synapse)
                            {
                                Report(DiagnosticDescriptors.InvalidPlasticityMember, assign.Left, target,
                                    isReward
                                        ? $"is a {(targetSide == TraceSide.Pre ? "[PreTrace]" : "[PostTrace]")}, which [OnReward] cannot change: a reward updates weights and [SynapseTrace] fields"
                                        : $"is a {(targetSide == TraceSide.Pre ? "[PreTrace]" : "[PostTrace]")}, which {kind} cannot change: a {(side == TraceSide.Pre ? "presynaptic" : "postsynaptic")} spike updates only its own neuron's {own} fields (and [SynapseTrace] fields)");
                                ok = false;
                                break;
                            }
                            var value = Eval(assign.Right);
                            if (value is null) { ok = false; break; }
                            var key = new Sym(SymKind.State, target);
                            var current = env[key];
                            Expr? combined = assign.Kind() switch
                            {
                                SyntaxKind.SimpleAssignmentExpression => value,
                                SyntaxKind.AddAssignmentExpression => current + value,
                                SyntaxKind.SubtractAssignmentExpression => current - value,
                                SyntaxKind.MultiplyAssignmentExpression => current * value,
                                SyntaxKind.DivideAssignmentExpression => current / value,
                                _ => null,
                            };
                            if (combined is null)
                            {
                                Report(DiagnosticDescriptors.InvalidPlasticityMember, assign, assign.ToString(), "uses an unsupported compound assignment (use =, +=, -=, *= or /=)");
                                ok = false;
                                break;
                            }
                            if (targetSide == TraceSide.Synapse)
                            {
                                env[key] = combined;
                                if (!assignedSynapse.Contains(target)) assignedSynapse.Add(target);
                                break;
                            }
                            if (Symbolic.Algebra.DependsOn(combined, s => s.Kind == SymKind.Input || (s.Kind == SymKind.Local && _sides.TryGetValue(s.Name, out var sd) && sd != side)))
                            {
                                Report(DiagnosticDescriptors.InvalidPlasticityMember, assign, target,
                                    $"is given a value that depends on the weight or on the other side's traces; a trace is one value per neuron, updated once per spike, so it can read only {own} fields, parameters and Dt");
                                ok = false;
                                break;
                            }
                            env[key] = combined;
                            if (!assigned.Contains(target)) assigned.Add(target);
                            break;
                        }
                    default:
                        Report(DiagnosticDescriptors.InvalidPlasticityMember, st, st.ToString().Trim(),
                            $"is not supported in {kind}: write trace assignments, 'float x = ...;' locals and a final 'return' of the new weight");
                        ok = false;
                        break;
                }
            }
            _locals = new Dictionary<string, Expr>(StringComparer.Ordinal);
            _ports = new HashSet<string>(StringComparer.Ordinal);
            if (!ok) return null;
            if (result is null)
            {
                Report(DiagnosticDescriptors.InvalidPlasticityMember, NameLocation(node), method.Name, $"must end with 'return' of the new weight");
                return null;
            }
            if (Symbolic.Algebra.DependsOnKind(result, SymKind.Spiked))
            {
                Report(DiagnosticDescriptors.InvalidPlasticityMember, NameLocation(node), method.Name, "reads Spiked, a neuron built-in; the handler itself runs when the neuron spiked");
                return null;
            }
            if (isReward && Symbolic.Algebra.DependsOn(result, s => s.Kind == SymKind.Local && _sides.TryGetValue(s.Name, out var sd) && sd != TraceSide.Synapse)
                || assignedSynapse.Any(t => isReward && Symbolic.Algebra.DependsOn(env[new Sym(SymKind.State, t)], s => s.Kind == SymKind.Local && _sides.TryGetValue(s.Name, out var sd) && sd != TraceSide.Synapse)))
            {
                Report(DiagnosticDescriptors.InvalidPlasticityMember, NameLocation(node), method.Name,
                    "reads a [PreTrace] or [PostTrace]; [OnReward] runs over every synapse at once and reads only the weight, the reward, [SynapseTrace] fields, parameters and Dt");
                return null;
            }
            var back = new Dictionary<Sym, Expr>();
            foreach (var name in _states) back[new Sym(SymKind.Local, name)] = new Sym(SymKind.State, name);
            var updates = assigned.Select(t => new ResetSpec(t, Symbolic.Algebra.Simplify(Symbolic.Algebra.Substitute(env[new Sym(SymKind.State, t)], back)))).ToEquatableArray();
            var synapseUpdates = assignedSynapse.Select(t => new ResetSpec(t, Symbolic.Algebra.Simplify(Symbolic.Algebra.Substitute(env[new Sym(SymKind.State, t)], back)))).ToEquatableArray();
            return new HandlerSpec(method.Name, weight, updates, Symbolic.Algebra.Simplify(Symbolic.Algebra.Substitute(result, back)), synapseUpdates, rewardName);
        }

        private void CheckPlasticityNames(List<(ISymbol Symbol, SyntaxNode Node)> members, HandlerSpec? pre, HandlerSpec? post, HandlerSpec? reward)
        {
            foreach (var (symbol, node) in members)
                if (Array.IndexOf(PlasticityReservedNames, symbol.Name) >= 0)
                    Report(DiagnosticDescriptors.NameConflict, NameLocation(node), symbol.Name, "is a member the generator adds to every plasticity rule (Dt, Learner, CreateLearner)");
            // The reward argument may be called 'reward' (the generated method's own parameter), unlike a parameter or trace.
            var weights = new[] { pre?.Weight, post?.Weight, reward?.Weight, reward?.Reward == "reward" ? null : reward?.Reward }.Where(x => x is not null).Select(x => x!);
            foreach (var name in _params.Keys.Concat(_states).Concat(weights))
            {
                if (name.StartsWith("_", StringComparison.Ordinal))
                    Report(DiagnosticDescriptors.NameConflict, At(name), name, "starts with '_', which is reserved for generated locals");
                else if (SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None)
                    Report(DiagnosticDescriptors.NameConflict, At(name), name, "is a C# keyword, which the generated code cannot use as a local name");
                else if (Array.IndexOf(PlasticityLocals, name) >= 0)
                    Report(DiagnosticDescriptors.NameConflict, At(name), name, "would clash with a parameter or local of the generated Learner code (model, sources, targets, dt, step, name, source, target, synapses, weights, firstSynapse, reward)");
            }
            foreach (var name in _states)
                if (Array.IndexOf(PlasticityLearnerMembers, name) >= 0)
                    Report(DiagnosticDescriptors.NameConflict, At(name), name, "is a member of the generated Learner type, where every trace is also a property");
        }
    }
}
