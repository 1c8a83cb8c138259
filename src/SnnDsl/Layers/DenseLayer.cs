using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SnnDsl.Data;
using SnnDsl.Kernels;
using SnnDsl.Training;

namespace SnnDsl.Layers;

/// <summary>How a <see cref="DenseLayer"/> layer initialises its parameters.</summary>
public enum DenseInit
{
    /// <summary>PyTorch's <c>nn.Linear</c> default: weights and bias uniform in ±1/sqrt(inputs).</summary>
    Uniform,

    /// <summary>Kaiming (He) normal for ReLU-like units: weights N(0, 2/inputs), bias 0.</summary>
    KaimingNormal,

    /// <summary>Xavier (Glorot) normal: weights N(0, 2/(inputs + outputs)), bias 0.</summary>
    XavierNormal,
}

/// <summary>What a <see cref="DenseLayer"/> layer may assume about its input.</summary>
public enum DenseInput
{
    /// <summary>Look at the values: all 0 or 1 runs the event-driven kernels, anything else the matrix product.</summary>
    Auto,

    /// <summary>Spikes: every value is 0 or 1 (checked; another value throws). Event-driven kernels.</summary>
    Spikes,

    /// <summary>Real values: the blocked SIMD matrix product.</summary>
    Analog,
}

/// <summary>
/// A fully connected synapse layer <c>y = x W + b</c> over many rows at once (a whole window
/// <c>[T * batch, inputs]</c>), with weights <c>[inputs, outputs]</c> row-major, an optional bias,
/// and its gradients. Owns its parameters and gradients; per-call scratch lives in a
/// <see cref="DenseWorkspace"/> so that several threads can run the layer on different rows.
/// </summary>
/// <remarks>
/// <para>
/// Spike input (0/1) runs event-driven kernels: the forward pass adds the weight rows of the
/// active inputs of each row, and the weight gradient adds the rows of <c>dY</c> into the
/// gradient rows of the active inputs; neither multiplies. Real input runs <see cref="Gemm"/>.
/// </para>
/// <para>
/// Summation order, both paths: an output is the bias plus the active weight rows in increasing
/// input index; a weight gradient element sums rows in increasing row index. The two paths give
/// the same value up to rounding (the matrix product fuses multiply-adds and adds zeros).
/// </para>
/// </remarks>
public sealed class DenseLayer
{
    /// <summary>Creates a layer with zero parameters; call <see cref="Initialize"/>.</summary>
    public DenseLayer(int inputs, int outputs, bool bias = true, string name = "dense")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        Inputs = inputs;
        Outputs = outputs;
        Weight = new Parameter(name + " weight", checked(inputs * outputs));
        Bias = bias ? new Parameter(name + " bias", outputs) : null;
    }

    /// <summary>Inputs per row.</summary>
    public int Inputs { get; }

    /// <summary>Outputs per row.</summary>
    public int Outputs { get; }

    /// <summary>Weights <c>[Inputs, Outputs]</c> row-major and their gradient.</summary>
    public Parameter Weight { get; }

    /// <summary>Bias <c>[Outputs]</c> and its gradient, or null without bias.</summary>
    public Parameter? Bias { get; }

    /// <summary>
    /// Fills the parameters from a seeded SplitMix64 stream: weights first, in row-major order,
    /// then the bias. Normal draws use Box-Muller in double precision.
    /// </summary>
    public void Initialize(DenseInit init, ulong seed)
    {
        var rng = new SplitMix64(SplitMix64.Mix(seed ^ 0x5DEECE66DUL));
        float[] w = Weight.Value;
        double bound = 1.0 / Math.Sqrt(Inputs);
        switch (init)
        {
            case DenseInit.Uniform:
                for (int i = 0; i < w.Length; i++) w[i] = (float)((2 * Unit(ref rng) - 1) * bound);
                if (Bias is not null)
                {
                    for (int i = 0; i < Outputs; i++) Bias.Value[i] = (float)((2 * Unit(ref rng) - 1) * bound);
                }

                break;
            case DenseInit.KaimingNormal:
            case DenseInit.XavierNormal:
                double std = init == DenseInit.KaimingNormal ? Math.Sqrt(2.0 / Inputs) : Math.Sqrt(2.0 / (Inputs + Outputs));
                for (int i = 0; i < w.Length; i++) w[i] = (float)(std * Normal(ref rng));
                if (Bias is not null) Array.Clear(Bias.Value);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(init), init, "Unknown initialiser.");
        }
    }

    /// <summary>Scratch for calls on up to <paramref name="maxRows"/> rows (one per thread).</summary>
    public DenseWorkspace CreateWorkspace(int maxRows) => new(this, maxRows);

    /// <summary>
    /// <c>output = input W + b</c> for <paramref name="rows"/> rows: <paramref name="input"/> is
    /// <c>[rows, Inputs]</c>, <paramref name="output"/> <c>[rows, Outputs]</c>. Returns true when the
    /// event-driven kernel ran.
    /// </summary>
    /// <exception cref="ArgumentException">A shape does not match, or <see cref="DenseInput.Spikes"/> input holds a value other than 0 or 1.</exception>
    public bool Forward(ReadOnlySpan<float> input, int rows, Span<float> output, DenseWorkspace workspace, DenseInput kind = DenseInput.Auto)
    {
        Check(input, rows, workspace);
        if (output.Length < rows * Outputs) throw new ArgumentException($"Expected output of at least [rows, outputs] = [{rows}, {Outputs}].", nameof(output));
        output = output.Slice(0, rows * Outputs);
        input = input.Slice(0, rows * Inputs);
        if (kind != DenseInput.Analog && workspace.BuildRows(input, rows, kind == DenseInput.Spikes))
        {
            ForwardEvents(rows, output, workspace);
            return true;
        }

        if (Bias is not null)
        {
            for (int r = 0; r < rows; r++) Bias.Value.CopyTo(output.Slice(r * Outputs, Outputs));
        }

        Gemm.Multiply(rows, Outputs, Inputs, input, Inputs, 1, Weight.Value, Outputs, output, Outputs, accumulate: Bias is not null);
        return false;
    }

    /// <summary>Backward into the layer's own <see cref="Parameter.Grad"/> buffers (accumulating); see the overload with explicit buffers.</summary>
    public void Backward(ReadOnlySpan<float> input, int rows, ReadOnlySpan<float> gradOutput, Span<float> gradInput,
        DenseWorkspace workspace, DenseInput kind = DenseInput.Auto)
        => Backward(input, rows, gradOutput, gradInput, workspace, Weight.Grad, Bias is null ? Span<float>.Empty : Bias.Grad, kind);

    /// <summary>
    /// Accumulates <c>weightGrad += input^T gradOutput</c> and <c>biasGrad += column sums of
    /// gradOutput</c>, and writes <c>gradInput = gradOutput W^T</c> unless <paramref name="gradInput"/>
    /// is empty (the first layer needs no input gradient).
    /// </summary>
    /// <exception cref="ArgumentException">A shape does not match.</exception>
    public void Backward(ReadOnlySpan<float> input, int rows, ReadOnlySpan<float> gradOutput, Span<float> gradInput,
        DenseWorkspace workspace, Span<float> weightGrad, Span<float> biasGrad, DenseInput kind = DenseInput.Auto)
    {
        Check(input, rows, workspace);
        if (gradOutput.Length < rows * Outputs) throw new ArgumentException($"Expected gradOutput of at least [rows, outputs] = [{rows}, {Outputs}].", nameof(gradOutput));
        if (weightGrad.Length != Weight.Length) throw new ArgumentException($"Expected weightGrad of [inputs, outputs] = [{Inputs}, {Outputs}].", nameof(weightGrad));
        if (Bias is not null && biasGrad.Length != Outputs) throw new ArgumentException($"Expected biasGrad of [outputs] = [{Outputs}].", nameof(biasGrad));
        input = input.Slice(0, rows * Inputs);
        gradOutput = gradOutput.Slice(0, rows * Outputs);

        if (Bias is not null)
        {
            for (int r = 0; r < rows; r++) TensorPrimitives.Add(biasGrad, gradOutput.Slice(r * Outputs, Outputs), biasGrad);
        }

        if (kind != DenseInput.Analog && workspace.BuildColumns(input, rows, kind == DenseInput.Spikes))
        {
            WeightGradEvents(gradOutput, weightGrad, workspace);
        }
        else
        {
            // dW[i, o] += sum_r X[r, i] dY[r, o]: A = X^T through strides.
            Gemm.Multiply(Inputs, Outputs, rows, input, 1, Inputs, gradOutput, Outputs, weightGrad, Outputs, accumulate: true);
        }

        if (!gradInput.IsEmpty)
        {
            if (gradInput.Length < rows * Inputs) throw new ArgumentException($"Expected gradInput of at least [rows, inputs] = [{rows}, {Inputs}].", nameof(gradInput));
            float[] wt = workspace.TransposedWeights;
            Transpose(Weight.Value, Inputs, Outputs, wt);
            Gemm.Multiply(rows, Inputs, Outputs, gradOutput, Outputs, 1, wt, Inputs, gradInput.Slice(0, rows * Inputs), Inputs, accumulate: false);
        }
    }

    private void Check(ReadOnlySpan<float> input, int rows, DenseWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (!ReferenceEquals(workspace.Layer, this)) throw new ArgumentException("The workspace belongs to another layer.", nameof(workspace));
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (rows > workspace.MaxRows) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"The workspace holds at most {workspace.MaxRows} rows.");
        if (input.Length < rows * Inputs) throw new ArgumentException($"Expected input of at least [rows, inputs] = [{rows}, {Inputs}].", nameof(input));
    }

    private void ForwardEvents(int rows, Span<float> output, DenseWorkspace ws)
    {
        int n = Outputs, w = Vector<float>.Count;
        ref float rw = ref MemoryMarshal.GetArrayDataReference(Weight.Value);
        ReadOnlySpan<int> start = ws.RowStart, index = ws.RowIndex;
        float[]? bias = Bias?.Value;
        // Column panels keep a [Inputs, Panel] slice of W in L2 while all rows add from it.
        for (int p0 = 0; p0 < n; p0 += Panel)
        {
            int p1 = Math.Min(n, p0 + Panel);
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<int> active = index.Slice(start[r], start[r + 1] - start[r]);
                Span<float> y = output.Slice(r * n, n);
                ref float ry = ref MemoryMarshal.GetReference(y);
                ForwardRow(active, ref rw, bias, y, ref ry, p0, p1, n, w);
            }
        }
    }

    /// <summary>Columns per panel of the event-driven kernels (a multiple of four vectors).</summary>
    private const int Panel = 256;

    private static void ForwardRow(ReadOnlySpan<int> active, ref float rw, float[]? bias, Span<float> y, ref float ry, int j, int end, int n, int w)
    {
        for (; j + 4 * w <= end; j += 4 * w)
        {
            Vector<float> a0, a1, a2, a3;
            if (bias is null)
            {
                a0 = a1 = a2 = a3 = Vector<float>.Zero;
            }
            else
            {
                ref float rbias = ref MemoryMarshal.GetArrayDataReference(bias);
                a0 = Vector.LoadUnsafe(ref rbias, (nuint)j); a1 = Vector.LoadUnsafe(ref rbias, (nuint)(j + w));
                a2 = Vector.LoadUnsafe(ref rbias, (nuint)(j + 2 * w)); a3 = Vector.LoadUnsafe(ref rbias, (nuint)(j + 3 * w));
            }

            foreach (int i in active)
            {
                ref float row = ref Unsafe.Add(ref rw, (nint)i * n + j);
                a0 += Vector.LoadUnsafe(ref row); a1 += Vector.LoadUnsafe(ref row, (nuint)w);
                a2 += Vector.LoadUnsafe(ref row, (nuint)(2 * w)); a3 += Vector.LoadUnsafe(ref row, (nuint)(3 * w));
            }

            a0.StoreUnsafe(ref ry, (nuint)j); a1.StoreUnsafe(ref ry, (nuint)(j + w));
            a2.StoreUnsafe(ref ry, (nuint)(j + 2 * w)); a3.StoreUnsafe(ref ry, (nuint)(j + 3 * w));
        }

        for (; j + w <= end; j += w)
        {
            Vector<float> a0 = bias is null ? Vector<float>.Zero : Vector.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(bias), (nuint)j);
            foreach (int i in active) a0 += Vector.LoadUnsafe(ref rw, (nuint)((nint)i * n + j));
            a0.StoreUnsafe(ref ry, (nuint)j);
        }

        for (; j < end; j++)
        {
            float s = bias is null ? 0f : bias[j];
            foreach (int i in active) s += Unsafe.Add(ref rw, (nint)i * n + j);
            y[j] = s;
        }
    }

    private void WeightGradEvents(ReadOnlySpan<float> dy, Span<float> weightGrad, DenseWorkspace ws)
    {
        int n = Outputs, w = Vector<float>.Count;
        ref float rdy = ref MemoryMarshal.GetReference(dy);
        ReadOnlySpan<int> start = ws.ColumnStart, index = ws.ColumnIndex;
        // Column panels keep a [rows, Panel] slice of dY in L2 while every input adds from it.
        for (int p0 = 0; p0 < n; p0 += Panel)
        {
            int p1 = Math.Min(n, p0 + Panel);
            for (int i = 0; i < Inputs; i++)
            {
                ReadOnlySpan<int> active = index.Slice(start[i], start[i + 1] - start[i]);
                if (active.IsEmpty) continue;
                Span<float> g = weightGrad.Slice(i * n, n);
                WeightGradRow(active, ref rdy, g, ref MemoryMarshal.GetReference(g), p0, p1, n, w);
            }
        }
    }

    private static void WeightGradRow(ReadOnlySpan<int> active, ref float rdy, Span<float> g, ref float rg, int j, int end, int n, int w)
    {
        for (; j + 4 * w <= end; j += 4 * w)
        {
            Vector<float> a0 = Vector.LoadUnsafe(ref rg, (nuint)j), a1 = Vector.LoadUnsafe(ref rg, (nuint)(j + w)),
                a2 = Vector.LoadUnsafe(ref rg, (nuint)(j + 2 * w)), a3 = Vector.LoadUnsafe(ref rg, (nuint)(j + 3 * w));
            foreach (int r in active)
            {
                ref float row = ref Unsafe.Add(ref rdy, (nint)r * n + j);
                a0 += Vector.LoadUnsafe(ref row); a1 += Vector.LoadUnsafe(ref row, (nuint)w);
                a2 += Vector.LoadUnsafe(ref row, (nuint)(2 * w)); a3 += Vector.LoadUnsafe(ref row, (nuint)(3 * w));
            }

            a0.StoreUnsafe(ref rg, (nuint)j); a1.StoreUnsafe(ref rg, (nuint)(j + w));
            a2.StoreUnsafe(ref rg, (nuint)(j + 2 * w)); a3.StoreUnsafe(ref rg, (nuint)(j + 3 * w));
        }

        for (; j + w <= end; j += w)
        {
            Vector<float> a0 = Vector.LoadUnsafe(ref rg, (nuint)j);
            foreach (int r in active) a0 += Vector.LoadUnsafe(ref rdy, (nuint)((nint)r * n + j));
            a0.StoreUnsafe(ref rg, (nuint)j);
        }

        for (; j < end; j++)
        {
            float s = g[j];
            foreach (int r in active) s += Unsafe.Add(ref rdy, (nint)r * n + j);
            g[j] = s;
        }
    }

    private static void Transpose(ReadOnlySpan<float> source, int rows, int cols, Span<float> destination)
    {
        const int Tile = 32;
        for (int i0 = 0; i0 < rows; i0 += Tile)
        {
            int i1 = Math.Min(rows, i0 + Tile);
            for (int j0 = 0; j0 < cols; j0 += Tile)
            {
                int j1 = Math.Min(cols, j0 + Tile);
                for (int i = i0; i < i1; i++)
                {
                    for (int j = j0; j < j1; j++) destination[j * rows + i] = source[i * cols + j];
                }
            }
        }
    }

    private static double Unit(ref SplitMix64 rng) => (rng.Next() >> 11) * (1.0 / (1UL << 53));

    private static double Normal(ref SplitMix64 rng)
    {
        double u1 = 1.0 - Unit(ref rng); // (0, 1]
        double u2 = Unit(ref rng);
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

/// <summary>
/// Per-thread scratch of a <see cref="DenseLayer"/> layer: the active-input lists of the event-driven
/// kernels (by row for the forward pass, by input for the weight gradient) and the transposed
/// weights of <c>dY W^T</c>. Allocated once for a maximum row count.
/// </summary>
public sealed class DenseWorkspace
{
    internal DenseWorkspace(DenseLayer layer, int maxRows)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRows);
        Layer = layer;
        MaxRows = maxRows;
        RowStart = new int[maxRows + 1];
        ColumnStart = new int[layer.Inputs + 1];
        Cursor = new int[layer.Inputs];
        long cells = (long)maxRows * layer.Inputs;
        if (cells > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(maxRows), maxRows, "Too many rows for one workspace.");
        RowIndex = new int[cells];
        ColumnIndex = new int[cells];
        TransposedWeights = new float[layer.Weight.Length];
    }

    internal DenseLayer Layer { get; }

    /// <summary>The most rows a call may pass.</summary>
    public int MaxRows { get; }

    internal int[] RowStart { get; }
    internal int[] RowIndex { get; }
    internal int[] ColumnStart { get; }
    internal int[] ColumnIndex { get; }
    internal int[] Cursor { get; }
    internal float[] TransposedWeights { get; }

    /// <summary>Active inputs per row (CSR). False when a value is not 0 or 1 (throws instead when <paramref name="strict"/>).</summary>
    internal bool BuildRows(ReadOnlySpan<float> input, int rows, bool strict)
    {
        int n = Layer.Inputs, count = 0;
        for (int r = 0; r < rows; r++)
        {
            RowStart[r] = count;
            ReadOnlySpan<float> x = input.Slice(r * n, n);
            for (int i = 0; i < n; i++)
            {
                float v = x[i];
                if (v == 0f) continue;
                if (v != 1f) return NotSpikes(strict, r, i, v);
                RowIndex[count++] = i;
            }
        }

        RowStart[rows] = count;
        return true;
    }

    /// <summary>Rows where each input is active (CSC), rows in increasing order.</summary>
    internal bool BuildColumns(ReadOnlySpan<float> input, int rows, bool strict)
    {
        int n = Layer.Inputs;
        Span<int> start = ColumnStart;
        start.Clear();
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = input.Slice(r * n, n);
            for (int i = 0; i < n; i++)
            {
                float v = x[i];
                if (v == 0f) continue;
                if (v != 1f) return NotSpikes(strict, r, i, v);
                start[i + 1]++;
            }
        }

        for (int i = 0; i < n; i++) start[i + 1] += start[i];
        Span<int> cursor = Cursor;
        start.Slice(0, n).CopyTo(cursor);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = input.Slice(r * n, n);
            for (int i = 0; i < n; i++)
            {
                if (x[i] != 0f) ColumnIndex[cursor[i]++] = r;
            }
        }

        return true;
    }

    private static bool NotSpikes(bool strict, int row, int input, float value)
    {
        if (strict) throw new ArgumentException($"Spike input must be 0 or 1, got {value} at row {row}, input {input}.", nameof(input));
        return false;
    }
}
