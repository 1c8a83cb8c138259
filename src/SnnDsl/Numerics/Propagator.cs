using System;

namespace SnnDsl.Numerics;

/// <summary>
/// Exact propagators of linear ODE systems dX/dt = A X + b with constant A, computed once per
/// layer in double precision.
/// </summary>
/// <remarks>
/// Over one step of length h with b held constant (zero-order hold) the solution is
/// X(t+h) = P X(t) + Q b, with P = exp(A h) and Q = integral of exp(A s) ds over [0, h].
/// Both come from one matrix exponential of the augmented matrix [[A h, I h], [0, 0]], whose
/// top-right block is Q (Van Loan, 1978). No eigen-decomposition is involved, so equal time
/// constants (where the closed form divides by tau_m - tau_syn, NESTML issue 460) and singular A
/// (perfect integrators) need no special case. The exponential uses scaling and squaring with a
/// Taylor series accurate to double rounding for the small systems neuron models produce.
/// </remarks>
public static class Propagator
{
    /// <summary>
    /// Computes P = exp(A h) and Q = integral of exp(A s) ds over [0, h] for the row-major
    /// <paramref name="n"/> x <paramref name="n"/> matrix <paramref name="a"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A buffer does not hold n*n elements, or h or A is not finite.</exception>
    public static void Compute(ReadOnlySpan<double> a, int n, double h, Span<double> p, Span<double> q)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "The system needs at least one state.");
        if (a.Length != n * n) throw new ArgumentException($"Expected an {n}x{n} row-major matrix ({n * n} elements), got {a.Length}.", nameof(a));
        if (p.Length != n * n) throw new ArgumentException($"Expected {n * n} elements for P, got {p.Length}.", nameof(p));
        if (q.Length != n * n) throw new ArgumentException($"Expected {n * n} elements for Q, got {q.Length}.", nameof(q));
        if (!double.IsFinite(h)) throw new ArgumentOutOfRangeException(nameof(h), h, "The time step must be finite.");
        foreach (double v in a)
        {
            if (!double.IsFinite(v)) throw new ArgumentException("The system matrix has a non-finite coefficient (a time constant of 0?).", nameof(a));
        }

        int m = 2 * n;
        var aug = new double[m * m];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) aug[i * m + j] = a[i * n + j] * h;
            aug[i * m + n + i] = h;
        }

        double[] e = Expm(aug, m);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                p[i * n + j] = e[i * m + j];
                q[i * n + j] = e[i * m + n + j];
            }
        }
    }

    /// <summary>exp(M) for a small dense row-major matrix, by scaling and squaring with a Taylor series.</summary>
    internal static double[] Expm(double[] mat, int m)
    {
        double norm = 0;
        for (int i = 0; i < m; i++)
        {
            double row = 0;
            for (int j = 0; j < m; j++) row += Math.Abs(mat[i * m + j]);
            norm = Math.Max(norm, row);
        }

        // Scale so that ||M / 2^s|| <= 1/2; 24 Taylor terms then reach double rounding.
        int s = norm > 0.5 ? (int)Math.Ceiling(Math.Log2(norm / 0.5)) : 0;
        double scale = Math.Pow(2, -s);
        var x = new double[m * m];
        for (int i = 0; i < x.Length; i++) x[i] = mat[i] * scale;

        var result = new double[m * m];
        var term = new double[m * m];
        var tmp = new double[m * m];
        for (int i = 0; i < m; i++) { result[i * m + i] = 1; term[i * m + i] = 1; }
        for (int k = 1; k <= 24; k++)
        {
            Multiply(term, x, tmp, m);
            for (int i = 0; i < tmp.Length; i++) { term[i] = tmp[i] / k; result[i] += term[i]; }
        }

        for (int k = 0; k < s; k++)
        {
            Multiply(result, result, tmp, m);
            (result, tmp) = (tmp, result);
        }
        return result;
    }

    private static void Multiply(double[] a, double[] b, double[] c, int m)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < m; j++)
            {
                double sum = 0;
                for (int k = 0; k < m; k++) sum += a[i * m + k] * b[k * m + j];
                c[i * m + j] = sum;
            }
        }
    }
}
