using System;
using SnnDsl.Model.Diagnostics;

namespace SnnDsl.Generators;

/// <summary>
/// Runs a pipeline step so that a defect in SnnDsl becomes an SNN0018 diagnostic at the model
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
            var failure = DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, where, model, ex.GetType().Name + ": " + ex.Message);
            return result(null, failure);
        }
    }
}
