using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SnnDsl.CodeFixes;

/// <summary>
/// SNN0001 (model must be a partial record class) and SNN0016 (containing type must be partial):
/// adds <c>partial</c> to the declaration the diagnostic names, when that is all it lacks (a record
/// class, or a containing class/struct/record).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddPartialFix)), Shared]
public sealed class AddPartialFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("SNN0001", "SNN0016");

    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var declaration = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().FirstOrDefault();
            if (declaration is null || declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) continue;
            if (diagnostic.Id == "SNN0001" && declaration is not RecordDeclarationSyntax { ClassOrStructKeyword.RawKind: not (int)SyntaxKind.StructKeyword }) continue;
            context.RegisterCodeFix(CodeAction.Create($"Make '{declaration.Identifier.ValueText}' partial", ct =>
            {
                // 'partial' goes last among the modifiers, right before the keyword (C# requires that).
                var partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
                TypeDeclarationSyntax updated;
                if (declaration.Modifiers.Count == 0)
                {
                    updated = declaration.WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(declaration.Keyword.LeadingTrivia)))
                        .WithKeyword(declaration.Keyword.WithLeadingTrivia());
                }
                else
                {
                    updated = declaration.WithModifiers(declaration.Modifiers.Add(partial));
                }
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(declaration, updated)));
            }, equivalenceKey: "SnnDsl.Partial"), diagnostic);
        }
    }
}
