using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace SnnDsl.Kernels;

/// <summary>
/// The arithmetic generated kernels call, with a <see cref="float"/> and a <see cref="Vector{T}"/>
/// overload of every function that perform the same IEEE operations in the same order. A neuron
/// handled by the scalar tail of a loop therefore gets bit-for-bit the result it would get in a
/// SIMD lane. Transcendentals use Cephes-style range reduction and minimax polynomials
/// (about 1-2 ulp; <see cref="MathF"/> is not used because its results differ from any vector
/// implementation in the last bit).
/// </summary>
/// <remarks>
/// Masks are <see cref="bool"/> in scalar code and <see cref="Vector{T}"/> of <see cref="int"/>
/// (all bits set = true) in vector code, so the generator prints one kernel body for both.
/// </remarks>
public static class SnnMath
{
    // Cephes expf constants.
    private const float ExpHi = 88.0f;
    private const float ExpLo = -87.33654f;
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    private const float E0 = 1.9875691500E-4f, E1 = 1.3981999507E-3f, E2 = 8.3334519073E-3f,
        E3 = 4.1665795894E-2f, E4 = 1.6666665459E-1f, E5 = 5.0000001201E-1f;

    // Cephes logf constants.
    private const float SqrtHalf = 0.707106781186547524f;
    private const float L0 = 7.0376836292E-2f, L1 = -1.1514610310E-1f, L2 = 1.1676998740E-1f,
        L3 = -1.2420140846E-1f, L4 = 1.4249322787E-1f, L5 = -1.6668057665E-1f,
        L6 = 2.0000714765E-1f, L7 = -2.4999993993E-1f, L8 = 3.3333331174E-1f;
    private const float MinNormal = 1.17549435e-38f;

    // Cephes tanhf constants (|x| < 0.625).
    private const float T0 = -5.70498872745E-3f, T1 = 2.06390887954E-2f, T2 = -5.37397155531E-2f,
        T3 = 1.33314422036E-1f, T4 = -3.33332819422E-1f;

    // ---------------------------------------------------------------- exp

    /// <summary>e^x. Arguments are clamped to [-87.34, 88]: the result saturates near 1.2e-38 and 1.65e38 instead of reaching 0 or infinity; NaN propagates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        float c = MathF.Min(MathF.Max(x, ExpLo), ExpHi);
        float fx = MathF.Floor(c * Log2E + 0.5f);
        float r = c - fx * Ln2Hi;
        r = r - fx * Ln2Lo;
        float z = r * r;
        float y = ((((E0 * r + E1) * r + E2) * r + E3) * r + E4) * r + E5;
        y = y * z + r + 1f;
        float pow2n = BitConverter.Int32BitsToSingle(((int)fx + 127) << 23);
        float result = y * pow2n;
        return float.IsNaN(x) ? x : result;
    }

    /// <summary>e^x lane by lane; identical to <see cref="Exp(float)"/> in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x)
    {
        Vector<float> c = Vector.Min(Vector.Max(x, new Vector<float>(ExpLo)), new Vector<float>(ExpHi));
        Vector<float> fx = Vector.Floor(c * new Vector<float>(Log2E) + new Vector<float>(0.5f));
        Vector<float> r = c - fx * new Vector<float>(Ln2Hi);
        r = r - fx * new Vector<float>(Ln2Lo);
        Vector<float> z = r * r;
        Vector<float> y = ((((new Vector<float>(E0) * r + new Vector<float>(E1)) * r + new Vector<float>(E2)) * r
            + new Vector<float>(E3)) * r + new Vector<float>(E4)) * r + new Vector<float>(E5);
        y = y * z + r + Vector<float>.One;
        Vector<int> n = Vector.ConvertToInt32(fx);
        Vector<float> pow2n = Vector.AsVectorSingle(Vector.ShiftLeft(n + new Vector<int>(127), 23));
        Vector<float> result = y * pow2n;
        return Vector.ConditionalSelect(Vector.Equals(x, x), result, x);
    }

    // ---------------------------------------------------------------- log

    /// <summary>Natural logarithm: NaN for x &lt; 0, -infinity for 0, +infinity for +infinity; subnormal inputs are read as the smallest normal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Log(float x)
    {
        float xc = MathF.Max(x, MinNormal);
        int bits = BitConverter.SingleToInt32Bits(xc);
        float e = (float)(((bits >> 23) & 0xff) - 126);
        float m = BitConverter.Int32BitsToSingle((bits & unchecked((int)0x807fffff)) | 0x3f000000);
        bool small = m < SqrtHalf;
        e = small ? e - 1f : e;
        float t = small ? m + m - 1f : m - 1f;
        float z = t * t;
        float y = (((((((L0 * t + L1) * t + L2) * t + L3) * t + L4) * t + L5) * t + L6) * t + L7) * t + L8;
        y = y * t * z;
        y = y + e * Ln2Lo;
        y = y - 0.5f * z;
        float result = t + y;
        result = result + e * Ln2Hi;
        result = x == float.PositiveInfinity ? x : result;
        result = x == 0f ? float.NegativeInfinity : result;
        return x < 0f || float.IsNaN(x) ? float.NaN : result;
    }

    /// <summary>Natural logarithm lane by lane; identical to <see cref="Log(float)"/> in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Log(Vector<float> x)
    {
        Vector<float> xc = Vector.Max(x, new Vector<float>(MinNormal));
        Vector<int> bits = Vector.AsVectorInt32(xc);
        Vector<float> e = Vector.ConvertToSingle(
            (Vector.ShiftRightArithmetic(bits, 23) & new Vector<int>(0xff)) - new Vector<int>(126));
        Vector<float> m = Vector.AsVectorSingle((bits & new Vector<int>(unchecked((int)0x807fffff))) | new Vector<int>(0x3f000000));
        Vector<int> small = Vector.LessThan(m, new Vector<float>(SqrtHalf));
        e = Vector.ConditionalSelect(small, e - Vector<float>.One, e);
        Vector<float> t = Vector.ConditionalSelect(small, m + m - Vector<float>.One, m - Vector<float>.One);
        Vector<float> z = t * t;
        Vector<float> y = (((((((new Vector<float>(L0) * t + new Vector<float>(L1)) * t + new Vector<float>(L2)) * t
            + new Vector<float>(L3)) * t + new Vector<float>(L4)) * t + new Vector<float>(L5)) * t
            + new Vector<float>(L6)) * t + new Vector<float>(L7)) * t + new Vector<float>(L8);
        y = y * t * z;
        y = y + e * new Vector<float>(Ln2Lo);
        y = y - new Vector<float>(0.5f) * z;
        Vector<float> result = t + y;
        result = result + e * new Vector<float>(Ln2Hi);
        result = Vector.ConditionalSelect(Vector.Equals(x, new Vector<float>(float.PositiveInfinity)), x, result);
        result = Vector.ConditionalSelect(Vector.Equals(x, Vector<float>.Zero), new Vector<float>(float.NegativeInfinity), result);
        Vector<int> invalid = Vector.LessThan(x, Vector<float>.Zero) | ~Vector.Equals(x, x);
        return Vector.ConditionalSelect(invalid, new Vector<float>(float.NaN), result);
    }

    // ---------------------------------------------------------------- expm1

    // Taylor coefficients 1/k! for k = 2..9, for |x| < 0.35 (remainder below 3e-10 relative).
    private const float M2 = 1f / 2, M3 = 1f / 6, M4 = 1f / 24, M5 = 1f / 120, M6 = 1f / 720,
        M7 = 1f / 5040, M8 = 1f / 40320, M9 = 1f / 362880;

    /// <summary>e^x - 1 without cancellation for small |x| (used by exact and exponential-Euler updates).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Expm1(float x)
    {
        float series = x + x * x * (M2 + x * (M3 + x * (M4 + x * (M5 + x * (M6 + x * (M7 + x * (M8 + x * M9)))))));
        float direct = Exp(x) - 1f;
        return MathF.Abs(x) < 0.35f ? series : direct;
    }

    /// <summary>e^x - 1 lane by lane; identical to <see cref="Expm1(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Expm1(Vector<float> x)
    {
        Vector<float> series = x + x * x * (new Vector<float>(M2) + x * (new Vector<float>(M3) + x * (new Vector<float>(M4)
            + x * (new Vector<float>(M5) + x * (new Vector<float>(M6) + x * (new Vector<float>(M7) + x * (new Vector<float>(M8)
            + x * new Vector<float>(M9))))))));
        Vector<float> direct = Exp(x) - Vector<float>.One;
        return Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(x), new Vector<float>(0.35f)), series, direct);
    }

    // ---------------------------------------------------------------- tanh, pow

    /// <summary>Hyperbolic tangent: a polynomial for |x| &lt; 0.625, 1 - 2/(e^(2|x|)+1) beyond, with the sign of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        float a = MathF.Abs(x);
        float z = x * x;
        float p = ((((T0 * z + T1) * z + T2) * z + T3) * z + T4) * z * x + x;
        float big = 1f - 2f / (Exp(a + a) + 1f);
        big = x < 0f ? -big : big;
        return a < 0.625f ? p : big;
    }

    /// <summary>Hyperbolic tangent lane by lane; identical to <see cref="Tanh(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Tanh(Vector<float> x)
    {
        Vector<float> a = Vector.Abs(x);
        Vector<float> z = x * x;
        Vector<float> p = ((((new Vector<float>(T0) * z + new Vector<float>(T1)) * z + new Vector<float>(T2)) * z
            + new Vector<float>(T3)) * z + new Vector<float>(T4)) * z * x + x;
        Vector<float> big = Vector<float>.One - new Vector<float>(2f) / (Exp(a + a) + Vector<float>.One);
        big = Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), -big, big);
        return Vector.ConditionalSelect(Vector.LessThan(a, new Vector<float>(0.625f)), p, big);
    }

    /// <summary>x^y as e^(y ln x): defined for x &gt;= 0 (0^y = 0 for y &gt; 0). Integer constant exponents never reach here: the generator expands them into products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Pow(float x, float y)
    {
        // Exp saturates at about 1.2e-38 instead of 0, so 0^y (= e^-inf) is selected explicitly.
        float result = Exp(y * Log(x));
        return x == 0f && y > 0f ? 0f : result;
    }

    /// <summary>x^y lane by lane; identical to <see cref="Pow(float, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Pow(Vector<float> x, Vector<float> y)
    {
        Vector<float> result = Exp(y * Log(x));
        Vector<int> zero = Vector.Equals(x, Vector<float>.Zero) & Vector.GreaterThan(y, Vector<float>.Zero);
        return Vector.ConditionalSelect(zero, Vector<float>.Zero, result);
    }

    // ---------------------------------------------------------------- exact IEEE operations

    /// <summary>Square root (correctly rounded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sqrt(float x) => MathF.Sqrt(x);
    /// <summary>Square root (correctly rounded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Sqrt(Vector<float> x) => Vector.SquareRoot(x);
    /// <summary>Absolute value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Abs(float x) => MathF.Abs(x);
    /// <summary>Absolute value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Abs(Vector<float> x) => Vector.Abs(x);
    /// <summary>Minimum (NaN if either is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Min(float a, float b) => MathF.Min(a, b);
    /// <summary>Minimum (NaN if either is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Min(Vector<float> a, Vector<float> b) => Vector.Min(a, b);
    /// <summary>Maximum (NaN if either is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Max(float a, float b) => MathF.Max(a, b);
    /// <summary>Maximum (NaN if either is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Max(Vector<float> a, Vector<float> b) => Vector.Max(a, b);
    /// <summary>min(max(x, lo), hi).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Clamp(float x, float lo, float hi) => MathF.Min(MathF.Max(x, lo), hi);
    /// <summary>min(max(x, lo), hi).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Clamp(Vector<float> x, Vector<float> lo, Vector<float> hi) => Vector.Min(Vector.Max(x, lo), hi);

    /// <summary>Rounds to the nearest integer, halves to even (as torch.round and MathF.Round).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Round(float x) => MathF.Round(x, MidpointRounding.ToEven);
    /// <summary>Rounds to the nearest integer, halves to even, per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Round(Vector<float> x) => Vector.Round(x);
    /// <summary>Largest integer not above x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Floor(float x) => MathF.Floor(x);
    /// <summary>Largest integer not above x, per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Floor(Vector<float> x) => Vector.Floor(x);

    // ---------------------------------------------------------------- masks

    /// <summary>a &gt;= b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Ge(float a, float b) => a >= b;
    /// <summary>a &gt;= b per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<int> Ge(Vector<float> a, Vector<float> b) => Vector.GreaterThanOrEqual(a, b);
    /// <summary>a &gt; b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Gt(float a, float b) => a > b;
    /// <summary>a &gt; b per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<int> Gt(Vector<float> a, Vector<float> b) => Vector.GreaterThan(a, b);
    /// <summary>a &lt;= b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Le(float a, float b) => a <= b;
    /// <summary>a &lt;= b per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<int> Le(Vector<float> a, Vector<float> b) => Vector.LessThanOrEqual(a, b);
    /// <summary>a &lt; b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Lt(float a, float b) => a < b;
    /// <summary>a &lt; b per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<int> Lt(Vector<float> a, Vector<float> b) => Vector.LessThan(a, b);
    /// <summary>a == b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Eq(float a, float b) => a == b;
    /// <summary>a == b per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<int> Eq(Vector<float> a, Vector<float> b) => Vector.Equals(a, b);
    /// <summary>a != b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Ne(float a, float b) => a != b;
    /// <summary>a != b per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<int> Ne(Vector<float> a, Vector<float> b) => ~Vector.Equals(a, b);
    /// <summary>Logical and.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool And(bool a, bool b) => a & b;
    /// <summary>Lane-wise logical and.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<int> And(Vector<int> a, Vector<int> b) => a & b;
    /// <summary>Logical or.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Or(bool a, bool b) => a | b;
    /// <summary>Lane-wise logical or.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<int> Or(Vector<int> a, Vector<int> b) => a | b;
    /// <summary>Logical not.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool Not(bool a) => !a;
    /// <summary>Lane-wise logical not.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<int> Not(Vector<int> a) => ~a;
    /// <summary><paramref name="mask"/> ? <paramref name="whenTrue"/> : <paramref name="whenFalse"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Select(bool mask, float whenTrue, float whenFalse) => mask ? whenTrue : whenFalse;
    /// <summary>Lane-wise select.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Select(Vector<int> mask, Vector<float> whenTrue, Vector<float> whenFalse) => Vector.ConditionalSelect(mask, whenTrue, whenFalse);
    /// <summary>1 where the mask is true, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float ToFloat(bool mask) => mask ? 1f : 0f;
    /// <summary>1 where the mask is true, else 0, per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> ToFloat(Vector<int> mask) => Vector.ConditionalSelect(mask, Vector<float>.One, Vector<float>.Zero);
    /// <summary>True where <paramref name="value"/> is non-zero (used for 0/1 flags such as <c>Spiked</c> in conditions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool IsSet(float value) => value != 0f;
    /// <summary>True where <paramref name="value"/> is non-zero, per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<int> IsSet(Vector<float> value) => ~Vector.Equals(value, Vector<float>.Zero);
}
