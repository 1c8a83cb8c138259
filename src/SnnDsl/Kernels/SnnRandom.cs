using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace SnnDsl.Kernels;

/// <summary>
/// A counter-based random generator for encoders: the uniform number of an element at a time step
/// is a pure function of (seed, stream, element, step), computed by the SplitMix64 finalizer
/// (Steele, Lea &amp; Flood 2014) over a linear combination of the counters. Nothing is carried
/// from one draw to the next, so the same seed gives the same spikes whatever the thread count,
/// the batch split or the order of evaluation ("splittable": any sub-range can be drawn alone).
/// </summary>
/// <remarks>
/// The element counter is the global element index <c>(FirstSample + b) * features + f</c>, so a
/// sample encoded alone or inside any batch receives the same numbers. The scalar and
/// <see cref="Vector{T}"/> overloads return identical values; a draw uses the top 24 bits, giving
/// a float in [0, 1) on the grid k / 2^24.
/// </remarks>
public static class SnnRandom
{
    private const ulong ElementMultiplier = 0x9E3779B97F4A7C15UL; // golden ratio, odd
    private const ulong TimeMultiplier = 0xD1B54A32D192ED03UL;    // odd, from the R2 sequence
    private const float Scale = 1f / 16777216f;                    // 2^-24

    /// <summary>The SplitMix64 finalizer: a bijective 64-bit mixer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The key of one random stream (one <c>[Uniform]</c> argument) under <paramref name="seed"/>.</summary>
    public static ulong StreamKey(ulong seed, int stream) => Mix(Mix(seed) + (ulong)(uint)stream * 0xA0761D6478BD642FUL);

    /// <summary>A seed derived from <paramref name="seed"/> for <paramref name="epoch"/>, so each epoch draws fresh spikes reproducibly.</summary>
    public static ulong SeedForEpoch(ulong seed, int epoch) => Mix(seed ^ Mix((ulong)(uint)epoch + 0x632BE59BD9B4E019UL));

    /// <summary>The uniform number in [0, 1) of <paramref name="element"/> at <paramref name="time"/> in the stream <paramref name="key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Uniform(ulong key, ulong element, ulong time)
    {
        ulong h = Mix(key + element * ElementMultiplier + time * TimeMultiplier);
        return (int)(h >> 40) * Scale;
    }

    private static readonly Vector<ulong> LaneOffsets = CreateLaneOffsets();

    private static Vector<ulong> CreateLaneOffsets()
    {
        Span<ulong> lanes = stackalloc ulong[Vector<ulong>.Count];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = (ulong)i;
        return new Vector<ulong>(lanes);
    }

    /// <summary>
    /// The uniform numbers of the <see cref="Vector{T}.Count"/> consecutive elements starting at
    /// <paramref name="firstElement"/>; lane i equals <see cref="Uniform(ulong, ulong, ulong)"/> of element firstElement + i.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Uniform(ulong key, ulong firstElement, ulong time, Vector<float> shape)
    {
        _ = shape; // selects this overload in generated code that prints one text for float and vector
        var offset = new Vector<ulong>(key + time * TimeMultiplier);
        var lo = new Vector<ulong>(firstElement) + LaneOffsets;
        var hi = lo + new Vector<ulong>((ulong)Vector<ulong>.Count);
        lo = MixVector(offset + lo * new Vector<ulong>(ElementMultiplier));
        hi = MixVector(offset + hi * new Vector<ulong>(ElementMultiplier));
        Vector<uint> top = Vector.Narrow(Vector.ShiftRightLogical(lo, 40), Vector.ShiftRightLogical(hi, 40));
        return Vector.ConvertToSingle(Vector.AsVectorInt32(top)) * new Vector<float>(Scale);
    }

    /// <summary>The scalar counterpart of the vector overload (the <paramref name="shape"/> argument only selects the overload).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Uniform(ulong key, ulong element, ulong time, float shape)
    {
        _ = shape;
        return Uniform(key, element, time);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<ulong> MixVector(Vector<ulong> z)
    {
        z = (z ^ Vector.ShiftRightLogical(z, 30)) * new Vector<ulong>(0xBF58476D1CE4E5B9UL);
        z = (z ^ Vector.ShiftRightLogical(z, 27)) * new Vector<ulong>(0x94D049BB133111EBUL);
        return z ^ Vector.ShiftRightLogical(z, 31);
    }
}
