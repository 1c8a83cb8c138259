using System;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SnnDsl.CodeFixes;

/// <summary>
/// SNN1007: learn a time constant through PLIF's sigmoid parameterisation. The parameter
/// <c>[Learnable] float Tau = 10f</c> becomes <c>[Learnable] float TauLogit = -2.197225f</c> (the logit
/// W with sigmoid(W) = 1/Tau) and a sub-expression <c>private float Tau =&gt; 1f + MathF.Exp(-TauLogit);</c>
/// keeps every equation as written: Tau = 1 + e^(-W) stays in (1, infinity) whatever the optimiser does.
/// Offered when the default is above 1 ms (the range the form can represent).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LearnableTauFix)), Shared]
public sealed class LearnableTauFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("SNN1007");

    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var parameter = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<ParameterSyntax>().FirstOrDefault();
            if (parameter?.Parent?.Parent is not RecordDeclarationSyntax record || parameter.Default is null) continue;
            var defaultValue = parameter.Default.Value;
            if (!TryConstant(defaultValue, out double tau) || !(tau > 1)) continue;
            string name = parameter.Identifier.ValueText;
            string logit = name + "Logit";
            context.RegisterCodeFix(CodeAction.Create($"Learn {name} as 1 + e^(-{logit}) (PLIF's sigmoid form)", ct =>
            {
                double w = -Math.Log(tau - 1);
                var newParameter = parameter
                    .WithIdentifier(SyntaxFactory.Identifier(logit).WithTriviaFrom(parameter.Identifier))
                    .WithDefault(parameter.Default.WithValue(SyntaxFactory.ParseExpression(((float)w).ToString("R", CultureInfo.InvariantCulture) + "f").WithTriviaFrom(defaultValue)));
                var updated = record.ReplaceNode(parameter, newParameter);
                // The new member goes first in the body, indented like the members already there.
                string indent = record.Members.FirstOrDefault()?.GetLeadingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).ToString() ?? "    ";
                var property = SyntaxFactory.ParseMemberDeclaration(
                    $"{indent}/// <summary>{name} = 1 + e^(-{logit}), i.e. 1/{name} = sigmoid({logit}): positive whatever is learned (PLIF, Fang et al. 2021).</summary>\n" +
                    $"{indent}private float {name} => 1f + global::System.MathF.Exp(-{logit});\n")!;
                property = property.WithTrailingTrivia(property.GetTrailingTrivia().Add(SyntaxFactory.EndOfLine("\n")));
                updated = updated.WithMembers(updated.Members.Insert(0, property));
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(record, updated)));
            }, equivalenceKey: "SnnDsl.SigmoidTau"), diagnostic);
        }
    }

    private static bool TryConstant(ExpressionSyntax e, out double value)
    {
        value = 0;
        bool negative = false;
        if (e is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression } neg) { negative = true; e = neg.Operand; }
        if (e is not LiteralExpressionSyntax { Token.Value: { } v }) return false;
        try { value = Convert.ToDouble(v, CultureInfo.InvariantCulture); } catch (FormatException) { return false; } catch (InvalidCastException) { return false; }
        if (negative) value = -value;
        return true;
    }
}
