using System;
using System.Numerics;

namespace SnnDsl.Model.Symbolic;

/// <summary>The explicit one-step methods whose linear stability is a polynomial R(z), z = Dt * lambda.</summary>
internal enum ExplicitMethod { Euler, Rk2, Rk4 }

/// <summary>
/// Pure numerics shared by the analyzers, the generator and the runtime guards (this file is also
/// compiled into SnnDsl.dll): eigenvalues of small real dense matrices, and the linear stability
/// of the integrators. No Roslyn and no expression trees in here.
/// </summary>
internal static class Spectra
{
    /// <summary>
    /// Eigenvalues of the real <paramref name="n"/> x <paramref name="n"/> matrix <paramref name="a"/>
    /// (row-major): closed forms for n &lt;= 2, otherwise reduction to upper Hessenberg form by stabilised
    /// elementary similarity transformations followed by the Francis double-shift QR iteration
    /// (EISPACK <c>elmhes</c> + <c>hqr</c>). Returns null when the iteration does not converge or the
    /// matrix holds a NaN or an infinity.
    /// </summary>
    public static Complex[]? Eigenvalues(double[] a, int n)
    {
        if (n < 0 || a.Length < n * n) throw new ArgumentException("The matrix must hold n * n values.", nameof(a));
        for (int i = 0; i < n * n; i++) if (double.IsNaN(a[i]) || double.IsInfinity(a[i])) return null;
        if (n == 0) return new Complex[0];
        if (n == 1) return new[] { new Complex(a[0], 0) };
        if (n == 2) return Eigenvalues2(a[0], a[1], a[2], a[3]);

        // 1-based copy, as the classic formulation of the algorithm.
        var h = new double[n + 1, n + 1];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) h[i + 1, j + 1] = a[i * n + j];
        Hessenberg(h, n);
        for (int i = 3; i <= n; i++) for (int j = 1; j <= i - 2; j++) h[i, j] = 0;
        var wr = new double[n + 1];
        var wi = new double[n + 1];
        if (!Hqr(h, n, wr, wi)) return null;
        var result = new Complex[n];
        for (int i = 0; i < n; i++) result[i] = new Complex(wr[i + 1], wi[i + 1]);
        return result;
    }

    /// <summary>Eigenvalues of [[a, b], [c, d]] from the characteristic polynomial, in a cancellation-free form.</summary>
    public static Complex[] Eigenvalues2(double a, double b, double c, double d)
    {
        double half = 0.5 * (a + d);
        double p = 0.5 * (a - d);
        double disc = p * p + b * c;
        if (disc >= 0)
        {
            double s = Math.Sqrt(disc);
            // The root of larger magnitude directly; the other from the determinant (no cancellation).
            double big = half + (half >= 0 ? s : -s);
            double det = a * d - b * c;
            double small = big != 0 ? det / big : half - (half >= 0 ? s : -s);
            return new[] { new Complex(big, 0), new Complex(small, 0) };
        }
        double im = Math.Sqrt(-disc);
        return new[] { new Complex(half, im), new Complex(half, -im) };
    }

    private static void Hessenberg(double[,] a, int n)
    {
        for (int m = 2; m < n; m++)
        {
            double x = 0;
            int i = m;
            for (int j = m; j <= n; j++)
            {
                if (Math.Abs(a[j, m - 1]) > Math.Abs(x)) { x = a[j, m - 1]; i = j; }
            }
            if (i != m)
            {
                for (int j = m - 1; j <= n; j++) { double t = a[i, j]; a[i, j] = a[m, j]; a[m, j] = t; }
                for (int j = 1; j <= n; j++) { double t = a[j, i]; a[j, i] = a[j, m]; a[j, m] = t; }
            }
            if (x != 0)
            {
                for (i = m + 1; i <= n; i++)
                {
                    double y = a[i, m - 1];
                    if (y == 0) continue;
                    y /= x;
                    a[i, m - 1] = y;
                    for (int j = m; j <= n; j++) a[i, j] -= y * a[m, j];
                    for (int j = 1; j <= n; j++) a[j, m] += y * a[j, i];
                }
            }
        }
    }

    private static double Sign(double a, double b) => b >= 0 ? Math.Abs(a) : -Math.Abs(a);

    private static bool Hqr(double[,] a, int n, double[] wr, double[] wi)
    {
        double anorm = 0;
        for (int i = 1; i <= n; i++)
            for (int j = Math.Max(i - 1, 1); j <= n; j++) anorm += Math.Abs(a[i, j]);
        int nn = n;
        double t = 0;
        double p = 0, q = 0, r = 0, s, w, x, y, z = 0;
        while (nn >= 1)
        {
            int its = 0, l;
            do
            {
                for (l = nn; l >= 2; l--)
                {
                    s = Math.Abs(a[l - 1, l - 1]) + Math.Abs(a[l, l]);
                    if (s == 0) s = anorm;
                    if (Math.Abs(a[l, l - 1]) + s == s) { a[l, l - 1] = 0; break; }
                }
                x = a[nn, nn];
                if (l == nn)
                {
                    wr[nn] = x + t;
                    wi[nn--] = 0;
                }
                else
                {
                    y = a[nn - 1, nn - 1];
                    w = a[nn, nn - 1] * a[nn - 1, nn];
                    if (l == nn - 1)
                    {
                        p = 0.5 * (y - x);
                        q = p * p + w;
                        z = Math.Sqrt(Math.Abs(q));
                        x += t;
                        if (q >= 0)
                        {
                            z = p + Sign(z, p);
                            wr[nn - 1] = wr[nn] = x + z;
                            if (z != 0) wr[nn] = x - w / z;
                            wi[nn - 1] = wi[nn] = 0;
                        }
                        else
                        {
                            wr[nn - 1] = wr[nn] = x + p;
                            wi[nn - 1] = -(wi[nn] = z);
                        }
                        nn -= 2;
                    }
                    else
                    {
                        if (its == 60) return false;
                        if (its == 10 || its == 20 || its == 40)
                        {
                            // Exceptional shift.
                            t += x;
                            for (int i = 1; i <= nn; i++) a[i, i] -= x;
                            s = Math.Abs(a[nn, nn - 1]) + Math.Abs(a[nn - 1, nn - 2]);
                            y = x = 0.75 * s;
                            w = -0.4375 * s * s;
                        }
                        ++its;
                        int m;
                        for (m = nn - 2; m >= l; m--)
                        {
                            z = a[m, m];
                            r = x - z;
                            s = y - z;
                            p = (r * s - w) / a[m + 1, m] + a[m, m + 1];
                            q = a[m + 1, m + 1] - z - r - s;
                            r = a[m + 2, m + 1];
                            s = Math.Abs(p) + Math.Abs(q) + Math.Abs(r);
                            p /= s;
                            q /= s;
                            r /= s;
                            if (m == l) break;
                            double u = Math.Abs(a[m, m - 1]) * (Math.Abs(q) + Math.Abs(r));
                            double v = Math.Abs(p) * (Math.Abs(a[m - 1, m - 1]) + Math.Abs(z) + Math.Abs(a[m + 1, m + 1]));
                            if (u + v == v) break;
                        }
                        for (int i = m + 2; i <= nn; i++)
                        {
                            a[i, i - 2] = 0;
                            if (i != m + 2) a[i, i - 3] = 0;
                        }
                        for (int k = m; k <= nn - 1; k++)
                        {
                            if (k != m)
                            {
                                p = a[k, k - 1];
                                q = a[k + 1, k - 1];
                                r = 0;
                                if (k != nn - 1) r = a[k + 2, k - 1];
                                if ((x = Math.Abs(p) + Math.Abs(q) + Math.Abs(r)) != 0)
                                {
                                    p /= x;
                                    q /= x;
                                    r /= x;
                                }
                            }
                            if ((s = Sign(Math.Sqrt(p * p + q * q + r * r), p)) != 0)
                            {
                                if (k == m)
                                {
                                    if (l != m) a[k, k - 1] = -a[k, k - 1];
                                }
                                else
                                {
                                    a[k, k - 1] = -s * x;
                                }
                                p += s;
                                x = p / s;
                                y = q / s;
                                z = r / s;
                                q /= p;
                                r /= p;
                                for (int j = k; j <= nn; j++)
                                {
                                    p = a[k, j] + q * a[k + 1, j];
                                    if (k != nn - 1)
                                    {
                                        p += r * a[k + 2, j];
                                        a[k + 2, j] -= p * z;
                                    }
                                    a[k + 1, j] -= p * y;
                                    a[k, j] -= p * x;
                                }
                                int mmin = nn < k + 3 ? nn : k + 3;
                                for (int i = l; i <= mmin; i++)
                                {
                                    p = x * a[i, k] + y * a[i, k + 1];
                                    if (k != nn - 1)
                                    {
                                        p += z * a[i, k + 2];
                                        a[i, k + 2] -= p * r;
                                    }
                                    a[i, k + 1] -= p * q;
                                    a[i, k] -= p;
                                }
                            }
                        }
                    }
                }
            } while (l < nn - 1);
        }
        return true;
    }

    // ------------------------------------------------------------------ stability regions

    /// <summary>
    /// The stability function R(z) of an explicit method: one step of x' = lambda x multiplies x by
    /// R(Dt lambda). Euler 1 + z; Rk2 1 + z + z^2/2; Rk4 1 + z + z^2/2 + z^3/6 + z^4/24.
    /// </summary>
    public static Complex Amplification(ExplicitMethod method, Complex z) => method switch
    {
        ExplicitMethod.Euler => 1 + z,
        ExplicitMethod.Rk2 => 1 + z * (1 + z / 2),
        _ => 1 + z * (1 + z * (0.5 + z * (1.0 / 6 + z / 24))),
    };

    /// <summary>True when <paramref name="lambda"/> decays or oscillates without growing in the continuous system (Re &lt;= 0, up to rounding).</summary>
    public static bool IsNonGrowing(Complex lambda) => lambda.Real <= 1e-9 * Math.Max(1, lambda.Magnitude);

    /// <summary>
    /// The largest Dt for which the mode <paramref name="lambda"/> (a non-growing eigenvalue of the
    /// continuous Jacobian) stays inside the method's stability region, |R(Dt lambda)| &lt; 1, found along
    /// the ray z = Dt lambda: closed form for Euler (Dt &lt; -2 Re(lambda) / |lambda|^2), else the first exit
    /// from the region by a fine scan of |z| in (0, 6] refined by bisection. Infinity for lambda = 0
    /// (nothing decays); 0 when the method amplifies the mode at any Dt (Euler and Rk2 on a pure oscillation).
    /// </summary>
    public static double LargestStableStep(ExplicitMethod method, Complex lambda)
    {
        double mag = lambda.Magnitude;
        if (mag == 0 || double.IsNaN(mag)) return double.PositiveInfinity;
        if (method == ExplicitMethod.Euler)
            return Math.Max(0, -2 * lambda.Real / (mag * mag));
        Complex dir = lambda / mag;
        const double scanStep = 1e-3, scanEnd = 6;
        double inside = 0;
        for (double s = scanStep; s <= scanEnd; s += scanStep)
        {
            if (Outside(method, dir * s))
            {
                double lo = inside, hi = s;
                for (int i = 0; i < 60; i++)
                {
                    double mid = 0.5 * (lo + hi);
                    if (Outside(method, dir * mid)) hi = mid; else lo = mid;
                }
                return lo / mag;
            }
            inside = s;
        }
        return scanEnd / mag;
    }

    // |R| > 1 beyond rounding: near z = 0, |R| of a method that is stable there (Rk4 on the imaginary
    // axis, |R|^2 = 1 - y^6/72 + ...) rounds to exactly 1.
    private static bool Outside(ExplicitMethod method, Complex z) => Amplification(method, z).Magnitude > 1 + 1e-12;

    /// <summary>Spectral radius: the largest eigenvalue magnitude, or NaN when the eigenvalues cannot be computed.</summary>
    public static double SpectralRadius(double[] a, int n)
    {
        var ev = Eigenvalues(a, n);
        if (ev is null) return double.NaN;
        double r = 0;
        foreach (var e in ev) r = Math.Max(r, e.Magnitude);
        return r;
    }

    /// <summary>
    /// The one-step matrix of exponential Euler for the linearisation x' = J x, split as J = D + N
    /// (D the diagonal): G = e^(Dt D) + phi1(Dt D) Dt N with phi1(a) = (e^a - 1)/a (phi1(0) = 1). At an
    /// equilibrium this is exactly the Jacobian of the exponential-Euler step.
    /// </summary>
    public static double[] ExponentialEulerStep(double[] j, int n, double dt)
    {
        var g = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            double a = j[i * n + i] * dt;
            double phi = Math.Abs(a) < 1e-12 ? 1 : (Math.Exp(a) - 1) / a;
            for (int k = 0; k < n; k++)
                g[i * n + k] = i == k ? Math.Exp(a) : phi * dt * j[i * n + k];
        }
        return g;
    }
}
