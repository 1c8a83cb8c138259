using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace SnnDsl.Model.Diagnostics;

/// <summary>A source location as plain values (file path, span, line span), so it can be cached and compared.</summary>
internal sealed record LocationInfo(string FilePath, int Start, int Length, int StartLine, int StartCharacter, int EndLine, int EndCharacter)
{
    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null) return null;
        var line = location.GetLineSpan();
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan.Start, location.SourceSpan.Length,
            line.StartLinePosition.Line, line.StartLinePosition.Character, line.EndLinePosition.Line, line.EndLinePosition.Character);
    }

    public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());

    /// <summary>
    /// A source location in <paramref name="compilation"/>'s tree of the same path when there is one
    /// (so the IDE squiggles it and the diagnostic is in source), else a location by file path and span.
    /// </summary>
    public Location ToLocation(Compilation? compilation = null)
    {
        var span = new TextSpan(Start, Length);
        if (compilation is not null)
        {
            foreach (var tree in compilation.SyntaxTrees)
                if (tree.FilePath == FilePath && span.End <= tree.Length) return Location.Create(tree, span);
        }
        return Location.Create(FilePath, span,
            new LinePositionSpan(new LinePosition(StartLine, StartCharacter), new LinePosition(EndLine, EndCharacter)));
    }
}

/// <summary>A diagnostic as plain values: the descriptor's ID, where, and the message arguments.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments)
        => new(descriptor.Id, location, arguments.ToEquatableArray());

    public Diagnostic ToDiagnostic(Compilation? compilation = null)
    {
        var descriptor = DiagnosticDescriptors.ById(Id);
        // Message arguments are strings; object[] is what Diagnostic.Create takes.
        var args = new object[Arguments.Count];
        for (int i = 0; i < args.Length; i++) args[i] = Arguments[i];
        return Diagnostic.Create(descriptor, Location?.ToLocation(compilation) ?? Microsoft.CodeAnalysis.Location.None, args);
    }
}

/// <summary>A value with the diagnostics found while computing it (CommunityToolkit.Mvvm's <c>Result&lt;T&gt;</c>).</summary>
internal sealed record Result<T>(T? Value, EquatableArray<DiagnosticInfo> Diagnostics) where T : class;
