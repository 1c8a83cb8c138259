using System;
using System.Numerics;

namespace SnnDsl.Kernels;

/// <summary>
/// Forward and backward kernels of a 2-D convolution (libtorch's <c>conv2d</c>: a cross-correlation with zero padding)
/// over a batch of frames, shaped by a <see cref="Conv2dGeometry"/>. A chunk <c>[T, batch, C, H, W]</c> is passed as
/// <c>frames = T batch</c> consecutive frames: input <c>[frames, C_in, H, W]</c>, output <c>[frames, C_out, OH, OW]</c>,
/// weight <c>[C_out, C_in / groups, kH, kW]</c>, bias <c>[C_out]</c>, all row-major float spans.
/// </summary>
/// <remarks>
/// <para>
/// Definition: <c>y[n, o, oy, ox] = (sum over c, ky, kx of w[o, c, ky, kx] x[n, g C_in/groups + c, oy sH - pH + ky dH, ox sW - pW + kx dW]) + b[o]</c>,
/// where <c>g</c> is the group of <c>o</c> and taps outside the input read zero.
/// </para>
/// <para>
/// Order of accumulation (both forward paths): for each output element the products are added one at a time, starting
/// from +0, in increasing reduction index <c>k = (c kH + ky) kW + kx</c> (the <see cref="Gemm"/> chain of fused multiply-adds),
/// and the bias is added last. On inputs that are all 0 or 1, every product is exactly the weight or a zero, so this
/// chain is the same sequence of roundings as the event-driven <see cref="ForwardSpikes(in Conv2dGeometry, int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>, which adds the weight of each
/// spike in that order: the two paths give the same bits for finite weights and biases (an infinite weight times a
/// zero input is NaN on the analog path and skipped on the event path). This rests on <see cref="Gemm"/>'s contract
/// (each element of C summed from +0 in increasing k, whatever the blocking or the vector width), and a test pins it.
/// </para>
/// <para>
/// No method allocates: the caller passes a workspace of <see cref="WorkspaceLength"/> floats (allocate it once per
/// thread). Spans may be longer than required; only the leading elements are used. The kernels are single-threaded and
/// deterministic: the same arguments give the same bits, whatever the thread or the call history.
/// </para>
/// </remarks>
public static class Conv2dKernels
{
    /// <summary>
    /// Floats of the workspace <see cref="Forward"/>, <see cref="BackwardInput"/> and <see cref="BackwardWeight"/> need,
    /// <c>(C_in / groups) kH kW OH OW</c> (<see cref="Conv2dGeometry.WorkspaceLength"/>).
    /// </summary>
    public static int WorkspaceLength(in Conv2dGeometry geometry)
    {
        ThrowIfInvalid(geometry);
        return geometry.WorkspaceLength;
    }

    /// <summary>
    /// Analog forward pass: <c>output[n] = conv(input[n], weight) + bias</c> for <paramref name="frames"/> frames, by
    /// unfolding each group of each frame into <paramref name="workspace"/> (im2col, <c>[K, P]</c>) and one <see cref="Gemm"/>
    /// product <c>[C_out / groups, K] x [K, P]</c> (a 1 x 1 kernel with stride 1 and no padding skips the unfolding).
    /// <paramref name="output"/> is overwritten.
    /// </summary>
    /// <param name="geometry">The shape.</param>
    /// <param name="frames">Frames in the batch (time steps x samples), at least 0.</param>
    /// <param name="input">At least <c>frames InputFrameLength</c> floats, <c>[frames, C_in, H, W]</c>.</param>
    /// <param name="weight">At least <c>WeightLength</c> floats, <c>[C_out, C_in / groups, kH, kW]</c>.</param>
    /// <param name="bias">Empty for no bias, else at least <c>C_out</c> floats.</param>
    /// <param name="output">At least <c>frames OutputFrameLength</c> floats, <c>[frames, C_out, OH, OW]</c>.</param>
    /// <param name="workspace">At least <see cref="WorkspaceLength"/> floats; its contents are scratch.</param>
    /// <exception cref="ArgumentException">The geometry is <c>default</c>, or a span is too short (named, with the length expected).</exception>
    public static void Forward(in Conv2dGeometry geometry, int frames, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> output, Span<float> workspace)
    {
        ThrowIfInvalid(geometry);
        Conv2dGeometry g = geometry;
        CheckFrames(frames);
        CheckLength(input.Length, frames, g.InputFrameLength, nameof(input), "[frames, inChannels, inputHeight, inputWidth]");
        CheckLength(weight.Length, 1, g.WeightLength, nameof(weight), "[outChannels, inChannels / groups, kernelHeight, kernelWidth]");
        CheckBias(bias.Length, g.OutChannels, nameof(bias));
        CheckLength(output.Length, frames, g.OutputFrameLength, nameof(output), "[frames, outChannels, outputHeight, outputWidth]");
        bool pointwise = IsPointwise(g);
        if (!pointwise) CheckLength(workspace.Length, 1, g.WorkspaceLength, nameof(workspace), "[(inChannels / groups) kernelHeight kernelWidth, outputHeight outputWidth]");

        int cinG = g.InChannels / g.Groups, coutG = g.OutChannels / g.Groups, k = g.ColumnRows, p = g.OutputPlane;
        int inPlane = g.InputHeight * g.InputWidth;
        for (int n = 0; n < frames; n++)
        {
            ReadOnlySpan<float> x = input.Slice(n * g.InputFrameLength, g.InputFrameLength);
            Span<float> y = output.Slice(n * g.OutputFrameLength, g.OutputFrameLength);
            for (int grp = 0; grp < g.Groups; grp++)
            {
                ReadOnlySpan<float> xg = x.Slice(grp * cinG * inPlane, cinG * inPlane);
                ReadOnlySpan<float> b;
                if (pointwise)
                {
                    b = xg; // [C_in / groups, H W] is already the unfolded [K, P]
                }
                else
                {
                    Unfold(g, xg, workspace);
                    b = workspace;
                }

                Gemm.Multiply(coutG, p, k, weight.Slice(grp * coutG * k), k, 1, b, p, y.Slice(grp * coutG * p), p, accumulate: false);
            }

            if (!bias.IsEmpty) AddBias(y, bias, g.OutChannels, p);
        }
    }

    /// <summary>
    /// Event-driven forward pass for spike input: <paramref name="output"/> is cleared, then for each nonzero input element
    /// (scanned in memory order) the weight taps that reach an output are added into that output window, with no
    /// multiplication; the bias is added last. The result has the same bits as <see cref="Forward"/> on the same 0/1
    /// input (see the class remarks), and costs work in proportion to the number of spikes.
    /// </summary>
    /// <param name="geometry">The shape.</param>
    /// <param name="frames">Frames in the batch, at least 0.</param>
    /// <param name="input">At least <c>frames InputFrameLength</c> floats, each 0 or 1.</param>
    /// <param name="weight">At least <c>WeightLength</c> floats.</param>
    /// <param name="bias">Empty for no bias, else at least <c>C_out</c> floats.</param>
    /// <param name="output">At least <c>frames OutputFrameLength</c> floats; overwritten.</param>
    /// <exception cref="ArgumentException">A span is too short, or an input element is neither 0 nor 1 (its index is named; use <see cref="Forward"/> for analog input).
    /// The value check happens during the scan, so after this exception <paramref name="output"/> holds partial sums.</exception>
    public static void ForwardSpikes(in Conv2dGeometry geometry, int frames, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> output) =>
        ScatterSpikes(geometry, frames, input, weight, bias, output);

    /// <summary>
    /// <see cref="ForwardSpikes(in Conv2dGeometry, int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    /// for spikes stored as bytes (0 or 1, one per input element, same layout): the same additions in the same order,
    /// so the same bits as the float overload and as <see cref="Forward"/> on the same spikes.
    /// </summary>
    /// <param name="geometry">The shape.</param>
    /// <param name="frames">Frames in the batch, at least 0.</param>
    /// <param name="input">At least <c>frames InputFrameLength</c> bytes, each 0 or 1.</param>
    /// <param name="weight">At least <c>WeightLength</c> floats.</param>
    /// <param name="bias">Empty for no bias, else at least <c>C_out</c> floats.</param>
    /// <param name="output">At least <c>frames OutputFrameLength</c> floats; overwritten.</param>
    /// <exception cref="ArgumentException">A span is too short, or an input byte is neither 0 nor 1 (its index is named);
    /// <paramref name="output"/> then holds partial sums.</exception>
    public static void ForwardSpikes(in Conv2dGeometry geometry, int frames, ReadOnlySpan<byte> input, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> output) =>
        ScatterSpikes(geometry, frames, input, weight, bias, output);

    private static void ScatterSpikes<T>(in Conv2dGeometry geometry, int frames, ReadOnlySpan<T> input, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> output)
        where T : unmanaged, INumberBase<T>
    {
        ThrowIfInvalid(geometry);
        Conv2dGeometry g = geometry;
        CheckFrames(frames);
        CheckLength(input.Length, frames, g.InputFrameLength, nameof(input), "[frames, inChannels, inputHeight, inputWidth]");
        CheckLength(weight.Length, 1, g.WeightLength, nameof(weight), "[outChannels, inChannels / groups, kernelHeight, kernelWidth]");
        CheckBias(bias.Length, g.OutChannels, nameof(bias));
        CheckLength(output.Length, frames, g.OutputFrameLength, nameof(output), "[frames, outChannels, outputHeight, outputWidth]");

        int cinG = g.InChannels / g.Groups, coutG = g.OutChannels / g.Groups, p = g.OutputPlane;
        int h = g.InputHeight, w = g.InputWidth, kh = g.KernelHeight, kw = g.KernelWidth, oh = g.OutputHeight, ow = g.OutputWidth;
        int sh = g.StrideHeight, sw = g.StrideWidth, ph = g.PaddingHeight, pw = g.PaddingWidth, dh = g.DilationHeight, dw = g.DilationWidth;
        int tapsPerChannel = kh * kw, weightPerOutput = g.ColumnRows;
        for (int n = 0; n < frames; n++)
        {
            ReadOnlySpan<T> x = input.Slice(n * g.InputFrameLength, g.InputFrameLength);
            Span<float> y = output.Slice(n * g.OutputFrameLength, g.OutputFrameLength);
            y.Clear();

            // Why the bits match Forward: for one output (o, oy, ox), its tap (c, ky, kx) reads input (c, oy sH - pH + ky dH, ox sW - pW + kx dW),
            // distinct taps read distinct inputs, and the row and column grow with ky and kx. Scanning inputs in (channel, row, column)
            // order therefore adds each output's weights in increasing (c, ky, kx): the order of the GEMM's reduction index k.
            for (int ci = 0; ci < g.InChannels; ci++)
            {
                int grp = ci / cinG, c = ci - grp * cinG;
                int inBase = ci * h * w;
                for (int iy = 0; iy < h; iy++)
                {
                    for (int ix = 0; ix < w; ix++)
                    {
                        T v = x[inBase + iy * w + ix];
                        if (T.IsZero(v)) continue;
                        if (v != T.One) throw NotASpike(v, n * g.InputFrameLength + inBase + iy * w + ix);

                        // Taps (ky, kx) with iy = oy sH - pH + ky dH for an integer oy in [0, OH), and the same across.
                        for (int ky = 0; ky < kh; ky++)
                        {
                            int ty = iy + ph - ky * dh;
                            if (ty < 0) break; // decreases with ky
                            int oy = ty / sh;
                            if (oy * sh != ty || oy >= oh) continue;
                            for (int kx = 0; kx < kw; kx++)
                            {
                                int tx = ix + pw - kx * dw;
                                if (tx < 0) break;
                                int ox = tx / sw;
                                if (ox * sw != tx || ox >= ow) continue;
                                int tap = c * tapsPerChannel + ky * kw + kx;
                                int outIndex = (grp * coutG) * p + oy * ow + ox;
                                int weightIndex = (grp * coutG) * weightPerOutput + tap;
                                for (int o = 0; o < coutG; o++, outIndex += p, weightIndex += weightPerOutput) y[outIndex] += weight[weightIndex];
                            }
                        }
                    }
                }
            }

            if (!bias.IsEmpty) AddBias(y, bias, g.OutChannels, p);
        }
    }

    /// <summary>
    /// Gradient with respect to the input: <c>gradInput[n] += conv_transpose(gradOutput[n], weight)</c>, i.e.
    /// <c>gradInput[n, ci, iy, ix] += sum over (o, ky, kx) with iy = oy sH - pH + ky dH, ix = ox sW - pW + kx dW of w[o, c, ky, kx] gradOutput[n, o, oy, ox]</c>.
    /// Computed per frame and group as <c>W^T [K, C_out / groups] x dY [C_out / groups, P]</c> into the workspace (each element
    /// summed in increasing output channel) and folded back (col2im) in increasing <c>(c, ky, kx, oy, ox)</c>.
    /// </summary>
    /// <param name="geometry">The shape.</param>
    /// <param name="frames">Frames in the batch, at least 0.</param>
    /// <param name="gradOutput">At least <c>frames OutputFrameLength</c> floats, <c>dL/dy</c>.</param>
    /// <param name="weight">At least <c>WeightLength</c> floats.</param>
    /// <param name="gradInput">At least <c>frames InputFrameLength</c> floats; the gradient is added to its contents (clear it first for a plain gradient).</param>
    /// <param name="workspace">At least <see cref="WorkspaceLength"/> floats; scratch.</param>
    /// <exception cref="ArgumentException">The geometry is <c>default</c>, or a span is too short.</exception>
    public static void BackwardInput(in Conv2dGeometry geometry, int frames, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight,
        Span<float> gradInput, Span<float> workspace)
    {
        ThrowIfInvalid(geometry);
        Conv2dGeometry g = geometry;
        CheckFrames(frames);
        CheckLength(gradOutput.Length, frames, g.OutputFrameLength, nameof(gradOutput), "[frames, outChannels, outputHeight, outputWidth]");
        CheckLength(weight.Length, 1, g.WeightLength, nameof(weight), "[outChannels, inChannels / groups, kernelHeight, kernelWidth]");
        CheckLength(gradInput.Length, frames, g.InputFrameLength, nameof(gradInput), "[frames, inChannels, inputHeight, inputWidth]");
        CheckLength(workspace.Length, 1, g.WorkspaceLength, nameof(workspace), "[(inChannels / groups) kernelHeight kernelWidth, outputHeight outputWidth]");

        int cinG = g.InChannels / g.Groups, coutG = g.OutChannels / g.Groups, k = g.ColumnRows, p = g.OutputPlane;
        int inPlane = g.InputHeight * g.InputWidth;
        for (int n = 0; n < frames; n++)
        {
            ReadOnlySpan<float> dy = gradOutput.Slice(n * g.OutputFrameLength, g.OutputFrameLength);
            Span<float> dx = gradInput.Slice(n * g.InputFrameLength, g.InputFrameLength);
            for (int grp = 0; grp < g.Groups; grp++)
            {
                // dCol[K, P] = W_g^T dY_g: A = W_g read transposed (row stride 1, column stride K).
                Gemm.Multiply(k, p, coutG, weight.Slice(grp * coutG * k), 1, k, dy.Slice(grp * coutG * p), p, workspace, p, accumulate: false);
                Fold(g, workspace, dx.Slice(grp * cinG * inPlane, cinG * inPlane));
            }
        }
    }

    /// <summary>
    /// Gradient with respect to the weight: <c>gradWeight[o, c, ky, kx] += sum over n, oy, ox of gradOutput[n, o, oy, ox] x[n, ci, oy sH - pH + ky dH, ox sW - pW + kx dW]</c>.
    /// Computed per frame and group as <c>dY [C_out / groups, P] x unfold(x)^T [P, K]</c> accumulated into <paramref name="gradWeight"/>:
    /// each element is summed in increasing position <c>oy OW + ox</c> within a frame, frames in increasing order.
    /// </summary>
    /// <param name="geometry">The shape.</param>
    /// <param name="frames">Frames in the batch, at least 0.</param>
    /// <param name="input">At least <c>frames InputFrameLength</c> floats, the forward input.</param>
    /// <param name="gradOutput">At least <c>frames OutputFrameLength</c> floats.</param>
    /// <param name="gradWeight">At least <c>WeightLength</c> floats; the gradient is added to its contents.</param>
    /// <param name="workspace">At least <see cref="WorkspaceLength"/> floats; scratch.</param>
    /// <exception cref="ArgumentException">The geometry is <c>default</c>, or a span is too short.</exception>
    public static void BackwardWeight(in Conv2dGeometry geometry, int frames, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput,
        Span<float> gradWeight, Span<float> workspace)
    {
        ThrowIfInvalid(geometry);
        Conv2dGeometry g = geometry;
        CheckFrames(frames);
        CheckLength(input.Length, frames, g.InputFrameLength, nameof(input), "[frames, inChannels, inputHeight, inputWidth]");
        CheckLength(gradOutput.Length, frames, g.OutputFrameLength, nameof(gradOutput), "[frames, outChannels, outputHeight, outputWidth]");
        CheckLength(gradWeight.Length, 1, g.WeightLength, nameof(gradWeight), "[outChannels, inChannels / groups, kernelHeight, kernelWidth]");
        CheckLength(workspace.Length, 1, g.WorkspaceLength, nameof(workspace), "[outputHeight outputWidth, (inChannels / groups) kernelHeight kernelWidth]");

        int cinG = g.InChannels / g.Groups, coutG = g.OutChannels / g.Groups, k = g.ColumnRows, p = g.OutputPlane;
        int inPlane = g.InputHeight * g.InputWidth;
        for (int n = 0; n < frames; n++)
        {
            ReadOnlySpan<float> x = input.Slice(n * g.InputFrameLength, g.InputFrameLength);
            ReadOnlySpan<float> dy = gradOutput.Slice(n * g.OutputFrameLength, g.OutputFrameLength);
            for (int grp = 0; grp < g.Groups; grp++)
            {
                UnfoldTransposed(g, x.Slice(grp * cinG * inPlane, cinG * inPlane), workspace);
                Gemm.Multiply(coutG, k, p, dy.Slice(grp * coutG * p), p, 1, workspace, k, gradWeight.Slice(grp * coutG * k), k, accumulate: true);
            }
        }
    }

    /// <summary>
    /// Gradient with respect to the bias: <c>gradBias[o] += sum over n, oy, ox of gradOutput[n, o, oy, ox]</c>, added one
    /// element at a time to a running sum that starts from <c>gradBias[o]</c>, frames in increasing order, positions in increasing order.
    /// </summary>
    /// <param name="geometry">The shape.</param>
    /// <param name="frames">Frames in the batch, at least 0.</param>
    /// <param name="gradOutput">At least <c>frames OutputFrameLength</c> floats.</param>
    /// <param name="gradBias">At least <c>C_out</c> floats; the gradient is added to its contents.</param>
    /// <exception cref="ArgumentException">The geometry is <c>default</c>, or a span is too short.</exception>
    public static void BackwardBias(in Conv2dGeometry geometry, int frames, ReadOnlySpan<float> gradOutput, Span<float> gradBias)
    {
        ThrowIfInvalid(geometry);
        Conv2dGeometry g = geometry;
        CheckFrames(frames);
        CheckLength(gradOutput.Length, frames, g.OutputFrameLength, nameof(gradOutput), "[frames, outChannels, outputHeight, outputWidth]");
        CheckLength(gradBias.Length, 1, g.OutChannels, nameof(gradBias), "[outChannels]");
        int p = g.OutputPlane;
        for (int o = 0; o < g.OutChannels; o++)
        {
            float s = gradBias[o];
            for (int n = 0; n < frames; n++)
            {
                ReadOnlySpan<float> plane = gradOutput.Slice(n * g.OutputFrameLength + o * p, p);
                for (int i = 0; i < plane.Length; i++) s += plane[i];
            }

            gradBias[o] = s;
        }
    }

    // ---- Unfolding. Row r = (c kH + ky) kW + kx of a group's unfolded frame holds x[c, oy sH - pH + ky dH, ox sW - pW + kx dW] at column oy OW + ox. ----

    private static bool IsPointwise(in Conv2dGeometry g) =>
        g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.PaddingHeight == 0 && g.PaddingWidth == 0;

    /// <summary>The outputs o in [lo, hi) whose tap o stride + offset lies in [0, size).</summary>
    private static void ValidRange(int offset, int stride, int size, int outSize, out int lo, out int hi)
    {
        lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        hi = size - 1 - offset >= 0 ? (size - 1 - offset) / stride + 1 : 0;
        if (hi > outSize) hi = outSize;
        if (lo > hi) lo = hi;
    }

    /// <summary>im2col of one group: <paramref name="x"/> [C_in / groups, H, W] into <paramref name="col"/> [K, P].</summary>
    private static void Unfold(in Conv2dGeometry g, ReadOnlySpan<float> x, Span<float> col)
    {
        int cinG = g.InChannels / g.Groups, h = g.InputHeight, w = g.InputWidth, oh = g.OutputHeight, ow = g.OutputWidth, p = g.OutputPlane;
        int sh = g.StrideHeight, sw = g.StrideWidth;
        int row = 0;
        for (int c = 0; c < cinG; c++)
        {
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                int offY = ky * g.DilationHeight - g.PaddingHeight;
                ValidRange(offY, sh, h, oh, out int oyLo, out int oyHi);
                for (int kx = 0; kx < g.KernelWidth; kx++, row++)
                {
                    int offX = kx * g.DilationWidth - g.PaddingWidth;
                    ValidRange(offX, sw, w, ow, out int oxLo, out int oxHi);
                    Span<float> dst = col.Slice(row * p, p);
                    dst.Slice(0, oyLo * ow).Clear();
                    for (int oy = oyLo; oy < oyHi; oy++)
                    {
                        Span<float> line = dst.Slice(oy * ow, ow);
                        line.Slice(0, oxLo).Clear();
                        // srcRow + oxLo may lie past the frame when the tap is in the right padding for every column (oxLo == oxHi).
                        int srcRow = c * h * w + (oy * sh + offY) * w + offX;
                        if (sw == 1 && oxHi > oxLo)
                        {
                            x.Slice(srcRow + oxLo, oxHi - oxLo).CopyTo(line.Slice(oxLo, oxHi - oxLo));
                        }
                        else
                        {
                            for (int ox = oxLo; ox < oxHi; ox++) line[ox] = x[srcRow + ox * sw];
                        }

                        line.Slice(oxHi).Clear();
                    }

                    dst.Slice(oyHi * ow).Clear();
                }
            }
        }
    }

    /// <summary>The transpose of <see cref="Unfold"/>: <paramref name="colT"/> [P, K], element (q, r) = unfolded (r, q).</summary>
    private static void UnfoldTransposed(in Conv2dGeometry g, ReadOnlySpan<float> x, Span<float> colT)
    {
        int cinG = g.InChannels / g.Groups, h = g.InputHeight, w = g.InputWidth, oh = g.OutputHeight, ow = g.OutputWidth, k = g.ColumnRows;
        int sh = g.StrideHeight, sw = g.StrideWidth;
        colT.Slice(0, g.WorkspaceLength).Clear();
        int row = 0;
        for (int c = 0; c < cinG; c++)
        {
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                int offY = ky * g.DilationHeight - g.PaddingHeight;
                ValidRange(offY, sh, h, oh, out int oyLo, out int oyHi);
                for (int kx = 0; kx < g.KernelWidth; kx++, row++)
                {
                    int offX = kx * g.DilationWidth - g.PaddingWidth;
                    ValidRange(offX, sw, w, ow, out int oxLo, out int oxHi);
                    for (int oy = oyLo; oy < oyHi; oy++)
                    {
                        int srcRow = c * h * w + (oy * sh + offY) * w + offX;
                        for (int ox = oxLo; ox < oxHi; ox++) colT[(oy * ow + ox) * k + row] = x[srcRow + ox * sw];
                    }
                }
            }
        }
    }

    /// <summary>col2im of one group: adds <paramref name="col"/> [K, P] into <paramref name="dx"/> [C_in / groups, H, W].</summary>
    private static void Fold(in Conv2dGeometry g, ReadOnlySpan<float> col, Span<float> dx)
    {
        int cinG = g.InChannels / g.Groups, h = g.InputHeight, w = g.InputWidth, oh = g.OutputHeight, ow = g.OutputWidth, p = g.OutputPlane;
        int sh = g.StrideHeight, sw = g.StrideWidth;
        int row = 0;
        for (int c = 0; c < cinG; c++)
        {
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                int offY = ky * g.DilationHeight - g.PaddingHeight;
                ValidRange(offY, sh, h, oh, out int oyLo, out int oyHi);
                for (int kx = 0; kx < g.KernelWidth; kx++, row++)
                {
                    int offX = kx * g.DilationWidth - g.PaddingWidth;
                    ValidRange(offX, sw, w, ow, out int oxLo, out int oxHi);
                    ReadOnlySpan<float> src = col.Slice(row * p, p);
                    for (int oy = oyLo; oy < oyHi; oy++)
                    {
                        int dstRow = c * h * w + (oy * sh + offY) * w + offX;
                        for (int ox = oxLo; ox < oxHi; ox++) dx[dstRow + ox * sw] += src[oy * ow + ox];
                    }
                }
            }
        }
    }

    private static void AddBias(Span<float> y, ReadOnlySpan<float> bias, int channels, int plane)
    {
        for (int o = 0; o < channels; o++)
        {
            float b = bias[o];
            Span<float> yo = y.Slice(o * plane, plane);
            for (int i = 0; i < yo.Length; i++) yo[i] += b;
        }
    }

    // ---- Argument checks shared with the pooling kernels. ----

    private static void ThrowIfInvalid(in Conv2dGeometry geometry)
    {
        if (!geometry.IsValid)
        {
            throw new ArgumentException("The geometry is default(Conv2dGeometry); build it with its constructor.", nameof(geometry));
        }
    }

    internal static void CheckFrames(int frames) => ArgumentOutOfRangeException.ThrowIfNegative(frames);

    internal static void CheckLength(int length, int frames, int frameLength, string paramName, string shape)
    {
        long needed = (long)frames * frameLength;
        if (length < needed)
        {
            throw new ArgumentException($"{paramName} has {length} elements; {shape} needs {frames} x {frameLength} = {needed}.", paramName);
        }
    }

    private static void CheckBias(int length, int outChannels, string paramName)
    {
        if (length != 0 && length < outChannels)
        {
            throw new ArgumentException($"{paramName} has {length} elements; it must be empty (no bias) or hold [outChannels] = {outChannels}.", paramName);
        }
    }

    private static ArgumentException NotASpike<T>(T value, int index) where T : INumberBase<T> =>
        new($"input[{index}] = {value}: the event-driven path takes spikes, each element 0 or 1; use Conv2dKernels.Forward for analog input.", "input");
}
