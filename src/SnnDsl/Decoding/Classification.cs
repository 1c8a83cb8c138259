using System;

namespace SnnDsl.Decoding;

/// <summary>
/// Helpers shared by the decoders: arg-max with PyTorch's tie rule and classification accuracy.
/// </summary>
/// <remarks>
/// Tie rule, everywhere in this namespace: when several classes share the best score the lowest
/// index wins, as <c>torch.max(x, dim)</c> / <c>torch.argmax</c> document ("the indices of the first
/// maximal value are returned") and as <c>torch.min</c> does for first-spike times. NaN counts as
/// larger than any number (the first NaN wins), as torch's max propagates NaN.
/// </remarks>
public static class Classification
{
    /// <summary>Fraction of rows where <paramref name="predictions"/> equals <paramref name="labels"/>, in [0, 1].</summary>
    /// <exception cref="ArgumentException">The spans are empty or differ in length.</exception>
    public static double Accuracy(ReadOnlySpan<int> predictions, ReadOnlySpan<int> labels)
    {
        if (predictions.IsEmpty) throw new ArgumentException("Expected at least one prediction.", nameof(predictions));
        Shapes.Check(labels.Length, nameof(labels), "batch", [predictions.Length]);

        int correct = 0;
        for (int i = 0; i < predictions.Length; i++)
        {
            if (predictions[i] == labels[i]) correct++;
        }

        return (double)correct / predictions.Length;
    }

    /// <summary>Writes the arg-max of each row of <paramref name="scores"/> (<c>[batch, classes]</c>) into <paramref name="predictions"/> (<c>[batch]</c>); ties go to the lowest index.</summary>
    /// <exception cref="ArgumentException">A shape does not match.</exception>
    public static void ArgMax(ReadOnlySpan<float> scores, int batch, int classes, Span<int> predictions)
    {
        Shapes.CheckSizes(batch, classes, "classes");
        Shapes.Check(scores.Length, nameof(scores), "batch, classes", [batch, classes]);
        Shapes.Check(predictions.Length, nameof(predictions), "batch", [batch]);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> row = scores.Slice(b * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++)
            {
                if (Beats(row[c], row[best])) best = c;
            }

            predictions[b] = best;
        }
    }

    /// <summary>True when <paramref name="value"/> replaces <paramref name="best"/> as the maximum: strictly greater, or the first NaN.</summary>
    internal static bool Beats(float value, float best) => value > best || (float.IsNaN(value) && !float.IsNaN(best));
}

/// <summary>
/// Argument checks with messages that name the argument and the expected shape. Messages are
/// formatted only when a check fails, so passing calls allocate nothing.
/// </summary>
internal static class Shapes
{
    public static void CheckSizes(int batch, int units, string unitsName)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Expected at least one sample.");
        if (units < 1) throw new ArgumentOutOfRangeException(unitsName, units, $"Expected at least one of {unitsName}.");
    }

    /// <summary>Checks a <c>[steps, batch, units]</c> tensor's sizes and length.</summary>
    public static void CheckSequence(int length, int steps, int batch, int units, string argument, string unitsName)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "Expected at least one time step.");
        CheckSizes(batch, units, unitsName);
        if (length != (long)steps * batch * units) Throw(length, argument, "steps, batch, " + unitsName, [steps, batch, units]);
    }

    /// <summary>Checks that <paramref name="length"/> is the product of <paramref name="dims"/>.</summary>
    public static void Check(int length, string argument, string names, ReadOnlySpan<int> dims)
    {
        long expected = 1;
        foreach (int d in dims) expected *= d;
        if (length != expected) Throw(length, argument, names, dims);
    }

    /// <summary>Checks labels: one per sample, each a class index.</summary>
    public static void CheckLabels(ReadOnlySpan<int> labels, int batch, int classes)
    {
        Check(labels.Length, nameof(labels), "batch", [batch]);
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
            {
                throw new ArgumentException($"labels[{i}] = {labels[i]} is not a class index in [0, {classes}).", nameof(labels));
            }
        }
    }

    private static void Throw(int length, string argument, string names, ReadOnlySpan<int> dims)
    {
        long expected = 1;
        foreach (int d in dims) expected *= d;
        throw new ArgumentException(
            $"Expected {argument} of shape [{names}] = [{string.Join(", ", dims.ToArray())}] ({expected} elements), got {length} elements.", argument);
    }
}
