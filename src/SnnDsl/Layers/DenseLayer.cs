using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
/// Layers of at least 64 outputs run the event-driven forward pass on a packed copy of the weights:
/// column panels of 64, each <c>[Inputs + 1, 64]</c> contiguous and cache-line aligned (bias last),
/// walked in blocks of 128 inputs so the rows being added sit in the L1 cache. The network runner packs
/// once per batch and, for the weight gradient, records each chunk's active rows and packed output
/// gradient and sums them over the whole batch panel by panel on all its threads.
/// </para>
/// <para>
/// Summation order, all paths: an output is the bias plus the active weight rows in increasing
/// input index; a weight gradient element sums rows in increasing row index. The event-driven and
/// matrix-product paths give the same value up to rounding (the matrix product fuses multiply-adds
/// and adds zeros).
/// </para>
/// </remarks>
public sealed class DenseLayer
{
    /// <summary>Creates a layer with zero parameters; call <see cref="Initialize"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputs"/> or <paramref name="outputs"/> is not positive, or the weights <c>[inputs, outputs]</c> (or their packed copy) would not fit in one array.</exception>
    public DenseLayer(int inputs, int outputs, bool bias = true, string name = "dense")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        ArraySize.Of(nameof(outputs), outputs, $"The weights [inputs, outputs]", "use fewer inputs or outputs", 0, inputs, outputs);
        if (outputs >= PackedPanel)
            ArraySize.Of(nameof(outputs), outputs, $"The packed weights [panels of {PackedPanel} outputs, inputs + 1, {PackedPanel}]", "use fewer inputs or outputs",
                AlignedBuffer.Padding, (outputs + PackedPanel - 1L) / PackedPanel, inputs + 1L, PackedPanel);
        Inputs = inputs;
        Outputs = outputs;
        Weight = new Parameter(name + " weight", [inputs, outputs]);
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
        => Forward(input, rows, output, workspace, kind, packedWeights: null);

    /// <summary>
    /// <see cref="Forward(ReadOnlySpan{float}, int, Span{float}, DenseWorkspace, DenseInput)"/> with weights already
    /// packed by <see cref="PackWeights"/> (the network runner packs once per batch and shares them between threads);
    /// null packs into the workspace when the packed kernel pays off.
    /// </summary>
    internal bool Forward(ReadOnlySpan<float> input, int rows, Span<float> output, DenseWorkspace workspace, DenseInput kind, AlignedBuffer? packedWeights)
    {
        Check(input, rows, workspace);
        if (output.Length < rows * Outputs) throw new ArgumentException($"Expected output of at least [rows, outputs] = [{rows}, {Outputs}].", nameof(output));
        output = output.Slice(0, rows * Outputs);
        input = input.Slice(0, rows * Inputs);
        if (kind != DenseInput.Analog && workspace.BuildRows(input, rows, kind == DenseInput.Spikes))
        {
            if (packedWeights is null && UsesPackedKernels && rows >= PackedPanel)
            {
                packedWeights = workspace.PackedWeights!;
                PackWeights(packedWeights.Span);
            }

            if (packedWeights is not null) ForwardPacked(rows, output, workspace, packedWeights);
            else ForwardEvents(rows, output, workspace);
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

        if (!gradInput.IsEmpty) GradInput(rows, gradOutput, gradInput, workspace);
    }

    /// <summary>
    /// The backward pass of a chunk whose forward pass ran the event-driven kernel on this workspace (its row
    /// lists still describe the chunk's input): accumulates the bias gradient, writes <c>gradInput</c> unless
    /// empty, and records the chunk's share of the weight gradient in <paramref name="part"/> for
    /// <see cref="AccumulateWeightGradPanel"/> instead of summing it here.
    /// </summary>
    internal void BackwardDeferred(int rows, ReadOnlySpan<float> gradOutput, Span<float> gradInput, DenseWorkspace workspace,
        Span<float> biasGrad, WeightGradPart part)
    {
        if (part.Rows != rows) throw new ArgumentException($"The part holds {part.Rows} rows, not {rows}.", nameof(part));
        gradOutput = gradOutput.Slice(0, rows * Outputs);
        if (Bias is not null)
        {
            for (int r = 0; r < rows; r++) TensorPrimitives.Add(biasGrad, gradOutput.Slice(r * Outputs, Outputs), biasGrad);
        }

        workspace.ColumnsFromRows(rows, part.ColumnStart, part.ColumnIndex);
        part.FindRowBlocks(Inputs);
        PackGradOutput(gradOutput, rows, part.PackedGrad.Span);
        part.Recorded = true;
        if (!gradInput.IsEmpty) GradInput(rows, gradOutput, gradInput, workspace);
    }

    private void GradInput(int rows, ReadOnlySpan<float> gradOutput, Span<float> gradInput, DenseWorkspace workspace)
    {
        if (gradInput.Length < rows * Inputs) throw new ArgumentException($"Expected gradInput of at least [rows, inputs] = [{rows}, {Inputs}].", nameof(gradInput));
        float[] wt = workspace.TransposedWeights;
        Transpose(Weight.Value, Inputs, Outputs, wt);
        Gemm.Multiply(rows, Inputs, Outputs, gradOutput, Outputs, 1, wt, Inputs, gradInput.Slice(0, rows * Inputs), Inputs, accumulate: false);
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

    /// <summary>
    /// Columns per panel of the packed event-driven kernels. A panel of packed weights, <c>[Inputs + 1, 64]</c>,
    /// is contiguous (about 200 KB for 784 inputs): the rows an event adds are then 256 bytes apart in a few
    /// pages instead of one page each, which halves the time of the forward pass on wide layers (the
    /// unpacked kernel is bound by address translation, not by arithmetic).
    /// </summary>
    internal const int PackedPanel = 64;

    /// <summary>Whether the packed kernels serve this layer: wide enough that padding to whole panels costs little.</summary>
    internal bool UsesPackedKernels => Outputs >= PackedPanel;

    /// <summary>Panels of <see cref="PackedPanel"/> columns covering the outputs (the last one zero-padded).</summary>
    internal int Panels => (Outputs - 1) / PackedPanel + 1; // Outputs >= 1; no overflow near int.MaxValue

    /// <summary>Floats of <see cref="PackWeights"/>' output: <c>[Panels, Inputs + 1, 64]</c>.</summary>
    internal int PackedLength => Panels * (Inputs + 1) * PackedPanel;

    /// <summary>
    /// Copies the weights into panel-major order <c>[panel, input, 64]</c> followed, in each panel, by the
    /// bias (zero without bias) as row <c>Inputs</c>; columns past <see cref="Outputs"/> are zero.
    /// </summary>
    internal void PackWeights(Span<float> packed)
    {
        int n = Outputs, rowsPerPanel = Inputs + 1;
        if (packed.Length < PackedLength) throw new ArgumentException($"Expected at least {PackedLength} floats.", nameof(packed));
        float[] w = Weight.Value;
        for (int p = 0; p < Panels; p++)
        {
            int p0 = p * PackedPanel, width = Math.Min(PackedPanel, n - p0);
            Span<float> panel = packed.Slice(p * rowsPerPanel * PackedPanel, rowsPerPanel * PackedPanel);
            for (int i = 0; i < Inputs; i++)
            {
                Span<float> row = panel.Slice(i * PackedPanel, PackedPanel);
                w.AsSpan(i * n + p0, width).CopyTo(row);
                row.Slice(width).Clear();
            }

            Span<float> biasRow = panel.Slice(Inputs * PackedPanel, PackedPanel);
            biasRow.Clear();
            if (Bias is not null) Bias.Value.AsSpan(p0, width).CopyTo(biasRow);
        }
    }

    /// <summary>
    /// Inputs per block of the packed forward kernel: 128 rows of a panel are 32 KB, the size of a level-1
    /// data cache, so all rows of the batch add from L1 before the next block (the sums keep their order:
    /// each output is carried from block to block in memory, as a float, exactly as in registers).
    /// </summary>
    internal const int InputBlock = 128;

    /// <summary>Blocks of <see cref="InputBlock"/> inputs.</summary>
    internal int InputBlocks => (Inputs - 1) / InputBlock + 1; // Inputs >= 1; no overflow near int.MaxValue

    /// <summary>Panel by panel and input block by input block, each row: the bias row plus the active weight rows in increasing input index (the unpacked kernel's order).</summary>
    private void ForwardPacked(int rows, Span<float> output, DenseWorkspace ws, AlignedBuffer packed)
    {
        int n = Outputs, rowsPerPanel = Inputs + 1, blocks = InputBlocks, stride = blocks + 1;
        ReadOnlySpan<int> bounds = ws.RowBlocks;
        int[] index = ws.RowIndex;
        // The panel's outputs accumulate in an aligned, contiguous [rows, 64] scratch (not in the strided output
        // rows, which straddle cache lines), copied out once per panel.
        AlignedBuffer scratchBuffer = ws.PanelScratch!;
        Span<float> scratch = scratchBuffer.Span;
        ref float rs = ref scratchBuffer.Start;
        ref float rp = ref packed.Start;
        for (int p = 0; p < Panels; p++)
        {
            int p0 = p * PackedPanel, width = Math.Min(PackedPanel, n - p0);
            ref float panel = ref Unsafe.Add(ref rp, (nint)p * rowsPerPanel * PackedPanel);
            ReadOnlySpan<float> biasRow = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref panel, (nint)Inputs * PackedPanel), PackedPanel);
            for (int r = 0; r < rows; r++) biasRow.CopyTo(scratch.Slice(r * PackedPanel, PackedPanel));
            for (int b = 0; b < blocks; b++)
            {
                for (int r = 0; r < rows; r++)
                {
                    int from = bounds[r * stride + b], to = bounds[r * stride + b + 1];
                    if (from == to) continue;
                    AddPanelRows(ref panel, index.AsSpan(from, to - from), ref Unsafe.Add(ref rs, (nint)r * PackedPanel));
                }
            }

            for (int r = 0; r < rows; r++) scratch.Slice(r * PackedPanel, width).CopyTo(output.Slice(r * n + p0, width));
        }
    }

    /// <summary>
    /// <c>acc[0..64) += panel[row, 0..64)</c> for each row of <paramref name="rows"/>, in that order: four 512-bit
    /// (or eight 256-bit) accumulators stay in registers over the whole list.
    /// </summary>
    internal static void AddPanelRows(ref float panel, ReadOnlySpan<int> rows, ref float acc)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a0 = Vector512.LoadUnsafe(ref acc), a1 = Vector512.LoadUnsafe(ref acc, 16),
                a2 = Vector512.LoadUnsafe(ref acc, 32), a3 = Vector512.LoadUnsafe(ref acc, 48);
            foreach (int i in rows)
            {
                ref float row = ref Unsafe.Add(ref panel, (nint)i * PackedPanel);
                a0 += Vector512.LoadUnsafe(ref row); a1 += Vector512.LoadUnsafe(ref row, 16);
                a2 += Vector512.LoadUnsafe(ref row, 32); a3 += Vector512.LoadUnsafe(ref row, 48);
            }

            a0.StoreUnsafe(ref acc); a1.StoreUnsafe(ref acc, 16); a2.StoreUnsafe(ref acc, 32); a3.StoreUnsafe(ref acc, 48);
            return;
        }

        for (nuint half = 0; half < PackedPanel; half += 32)
        {
            ref float h = ref Unsafe.Add(ref acc, half);
            Vector256<float> a0 = Vector256.LoadUnsafe(ref h), a1 = Vector256.LoadUnsafe(ref h, 8),
                a2 = Vector256.LoadUnsafe(ref h, 16), a3 = Vector256.LoadUnsafe(ref h, 24);
            foreach (int i in rows)
            {
                ref float row = ref Unsafe.Add(ref panel, (nint)i * PackedPanel + (nint)half);
                a0 += Vector256.LoadUnsafe(ref row); a1 += Vector256.LoadUnsafe(ref row, 8);
                a2 += Vector256.LoadUnsafe(ref row, 16); a3 += Vector256.LoadUnsafe(ref row, 24);
            }

            a0.StoreUnsafe(ref h); a1.StoreUnsafe(ref h, 8); a2.StoreUnsafe(ref h, 16); a3.StoreUnsafe(ref h, 24);
        }
    }

    /// <summary>Copies <c>gradOutput [rows, Outputs]</c> into panel-major order <c>[Panels, rows, 64]</c>, zero-padded.</summary>
    internal void PackGradOutput(ReadOnlySpan<float> gradOutput, int rows, Span<float> packed)
    {
        int n = Outputs;
        for (int p = 0; p < Panels; p++)
        {
            int p0 = p * PackedPanel, width = Math.Min(PackedPanel, n - p0);
            Span<float> panel = packed.Slice(p * rows * PackedPanel, rows * PackedPanel);
            for (int r = 0; r < rows; r++)
            {
                Span<float> row = panel.Slice(r * PackedPanel, PackedPanel);
                gradOutput.Slice(r * n + p0, width).CopyTo(row);
                if (width < PackedPanel) row.Slice(width).Clear();
            }
        }
    }

    /// <summary>
    /// The weight gradient of one panel of columns over several recorded parts (chunks of a batch):
    /// <c>weightGrad[i, panel] += sum over parts, in order, of the packed gradient rows where input i was
    /// active</c>, rows in increasing order. Each element is summed in an order that depends only on the
    /// parts, so splitting the panels between threads cannot change a bit.
    /// </summary>
    internal void AccumulateWeightGradPanel(int panel, ReadOnlySpan<WeightGradPart?> parts, Span<float> weightGrad)
    {
        int n = Outputs, p0 = panel * PackedPanel, width = Math.Min(PackedPanel, n - p0);
        if (width == PackedPanel)
        {
            // Part by part and block of rows by block of rows (32 KB of the packed gradient, resident in L1),
            // every input adds its active rows of the block: each element still sums parts in order and rows
            // in increasing order, carried in the gradient itself between blocks.
            foreach (WeightGradPart? part in parts)
            {
                if (part is null || !part.Recorded) continue;
                int blocks = part.RowBlocks, stride = blocks + 1;
                ref float packed = ref Unsafe.Add(ref part.PackedGrad.Start, (nint)panel * part.Rows * PackedPanel);
                for (int b = 0; b < blocks; b++)
                {
                    for (int i = 0; i < Inputs; i++)
                    {
                        int from = part.ColumnBlocks[i * stride + b], to = part.ColumnBlocks[i * stride + b + 1];
                        if (from == to) continue;
                        AddPanelRows(ref packed, part.ColumnIndex.AsSpan(from, to - from), ref weightGrad[i * n + p0]);
                    }
                }
            }

            return;
        }

        // The last, partial panel: one input at a time through a 64-wide accumulator.
        Span<float> tail = stackalloc float[PackedPanel];
        for (int i = 0; i < Inputs; i++)
        {
            tail.Clear();
            weightGrad.Slice(i * n + p0, width).CopyTo(tail);
            ref float acc = ref MemoryMarshal.GetReference(tail);
            foreach (WeightGradPart? part in parts)
            {
                if (part is null || !part.Recorded) continue;
                int from = part.ColumnStart[i], to = part.ColumnStart[i + 1];
                if (from == to) continue;
                ref float packed = ref part.PackedGrad.Start;
                AddPanelRows(ref Unsafe.Add(ref packed, (nint)panel * part.Rows * PackedPanel), part.ColumnIndex.AsSpan(from, to - from), ref acc);
            }

            tail.Slice(0, width).CopyTo(weightGrad.Slice(i * n + p0, width));
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
        CheckSize(layer, maxRows, nameof(maxRows), maxRows, "create the workspace for fewer rows");
        Layer = layer;
        MaxRows = maxRows;
        RowStart = new int[maxRows + 1];
        ColumnStart = new int[layer.Inputs + 1];
        Cursor = new int[layer.Inputs];
        int cells = maxRows * layer.Inputs;
        RowIndex = new int[cells + 8]; // the vector row builder stores eight slots past the last spike
        ColumnIndex = new int[cells];
        TransposedWeights = new float[layer.Weight.Length];
        PackedWeights = layer.UsesPackedKernels ? new AlignedBuffer(layer.PackedLength) : null;
        PanelScratch = layer.UsesPackedKernels ? new AlignedBuffer(maxRows * DenseLayer.PackedPanel) : null;
        RowBlocks = new int[maxRows * (layer.InputBlocks + 1)];
    }

    /// <summary>
    /// Refuses a row count whose buffers would not fit in an array, blaming <paramref name="paramName"/>
    /// (the workspace's maxRows, or the argument of the caller that chose the rows).
    /// </summary>
    internal static void CheckSize(DenseLayer layer, int maxRows, string paramName, object? actualValue, string fix)
    {
        ArraySize.Of(paramName, actualValue, "The row offsets [rows + 1]", fix, 1, maxRows);
        ArraySize.Of(paramName, actualValue, "The active-input lists [rows, inputs] (+ 8 slots)", fix, 8, maxRows, layer.Inputs);
        ArraySize.Of(paramName, actualValue, $"The row blocks [rows, input blocks + 1]", fix, 0, maxRows, layer.InputBlocks + 1L);
        if (layer.UsesPackedKernels)
            ArraySize.Of(paramName, actualValue, $"The panel scratch [rows, {DenseLayer.PackedPanel}]", fix, AlignedBuffer.Padding, maxRows, DenseLayer.PackedPanel);
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
    internal AlignedBuffer? PackedWeights { get; }
    internal AlignedBuffer? PanelScratch { get; }

    /// <summary>Per row, where each block of <see cref="DenseLayer.InputBlock"/> inputs starts in <see cref="RowIndex"/> (and the row's end).</summary>
    internal int[] RowBlocks { get; }

    /// <summary>Active inputs per row (CSR). False when a value is not 0 or 1 (throws instead when <paramref name="strict"/>).</summary>
    internal bool BuildRows(ReadOnlySpan<float> input, int rows, bool strict)
    {
        int n = Layer.Inputs, count = 0, stride = Layer.InputBlocks + 1;
        ref int ri = ref MemoryMarshal.GetArrayDataReference(RowIndex);
        Span<int> bounds = RowBlocks;
        for (int r = 0; r < rows; r++)
        {
            RowStart[r] = count;
            Span<int> rowBounds = bounds.Slice(r * stride, stride);
            ReadOnlySpan<float> x = input.Slice(r * n, n);
            ref float rx = ref MemoryMarshal.GetReference(x);
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                // Eight inputs at a time, without a branch per spike: the mask of non-zero lanes selects a
                // left-packed index pattern (LeftPack), all eight slots are stored and the count advances by
                // the number of spikes. Values other than 0 and 1 are looked for once per row.
                Vector256<float> bad = Vector256<float>.Zero;
                ref int pattern = ref MemoryMarshal.GetArrayDataReference(LeftPack);
                for (; i + 8 <= n; i += 8)
                {
                    if ((i & (DenseLayer.InputBlock - 1)) == 0) rowBounds[i / DenseLayer.InputBlock] = count;
                    Vector256<float> v = Vector256.LoadUnsafe(ref rx, (nuint)i);
                    uint active = ~Vector256.Equals(v, Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFFu;
                    bad |= ~Vector256.Equals(v, Vector256<float>.Zero) & ~Vector256.Equals(v, Vector256<float>.One);
                    Vector256<int> indices = Vector256.LoadUnsafe(ref pattern, active * 8) + Vector256.Create(i);
                    indices.StoreUnsafe(ref ri, (nuint)count);
                    count += BitOperations.PopCount(active);
                }

                if (bad != Vector256<float>.Zero)
                {
                    for (int k = 0; k < i; k++)
                    {
                        if (x[k] != 0f && x[k] != 1f) return NotSpikes(strict, r, k, x[k]);
                    }
                }
            }

            for (; i < n; i++)
            {
                if ((i & (DenseLayer.InputBlock - 1)) == 0) rowBounds[i / DenseLayer.InputBlock] = count;
                float v = x[i];
                if (v == 0f) continue;
                if (v != 1f) return NotSpikes(strict, r, i, v);
                RowIndex[count++] = i;
            }

            rowBounds[stride - 1] = count;
        }

        RowStart[rows] = count;
        return true;
    }

    /// <summary>
    /// The transpose of the row lists <see cref="BuildRows"/> made (which must describe the same
    /// <paramref name="rows"/>): for each input, the rows where it is active, in increasing order.
    /// </summary>
    internal void ColumnsFromRows(int rows, Span<int> columnStart, Span<int> columnIndex)
    {
        int n = Layer.Inputs;
        ReadOnlySpan<int> start = RowStart, index = RowIndex.AsSpan(0, RowStart[rows]);
        columnStart.Slice(0, n + 1).Clear();
        foreach (int i in index) columnStart[i + 1]++;
        for (int i = 0; i < n; i++) columnStart[i + 1] += columnStart[i];
        Span<int> cursor = Cursor;
        columnStart.Slice(0, n).CopyTo(cursor);
        for (int r = 0; r < rows; r++)
        {
            foreach (int i in index.Slice(start[r], start[r + 1] - start[r])) columnIndex[cursor[i]++] = r;
        }
    }

    /// <summary>Rows where each input is active (CSC), rows in increasing order.</summary>
    internal bool BuildColumns(ReadOnlySpan<float> input, int rows, bool strict)
    {
        if (!BuildRows(input, rows, strict)) return false;
        ColumnsFromRows(rows, ColumnStart, ColumnIndex);
        return true;
    }

    /// <summary>For each 8-bit mask, the positions of its set bits, left-packed (8 ints per mask).</summary>
    private static readonly int[] LeftPack = BuildLeftPack();

    private static int[] BuildLeftPack()
    {
        var table = new int[256 * 8];
        for (int mask = 0; mask < 256; mask++)
        {
            int k = 0;
            for (int bit = 0; bit < 8; bit++)
            {
                if ((mask & (1 << bit)) != 0) table[mask * 8 + k++] = bit;
            }
        }

        return table;
    }

    private static bool NotSpikes(bool strict, int row, int input, float value)
    {
        if (strict) throw new ArgumentException($"Spike input must be 0 or 1, got {value} at row {row}, input {input}.", nameof(input));
        return false;
    }
}

/// <summary>
/// One chunk's share of a deferred event-driven weight gradient: where each input was active (CSC over the
/// chunk's rows) and the chunk's output gradient packed by panels. The network runner records one per chunk
/// and sums them panel by panel over the whole batch, so the weight gradient needs no per-chunk buffers.
/// </summary>
internal sealed class WeightGradPart
{
    public WeightGradPart(DenseLayer layer, int rows)
    {
        CheckSize(layer, rows, nameof(rows), rows, "use fewer rows");
        Rows = rows;
        ColumnStart = new int[layer.Inputs + 1];
        ColumnIndex = new int[rows * layer.Inputs];
        PackedGrad = new AlignedBuffer(layer.Panels * rows * DenseLayer.PackedPanel);
        RowBlocks = (int)((rows + (long)RowBlock - 1) / RowBlock);
        ColumnBlocks = new int[layer.Inputs * (RowBlocks + 1)];
    }

    /// <summary>Refuses a row count whose buffers would not fit in an array, blaming <paramref name="paramName"/>.</summary>
    internal static void CheckSize(DenseLayer layer, int rows, string paramName, object? actualValue, string fix)
    {
        ArraySize.Of(paramName, actualValue, "The weight-gradient column lists [rows, inputs]", fix, 0, rows, layer.Inputs);
        ArraySize.Of(paramName, actualValue, $"The packed output gradient [panels, rows, {DenseLayer.PackedPanel}]", fix, AlignedBuffer.Padding, layer.Panels, rows, DenseLayer.PackedPanel);
        ArraySize.Of(paramName, actualValue, $"The row blocks [inputs, rows / {RowBlock} + 1]", fix, 0, layer.Inputs, (rows + (long)RowBlock - 1) / RowBlock + 1);
    }

    /// <summary>Rows per block of the weight-gradient kernel: 128 packed rows of a panel are 32 KB (an L1 data cache).</summary>
    public const int RowBlock = 128;

    /// <summary>Blocks of <see cref="RowBlock"/> rows.</summary>
    public int RowBlocks { get; }

    /// <summary>Per input, where each block of rows starts in its slice of <see cref="ColumnIndex"/> (and the slice's end).</summary>
    public int[] ColumnBlocks { get; }

    /// <summary>Fills <see cref="ColumnBlocks"/> from the column lists.</summary>
    public void FindRowBlocks(int inputs)
    {
        int stride = RowBlocks + 1;
        for (int i = 0; i < inputs; i++)
        {
            int k = ColumnStart[i], end = ColumnStart[i + 1];
            for (int b = 0; b < RowBlocks; b++)
            {
                ColumnBlocks[i * stride + b] = k;
                int limit = (b + 1) * RowBlock;
                while (k < end && ColumnIndex[k] < limit) k++;
            }

            ColumnBlocks[i * stride + RowBlocks] = end;
        }
    }

    public int Rows { get; }
    public int[] ColumnStart { get; }
    public int[] ColumnIndex { get; }
    public AlignedBuffer PackedGrad { get; }

    /// <summary>Whether this chunk recorded its share in the current batch.</summary>
    public bool Recorded { get; set; }
}
