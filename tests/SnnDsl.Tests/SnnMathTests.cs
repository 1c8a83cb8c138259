using System;
using System.Numerics;
using SnnDsl.Kernels;
using Xunit.Abstractions;

namespace SnnDsl.Tests;

/// <summary>
/// Accuracy of the kernel transcendentals against <see cref="Math"/> in double, their documented
/// special values and clamps, and bit-for-bit identity of the scalar and <see cref="Vector{T}"/> overloads.
/// </summary>
/// <remarks>
/// Errors are measured in ulps of the correctly rounded float result: |f - exact| / ulp(exact),
/// where exact is the double-precision reference. Measured maxima on an AVX-512 machine (.NET 10):
/// Exp 0.97 ulp on [-87.3, 88]; Log 0.80 ulp on [1.2e-38, 3e38]; Tanh 1.27 ulp on [-20, 20];
/// Expm1 3.24 ulp on [-20, 20] (worst just above the series/direct switch at 0.35, 0.5 ulp below it);
/// Pow at most 1.8 |y ln x| ulp for |y ln x| &gt; 5. Asserted: 1.5, 2, 3, 5 ulp and 2 + 3 |y ln x| ulp.
/// </remarks>
public sealed class SnnMathTests
{
    private readonly ITestOutputHelper _out;

    public SnnMathTests(ITestOutputHelper output) => _out = output;

    // ------------------------------------------------------------------ helpers

    /// <summary>Error of <paramref name="actual"/> in ulps of the float nearest to <paramref name="exact"/>.</summary>
    internal static double UlpError(float actual, double exact)
    {
        float rounded = (float)exact;
        float mag = MathF.Abs(rounded);
        double ulp = (double)MathF.BitIncrement(mag) - mag;
        if (mag == 0f) ulp = float.Epsilon;
        return Math.Abs(actual - exact) / ulp;
    }

    private static float[] Uniform(int seed, int count, double lo, double hi)
    {
        var rng = new Random(seed);
        var xs = new float[count];
        for (int i = 0; i < count; i++) xs[i] = (float)(lo + (hi - lo) * rng.NextDouble());
        return xs;
    }

    private static float[] LogUniform(int seed, int count, double lo, double hi)
    {
        var rng = new Random(seed);
        var xs = new float[count];
        double a = Math.Log(lo), b = Math.Log(hi);
        for (int i = 0; i < count; i++) xs[i] = (float)Math.Exp(a + (b - a) * rng.NextDouble());
        return xs;
    }

    private double MaxUlp(string name, float[] xs, Func<float, float> f, Func<double, double> exact)
    {
        double max = 0;
        float worst = 0;
        foreach (float x in xs)
        {
            double e = UlpError(f(x), exact(x));
            if (e > max) { max = e; worst = x; }
        }
        _out.WriteLine($"{name}: max error {max:F3} ulp at x = {worst:R}");
        return max;
    }

    // ------------------------------------------------------------------ accuracy

    [Fact]
    public void Exp_IsWithinOneAndAHalfUlpOverItsRange()
    {
        float[] wide = Uniform(1, 200_000, -87.3, 88.0);
        float[] small = Uniform(2, 100_000, -1.0, 1.0);
        double max = Math.Max(MaxUlp("Exp wide", wide, SnnMath.Exp, Math.Exp), MaxUlp("Exp [-1,1]", small, SnnMath.Exp, Math.Exp));
        Assert.True(max <= 1.5, $"Exp max error {max} ulp");
    }

    [Fact]
    public void Log_IsWithinTwoUlpOverTheNormalRange()
    {
        float[] wide = LogUniform(3, 200_000, 1.2e-38, 3.0e38);
        float[] nearOne = Uniform(4, 100_000, 0.5, 2.0);
        double max = Math.Max(MaxUlp("Log wide", wide, SnnMath.Log, Math.Log), MaxUlp("Log [0.5,2]", nearOne, SnnMath.Log, Math.Log));
        Assert.True(max <= 2.0, $"Log max error {max} ulp");
    }

    [Fact]
    public void Tanh_IsWithinThreeUlp()
    {
        float[] wide = Uniform(5, 200_000, -20.0, 20.0);
        float[] small = Uniform(6, 100_000, -1.0, 1.0);
        float[] tiny = LogUniform(7, 50_000, 1e-30, 1e-2);
        double max = Math.Max(MaxUlp("Tanh wide", wide, SnnMath.Tanh, Math.Tanh),
            Math.Max(MaxUlp("Tanh [-1,1]", small, SnnMath.Tanh, Math.Tanh), MaxUlp("Tanh tiny", tiny, SnnMath.Tanh, Math.Tanh)));
        Assert.True(max <= 3.0, $"Tanh max error {max} ulp");
    }

    [Fact]
    public void Expm1_IsWithinFiveUlp_AndKeepsRelativeAccuracyForTinyArguments()
    {
        float[] wide = Uniform(8, 200_000, -20.0, 20.0);
        float[] small = Uniform(9, 100_000, -0.5, 0.5);
        float[] tiny = LogUniform(10, 50_000, 1e-30, 1e-2);
        float[] tinyNeg = Array.ConvertAll(tiny, x => -x);
        double max = Math.Max(
            Math.Max(MaxUlp("Expm1 wide", wide, SnnMath.Expm1, ExpM1Exact),
                     MaxUlp("Expm1 [-0.5,0.5]", small, SnnMath.Expm1, ExpM1Exact)),
            Math.Max(MaxUlp("Expm1 tiny", tiny, SnnMath.Expm1, ExpM1Exact), MaxUlp("Expm1 -tiny", tinyNeg, SnnMath.Expm1, ExpM1Exact)));
        Assert.True(max <= 5.0, $"Expm1 max error {max} ulp");
    }

    /// <summary>e^x - 1 in double without cancellation (Taylor below 1e-5, where e^x - 1 in double loses digits).</summary>
    private static double ExpM1Exact(double x)
    {
        if (Math.Abs(x) < 1e-5) return x + x * x / 2 + x * x * x / 6;
        return Math.Exp(x) - 1.0; // |x| >= 1e-5: double cancellation costs < 1e-11 relative, far below float ulp
    }

    [Fact]
    public void Pow_RelativeErrorGrowsOnlyWithTheExponentOfTheResult()
    {
        // Pow is e^(y ln x): rounding of y ln x (about |y ln x| * 2^-24 absolute) becomes relative
        // error of the result, so the bound is a + b |y ln x| ulp. The float product y ln x carries up to ~1.3 relative ulp, i.e. up to 2.6 |y ln x| result ulps.
        var rng = new Random(11);
        double worst = 0, slope = 0;
        for (int i = 0; i < 200_000; i++)
        {
            float x = (float)Math.Exp(-7 + 14 * rng.NextDouble()); // 1e-3 .. 1e3
            float y = (float)(-4 + 8 * rng.NextDouble());
            double exact = Math.Pow(x, y);
            double budget = 2.0 + 3.0 * Math.Abs(y * Math.Log(x));
            double e = UlpError(SnnMath.Pow(x, y), exact);
            worst = Math.Max(worst, e / budget);
            if (Math.Abs(y * Math.Log(x)) > 5) slope = Math.Max(slope, e / Math.Abs(y * Math.Log(x)));
        }
        _out.WriteLine($"Pow: max error / |y ln x| for |y ln x| > 5: {slope:F3}");
        _out.WriteLine($"Pow: max error / (2 + 3|y ln x|) = {worst:F3}");
        Assert.True(worst <= 1.0, $"Pow error exceeds 2 + 3|y ln x| ulp by factor {worst}");
        // Typical values that neuron models use are close to correctly rounded.
        Assert.True(UlpError(SnnMath.Pow(2f, 0.5f), Math.Sqrt(2)) <= 2);
        Assert.True(UlpError(SnnMath.Pow(10f, 3f), 1000.0) <= 8);
        Assert.Equal(1f, SnnMath.Pow(1f, 123.4f));
    }

    // ------------------------------------------------------------------ special values and clamps

    [Fact]
    public void Exp_SpecialValues()
    {
        Assert.Equal(1f, SnnMath.Exp(0f));
        Assert.Equal(1f, SnnMath.Exp(-0f));
        Assert.True(UlpError(SnnMath.Exp(1f), Math.E) <= 1);
        Assert.True(UlpError(SnnMath.Exp(-1f), 1 / Math.E) <= 1);
        Assert.True(float.IsNaN(SnnMath.Exp(float.NaN)));
        // Documented clamp to [-87.34, 88]: saturates near 1.2e-38 and 1.65e38 instead of 0 and infinity.
        float lo = SnnMath.Exp(-87.33654f);
        float hi = SnnMath.Exp(88f);
        Assert.True(UlpError(lo, Math.Exp((double)-87.33654f)) <= 1.5);
        Assert.True(UlpError(hi, Math.Exp(88.0)) <= 1.5);
        Assert.True(float.IsNormal(lo));
        Assert.InRange(lo, 1.17e-38f, 1.18e-38f);
        Assert.InRange(hi, 1.65e38f, 1.66e38f);
        Assert.Equal(lo, SnnMath.Exp(-100f));
        Assert.Equal(lo, SnnMath.Exp(float.NegativeInfinity));
        Assert.Equal(hi, SnnMath.Exp(1000f));
        Assert.Equal(hi, SnnMath.Exp(float.PositiveInfinity));
        Assert.True(float.IsFinite(SnnMath.Exp(float.MaxValue)));
    }

    [Fact]
    public void Log_SpecialValues()
    {
        Assert.Equal(0f, SnnMath.Log(1f));
        Assert.True(UlpError(SnnMath.Log(MathF.E), 1.0) <= 1);
        Assert.True(UlpError(SnnMath.Log(2f), Math.Log(2)) <= 1);
        Assert.Equal(float.NegativeInfinity, SnnMath.Log(0f));
        Assert.Equal(float.NegativeInfinity, SnnMath.Log(-0f));
        Assert.Equal(float.PositiveInfinity, SnnMath.Log(float.PositiveInfinity));
        Assert.True(float.IsNaN(SnnMath.Log(-1f)));
        Assert.True(float.IsNaN(SnnMath.Log(-1e-30f)));
        Assert.True(float.IsNaN(SnnMath.Log(float.NegativeInfinity)));
        Assert.True(float.IsNaN(SnnMath.Log(float.NaN)));
        Assert.True(UlpError(SnnMath.Log(float.MaxValue), Math.Log(float.MaxValue)) <= 2);
        // Documented: subnormal inputs are read as the smallest normal, 1.17549435e-38.
        float logMinNormal = SnnMath.Log(1.17549435e-38f);
        Assert.True(UlpError(logMinNormal, Math.Log(1.17549435e-38)) <= 1);
        Assert.Equal(logMinNormal, SnnMath.Log(float.Epsilon));
        Assert.Equal(logMinNormal, SnnMath.Log(1e-40f));
    }

    [Fact]
    public void Tanh_SpecialValues()
    {
        Assert.Equal(0f, SnnMath.Tanh(0f));
        Assert.Equal(1f, SnnMath.Tanh(float.PositiveInfinity));
        Assert.Equal(-1f, SnnMath.Tanh(float.NegativeInfinity));
        Assert.Equal(1f, SnnMath.Tanh(20f));
        Assert.Equal(-1f, SnnMath.Tanh(-20f));
        Assert.True(float.IsNaN(SnnMath.Tanh(float.NaN)));
        Assert.Equal(1e-20f, SnnMath.Tanh(1e-20f));
        Assert.Equal(-1e-20f, SnnMath.Tanh(-1e-20f));
        // Odd, and continuous across the polynomial/exponential switch at |x| = 0.625.
        foreach (float x in new[] { 0.1f, 0.5f, 0.625f, 0.7f, 3f })
            Assert.Equal(-SnnMath.Tanh(x), SnnMath.Tanh(-x));
        float below = SnnMath.Tanh(MathF.BitDecrement(0.625f)), at = SnnMath.Tanh(0.625f);
        Assert.True(UlpError(below, Math.Tanh(MathF.BitDecrement(0.625f))) <= 2);
        Assert.True(UlpError(at, Math.Tanh(0.625)) <= 2);
        Assert.True(at >= below);
    }

    [Fact]
    public void Expm1_SpecialValues()
    {
        Assert.Equal(0f, SnnMath.Expm1(0f));
        Assert.Equal(1e-20f, SnnMath.Expm1(1e-20f));
        Assert.Equal(-1e-20f, SnnMath.Expm1(-1e-20f));
        Assert.Equal(-1f, SnnMath.Expm1(-100f));
        Assert.Equal(-1f, SnnMath.Expm1(float.NegativeInfinity));
        Assert.True(float.IsNaN(SnnMath.Expm1(float.NaN)));
        // Clamped like Exp: saturates at e^88 - 1 instead of infinity.
        Assert.Equal(SnnMath.Exp(88f) - 1f, SnnMath.Expm1(float.PositiveInfinity));
        // Continuity across the series/direct switch at |x| = 0.35.
        foreach (float x in new[] { 0.35f, -0.35f })
        {
            Assert.True(UlpError(SnnMath.Expm1(x), Math.Exp(x) - 1) <= 5);
            Assert.True(UlpError(SnnMath.Expm1(MathF.BitDecrement(MathF.Abs(x)) * MathF.Sign(x)), Math.Exp(MathF.BitDecrement(MathF.Abs(x)) * MathF.Sign(x)) - 1) <= 2);
        }
    }

    [Fact]
    public void Pow_SpecialValues()
    {
        Assert.Equal(1f, SnnMath.Pow(5f, 0f));
        Assert.Equal(1f, SnnMath.Pow(1f, -7f));
        Assert.True(float.IsNaN(SnnMath.Pow(-2f, 2f)));   // documented: defined for x >= 0 only
        Assert.True(float.IsNaN(SnnMath.Pow(-2f, 0.5f)));
        Assert.True(float.IsNaN(SnnMath.Pow(float.NaN, 1f)));
        Assert.True(float.IsNaN(SnnMath.Pow(2f, float.NaN)));
        // Documented: 0^y = 0 for y > 0.
        Assert.Equal(0f, SnnMath.Pow(0f, 2f));
        Assert.Equal(0f, SnnMath.Pow(0f, 0.5f));
    }

    // ------------------------------------------------------------------ scalar == vector, bit for bit

    private static float[] MixedInputs(int seed, int count)
    {
        var rng = new Random(seed);
        float[] specials =
        {
            0f, -0f, 1f, -1f, 0.35f, -0.35f, 0.625f, -0.625f, 88f, -87.33654f, 88.5f, -88f, 100f, -100f,
            float.Epsilon, -float.Epsilon, 1e-40f, 1.17549435e-38f, float.MaxValue, float.MinValue,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1e-20f, -1e-20f, 0.7071067f, 0.70710677f,
        };
        var xs = new float[count];
        for (int i = 0; i < count; i++)
        {
            xs[i] = (i % 5) switch
            {
                0 => specials[rng.Next(specials.Length)],
                1 => (float)(-100 + 200 * rng.NextDouble()),
                2 => (float)(-2 + 4 * rng.NextDouble()),
                3 => (rng.Next(2) == 0 ? -1 : 1) * (float)Math.Exp(-90 + 180 * rng.NextDouble()),
                _ => BitConverter.Int32BitsToSingle(rng.Next(int.MinValue, int.MaxValue)), // any bit pattern
            };
        }
        return xs;
    }

    private static void AssertLanesIdentical(string name, float[] xs, float[] ys, Func<float, float, float> scalar, Func<Vector<float>, Vector<float>, Vector<float>> vector)
    {
        int w = Vector<float>.Count;
        var lanesX = new float[w];
        var lanesY = new float[w];
        var outV = new float[w];
        int mismatches = 0;
        string first = "";
        for (int i = 0; i + w <= xs.Length; i += w)
        {
            Array.Copy(xs, i, lanesX, 0, w);
            Array.Copy(ys, i, lanesY, 0, w);
            vector(new Vector<float>(lanesX), new Vector<float>(lanesY)).CopyTo(outV);
            for (int k = 0; k < w; k++)
            {
                float s = scalar(lanesX[k], lanesY[k]);
                // NaN payloads are not part of the contract; every other bit is.
                bool same = BitConverter.SingleToInt32Bits(s) == BitConverter.SingleToInt32Bits(outV[k]) || (float.IsNaN(s) && float.IsNaN(outV[k]));
                if (!same)
                {
                    if (mismatches == 0) first = $"x = {lanesX[k]:R} (0x{BitConverter.SingleToInt32Bits(lanesX[k]):x8}), y = {lanesY[k]:R}: scalar {s:R}, vector {outV[k]:R}";
                    mismatches++;
                }
            }
        }
        Assert.True(mismatches == 0, $"{name}: {mismatches} lanes differ; first: {first}");
    }

    public static TheoryData<string> UnaryFunctions => new() { "Exp", "Log", "Tanh", "Expm1", "Sqrt", "Abs" };

    [Theory]
    [MemberData(nameof(UnaryFunctions))]
    public void ScalarAndVectorOverloads_AreBitIdentical_Unary(string name)
    {
        (Func<float, float> s, Func<Vector<float>, Vector<float>> v) = name switch
        {
            "Exp" => ((Func<float, float>)SnnMath.Exp, (Func<Vector<float>, Vector<float>>)SnnMath.Exp),
            "Log" => (SnnMath.Log, SnnMath.Log),
            "Tanh" => (SnnMath.Tanh, SnnMath.Tanh),
            "Expm1" => (SnnMath.Expm1, SnnMath.Expm1),
            "Sqrt" => (SnnMath.Sqrt, SnnMath.Sqrt),
            "Abs" => (SnnMath.Abs, SnnMath.Abs),
            _ => throw new ArgumentException(name),
        };
        float[] xs = MixedInputs(100 + name.Length, 400_000);
        AssertLanesIdentical(name, xs, xs, (x, _) => s(x), (x, _) => v(x));
    }

    public static TheoryData<string> BinaryFunctions => new() { "Pow", "Min", "Max", "Clamp" };

    [Theory]
    [MemberData(nameof(BinaryFunctions))]
    public void ScalarAndVectorOverloads_AreBitIdentical_Binary(string name)
    {
        float[] xs = MixedInputs(200 + name.Length, 200_000);
        float[] ys = MixedInputs(300 + name.Length, 200_000);
        switch (name)
        {
            case "Pow":
                // Pow is meant for x >= 0; feed it magnitudes, and moderate exponents as well as any.
                float[] px = Array.ConvertAll(xs, MathF.Abs);
                float[] py = Array.ConvertAll(ys, y => float.IsFinite(y) && MathF.Abs(y) > 8 ? y % 8 : y);
                AssertLanesIdentical(name, px, py, SnnMath.Pow, SnnMath.Pow);
                AssertLanesIdentical(name + " (raw)", xs, ys, SnnMath.Pow, SnnMath.Pow);
                break;
            case "Min":
                AssertLanesIdentical(name, xs, ys, SnnMath.Min, SnnMath.Min);
                break;
            case "Max":
                AssertLanesIdentical(name, xs, ys, SnnMath.Max, SnnMath.Max);
                break;
            case "Clamp":
                AssertLanesIdentical(name, xs, ys, (x, y) => SnnMath.Clamp(x, -1f, y), (x, y) => SnnMath.Clamp(x, new Vector<float>(-1f), y));
                break;
        }
    }

    [Fact]
    public void MinAndMax_PropagateNaN_AsDocumented_InBothOverloads()
    {
        Assert.True(float.IsNaN(SnnMath.Min(float.NaN, 1f)));
        Assert.True(float.IsNaN(SnnMath.Min(1f, float.NaN)));
        Assert.True(float.IsNaN(SnnMath.Max(float.NaN, 1f)));
        Assert.True(float.IsNaN(SnnMath.Max(1f, float.NaN)));
        Assert.True(float.IsNaN(SnnMath.Min(new Vector<float>(float.NaN), Vector<float>.One)[0]));
        Assert.True(float.IsNaN(SnnMath.Min(Vector<float>.One, new Vector<float>(float.NaN))[0]));
        Assert.True(float.IsNaN(SnnMath.Max(new Vector<float>(float.NaN), Vector<float>.One)[0]));
        Assert.True(float.IsNaN(SnnMath.Max(Vector<float>.One, new Vector<float>(float.NaN))[0]));
    }
}
