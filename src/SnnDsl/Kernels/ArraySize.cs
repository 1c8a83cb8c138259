using System;

namespace SnnDsl.Kernels;

/// <summary>
/// The element count of an array the library allocates from user-given sizes, computed without overflow
/// (128-bit product) and refused beyond <see cref="Array.MaxLength"/> with the factors and the argument named,
/// before anything is allocated (instead of a bare <see cref="OverflowException"/>, an
/// <see cref="OutOfMemoryException"/>, or a silently wrapped length).
/// </summary>
internal static class ArraySize
{
    /// <summary>
    /// Returns the product of <paramref name="factors"/> as an int when an array can hold it plus
    /// <paramref name="extra"/> elements of padding; otherwise throws an <see cref="ArgumentOutOfRangeException"/> for
    /// <paramref name="paramName"/>, whose message reads "<paramref name="what"/> = a x b x c = n elements ...; <paramref name="fix"/>".
    /// </summary>
    /// <param name="paramName">The public argument to blame.</param>
    /// <param name="actualValue">Its value.</param>
    /// <param name="what">The array and its shape in the caller's terms, e.g. "the output buffer [steps, maxBatch, outputs]".</param>
    /// <param name="fix">What to change, e.g. "lower steps or maxBatch".</param>
    /// <param name="extra">Elements added to the product (alignment padding, sentinels).</param>
    /// <param name="factors">The dimensions, each at least 0.</param>
    public static int Of(string paramName, object? actualValue, string what, string fix, long extra, params ReadOnlySpan<long> factors)
    {
        Int128 n = 1;
        foreach (long f in factors)
        {
            if (f < 0) throw new ArgumentOutOfRangeException(paramName, actualValue, $"{what}: the dimension {f} is negative.");
            n *= f;
        }
        if (n + extra > Array.MaxLength)
        {
            string padding = extra != 0 ? $" (+ {extra})" : "";
            throw new ArgumentOutOfRangeException(paramName, actualValue,
                $"{what} = {string.Join(" x ", factors.ToArray())}{padding} = {n + extra} elements, more than one array holds ({Array.MaxLength}); {fix}.");
        }
        return (int)n;
    }
}
