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

/// <summary>Fully qualified names of the DSL attributes.</summary>
internal static class AttributeNames
{
    public const string Neuron = "SnnDsl.NeuronAttribute";
    public const string State = "SnnDsl.StateAttribute";
    public const string Learnable = "SnnDsl.LearnableAttribute";
    public const string Derivative = "SnnDsl.DerivativeAttribute";
    public const string Next = "SnnDsl.NextAttribute";
    public const string SpikeWhen = "SnnDsl.SpikeWhenAttribute";
    public const string OnSpike = "SnnDsl.OnSpikeAttribute";
    public const string Encoder = "SnnDsl.EncoderAttribute";
    public const string Emit = "SnnDsl.EmitAttribute";
    public const string Uniform = "SnnDsl.UniformAttribute";
    public const string Requires = "SnnDsl.RequiresAttribute";
}

/// <summary>
/// Turns a <c>[Neuron]</c> declaration (symbols and syntax) into a <see cref="ModelSpec"/> plus
/// located diagnostics. Every construct it cannot translate becomes a diagnostic at the offending
/// syntax; it never throws on user input.
/// </summary>
internal static partial class ModelExtractor
{
    /// <summary>Names the generator adds to every model or reserves.</summary>
    public static readonly string[] ReservedNames = { "Dt", "Spiked", "Layer", "CreateLayer" };

    /// <summary>Members of the generated <c>Layer</c> type; each state also becomes a Layer property.</summary>
    public static readonly string[] LayerMemberNames = { "Model", "Batch", "Neurons", "Dt", "Spiked", "Integrator", "Reset", "Step", "Run", "RunCore", "Layer" };

    /// <summary>Parameters of the generated <c>Layer.Step</c>/<c>Run</c>, beside one parameter per input port.</summary>
    public static readonly string[] LayerParameterNames = { "steps", "spikes" };

    /// <summary>
    /// The time step a model attribute declares (<c>[Neuron]</c>, <c>[Synapse]</c>, <c>[Encoder]</c> or
    /// <c>[Plasticity]</c> <c>Dt</c>, 1 ms when absent): the one reading of it, shared by the extractors
    /// and the analyzers' SNN1001 check of the declared Dt.
    /// </summary>
    public static float DeclaredDt(AttributeData attribute)
    {
        foreach (var kv in attribute.NamedArguments)
            if (kv.Key == "Dt" && kv.Value.Value is float dt) return dt;
        return 1f;
    }

    public static Result<ModelSpec> ExtractNeuron(INamedTypeSymbol type, AttributeData attribute, CancellationToken ct)
    {
        var diags = new List<DiagnosticInfo>();
        ModelSpec? spec;
        try
        {
            spec = new Extractor(type, diags, ct).Run(attribute);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A defect of ours must not become CS8785: say so at the model, with the cause.
            diags.Add(Failure(type, ex));
            spec = null;
        }
        return new Result<ModelSpec>(spec, diags.ToEquatableArray());
    }

    /// <summary>
    /// The diagnostic for an exception out of extraction: SNN0027 at the model when the stack ran short
    /// (<see cref="ExprLimits.EnsureStack"/>: an expression nests too deeply for a recursive pass), else
    /// SNN0018 (a defect of ours) with the cause.
    /// </summary>
    internal static DiagnosticInfo Failure(INamedTypeSymbol type, Exception ex) => Failure(LocationInfo.From(type.Locations.FirstOrDefault()), type.Name, ex);

    /// <inheritdoc cref="Failure(INamedTypeSymbol, Exception)"/>
    internal static DiagnosticInfo Failure(LocationInfo? where, string model, Exception ex) => ex is InsufficientExecutionStackException
        ? DiagnosticInfo.Create(DiagnosticDescriptors.ExpressionTooLarge, where, model,
            "its expressions nest too deeply for the generator's stack; split long expressions into helper members and combine those")
        : DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, where, model, ex.GetType().Name + ": " + ex.Message);

    /// <summary>
    /// True when the generator can add the built-ins (Dt, Spiked) to <paramref name="type"/> even
    /// though its model has errors: a non-generic partial record class in partial containers that
    /// does not declare them itself.
    /// </summary>
    public static bool CanHostBuiltIns(INamedTypeSymbol type, CancellationToken ct, out EquatableArray<ContainingType> containing, params string[] builtIns)
    {
        if (builtIns.Length == 0) builtIns = new[] { "Dt", "Spiked" };
        containing = EquatableArray<ContainingType>.Empty;
        var decls = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(ct)).OfType<TypeDeclarationSyntax>().ToList();
        if (decls.Count == 0 || type.TypeParameters.Length > 0) return false;
        // Incomplete code: no name to give the file or the type yet.
        if (decls.Any(d => d.Identifier.IsMissing || d.Identifier.ValueText.Length == 0)) return false;
        // A base record (SNN0029) that has the built-ins already: adding them again would hide its (CS0108). A
        // base model gets them from the generator, so they are not among its members in this compilation yet.
        for (var b = type.BaseType; b is not null && b.SpecialType != SpecialType.System_Object; b = b.BaseType)
        {
            if (b.GetMembers().Any(m => Array.IndexOf(builtIns, m.Name) >= 0)) return false;
            if (b.GetAttributes().Any(a => a.AttributeClass is { ContainingNamespace: { Name: "SnnDsl", ContainingNamespace.IsGlobalNamespace: true } } c
                && c.Name is "NeuronAttribute" or "SynapseAttribute" or "EncoderAttribute" or "PlasticityAttribute"))
                return false;
        }
        if (!decls.All(d => d is RecordDeclarationSyntax r && !r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) && d.Modifiers.Any(SyntaxKind.PartialKeyword)))
            return false;
        if (type.GetMembers().Any(m => !m.IsImplicitlyDeclared && Array.IndexOf(builtIns, m.Name) >= 0)) return false;
        var list = new List<ContainingType>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            var outerDecls = outer.DeclaringSyntaxReferences.Select(r => r.GetSyntax(ct)).OfType<TypeDeclarationSyntax>().ToList();
            if (outerDecls.Count == 0 || outer.TypeParameters.Length > 0 || !outerDecls.All(d => d.Modifiers.Any(SyntaxKind.PartialKeyword))) return false;
            list.Insert(0, new ContainingType(Extractor.KeywordOf(outerDecls[0]), outer.Name));
        }
        containing = list.ToEquatableArray();
        return true;
    }

    private sealed class SubExpression
    {
        public SubExpression(string name, IReadOnlyList<string> parameters, ExpressionSyntax? body, SyntaxNode node)
        {
            Name = name; Parameters = parameters; Body = body; Node = node;
        }
        public string Name { get; }
        public IReadOnlyList<string> Parameters { get; }
        public ExpressionSyntax? Body { get; }
        public SyntaxNode Node { get; }
    }

    private sealed partial class Extractor
    {
        private readonly INamedTypeSymbol _type;
        private readonly List<DiagnosticInfo> _diags;
        private readonly CancellationToken _ct;
        private readonly Dictionary<string, ParamSpec> _params = new(StringComparer.Ordinal);
        private readonly HashSet<string> _states = new(StringComparer.Ordinal);
        private readonly Dictionary<string, SubExpression> _subs = new(StringComparer.Ordinal);
        private readonly Dictionary<string, double> _constants = new(StringComparer.Ordinal);
        private readonly List<string> _inputs = new();
        // Parameters and states already reported as not float: later uses stay silent instead of cascading.
        private readonly HashSet<string> _rejected = new(StringComparer.Ordinal);
        private readonly Dictionary<string, SyntaxNode> _declaredAt = new(StringComparer.Ordinal);

        // Per-conversion context.
        private HashSet<string> _ports = new(StringComparer.Ordinal);
        private Dictionary<string, Expr> _locals = new(StringComparer.Ordinal);
        private readonly Stack<string> _inlining = new();
        private bool _initializerMode;
        private bool _encoder;
        private bool _hasFanOut;
        private readonly List<string> _uniforms = new();
        private HashSet<string> _uniformPorts = new(StringComparer.Ordinal);
        private string _initializerState = "";
        private bool _failed;

        public Extractor(INamedTypeSymbol type, List<DiagnosticInfo> diags, CancellationToken ct)
        {
            _type = type; _diags = diags; _ct = ct;
        }

        private void Report(DiagnosticDescriptor d, SyntaxNode? node, params string[] args) =>
            Add(DiagnosticInfo.Create(d, LocationInfo.From(node) ?? LocationInfo.From(_type.Locations.FirstOrDefault()), args));

        private void Report(DiagnosticDescriptor d, Location? location, params string[] args) =>
            Add(DiagnosticInfo.Create(d, LocationInfo.From(location) ?? LocationInfo.From(_type.Locations.FirstOrDefault()), args));

        // A sub-expression is inlined into every equation that reads it: report its errors once.
        private void Add(DiagnosticInfo info)
        {
            if (!_diags.Contains(info)) _diags.Add(info);
            _failed = true;
        }

        private static bool Has(ISymbol s, string attributeName) => Find(s, attributeName) is not null;

        private static AttributeData? Find(ISymbol s, string attributeName) =>
            s.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == attributeName);

        private static T Named<T>(AttributeData a, string name, T fallback)
        {
            foreach (var kv in a.NamedArguments)
                if (kv.Key == name && kv.Value.Value is T v) return v;
            return fallback;
        }

        /// <summary>
        /// Reports an enum argument of <paramref name="attribute"/> (the named argument <paramref name="name"/>, or
        /// the first constructor argument when null) whose value is no member of its enum, such as
        /// <c>(Integrator)42</c>, which would otherwise silently mean the default.
        /// </summary>
        private void CheckEnumArgument(AttributeData attribute, string? name)
        {
            TypedConstant value;
            if (name is null)
            {
                if (attribute.ConstructorArguments.Length == 0) return;
                value = attribute.ConstructorArguments[0];
            }
            else
            {
                var named = attribute.NamedArguments.FirstOrDefault(kv => kv.Key == name);
                if (named.Key is null) return;
                value = named.Value;
            }
            if (value.Kind != TypedConstantKind.Enum || value.Type is not INamedTypeSymbol enumType || value.Value is null) return;
            var defined = enumType.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue).ToList();
            if (defined.Any(f => Equals(f.ConstantValue, value.Value))) return;
            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(_ct) as AttributeSyntax;
            var argument = syntax?.ArgumentList?.Arguments.FirstOrDefault(a => name is null
                ? a.NameEquals is null && a.NameColon is null || a.NameColon?.Name.Identifier.ValueText == "surrogate"
                : a.NameEquals?.Name.Identifier.ValueText == name);
            string text = argument?.Expression.ToString() ?? System.Convert.ToString(value.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            Report(DiagnosticDescriptors.UndefinedEnumValue, (SyntaxNode?)argument?.Expression ?? syntax, text, enumType.Name, string.Join(", ", defined.Select(f => f.Name)));
        }

        /// <summary>Checks that the type can carry a model (partial record class, not generic, partial containers).</summary>
        private bool CheckShape(out List<TypeDeclarationSyntax> declarations, out List<ContainingType> containing)
        {
            declarations = _type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_ct)).OfType<TypeDeclarationSyntax>()
                .Where(d => !IsGenerated(d.SyntaxTree, _ct)).ToList();
            containing = new List<ContainingType>();
            var first = declarations.FirstOrDefault();
            // Incomplete code (a record whose name is not typed yet): C# reports it, and there is nothing
            // to name a generated file or type after.
            if (declarations.Any(d => d.Identifier.IsMissing || d.Identifier.ValueText.Length == 0))
            {
                _failed = true;
                return false;
            }
            bool isRecordClass = declarations.Count > 0 && declarations.All(d => d is RecordDeclarationSyntax r && !r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword));
            bool isPartial = declarations.Count > 0 && declarations.All(d => d.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!isRecordClass || !isPartial)
            {
                Report(DiagnosticDescriptors.ModelMustBePartialRecord, first?.Identifier.GetLocation(), _type.Name);
                return false;
            }
            if (_type.TypeParameters.Length > 0)
            {
                Report(DiagnosticDescriptors.GenericModel, first!.Identifier.GetLocation(), _type.Name);
                return false;
            }
            if (_type.BaseType is { SpecialType: not SpecialType.System_Object } baseType && baseType.TypeKind != TypeKind.Error)
            {
                // The generator reads only the model's own members and adds Dt, Layer, ... that would hide the
                // base's (CS0108): inheritance between models is not supported.
                var baseSyntax = declarations.Select(d => d.BaseList?.Types.FirstOrDefault()).FirstOrDefault(t => t is not null);
                Report(DiagnosticDescriptors.ModelHasBaseRecord, baseSyntax?.Type.GetLocation() ?? first!.Identifier.GetLocation(), _type.Name, baseType.Name);
                return false;
            }
            for (var outer = _type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                var outerDecls = outer.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_ct)).OfType<TypeDeclarationSyntax>().ToList();
                if (outerDecls.Count == 0 || !outerDecls.All(d => d.Modifiers.Any(SyntaxKind.PartialKeyword)) || outer.TypeParameters.Length > 0)
                {
                    Report(DiagnosticDescriptors.ContainingTypeNotPartial, outerDecls.FirstOrDefault()?.Identifier.GetLocation(), outer.Name, _type.Name);
                    return false;
                }
                containing.Insert(0, new ContainingType(KeywordOf(outerDecls[0]), outer.Name));
            }
            return true;
        }

        private string AccessibilityText() => _type.DeclaredAccessibility switch
        {
            Accessibility.Public => "public",
            Accessibility.Internal => "internal",
            Accessibility.Private => "private",
            Accessibility.Protected => "protected",
            Accessibility.ProtectedOrInternal => "protected internal",
            Accessibility.ProtectedAndInternal => "private protected",
            _ => "internal",
        };

        private string NamespaceText() => _type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";

        public ModelSpec? Run(AttributeData attribute)
        {
            if (!CheckShape(out var declarations, out var containing)) return null;
            var first = declarations[0];
            CheckEnumArgument(attribute, "Integrator");

            ReadParameters(declarations);
            ReadConstants();
            var members = OrderedMembers();
            ReadStates(members);
            ReadSubExpressions(members);

            // Equations, in declaration order.
            var equations = new Dictionary<string, (DynamicsKind Kind, Expr Expr, string Member, SyntaxNode Node)>(StringComparer.Ordinal);
            var spikes = new List<(ISymbol Symbol, SyntaxNode Node, AttributeData Attr)>();
            var resets = new List<(ISymbol Symbol, SyntaxNode Node)>();
            var declared = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (symbol, node) in members)
            {
                _ct.ThrowIfCancellationRequested();
                var derivative = Find(symbol, AttributeNames.Derivative);
                var next = Find(symbol, AttributeNames.Next);
                foreach (var (attr, kind) in new[] { (derivative, DynamicsKind.Derivative), (next, DynamicsKind.Next) })
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
                    // The state has an equation even when it fails to convert: its own diagnostic says why,
                    // and "State without dynamics" would be a misleading second error.
                    declared.Add(target);
                    var expr = ConvertEquation(symbol, node);
                    if (expr is null) continue;
                    if (equations.TryGetValue(target, out var existing))
                    {
                        Report(DiagnosticDescriptors.StateWithTwoDynamics, attrNode ?? node, target, existing.Member, symbol.Name);
                        continue;
                    }
                    equations[target] = (kind, expr, symbol.Name, node);
                }
                if (Find(symbol, AttributeNames.SpikeWhen) is { } spikeAttr) spikes.Add((symbol, node, spikeAttr));
                if (Has(symbol, AttributeNames.OnSpike)) resets.Add((symbol, node));
            }

            // States.
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

            // Spike condition.
            SpikeSpec? spike = null;
            if (spikes.Count != 1)
            {
                Report(DiagnosticDescriptors.SpikeConditionCount, spikes.Count > 1 ? NameLocation(spikes[1].Node) : first!.Identifier.GetLocation(), _type.Name, spikes.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                spike = ConvertSpike(spikes[0].Symbol, spikes[0].Node, spikes[0].Attr);
            }

            // Reset.
            var resetSpecs = new List<ResetSpec>();
            foreach (var (symbol, node) in resets) ConvertReset(symbol, node, resetSpecs);

            // Names that would collide with generated members.
            CheckNames(members);

            if (_failed) return null;
            var integrator = (IntegratorKind)Named(attribute, "Integrator", 0);

            var accessibility = _type.DeclaredAccessibility switch
            {
                Accessibility.Public => "public",
                Accessibility.Internal => "internal",
                Accessibility.Private => "private",
                Accessibility.Protected => "protected",
                Accessibility.ProtectedOrInternal => "protected internal",
                Accessibility.ProtectedAndInternal => "private protected",
                _ => "internal",
            };
            string ns = _type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
            var spec = new ModelSpec(
                ns,
                containing.ToEquatableArray(),
                _type.Name,
                accessibility,
                integrator,
                Named(attribute, "DetachReset", true),
                DeclaredDt(attribute),
                _params.Values.ToEquatableArray(),
                stateSpecs.ToEquatableArray(),
                _inputs.ToEquatableArray(),
                spike,
                resetSpecs.ToEquatableArray());
            if (continuousStates(spec) && Symbolic.Linearity.Choose(spec) is { Error: { } error } choice)
            {
                Report(DiagnosticDescriptors.IntegratorNotApplicable, attribute.ApplicationSyntaxReference?.GetSyntax(_ct) ?? first,
                    choice.Integrator.ToString(), _type.Name, error);
                return null;
            }
            return spec;

            static bool continuousStates(ModelSpec m) => m.States.Any(s => s.Dynamics == DynamicsKind.Derivative);
        }

        /// <summary>The name of a declaration (member, variable, parameter, type), else the whole node.</summary>
        private static Location NameLocation(SyntaxNode node) => node switch
        {
            MethodDeclarationSyntax m => m.Identifier.GetLocation(),
            PropertyDeclarationSyntax p => p.Identifier.GetLocation(),
            VariableDeclaratorSyntax v => v.Identifier.GetLocation(),
            ParameterSyntax p => p.Identifier.GetLocation(),
            BaseTypeDeclarationSyntax t => t.Identifier.GetLocation(),
            _ => node.GetLocation(),
        };

        /// <summary>True for a file that starts with an <c>&lt;auto-generated&gt;</c> comment (the generator's output, seen by analyzers).</summary>
        internal static bool IsGenerated(SyntaxTree tree, CancellationToken ct)
        {
            foreach (var trivia in tree.GetRoot(ct).GetLeadingTrivia())
            {
                if (trivia.IsKind(SyntaxKind.SingleLineCommentTrivia) && trivia.ToString().IndexOf("<auto-generated", StringComparison.Ordinal) >= 0) return true;
                if (!trivia.IsKind(SyntaxKind.WhitespaceTrivia) && !trivia.IsKind(SyntaxKind.EndOfLineTrivia) && !trivia.IsKind(SyntaxKind.SingleLineCommentTrivia)) break;
            }
            return false;
        }

        internal static string KeywordOf(TypeDeclarationSyntax d) => d switch
        {
            RecordDeclarationSyntax r => r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
            StructDeclarationSyntax => "struct",
            InterfaceDeclarationSyntax => "interface",
            _ => "class",
        };

        // -------------------------------------------------------------- members

        private List<(ISymbol Symbol, SyntaxNode Node)> OrderedMembers()
        {
            var list = new List<(ISymbol, SyntaxNode)>();
            foreach (var member in _type.GetMembers())
            {
                if (member.IsImplicitlyDeclared) continue;
                foreach (var reference in member.DeclaringSyntaxReferences)
                {
                    var node = reference.GetSyntax(_ct);
                    // Record primary-constructor parameters surface as properties declared by a ParameterSyntax.
                    if (node is ParameterSyntax) continue;
                    // The analyzers see the compilation with the generator's output (Dt, Spiked, Layer): not the user's.
                    if (IsGenerated(node.SyntaxTree, _ct)) continue;
                    list.Add((member, node));
                }
            }
            return list.OrderBy(m => m.Item2.SyntaxTree.FilePath, StringComparer.Ordinal).ThenBy(m => m.Item2.SpanStart).ToList();
        }

        private void ReadParameters(List<TypeDeclarationSyntax> declarations)
        {
            var withList = declarations.OfType<RecordDeclarationSyntax>().FirstOrDefault(d => d.ParameterList is not null);
            if (withList is null) return;
            var ctor = _type.InstanceConstructors.FirstOrDefault(c =>
                c.DeclaringSyntaxReferences.Any(r => r.GetSyntax(_ct) == withList));
            foreach (var p in withList.ParameterList!.Parameters)
            {
                string name = p.Identifier.ValueText;
                if (p.Identifier.IsMissing || name.Length == 0 || _declaredAt.ContainsKey(name) || _rejected.Contains(name))
                {
                    // Incomplete code (a parameter without a name, or two of one name: CS0100, reported by C#):
                    // no model, or the generated code would repeat the error.
                    _failed = true;
                    continue;
                }
                var symbol = ctor?.Parameters.FirstOrDefault(x => x.Name == name);
                if (symbol is null) continue;
                bool isBool = symbol.Type.SpecialType == SpecialType.System_Boolean;
                if (symbol.Type.SpecialType != SpecialType.System_Single && !isBool)
                {
                    Report(DiagnosticDescriptors.NonFloatMember, (SyntaxNode?)p.Type ?? p, "Parameter", name, symbol.Type.ToDisplayString());
                    _rejected.Add(name);
                    continue;
                }
                double? def = !symbol.HasExplicitDefaultValue ? null
                    : symbol.ExplicitDefaultValue switch { float f => f, bool b => b ? 1 : 0, _ => null };
                var learnable = Find(symbol, AttributeNames.Learnable);
                _declaredAt[name] = p;
                _params[name] = new ParamSpec(name, def, learnable is not null, learnable is not null && Named(learnable, "Shared", false), isBool);
            }
        }

        private void ReadConstants()
        {
            foreach (var f in _type.GetMembers().OfType<IFieldSymbol>())
            {
                if (f.IsConst && f.ConstantValue is not null && f.Type.SpecialType is SpecialType.System_Single or SpecialType.System_Double or SpecialType.System_Int32)
                    _constants[f.Name] = System.Convert.ToDouble(f.ConstantValue, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        private void ReadStates(List<(ISymbol Symbol, SyntaxNode Node)> members)
        {
            foreach (var (symbol, node) in members)
            {
                if (symbol is IFieldSymbol field && Has(field, AttributeNames.State))
                {
                    if (field.Type.SpecialType != SpecialType.System_Single)
                    {
                        var typeNode = (node.Parent as VariableDeclarationSyntax)?.Type;
                        Report(DiagnosticDescriptors.NonFloatMember, (SyntaxNode?)typeNode ?? node, "State", field.Name, field.Type.ToDisplayString());
                        _rejected.Add(field.Name);
                        continue;
                    }
                    _states.Add(field.Name);
                    _declaredAt[field.Name] = node;
                }
            }
        }

        private void ReadSubExpressions(List<(ISymbol Symbol, SyntaxNode Node)> members)
        {
            foreach (var (symbol, node) in members)
            {
                if (symbol.IsStatic) continue;
                if (symbol is IPropertySymbol prop && node is PropertyDeclarationSyntax pds && prop.Type.SpecialType is SpecialType.System_Single or SpecialType.System_Boolean)
                {
                    if (HasAnyDslAttribute(prop)) continue;
                    _subs[prop.Name] = new SubExpression(prop.Name, Array.Empty<string>(), BodyOf(pds), node);
                }
                else if (symbol is IMethodSymbol method && node is MethodDeclarationSyntax mds && method.MethodKind == MethodKind.Ordinary
                    && method.ReturnType.SpecialType is SpecialType.System_Single or SpecialType.System_Boolean)
                {
                    if (HasAnyDslAttribute(method)) continue;
                    _subs[method.Name] = new SubExpression(method.Name, method.Parameters.Select(p => p.Name).ToList(), BodyOf(mds), node);
                }
            }
        }

        private static bool HasAnyDslAttribute(ISymbol s) =>
            s.GetAttributes().Any(a => a.AttributeClass?.ContainingNamespace?.ToDisplayString() == "SnnDsl");

        private static ExpressionSyntax? BodyOf(SyntaxNode node)
        {
            switch (node)
            {
                case PropertyDeclarationSyntax p:
                    if (p.ExpressionBody is not null) return p.ExpressionBody.Expression;
                    var getter = p.AccessorList?.Accessors.FirstOrDefault(a => a.IsKind(SyntaxKind.GetAccessorDeclaration));
                    if (getter?.ExpressionBody is not null) return getter.ExpressionBody.Expression;
                    return SingleReturn(getter?.Body);
                case MethodDeclarationSyntax m:
                    return m.ExpressionBody?.Expression ?? SingleReturn(m.Body);
                default:
                    return null;
            }
        }

        private static ExpressionSyntax? SingleReturn(BlockSyntax? block) =>
            block is { Statements.Count: 1 } && block.Statements[0] is ReturnStatementSyntax r ? r.Expression : null;

        // -------------------------------------------------------------- equations

        private Expr? ConvertEquation(ISymbol symbol, SyntaxNode node, bool allowBool = false)
        {
            var body = BodyOf(node);
            if (body is null)
            {
                Report(DiagnosticDescriptors.EquationNotExpression, NameLocation(node), symbol.Name);
                return null;
            }
            if (symbol is IMethodSymbol method && !ReadPorts(method, node)) return null;
            if (symbol is IPropertySymbol prop && prop.Type.SpecialType != SpecialType.System_Single && !(allowBool && prop.Type.SpecialType == SpecialType.System_Boolean))
            {
                Report(DiagnosticDescriptors.NonFloatMember, (node as PropertyDeclarationSyntax)?.Type ?? node, "Equation", symbol.Name, prop.Type.ToDisplayString());
                return null;
            }
            if (symbol is IMethodSymbol m2 && m2.ReturnType.SpecialType != SpecialType.System_Single && !(allowBool && m2.ReturnType.SpecialType == SpecialType.System_Boolean))
            {
                Report(DiagnosticDescriptors.NonFloatMember, (node as MethodDeclarationSyntax)?.ReturnType ?? node, "Equation", symbol.Name, m2.ReturnType.ToDisplayString());
                return null;
            }
            var result = Convert(body);
            _ports = new HashSet<string>(StringComparer.Ordinal);
            _uniformPorts = new HashSet<string>(StringComparer.Ordinal);
            if (result is not null && !allowBool && IsCondition(result))
            {
                Report(DiagnosticDescriptors.UnsupportedExpression, body, body.ToString(),
                    "an equation gives a number, but this is a condition; write 'condition ? 1f : 0f'");
                return null;
            }
            return result is null ? null : Symbolic.Algebra.Simplify(result);
        }

        private static bool IsCondition(Expr e) => e is Binary { IsComparison: true } or Binary { IsLogical: true } or Unary { Op: UnOp.Not };

        private bool ReadPorts(IMethodSymbol method, SyntaxNode node)
        {
            _ports = new HashSet<string>(StringComparer.Ordinal);
            _uniformPorts = new HashSet<string>(StringComparer.Ordinal);
            var syntax = node as MethodDeclarationSyntax;
            bool ok = true;
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                var p = method.Parameters[i];
                SyntaxNode? pNode = syntax is not null && i < syntax.ParameterList.Parameters.Count ? syntax.ParameterList.Parameters[i] : node;
                if (p.Type.SpecialType != SpecialType.System_Single)
                {
                    Report(DiagnosticDescriptors.NonFloatMember, pNode, "Input port", p.Name, p.Type.ToDisplayString());
                    ok = false;
                    continue;
                }
                if (_encoder && p.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == AttributeNames.Uniform))
                {
                    _uniformPorts.Add(p.Name);
                    if (!_uniforms.Contains(p.Name)) _uniforms.Add(p.Name);
                    if (pNode is not null && !_declaredAt.ContainsKey(p.Name)) _declaredAt[p.Name] = pNode;
                    continue;
                }
                if (_states.Contains(p.Name) || _params.ContainsKey(p.Name))
                {
                    Report(DiagnosticDescriptors.NameConflict, pNode, p.Name, $"is an input port of '{method.Name}' and shadows the {(_states.Contains(p.Name) ? "state" : "parameter")} of the same name");
                    ok = false;
                    continue;
                }
                _ports.Add(p.Name);
                if (pNode is ParameterSyntax && !_declaredAt.ContainsKey(p.Name)) _declaredAt[p.Name] = pNode;
                if (!_inputs.Contains(p.Name)) _inputs.Add(p.Name);
            }
            return ok;
        }

        private Expr? StateInitializer(IFieldSymbol field, SyntaxNode node)
        {
            if (node is not VariableDeclaratorSyntax { Initializer: { } init }) return Expr.Zero;
            _initializerMode = true;
            _initializerState = field.Name;
            var e = Convert(init.Value);
            _initializerMode = false;
            return e is null ? null : Symbolic.Algebra.Simplify(e);
        }

        private SpikeSpec? ConvertSpike(ISymbol symbol, SyntaxNode node, AttributeData attr)
        {
            var body = BodyOf(node);
            if (body is null)
            {
                Report(DiagnosticDescriptors.EquationNotExpression, NameLocation(node), symbol.Name);
                return null;
            }
            if (symbol is IMethodSymbol { Parameters.Length: > 0 } method && !ReadPorts(method, node)) return null;
            CheckEnumArgument(attr, null);

            // a >= b [&& gate]
            var inner = Unwrap(body);
            ExpressionSyntax comparison = inner;
            if (inner is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalAndExpression } and)
            {
                // Left-most comparison of an && chain is the spike; the rest gate it.
                var chain = new List<ExpressionSyntax>();
                Flatten(and, chain);
                comparison = Unwrap(chain[0]);
                chain.RemoveAt(0);
                Expr? gate = null;
                foreach (var g in chain)
                {
                    var ge = Convert(g);
                    if (ge is null) return null;
                    gate = gate is null ? ge : new Binary(BinOp.And, gate, ge);
                }
                return Finish(comparison, gate);
            }
            return Finish(comparison, null);

            SpikeSpec? Finish(ExpressionSyntax cmp, Expr? gate)
            {
                if (cmp is not BinaryExpressionSyntax bin || !(bin.IsKind(SyntaxKind.GreaterThanOrEqualExpression) || bin.IsKind(SyntaxKind.GreaterThanExpression)
                    || bin.IsKind(SyntaxKind.LessThanOrEqualExpression) || bin.IsKind(SyntaxKind.LessThanExpression)))
                {
                    Report(DiagnosticDescriptors.SpikeConditionNotComparison, cmp, cmp.ToString());
                    return null;
                }
                var l = Convert(bin.Left);
                var r = Convert(bin.Right);
                if (l is null || r is null) return null;
                bool flipped = bin.IsKind(SyntaxKind.LessThanOrEqualExpression) || bin.IsKind(SyntaxKind.LessThanExpression);
                bool strict = bin.IsKind(SyntaxKind.GreaterThanExpression) || bin.IsKind(SyntaxKind.LessThanExpression);
                var surrogate = attr.ConstructorArguments.Length == 1 && attr.ConstructorArguments[0].Value is int s ? (SurrogateKind)s : SurrogateKind.FastSigmoid;
                double slope = Named(attr, "Slope", float.NaN);
                if (double.IsNaN(slope)) slope = DefaultSlope(surrogate);
                string? custom = Named<string?>(attr, "Custom", null);
                _ports = new HashSet<string>(StringComparer.Ordinal);
                var left = Symbolic.Algebra.Simplify(flipped ? r : l);
                var right = Symbolic.Algebra.Simplify(flipped ? l : r);
                return new SpikeSpec(left, right, strict, gate is null ? null : Symbolic.Algebra.Simplify(gate), surrogate, slope, custom);
            }
        }

        private static double DefaultSlope(SurrogateKind s) => s switch
        {
            SurrogateKind.FastSigmoid => 25,
            SurrogateKind.ATan => 2,
            SurrogateKind.Sigmoid => 25,
            _ => 1,
        };

        private static void Flatten(ExpressionSyntax e, List<ExpressionSyntax> into)
        {
            e = Unwrap(e);
            if (e is BinaryExpressionSyntax b && b.IsKind(SyntaxKind.LogicalAndExpression))
            {
                Flatten(b.Left, into);
                Flatten(b.Right, into);
            }
            else into.Add(e);
        }

        private static ExpressionSyntax Unwrap(ExpressionSyntax e)
        {
            while (e is ParenthesizedExpressionSyntax p) e = p.Expression;
            return e;
        }

        private void ConvertReset(ISymbol symbol, SyntaxNode node, List<ResetSpec> into)
        {
            if (node is not MethodDeclarationSyntax method)
            {
                Report(DiagnosticDescriptors.InvalidReset, node, symbol.Name, "is not a method");
                return;
            }
            var expressions = new List<ExpressionSyntax>();
            if (method.ExpressionBody is not null) expressions.Add(method.ExpressionBody.Expression);
            else if (method.Body is not null)
            {
                foreach (var st in method.Body.Statements)
                {
                    if (st is ExpressionStatementSyntax es) expressions.Add(es.Expression);
                    else Report(DiagnosticDescriptors.InvalidReset, st, st.ToString(), "is not an assignment");
                }
            }
            foreach (var e in expressions)
            {
                if (e is not AssignmentExpressionSyntax assign)
                {
                    Report(DiagnosticDescriptors.InvalidReset, e, e.ToString(), "is not an assignment");
                    continue;
                }
                string? target = assign.Left switch
                {
                    IdentifierNameSyntax id => id.Identifier.ValueText,
                    MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } ma => ma.Name.Identifier.ValueText,
                    _ => null,
                };
                if (target is null || !_states.Contains(target))
                {
                    Report(DiagnosticDescriptors.InvalidReset, assign.Left, assign.Left.ToString(), "is not a [State] field");
                    continue;
                }
                var value = Convert(assign.Right);
                if (value is null) continue;
                var current = new Sym(SymKind.State, target);
                Expr combined = assign.Kind() switch
                {
                    SyntaxKind.SimpleAssignmentExpression => value,
                    SyntaxKind.AddAssignmentExpression => current + value,
                    SyntaxKind.SubtractAssignmentExpression => current - value,
                    SyntaxKind.MultiplyAssignmentExpression => current * value,
                    SyntaxKind.DivideAssignmentExpression => current / value,
                    _ => null!,
                };
                if (combined is null)
                {
                    Report(DiagnosticDescriptors.InvalidReset, assign, assign.ToString(), "uses an unsupported compound assignment");
                    continue;
                }
                into.Add(new ResetSpec(target, Symbolic.Algebra.Simplify(combined)));
            }
        }

        // Names the generated Layer uses: its members (clash with state properties), its constructor's
        // parameters and locals (clash with parameter locals), and Step/Run's parameters (clash with ports).
        private static readonly string[] ConstructorLocals = { "model", "batch", "neurons", "dt", "step" };

        private void CheckNames(List<(ISymbol Symbol, SyntaxNode Node)> members)
        {
            foreach (var (symbol, node) in members)
            {
                if (Array.IndexOf(ReservedNames, symbol.Name) >= 0)
                    Report(DiagnosticDescriptors.NameConflict, NameLocation(node), symbol.Name, "is a member the generator adds to every model");
            }
            if (_type.Name == "Layer")
                Report(DiagnosticDescriptors.NameConflict, (Location?)null, _type.Name, "is the name of the population type the generator nests in every model");
            foreach (var name in _states)
            {
                if (Array.IndexOf(LayerMemberNames, name) >= 0 && Array.IndexOf(ReservedNames, name) < 0)
                    Report(DiagnosticDescriptors.NameConflict, _declaredAt.TryGetValue(name, out var at) ? NameLocation(at) : null, name, "is a member of the generated Layer type, where every state is also a property");
            }
            foreach (var name in _inputs)
            {
                if (Array.IndexOf(LayerParameterNames, name) >= 0)
                    Report(DiagnosticDescriptors.NameConflict, _declaredAt.TryGetValue(name, out var at) ? NameLocation(at) : null, name, "is a parameter of the generated Layer.Step and Layer.Run, beside the input ports");
            }
            foreach (var name in _params.Keys.Concat(_states).Concat(_inputs))
            {
                if (Array.IndexOf(ReservedNames, name) >= 0 && !_states.Contains(name))
                    Report(DiagnosticDescriptors.NameConflict, _declaredAt.TryGetValue(name, out var at) ? NameLocation(at) : null, name, "is a member the generator adds to every model");
                else if (name.StartsWith("_", StringComparison.Ordinal))
                    Report(DiagnosticDescriptors.NameConflict, _declaredAt.TryGetValue(name, out var at) ? NameLocation(at) : null, name, "starts with '_', which is reserved for generated locals");
                else if (SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None)
                    // The generated kernel declares a local per parameter, state and port, by name.
                    Report(DiagnosticDescriptors.NameConflict, _declaredAt.TryGetValue(name, out var at) ? NameLocation(at) : null, name, "is a C# keyword, which the generated code cannot use as a local name");
            }
            foreach (var name in _params.Keys)
            {
                if (Array.IndexOf(ConstructorLocals, name) >= 0)
                    Report(DiagnosticDescriptors.NameConflict, At(name), name, "would clash with a parameter or local of the generated Layer constructor (model, batch, neurons, dt, step)");
            }
        }

        private Location? At(string name) => _declaredAt.TryGetValue(name, out var node) ? NameLocation(node) : null;

        // -------------------------------------------------------------- expressions

        private Expr? Unsupported(SyntaxNode node, string why)
        {
            Report(DiagnosticDescriptors.UnsupportedExpression, node, node.ToString(), why);
            return null;
        }

        // Convert's recursion depth; the outermost call (an equation body, a spike side, a reset value, an
        // initializer) is where a too-large expression is reported.
        private int _convertDepth;
        private ExpressionSyntax? _convertRoot;
        // Sub-expressions already inlined, with their arguments: a sub-expression read many times is one
        // shared node of the result (a DAG), so extraction is linear in the declaration, not in the expansion.
        private readonly Dictionary<string, List<(IReadOnlyList<Expr> Args, Expr? Result)>> _inlined = new(StringComparer.Ordinal);
        private int _recursions;

        private Expr? Convert(ExpressionSyntax e)
        {
            _ct.ThrowIfCancellationRequested();
            if (_convertDepth == 0) _convertRoot = e;
            if (_convertDepth >= ExprLimits.MaxDepth)
            {
                // Deeper than any equation may nest (parentheses, right operands, calls, sub-expressions):
                // stop before the recursion does.
                ReportTooLarge(_convertRoot!, $"it nests more than {ExprLimits.MaxDepth} operations deep; split it into helper members (e.g. sums of at most a few hundred terms each) and combine those");
                return null;
            }
            _convertDepth++;
            try
            {
                var result = ConvertCore(e);
                if (_convertDepth == 1 && result is not null && ExprLimits.Check(result) is { } why)
                {
                    ReportTooLarge(e, why);
                    return null;
                }
                return result;
            }
            finally
            {
                _convertDepth--;
            }
        }

        private void ReportTooLarge(ExpressionSyntax root, string why)
        {
            var member = root.FirstAncestorOrSelf<MemberDeclarationSyntax>() switch
            {
                MethodDeclarationSyntax m => m.Identifier.ValueText,
                PropertyDeclarationSyntax p => p.Identifier.ValueText,
                FieldDeclarationSyntax f => f.Declaration.Variables.FirstOrDefault()?.Identifier.ValueText ?? _type.Name,
                _ => _type.Name,
            };
            Report(DiagnosticDescriptors.ExpressionTooLarge, root, member, why);
        }

        private static BinOp? BinaryOp(BinaryExpressionSyntax bin) => bin.Kind() switch
        {
            SyntaxKind.AddExpression => BinOp.Add,
            SyntaxKind.SubtractExpression => BinOp.Sub,
            SyntaxKind.MultiplyExpression => BinOp.Mul,
            SyntaxKind.DivideExpression => BinOp.Div,
            SyntaxKind.LessThanExpression => BinOp.Lt,
            SyntaxKind.LessThanOrEqualExpression => BinOp.Le,
            SyntaxKind.GreaterThanExpression => BinOp.Gt,
            SyntaxKind.GreaterThanOrEqualExpression => BinOp.Ge,
            SyntaxKind.EqualsExpression => BinOp.Eq,
            SyntaxKind.NotEqualsExpression => BinOp.Ne,
            SyntaxKind.LogicalAndExpression => BinOp.And,
            SyntaxKind.LogicalOrExpression => BinOp.Or,
            _ => null,
        };

        /// <summary>
        /// A binary operator chain as C# parses it, left-deep (a + b + c is (a + b) + c): walked along its
        /// left spine with a loop, so a 12,000-term sum costs no stack; each right operand is converted
        /// recursively (it is a chain of its own only with parentheses).
        /// </summary>
        private Expr? ConvertBinaryChain(BinaryExpressionSyntax outer)
        {
            var spine = new List<BinaryExpressionSyntax>();
            ExpressionSyntax left = outer;
            while (left is BinaryExpressionSyntax b)
            {
                // An unsupported operator is reported alone (its operands are not converted), as the recursive
                // walk did; below the outermost it is an operand like any other.
                if (BinaryOp(b) is null)
                {
                    if (b == outer) return Unsupported(b, $"the operator '{b.OperatorToken.Text}' is not supported");
                    break;
                }
                spine.Add(b);
                left = b.Left;
            }
            var acc = Convert(left);
            bool ok = acc is not null;
            for (int i = spine.Count - 1; i >= 0; i--)
            {
                var bin = spine[i];
                var r = Convert(bin.Right);
                if (r is null || acc is null) { ok = false; acc = null; continue; }
                var op = BinaryOp(bin)!.Value;
                if (op is BinOp.Eq or BinOp.Ne && IsCondition(acc) && IsCondition(r))
                {
                    // bool == bool: same truth value; kernels compare floats, so spell it with && and ||.
                    Expr same = new Binary(BinOp.Or, new Binary(BinOp.And, acc, r), new Binary(BinOp.And, new Unary(UnOp.Not, acc), new Unary(UnOp.Not, r)));
                    acc = op == BinOp.Eq ? same : new Unary(UnOp.Not, same);
                }
                else acc = new Binary(op, acc, r);
            }
            return ok ? acc : null;
        }

        private Expr? ConvertCore(ExpressionSyntax e)
        {
            switch (e)
            {
                case ParenthesizedExpressionSyntax p:
                    return Convert(p.Expression);
                case LiteralExpressionSyntax lit when lit.IsKind(SyntaxKind.NumericLiteralExpression):
                    return lit.Token.Value switch
                    {
                        float f => new Num(f),
                        double d => new Num((float)d),
                        int i => new Num(i),
                        long l => new Num(l),
                        uint u => new Num(u),
                        _ => Unsupported(lit, "only float, double and integer literals are supported"),
                    };
                case LiteralExpressionSyntax b when b.IsKind(SyntaxKind.TrueLiteralExpression):
                    return Expr.One;
                case LiteralExpressionSyntax b when b.IsKind(SyntaxKind.FalseLiteralExpression):
                    return Expr.Zero;
                case CastExpressionSyntax cast:
                    {
                        string t = cast.Type.ToString();
                        if (t is "float" or "double" or "System.Single" or "System.Double" or "Single" or "Double")
                            return Convert(cast.Expression);
                        return Unsupported(cast, $"a cast to '{t}' would change the value; only float and double casts are allowed");
                    }
                case PrefixUnaryExpressionSyntax u:
                    {
                        var operand = Convert(u.Operand);
                        if (operand is null) return null;
                        return u.Kind() switch
                        {
                            SyntaxKind.UnaryMinusExpression => new Unary(UnOp.Neg, operand),
                            SyntaxKind.UnaryPlusExpression => operand,
                            SyntaxKind.LogicalNotExpression => new Unary(UnOp.Not, operand),
                            _ => Unsupported(u, $"the operator '{u.OperatorToken.Text}' is not supported"),
                        };
                    }
                case BinaryExpressionSyntax bin:
                    return ConvertBinaryChain(bin);
                case ConditionalExpressionSyntax c:
                    {
                        var t = Convert(c.Condition);
                        var a = Convert(c.WhenTrue);
                        var b = Convert(c.WhenFalse);
                        return t is null || a is null || b is null ? null : new Cond(t, a, b);
                    }
                case IdentifierNameSyntax id:
                    return Resolve(id.Identifier.ValueText, id);
                case MemberAccessExpressionSyntax ma:
                    return ConvertMemberAccess(ma);
                case InvocationExpressionSyntax inv:
                    return ConvertInvocation(inv);
                case ThisExpressionSyntax:
                    return Unsupported(e, "'this' is only allowed as 'this.Member'");
                case AssignmentExpressionSyntax:
                    return Unsupported(e, "equations are pure; assignments belong in [OnSpike]");
                default:
                    return Unsupported(e, $"{e.Kind()} is not an arithmetic expression the generator can compile");
            }
        }

        private static bool IsMathType(ExpressionSyntax e) =>
            e.ToString() is "Math" or "MathF" or "System.Math" or "System.MathF" or "global::System.Math" or "global::System.MathF" or "float" or "Single" or "System.Single";

        private Expr? ConvertMemberAccess(MemberAccessExpressionSyntax ma)
        {
            string name = ma.Name.Identifier.ValueText;
            if (ma.Expression is ThisExpressionSyntax) return Resolve(name, ma);
            if (IsMathType(ma.Expression))
            {
                switch (name)
                {
                    case "PI": return new Num(Math.PI);
                    case "E": return new Num(Math.E);
                    case "Tau": return new Num(2 * Math.PI);
                }
            }
            return Unsupported(ma, "only parameters, states, sub-expressions and Math constants may be read");
        }

        private Expr? ConvertInvocation(InvocationExpressionSyntax inv)
        {
            string? name = null;
            bool qualified = false;
            switch (inv.Expression)
            {
                case IdentifierNameSyntax id: name = id.Identifier.ValueText; break;
                case MemberAccessExpressionSyntax ma when IsMathType(ma.Expression): name = ma.Name.Identifier.ValueText; qualified = true; break;
                case MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } ma: name = ma.Name.Identifier.ValueText; break;
            }
            if (name is null) return Unsupported(inv, "only Math/MathF functions and the model's own sub-expression methods can be called");

            if (!qualified && _subs.TryGetValue(name, out var sub) && sub.Parameters.Count > 0)
            {
                if (sub.Parameters.Count != inv.ArgumentList.Arguments.Count)
                    return Unsupported(inv, $"'{name}' takes {sub.Parameters.Count} arguments");
                var args = new List<Expr>();
                foreach (var a in inv.ArgumentList.Arguments)
                {
                    var x = Convert(a.Expression);
                    if (x is null) return null;
                    args.Add(x);
                }
                return Inline(sub, inv, args);
            }

            Fn? fn = name switch
            {
                "Exp" => Fn.Exp, "Log" => Fn.Log, "Sqrt" => Fn.Sqrt, "Abs" => Fn.Abs, "Min" => Fn.Min,
                "Max" => Fn.Max, "Pow" => Fn.Pow, "Tanh" => Fn.Tanh, "Clamp" => Fn.Clamp,
                "Round" => Fn.Round, "Floor" => Fn.Floor,
                _ => null,
            };
            int arity = fn switch { Fn.Min or Fn.Max or Fn.Pow => 2, Fn.Clamp => 3, _ => 1 };
            if (fn is null)
                return Unsupported(inv, $"'{name}' is not a supported function (Exp, Log, Sqrt, Abs, Min, Max, Pow, Tanh, Clamp, Round, Floor)");
            if (inv.ArgumentList.Arguments.Count != arity)
                return Unsupported(inv, $"'{name}' takes {arity} argument(s)");
            var converted = new List<Expr>();
            foreach (var a in inv.ArgumentList.Arguments)
            {
                var x = Convert(a.Expression);
                if (x is null) return null;
                converted.Add(x);
            }
            return new Call(fn.Value, converted.ToEquatableArray());
        }

        private Expr? Inline(SubExpression sub, SyntaxNode at, IReadOnlyList<Expr> args)
        {
            if (_inlining.Contains(sub.Name))
            {
                _recursions++;
                Report(DiagnosticDescriptors.RecursiveSubExpression, at, sub.Name);
                return null;
            }
            if (sub.Body is null)
            {
                Report(DiagnosticDescriptors.EquationNotExpression, sub.Node, sub.Name);
                return null;
            }
            if (!_inlined.TryGetValue(sub.Name, out var done)) _inlined[sub.Name] = done = new();
            foreach (var (doneArgs, doneResult) in done)
            {
                bool same = true;
                for (int i = 0; i < args.Count && same; i++) same = ReferenceEquals(doneArgs[i], args[i]);
                if (same) return doneResult;
            }
            var savedLocals = _locals;
            var savedPorts = _ports;
            var savedUniforms = _uniformPorts;
            _locals = new Dictionary<string, Expr>(StringComparer.Ordinal);
            for (int i = 0; i < args.Count; i++) _locals[sub.Parameters[i]] = args[i];
            _ports = new HashSet<string>(StringComparer.Ordinal);
            _uniformPorts = new HashSet<string>(StringComparer.Ordinal);
            _inlining.Push(sub.Name);
            int recursions = _recursions;
            var result = Convert(sub.Body);
            _inlining.Pop();
            _locals = savedLocals;
            _ports = savedPorts;
            _uniformPorts = savedUniforms;
            // A failed inline has reported its diagnostics, which are the same at every read; unless it met
            // a recursion, which is reported where the cycle closes, so depends on where the inline began.
            if (result is not null || recursions == _recursions) done.Add((args, result));
            return result;
        }

        private Expr? Resolve(string name, SyntaxNode at)
        {
            if (_locals.TryGetValue(name, out var local)) return local;
            if (_initializerMode)
            {
                if (_params.ContainsKey(name)) return new Sym(SymKind.Param, name);
                if (_constants.TryGetValue(name, out var k0)) return new Num(k0);
                if (_states.Contains(name) || name is "Spiked" or "Dt" || _subs.ContainsKey(name))
                {
                    Report(DiagnosticDescriptors.InvalidInitializer, at, _initializerState, name);
                    return null;
                }
                if (_rejected.Contains(name)) { _failed = true; return null; }
            Report(DiagnosticDescriptors.UnknownIdentifier, at, name, _type.Name);
                return null;
            }
            if (_ports.Contains(name)) return new Sym(SymKind.Input, name);
            if (_uniformPorts.Contains(name)) return new Sym(SymKind.Uniform, name);
            if (_encoder)
            {
                if (name == "Time") return new Sym(SymKind.Time, "Time");
                if (name == "Steps") return new Sym(SymKind.Steps, "Steps");
                if (name == "Index" && _hasFanOut) return new Sym(SymKind.Index, "Index");
            }
            if (_states.Contains(name)) return new Sym(SymKind.State, name);
            if (_params.ContainsKey(name)) return new Sym(SymKind.Param, name);
            if (name == "Dt") return new Sym(SymKind.Dt, "Dt");
            if (name == "Spiked" && !_encoder) return new Sym(SymKind.Spiked, "Spiked");
            if (_constants.TryGetValue(name, out var k)) return new Num(k);
            if (_subs.TryGetValue(name, out var sub))
            {
                if (sub.Parameters.Count > 0) return Unsupported(at, $"'{name}' is a method; call it with arguments");
                return Inline(sub, at, Array.Empty<Expr>());
            }
            if (_rejected.Contains(name)) { _failed = true; return null; }
            Report(DiagnosticDescriptors.UnknownIdentifier, at, name, _type.Name);
            return null;
        }
    }
}
