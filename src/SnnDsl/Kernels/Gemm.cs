using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SnnDsl.Kernels;

/// <summary>
/// A blocked, register-tiled single-precision matrix product for the dense paths of training
/// (analog input, <c>dY W^T</c>, <c>X^T dY</c>). <c>C[m, n] (+)= A[m, k] B[k, n]</c> with B and C
/// row-major and A given by two strides, so a transposed A costs nothing.
/// </summary>
/// <remarks>
/// Blocking: k in blocks of <see cref="KBlock"/>, n in panels of <see cref="NBlock"/> columns (a
/// B panel of 256 x 192 floats stays in L2), rows in fours. The micro-kernel keeps a 4 x 3
/// <see cref="Vector{T}"/> tile of C in registers (12 accumulators, 3 B vectors and a broadcast:
/// 16 registers with 8-lane vectors) and uses fused multiply-add. Each element of C is summed in
/// increasing k, whatever the blocking, so the result does not depend on the caller's split of
/// the rows. Single-threaded: callers parallelise over independent row blocks.
/// On AVX-512 hardware, products of at least 8 x 32 copy both operands into aligned micro-panels and
/// run an 8 x 32 tile of 512-bit accumulators; the chain of fused multiply-adds per element is the
/// same, so both paths give the same bits.
/// </remarks>
public static class Gemm
{
    /// <summary>Depth of a k block.</summary>
    public const int KBlock = 256;

    /// <summary>Columns of a B panel.</summary>
    public const int NBlock = 192;

    /// <summary>
    /// <c>C = A B</c>, or <c>C += A B</c> when <paramref name="accumulate"/>. Element (i, p) of A is
    /// <c>a[i * aRowStride + p * aColStride]</c>; B is <c>[k, n]</c> with row stride <paramref name="ldb"/>;
    /// C is <c>[m, n]</c> with row stride <paramref name="ldc"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A span is too short for the sizes and strides.</exception>
    public static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (m == 0 || n == 0) return;
        if (ldc < n || (long)(m - 1) * ldc + n > c.Length) throw new ArgumentException("C is too short for [m, n] with stride ldc.", nameof(c));
        if (k == 0)
        {
            if (!accumulate)
            {
                for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            }

            return;
        }

        if (ldb < n || (long)(k - 1) * ldb + n > b.Length) throw new ArgumentException("B is too short for [k, n] with stride ldb.", nameof(b));
        if (aRowStride < 0 || aColStride < 0 || (long)(m - 1) * aRowStride + (long)(k - 1) * aColStride >= a.Length)
        {
            throw new ArgumentException("A is too short for [m, k] with the given strides.", nameof(a));
        }

        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        ref float rc = ref MemoryMarshal.GetReference(c);
        if (Vector512.IsHardwareAccelerated && m >= PackedRows && n >= PackedColumns)
        {
            MultiplyPacked(m, n, k, ref ra, aRowStride, aColStride, ref rb, ldb, ref rc, ldc, accumulate);
            return;
        }

        for (int p0 = 0; p0 < k; p0 += KBlock)
        {
            int kc = Math.Min(KBlock, k - p0);
            bool load = accumulate || p0 > 0;
            for (int j0 = 0; j0 < n; j0 += NBlock)
            {
                int nc = Math.Min(NBlock, n - j0);
                Block(m, nc, kc, ref Unsafe.Add(ref ra, (nint)p0 * aColStride), aRowStride, aColStride,
                    ref Unsafe.Add(ref rb, (nint)p0 * ldb + j0), ldb, ref Unsafe.Add(ref rc, j0), ldc, load);
            }
        }
    }

    /// <summary>
    /// <see cref="Multiply"/> with the rows of A and C split into <paramref name="threads"/> contiguous bands
    /// computed in parallel. Every element is summed in the same order as the single-threaded product, so the
    /// result is identical for any thread count. Spreading the work costs a small allocation per call (the
    /// task scheduler's); the training runner instead parallelises over batch chunks.
    /// </summary>
    public static void MultiplyParallel(int m, int n, int k, float[] a, int aRowStride, int aColStride,
        float[] b, int ldb, float[] c, int ldc, bool accumulate, int threads)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        int bands = Math.Min(threads, Math.Max(1, m / 4));
        if (bands <= 1)
        {
            Multiply(m, n, k, a, aRowStride, aColStride, b, ldb, c, ldc, accumulate);
            return;
        }

        int rowsPerBand = (m / bands + 3) / 4 * 4; // whole micro-kernel row groups
        System.Threading.Tasks.Parallel.For(0, bands, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = threads }, band =>
        {
            int first = band * rowsPerBand;
            int rows = band == bands - 1 ? m - first : Math.Min(rowsPerBand, m - first);
            if (rows <= 0) return;
            Multiply(rows, n, k, a.AsSpan(first * aRowStride), aRowStride, aColStride, b, ldb, c.AsSpan(first * ldc), ldc, accumulate);
        });
    }

    // ---- The packed path (AVX-512): both operands copied into contiguous, cache-line aligned micro-panels. ----
    // B in [KBlock x PackedNBlock] slices as [column group of 32][k][32], A in [PackedMBlock x KBlock] slices as
    // [row group of 8][k][8]; an 8 x 32 tile of C (sixteen 512-bit accumulators) is updated by a rank-1 FMA per k.
    // Every element still sums its products in increasing k, carried in C between k blocks: the same chain of
    // fused multiply-adds as the unpacked kernels, so both paths give the same bits.

    private const int PackedRows = 8, PackedColumns = 32, PackedNBlock = 512, PackedMBlock = 96;

    [ThreadStatic] private static AlignedBuffer? t_packedA, t_packedB;

    private static void MultiplyPacked(int m, int n, int k, ref float a, int rsa, int csa, ref float b, int ldb, ref float c, int ldc, bool accumulate)
    {
        AlignedBuffer packedB = t_packedB ??= new AlignedBuffer(KBlock * PackedNBlock);
        AlignedBuffer packedA = t_packedA ??= new AlignedBuffer(PackedMBlock * KBlock);
        Span<float> tile = stackalloc float[PackedRows * PackedColumns];
        for (int p0 = 0; p0 < k; p0 += KBlock)
        {
            int kc = Math.Min(KBlock, k - p0);
            bool load = accumulate || p0 > 0;
            for (int j0 = 0; j0 < n; j0 += PackedNBlock)
            {
                int nc = Math.Min(PackedNBlock, n - j0);
                PackB(kc, nc, ref Unsafe.Add(ref b, (nint)p0 * ldb + j0), ldb, packedB.Span);
                for (int i0 = 0; i0 < m; i0 += PackedMBlock)
                {
                    int mc = Math.Min(PackedMBlock, m - i0);
                    PackA(mc, kc, ref Unsafe.Add(ref a, (nint)i0 * rsa + (nint)p0 * csa), rsa, csa, packedA.Span);
                    for (int jr = 0; jr < nc; jr += PackedColumns)
                    {
                        int cols = Math.Min(PackedColumns, nc - jr);
                        ref float bp = ref Unsafe.Add(ref packedB.Start, (nint)jr * kc);
                        for (int ir = 0; ir < mc; ir += PackedRows)
                        {
                            int rows = Math.Min(PackedRows, mc - ir);
                            ref float ap = ref Unsafe.Add(ref packedA.Start, (nint)ir * kc);
                            ref float cij = ref Unsafe.Add(ref c, (nint)(i0 + ir) * ldc + j0 + jr);
                            if (rows == PackedRows && cols == PackedColumns)
                            {
                                Kernel8x32(kc, ref ap, ref bp, ref cij, ldc, load);
                                continue;
                            }

                            // An edge tile: through an 8 x 32 scratch tile, copying only the valid part.
                            tile.Clear();
                            if (load)
                            {
                                for (int r = 0; r < rows; r++) MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref cij, (nint)r * ldc), cols).CopyTo(tile.Slice(r * PackedColumns));
                            }

                            Kernel8x32(kc, ref ap, ref bp, ref MemoryMarshal.GetReference(tile), PackedColumns, load: true);
                            for (int r = 0; r < rows; r++) tile.Slice(r * PackedColumns, cols).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref cij, (nint)r * ldc), cols));
                        }
                    }
                }
            }
        }
    }

    /// <summary>B[0..kc, 0..nc) (row stride ldb) into [column group][k][32], zero-padded past nc.</summary>
    private static void PackB(int kc, int nc, ref float b, int ldb, Span<float> packed)
    {
        for (int jr = 0; jr < nc; jr += PackedColumns)
        {
            int cols = Math.Min(PackedColumns, nc - jr);
            Span<float> group = packed.Slice(jr * kc, kc * PackedColumns);
            for (int p = 0; p < kc; p++)
            {
                Span<float> row = group.Slice(p * PackedColumns, PackedColumns);
                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref b, (nint)p * ldb + jr), cols).CopyTo(row);
                if (cols < PackedColumns) row.Slice(cols).Clear();
            }
        }
    }

    /// <summary>A[0..mc, 0..kc) (strides rsa, csa) into [row group][k][8], zero-padded past mc.</summary>
    private static void PackA(int mc, int kc, ref float a, int rsa, int csa, Span<float> packed)
    {
        for (int ir = 0; ir < mc; ir += PackedRows)
        {
            int rows = Math.Min(PackedRows, mc - ir);
            Span<float> group = packed.Slice(ir * kc, kc * PackedRows);
            if (rows < PackedRows) group.Clear();
            for (int r = 0; r < rows; r++)
            {
                ref float src = ref Unsafe.Add(ref a, (nint)(ir + r) * rsa);
                for (int p = 0; p < kc; p++) group[p * PackedRows + r] = Unsafe.Add(ref src, (nint)p * csa);
            }
        }
    }

    private static void Kernel8x32(int k, ref float a, ref float b, ref float c, int ldc, bool load)
    {
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        nint l = ldc;
        if (load)
        {
            c00 = V(ref c, 0); c01 = V(ref c, 16); c10 = V(ref c, l); c11 = V(ref c, l + 16);
            c20 = V(ref c, 2 * l); c21 = V(ref c, 2 * l + 16); c30 = V(ref c, 3 * l); c31 = V(ref c, 3 * l + 16);
            c40 = V(ref c, 4 * l); c41 = V(ref c, 4 * l + 16); c50 = V(ref c, 5 * l); c51 = V(ref c, 5 * l + 16);
            c60 = V(ref c, 6 * l); c61 = V(ref c, 6 * l + 16); c70 = V(ref c, 7 * l); c71 = V(ref c, 7 * l + 16);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = Vector512<float>.Zero;
        }

        for (int p = 0; p < k; p++)
        {
            ref float bp = ref Unsafe.Add(ref b, (nint)p * PackedColumns);
            ref float ap = ref Unsafe.Add(ref a, (nint)p * PackedRows);
            Vector512<float> b0 = Vector512.LoadUnsafe(ref bp), b1 = Vector512.LoadUnsafe(ref bp, 16);
            Vector512<float> x = Vector512.Create(ap);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(Unsafe.Add(ref ap, 1));
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(Unsafe.Add(ref ap, 2));
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(Unsafe.Add(ref ap, 3));
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(Unsafe.Add(ref ap, 4));
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(Unsafe.Add(ref ap, 5));
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(Unsafe.Add(ref ap, 6));
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(Unsafe.Add(ref ap, 7));
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
        }

        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 16); c10.StoreUnsafe(ref c, (nuint)l); c11.StoreUnsafe(ref c, (nuint)(l + 16));
        c20.StoreUnsafe(ref c, (nuint)(2 * l)); c21.StoreUnsafe(ref c, (nuint)(2 * l + 16)); c30.StoreUnsafe(ref c, (nuint)(3 * l)); c31.StoreUnsafe(ref c, (nuint)(3 * l + 16));
        c40.StoreUnsafe(ref c, (nuint)(4 * l)); c41.StoreUnsafe(ref c, (nuint)(4 * l + 16)); c50.StoreUnsafe(ref c, (nuint)(5 * l)); c51.StoreUnsafe(ref c, (nuint)(5 * l + 16));
        c60.StoreUnsafe(ref c, (nuint)(6 * l)); c61.StoreUnsafe(ref c, (nuint)(6 * l + 16)); c70.StoreUnsafe(ref c, (nuint)(7 * l)); c71.StoreUnsafe(ref c, (nuint)(7 * l + 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> V(ref float p, nint offset) => Vector512.LoadUnsafe(ref p, (nuint)offset);

    private static void Block(int m, int n, int k, ref float a, int rsa, int csa, ref float b, int ldb, ref float c, int ldc, bool load)
    {
        int w = Vector<float>.Count;
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            ref float ai = ref Unsafe.Add(ref a, (nint)i * rsa);
            ref float ci = ref Unsafe.Add(ref c, (nint)i * ldc);
            int j = 0;
            for (; j + 3 * w <= n; j += 3 * w) Kernel4x3(k, ref ai, rsa, csa, ref Unsafe.Add(ref b, j), ldb, ref Unsafe.Add(ref ci, j), ldc, load);
            for (; j + w <= n; j += w) Kernel4x1(k, ref ai, rsa, csa, ref Unsafe.Add(ref b, j), ldb, ref Unsafe.Add(ref ci, j), ldc, load);
            for (int r = 0; r < 4; r++) Scalar(j, n, k, ref Unsafe.Add(ref ai, (nint)r * rsa), csa, ref b, ldb, ref Unsafe.Add(ref ci, (nint)r * ldc), load);
        }

        for (; i < m; i++)
        {
            ref float ai = ref Unsafe.Add(ref a, (nint)i * rsa);
            ref float ci = ref Unsafe.Add(ref c, (nint)i * ldc);
            int j = 0;
            for (; j + 3 * w <= n; j += 3 * w) Kernel1x3(k, ref ai, csa, ref Unsafe.Add(ref b, j), ldb, ref Unsafe.Add(ref ci, j), load);
            for (; j + w <= n; j += w) Kernel1x1(k, ref ai, csa, ref Unsafe.Add(ref b, j), ldb, ref Unsafe.Add(ref ci, j), load);
            Scalar(j, n, k, ref ai, csa, ref b, ldb, ref ci, load);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Ld(ref float p, nint offset) => Vector.LoadUnsafe(ref p, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Fma(Vector<float> x, Vector<float> y, Vector<float> acc) => Vector.FusedMultiplyAdd(x, y, acc);

    private static void Kernel4x3(int k, ref float a, int rsa, int csa, ref float b, int ldb, ref float c, int ldc, bool load)
    {
        int w = Vector<float>.Count;
        nint c1 = ldc, c2 = 2 * (nint)ldc, c3 = 3 * (nint)ldc;
        Vector<float> c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
        if (load)
        {
            c00 = Ld(ref c, 0); c01 = Ld(ref c, w); c02 = Ld(ref c, 2 * w);
            c10 = Ld(ref c, c1); c11 = Ld(ref c, c1 + w); c12 = Ld(ref c, c1 + 2 * w);
            c20 = Ld(ref c, c2); c21 = Ld(ref c, c2 + w); c22 = Ld(ref c, c2 + 2 * w);
            c30 = Ld(ref c, c3); c31 = Ld(ref c, c3 + w); c32 = Ld(ref c, c3 + 2 * w);
        }
        else
        {
            c00 = c01 = c02 = c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 = Vector<float>.Zero;
        }

        nint r1 = rsa, r2 = 2 * (nint)rsa, r3 = 3 * (nint)rsa;
        nint ap = 0, bp = 0;
        for (int p = 0; p < k; p++, ap += csa, bp += ldb)
        {
            Vector<float> b0 = Ld(ref b, bp), b1 = Ld(ref b, bp + w), b2 = Ld(ref b, bp + 2 * w);
            var x = new Vector<float>(Unsafe.Add(ref a, ap));
            c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01); c02 = Fma(x, b2, c02);
            x = new Vector<float>(Unsafe.Add(ref a, ap + r1));
            c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11); c12 = Fma(x, b2, c12);
            x = new Vector<float>(Unsafe.Add(ref a, ap + r2));
            c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21); c22 = Fma(x, b2, c22);
            x = new Vector<float>(Unsafe.Add(ref a, ap + r3));
            c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31); c32 = Fma(x, b2, c32);
        }

        St(c00, ref c, 0); St(c01, ref c, w); St(c02, ref c, 2 * w);
        St(c10, ref c, c1); St(c11, ref c, c1 + w); St(c12, ref c, c1 + 2 * w);
        St(c20, ref c, c2); St(c21, ref c, c2 + w); St(c22, ref c, c2 + 2 * w);
        St(c30, ref c, c3); St(c31, ref c, c3 + w); St(c32, ref c, c3 + 2 * w);
    }

    private static void Kernel4x1(int k, ref float a, int rsa, int csa, ref float b, int ldb, ref float c, int ldc, bool load)
    {
        nint c1 = ldc, c2 = 2 * (nint)ldc, c3 = 3 * (nint)ldc;
        Vector<float> c0, c1v, c2v, c3v;
        if (load)
        {
            c0 = Ld(ref c, 0); c1v = Ld(ref c, c1); c2v = Ld(ref c, c2); c3v = Ld(ref c, c3);
        }
        else
        {
            c0 = c1v = c2v = c3v = Vector<float>.Zero;
        }

        nint r1 = rsa, r2 = 2 * (nint)rsa, r3 = 3 * (nint)rsa;
        nint ap = 0, bp = 0;
        for (int p = 0; p < k; p++, ap += csa, bp += ldb)
        {
            Vector<float> b0 = Ld(ref b, bp);
            c0 = Fma(new Vector<float>(Unsafe.Add(ref a, ap)), b0, c0);
            c1v = Fma(new Vector<float>(Unsafe.Add(ref a, ap + r1)), b0, c1v);
            c2v = Fma(new Vector<float>(Unsafe.Add(ref a, ap + r2)), b0, c2v);
            c3v = Fma(new Vector<float>(Unsafe.Add(ref a, ap + r3)), b0, c3v);
        }

        St(c0, ref c, 0); St(c1v, ref c, c1); St(c2v, ref c, c2); St(c3v, ref c, c3);
    }

    private static void Kernel1x3(int k, ref float a, int csa, ref float b, int ldb, ref float c, bool load)
    {
        int w = Vector<float>.Count;
        Vector<float> c0, c1, c2;
        if (load)
        {
            c0 = Ld(ref c, 0); c1 = Ld(ref c, w); c2 = Ld(ref c, 2 * w);
        }
        else
        {
            c0 = c1 = c2 = Vector<float>.Zero;
        }

        nint ap = 0, bp = 0;
        for (int p = 0; p < k; p++, ap += csa, bp += ldb)
        {
            var x = new Vector<float>(Unsafe.Add(ref a, ap));
            c0 = Fma(x, Ld(ref b, bp), c0);
            c1 = Fma(x, Ld(ref b, bp + w), c1);
            c2 = Fma(x, Ld(ref b, bp + 2 * w), c2);
        }

        St(c0, ref c, 0); St(c1, ref c, w); St(c2, ref c, 2 * w);
    }

    private static void Kernel1x1(int k, ref float a, int csa, ref float b, int ldb, ref float c, bool load)
    {
        Vector<float> c0 = load ? Ld(ref c, 0) : Vector<float>.Zero;
        nint ap = 0, bp = 0;
        for (int p = 0; p < k; p++, ap += csa, bp += ldb) c0 = Fma(new Vector<float>(Unsafe.Add(ref a, ap)), Ld(ref b, bp), c0);
        St(c0, ref c, 0);
    }

    private static void Scalar(int j0, int n, int k, ref float a, int csa, ref float b, int ldb, ref float c, bool load)
    {
        for (int j = j0; j < n; j++)
        {
            float s = load ? Unsafe.Add(ref c, j) : 0f;
            nint ap = 0, bp = j;
            for (int p = 0; p < k; p++, ap += csa, bp += ldb) s = MathF.FusedMultiplyAdd(Unsafe.Add(ref a, ap), Unsafe.Add(ref b, bp), s);
            Unsafe.Add(ref c, j) = s;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void St(Vector<float> v, ref float p, nint offset) => Vector.StoreUnsafe(v, ref p, (nuint)offset);
}
