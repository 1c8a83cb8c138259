using System;

namespace SnnDsl.Testing;

/// <summary>Measures heap allocation of the calling thread.</summary>
internal static class Allocations
{
    /// <summary>
    /// Bytes the current thread allocates while running <paramref name="action"/>, the smallest of
    /// <paramref name="attempts"/> runs. Code that allocates does so on every run, so the minimum
    /// still exposes it, while a one-off allocation by the test host on this thread does not fail the test.
    /// </summary>
    public static long Minimum(Action action, int attempts = 3)
    {
        long best = long.MaxValue;
        for (int i = 0; i < attempts; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            best = Math.Min(best, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return best;
    }
}
