using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SnnDsl.Kernels;

/// <summary>
/// A float buffer whose first element sits on a 64-byte (cache line) boundary: a pinned array with an
/// offset. Kernels that load whole 64-byte vectors from packed panels need it: a load that straddles
/// two cache lines costs two, and an unaligned panel made the event-driven forward pass 3-4x slower.
/// </summary>
internal sealed class AlignedBuffer
{
    private const int Alignment = 64;

    /// <summary>Floats allocated beyond <see cref="Length"/> to find the aligned start.</summary>
    internal const int Padding = Alignment / sizeof(float);
    private readonly float[] _array;
    private readonly int _offset;

    public AlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArraySize.Of(nameof(length), length, "An aligned buffer", "use a shorter buffer", Padding, length);
        // Pinned (on the pinned object heap), so the alignment found here holds for the buffer's lifetime.
        _array = GC.AllocateArray<float>(length + Padding, pinned: true);
        nint address = Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref MemoryMarshal.GetArrayDataReference(_array));
        _offset = (int)((Alignment - address % Alignment) % Alignment) / sizeof(float);
        Length = length;
    }

    /// <summary>Floats in the buffer.</summary>
    public int Length { get; }

    /// <summary>The buffer.</summary>
    public Span<float> Span => _array.AsSpan(_offset, Length);

    /// <summary>The first element (64-byte aligned).</summary>
    public ref float Start => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _offset);
}
