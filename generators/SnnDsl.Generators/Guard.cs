using System;
using SnnDsl.Model.Diagnostics;

namespace SnnDsl.Generators;

/// <summary>
/// Runs a pipeline step so that a defect in SnnDsl becomes an SNN0018 diagnostic (SNN0027 when an expression nests too deeply for the stack) at the model
/// instead of a generator crash (CS8785) that would hide every other result of the build.
/// </summary>
internal static class Guard
{
    public static TOut Run<T, TOut>(LocationInfo? where, string model, Func<T?> step, Func<T?, DiagnosticInfo?, TOut> result)
        where T : class
    {
        try
        {
            return result(step(), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Out of stack in a recursive pass over a deep expression: SNN0027, not an internal error.
            var failure = SnnDsl.Model.Extraction.ModelExtractor.Failure(where, model, ex);
            return result(null, failure);
        }
    }
}
