using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SnnDsl.Analyzers;

namespace SnnDsl.CodeFixes;

/// <summary>
/// Fixes for the time-step diagnostics (SNN1002 unstable, SNN1003 inaccurate, SNN1004 tau below Dt,
/// SNN1006 stiff): switch the integrator to the one the analyzer found stable (Exact,
/// ExponentialEuler or Rk4), or set Dt to the largest two-digit value that is stable (and, for
/// explicit methods, below the smallest time constant). In a <c>[Neuron(...)]</c> attribute the
/// named argument is replaced or added; at a call site the constant <c>dt</c> argument is replaced.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(StepFixes)), Shared]
public sealed class StepFixes : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("SNN1002", "SNN1003", "SNN1004", "SNN1006");

    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var attribute = node.AncestorsAndSelf().OfType<AttributeSyntax>().FirstOrDefault();
            diagnostic.Properties.TryGetValue(StabilityFindings.FixIntegrator, out var integrator);
            diagnostic.Properties.TryGetValue(StabilityFindings.FixDt, out var dt);

            if (attribute is not null && !string.IsNullOrEmpty(integrator))
            {
                context.RegisterCodeFix(CodeAction.Create($"Use Integrator.{integrator}",
                    ct => SetNamedArgument(context.Document, root, attribute, "Integrator", SyntaxFactory.ParseExpression("Integrator." + integrator), ct),
                    equivalenceKey: "SnnDsl.Integrator." + integrator), diagnostic);
            }
            if (!string.IsNullOrEmpty(dt))
            {
                string ms = dt!.TrimEnd('f');
                if (attribute is not null)
                {
                    context.RegisterCodeFix(CodeAction.Create($"Set Dt to {ms} ms",
                        ct => SetNamedArgument(context.Document, root, attribute, "Dt", SyntaxFactory.ParseExpression(dt), ct),
                        equivalenceKey: "SnnDsl.Dt"), diagnostic);
                }
                else if (node is ExpressionSyntax expression && node.Parent is ArgumentSyntax)
                {
                    context.RegisterCodeFix(CodeAction.Create($"Set dt to {ms} ms",
                        ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(expression, SyntaxFactory.ParseExpression(dt).WithTriviaFrom(expression)))),
                        equivalenceKey: "SnnDsl.Dt"), diagnostic);
                }
            }
        }
    }

    /// <summary>Replaces the value of <c>name = ...</c> in the attribute, or appends the named argument.</summary>
    internal static Task<Document> SetNamedArgument(Document document, SyntaxNode root, AttributeSyntax attribute, string name, ExpressionSyntax value, CancellationToken ct)
    {
        var existing = attribute.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
        AttributeSyntax updated;
        if (existing is not null)
        {
            updated = attribute.ReplaceNode(existing.Expression, value.WithTriviaFrom(existing.Expression));
        }
        else
        {
            var argument = SyntaxFactory.AttributeArgument(value)
                .WithNameEquals(SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(name), SyntaxFactory.Token(SyntaxKind.EqualsToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space)));
            var list = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
            var separated = list.Arguments.Count == 0
                ? SyntaxFactory.SingletonSeparatedList(argument)
                : list.Arguments.GetWithSeparators().Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space)).Add(argument) is var items
                    ? SyntaxFactory.SeparatedList<AttributeArgumentSyntax>(items)
                    : default;
            updated = attribute.WithArgumentList(list.WithArguments(separated));
        }
        return Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(attribute, updated)));
    }
}
