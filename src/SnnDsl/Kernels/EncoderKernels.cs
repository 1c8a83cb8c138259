using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace SnnDsl.Kernels;

/// <summary>Helpers the generated population encoders use to fan one input element out to several output channels.</summary>
public static class EncoderKernels
{
    /// <summary>Lane i holds <c>source[(firstOutput + i) / repeat]</c>: the input element feeding each output channel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> GatherRepeat(ref float source, long firstOutput, int repeat)
    {
        Span<float> lanes = stackalloc float[Vector<float>.Count];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = Unsafe.Add(ref source, (nint)((firstOutput + i) / repeat));
        return new Vector<float>(lanes);
    }

    /// <summary>Lane i holds <c>(firstOutput + i) % repeat</c>: the channel's index within its population.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> IndexInGroup(long firstOutput, int repeat)
    {
        Span<float> lanes = stackalloc float[Vector<float>.Count];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = (float)((firstOutput + i) % repeat);
        return new Vector<float>(lanes);
    }
}
