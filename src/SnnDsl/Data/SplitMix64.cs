namespace SnnDsl.Data;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood, 2014; the seeding generator of xoshiro): a 64-bit counter
/// advanced by the golden-ratio increment 0x9E3779B97F4A7C15 and passed through a finalizer.
/// Small, fast, and good enough to drive a shuffle; written here so that shuffles do not depend
/// on the .NET version's <see cref="System.Random"/> algorithm.
/// </summary>
internal struct SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>The SplitMix64 finalizer (a bijection on 64-bit values).</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong Next()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>
    /// A uniform integer in [0, <paramref name="bound"/>) from the high 32 bits of <see cref="Next"/>,
    /// without modulo bias (Lemire's multiply-and-reject, 2019).
    /// </summary>
    public uint NextBelow(uint bound)
    {
        ulong m = (Next() >> 32) * bound;
        uint low = (uint)m;
        if (low < bound)
        {
            uint threshold = unchecked(0u - bound) % bound;
            while (low < threshold)
            {
                m = (Next() >> 32) * bound;
                low = (uint)m;
            }
        }

        return (uint)(m >> 32);
    }
}
