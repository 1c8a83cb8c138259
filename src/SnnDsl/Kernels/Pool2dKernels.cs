using System;

namespace SnnDsl.Kernels;

/// <summary>
/// Forward and backward kernels of 2-D max and average pooling (libtorch's <c>max_pool2d</c> and <c>avg_pool2d</c>) over a
/// batch of frames shaped by a <see cref="Pool2dGeometry"/>: input <c>[frames, C, H, W]</c>, output
/// <c>[frames, C, OH, OW]</c>, row-major float spans; a chunk <c>[T, batch, C, H, W]</c> is <c>frames = T batch</c> frames.
/// </summary>
/// <remarks>
/// The window of output <c>(oy, ox)</c> covers rows <c>[oy sH - pH, oy sH - pH + kH)</c> and columns
/// <c>[ox sW - pW, ox sW - pW + kW)</c>; it is scanned row by row, left to right ("scan order"), over its cells inside the input.
/// No method allocates; spans may be longer than required. Backward methods add into the gradient buffer.
/// </remarks>
public static class Pool2dKernels
{
    /// <summary>
    /// Max pooling: <c>output[n, c, oy, ox]</c> = the largest input in the window (padding never wins). As libtorch, the scan
    /// keeps the FIRST maximum in scan order when values tie (a later value replaces it only when strictly greater), and a
    /// NaN replaces the running maximum (so NaN propagates; the last NaN in the window is recorded). When
    /// <paramref name="indices"/> is not empty, it receives for each output element the flat index <c>iy W + ix</c> of the
    /// chosen input within its channel plane (libtorch's <c>return_indices</c>, as int32), for <see cref="MaxBackward"/>.
    /// </summary>
    /// <param name="geometry">The shape.</param>
    /// <param name="frames">Frames in the batch, at least 0.</param>
    /// <param name="input">At least <c>frames InputFrameLength</c> floats.</param>
    /// <param name="output">At least <c>frames OutputFrameLength</c> floats; overwritten.</param>
    /// <param name="indices">Empty, or at least <c>frames OutputFrameLength</c> ints; overwritten.</param>
    /// <exception cref="ArgumentException">The geometry is <c>default</c>, or a span is too short.</exception>
    public static void MaxForward(in Pool2dGeometry geometry, int frames, ReadOnlySpan<float> input, Span<float> output, Span<int> indices)
    {
        Pool2dGeometry g = Check(geometry, frames, input.Length, nameof(input), output.Length, nameof(output));
        if (!indices.IsEmpty) Conv2dKernels.CheckLength(indices.Length, frames, g.OutputFrameLength, nameof(indices), "[frames, channels, outputHeight, outputWidth]");
        int h = g.InputHeight, w = g.InputWidth, ow = g.OutputWidth, planes = frames * g.Channels;
        int inPlane = h * w, outPlane = g.OutputHeight * ow;
        bool record = !indices.IsEmpty;
        for (int pl = 0; pl < planes; pl++)
        {
            ReadOnlySpan<float> x = input.Slice(pl * inPlane, inPlane);
            int outBase = pl * outPlane;
            for (int oy = 0; oy < g.OutputHeight; oy++)
            {
                Window(oy, g.StrideHeight, g.PaddingHeight, g.KernelHeight, h, out int y0, out int y1, out _);
                for (int ox = 0; ox < ow; ox++)
                {
                    Window(ox, g.StrideWidth, g.PaddingWidth, g.KernelWidth, w, out int x0, out int x1, out _);
                    float best = float.NegativeInfinity;
                    int bestIndex = y0 * w + x0;
                    for (int iy = y0; iy < y1; iy++)
                    {
                        for (int ix = x0; ix < x1; ix++)
                        {
                            float v = x[iy * w + ix];
                            if (v > best || float.IsNaN(v))
                            {
                                best = v;
                                bestIndex = iy * w + ix;
                            }
                        }
                    }

                    output[outBase + oy * ow + ox] = best;
                    if (record) indices[outBase + oy * ow + ox] = bestIndex;
                }
            }
        }
    }

    /// <summary>
    /// Max pooling backward: <c>gradInput[n, c, indices[n, c, oy, ox]] += gradOutput[n, c, oy, ox]</c>, outputs in memory order
    /// (overlapping windows that chose the same input add up). The whole gradient of an output goes to the one input its
    /// forward pass chose, the first maximum in scan order.
    /// </summary>
    /// <param name="geometry">The shape.</param>
    /// <param name="frames">Frames in the batch, at least 0.</param>
    /// <param name="gradOutput">At least <c>frames OutputFrameLength</c> floats.</param>
    /// <param name="indices">At least <c>frames OutputFrameLength</c> ints from <see cref="MaxForward"/>, each in <c>[0, H W)</c>.</param>
    /// <param name="gradInput">At least <c>frames InputFrameLength</c> floats; the gradient is added to its contents.</param>
    /// <exception cref="ArgumentException">The geometry is <c>default</c>, a span is too short, or an index is outside its plane (named).</exception>
    public static void MaxBackward(in Pool2dGeometry geometry, int frames, ReadOnlySpan<float> gradOutput, ReadOnlySpan<int> indices, Span<float> gradInput)
    {
        Pool2dGeometry g = Check(geometry, frames, gradInput.Length, nameof(gradInput), gradOutput.Length, nameof(gradOutput));
        Conv2dKernels.CheckLength(indices.Length, frames, g.OutputFrameLength, nameof(indices), "[frames, channels, outputHeight, outputWidth]");
        int inPlane = g.InputHeight * g.InputWidth, outPlane = g.OutputHeight * g.OutputWidth, planes = frames * g.Channels;
        for (int pl = 0; pl < planes; pl++)
        {
            Span<float> dx = gradInput.Slice(pl * inPlane, inPlane);
            int outBase = pl * outPlane;
            for (int i = 0; i < outPlane; i++)
            {
                int index = indices[outBase + i];
                if ((uint)index >= (uint)inPlane)
                {
                    throw new ArgumentException($"indices[{outBase + i}] = {index} is outside its input plane [0, inputHeight inputWidth = {inPlane}); pass the indices MaxForward wrote.", nameof(indices));
                }

                dx[index] += gradOutput[outBase + i];
            }
        }
    }

    /// <summary>
    /// Average pooling: <c>output[n, c, oy, ox] = (sum of the window's input cells, in scan order) / divisor</c>. With
    /// <paramref name="countIncludePad"/> (libtorch's default, true) the divisor counts the padded cells too:
    /// <c>(min(y0 + kH, H + pH) - y0) (min(x0 + kW, W + pW) - x0)</c> with <c>y0 = oy sH - pH</c>, which is <c>kH kW</c> for
    /// every window of this geometry; otherwise only the cells inside the input.
    /// </summary>
    /// <param name="geometry">The shape.</param>
    /// <param name="frames">Frames in the batch, at least 0.</param>
    /// <param name="input">At least <c>frames InputFrameLength</c> floats.</param>
    /// <param name="output">At least <c>frames OutputFrameLength</c> floats; overwritten.</param>
    /// <param name="countIncludePad">Whether padded cells count in the divisor (libtorch's <c>count_include_pad</c>, default true).</param>
    /// <exception cref="ArgumentException">The geometry is <c>default</c>, or a span is too short.</exception>
    public static void AvgForward(in Pool2dGeometry geometry, int frames, ReadOnlySpan<float> input, Span<float> output, bool countIncludePad = true)
    {
        Pool2dGeometry g = Check(geometry, frames, input.Length, nameof(input), output.Length, nameof(output));
        int h = g.InputHeight, w = g.InputWidth, ow = g.OutputWidth, planes = frames * g.Channels;
        int inPlane = h * w, outPlane = g.OutputHeight * ow;
        for (int pl = 0; pl < planes; pl++)
        {
            ReadOnlySpan<float> x = input.Slice(pl * inPlane, inPlane);
            int outBase = pl * outPlane;
            for (int oy = 0; oy < g.OutputHeight; oy++)
            {
                Window(oy, g.StrideHeight, g.PaddingHeight, g.KernelHeight, h, out int y0, out int y1, out int padRows);
                for (int ox = 0; ox < ow; ox++)
                {
                    Window(ox, g.StrideWidth, g.PaddingWidth, g.KernelWidth, w, out int x0, out int x1, out int padCols);
                    float sum = 0f;
                    for (int iy = y0; iy < y1; iy++)
                    {
                        for (int ix = x0; ix < x1; ix++) sum += x[iy * w + ix];
                    }

                    int divisor = countIncludePad ? padRows * padCols : (y1 - y0) * (x1 - x0);
                    output[outBase + oy * ow + ox] = sum / divisor;
                }
            }
        }
    }

    /// <summary>
    /// Average pooling backward: for each output in memory order, <c>gradOutput / divisor</c> (the divisor of
    /// <see cref="AvgForward"/>) is added to every input cell of its window, in scan order.
    /// </summary>
    /// <param name="geometry">The shape.</param>
    /// <param name="frames">Frames in the batch, at least 0.</param>
    /// <param name="gradOutput">At least <c>frames OutputFrameLength</c> floats.</param>
    /// <param name="gradInput">At least <c>frames InputFrameLength</c> floats; the gradient is added to its contents.</param>
    /// <param name="countIncludePad">The same value as the forward pass.</param>
    /// <exception cref="ArgumentException">The geometry is <c>default</c>, or a span is too short.</exception>
    public static void AvgBackward(in Pool2dGeometry geometry, int frames, ReadOnlySpan<float> gradOutput, Span<float> gradInput, bool countIncludePad = true)
    {
        Pool2dGeometry g = Check(geometry, frames, gradInput.Length, nameof(gradInput), gradOutput.Length, nameof(gradOutput));
        int h = g.InputHeight, w = g.InputWidth, ow = g.OutputWidth, planes = frames * g.Channels;
        int inPlane = h * w, outPlane = g.OutputHeight * ow;
        for (int pl = 0; pl < planes; pl++)
        {
            Span<float> dx = gradInput.Slice(pl * inPlane, inPlane);
            int outBase = pl * outPlane;
            for (int oy = 0; oy < g.OutputHeight; oy++)
            {
                Window(oy, g.StrideHeight, g.PaddingHeight, g.KernelHeight, h, out int y0, out int y1, out int padRows);
                for (int ox = 0; ox < ow; ox++)
                {
                    Window(ox, g.StrideWidth, g.PaddingWidth, g.KernelWidth, w, out int x0, out int x1, out int padCols);
                    int divisor = countIncludePad ? padRows * padCols : (y1 - y0) * (x1 - x0);
                    float share = gradOutput[outBase + oy * ow + ox] / divisor;
                    for (int iy = y0; iy < y1; iy++)
                    {
                        for (int ix = x0; ix < x1; ix++) dx[iy * w + ix] += share;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The cells [lo, hi) of window <paramref name="o"/> inside [0, size), and its extent within the padded input
    /// (libtorch's <c>min(start + k, size + pad) - start</c>, counted before clipping).
    /// </summary>
    private static void Window(int o, int stride, int pad, int kernel, int size, out int lo, out int hi, out int paddedExtent)
    {
        int start = o * stride - pad;
        int end = Math.Min(start + kernel, size + pad);
        paddedExtent = end - start;
        lo = Math.Max(start, 0);
        hi = Math.Min(end, size);
    }

    private static Pool2dGeometry Check(in Pool2dGeometry geometry, int frames, int inputLength, string inputName, int outputLength, string outputName)
    {
        if (!geometry.IsValid)
        {
            throw new ArgumentException("The geometry is default(Pool2dGeometry); build it with its constructor.", nameof(geometry));
        }

        Conv2dKernels.CheckFrames(frames);
        Conv2dKernels.CheckLength(inputLength, frames, geometry.InputFrameLength, inputName, "[frames, channels, inputHeight, inputWidth]");
        Conv2dKernels.CheckLength(outputLength, frames, geometry.OutputFrameLength, outputName, "[frames, channels, outputHeight, outputWidth]");
        return geometry;
    }
}
