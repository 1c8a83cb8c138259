using System;
using SnnDsl.Kernels;

namespace SnnDsl.Layers;

/// <summary>
/// 2-D max pooling (libtorch's <c>nn.MaxPool2d</c>) from <c>[C, H, W]</c> to <c>[C, OH, OW]</c> per sample and step, each
/// channel on its own, with <c>OH = floor((H + 2 PaddingHeight - KernelHeight) / StrideHeight) + 1</c> (the same across);
/// see <see cref="MaxPool2dOp"/>. The gradient goes to the first maximum of each window in scan order (row by row, left to
/// right), as in libtorch, which matters on spikes, where ties are the rule. The output has the input's kind: the maximum of
/// spikes is a spike. Not supported: dilation and <c>ceil_mode</c> (<see cref="Pool2dGeometry"/> has neither).
/// </summary>
/// <param name="KernelHeight">Window rows, at least 1.</param>
/// <param name="KernelWidth">Window columns, at least 1.</param>
/// <param name="StrideHeight">Vertical stride, at least 1; null (the default) for <paramref name="KernelHeight"/>, as in libtorch.</param>
/// <param name="StrideWidth">Horizontal stride, at least 1; null for <paramref name="KernelWidth"/>.</param>
/// <param name="PaddingHeight">Rows added above and below, from 0 to <c>KernelHeight / 2</c> (libtorch's rule); padding is never the maximum.</param>
/// <param name="PaddingWidth">Columns added left and right, from 0 to <c>KernelWidth / 2</c>.</param>
public sealed record MaxPool2dSpec(int KernelHeight, int KernelWidth, int? StrideHeight = null, int? StrideWidth = null,
    int PaddingHeight = 0, int PaddingWidth = 0) : LayerSpec
{
    /// <summary>E.g. <c>"MaxPool2d 2x2"</c>, followed by the stride and padding where they are not the defaults.</summary>
    public override string Describe(TensorShape input) => PoolText.Describe("MaxPool2d", KernelHeight, KernelWidth, StrideHeight, StrideWidth, PaddingHeight, PaddingWidth, "");

    /// <summary><c>[C, OH, OW]</c> for an input <c>[C, H, W]</c>.</summary>
    /// <exception cref="ArgumentException">A size of the spec is out of range, or the window does not fit the padded input; the message says what is expected and what was given.</exception>
    public override TensorShape OutputShape(TensorShape input)
    {
        Pool2dGeometry g = PoolText.Geometry(input, KernelHeight, KernelWidth, StrideHeight, StrideWidth, PaddingHeight, PaddingWidth);
        return new TensorShape(g.Channels, g.OutputHeight, g.OutputWidth);
    }

    /// <summary>The input's kind: the maximum of spikes is a spike.</summary>
    public override ValueKind OutputKind(ValueKind input) => input;

    /// <inheritdoc/>
    public override LayerOp Build(LayerBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new MaxPool2dOp(this, context);
    }
}

/// <summary>
/// 2-D average pooling (libtorch's <c>nn.AvgPool2d</c>) from <c>[C, H, W]</c> to <c>[C, OH, OW]</c>, with the output size of
/// <see cref="MaxPool2dSpec"/>; see <see cref="AvgPool2dOp"/>. Its output is analog (an average of spikes is a rate).
/// </summary>
/// <param name="KernelHeight">Window rows, at least 1.</param>
/// <param name="KernelWidth">Window columns, at least 1.</param>
/// <param name="StrideHeight">Vertical stride, at least 1; null (the default) for <paramref name="KernelHeight"/>.</param>
/// <param name="StrideWidth">Horizontal stride, at least 1; null for <paramref name="KernelWidth"/>.</param>
/// <param name="PaddingHeight">Zero rows added above and below, from 0 to <c>KernelHeight / 2</c>.</param>
/// <param name="PaddingWidth">Zero columns added left and right, from 0 to <c>KernelWidth / 2</c>.</param>
/// <param name="CountIncludePad">Whether padded cells count in the divisor (libtorch's <c>count_include_pad</c>, default true: every window divides by <c>KernelHeight KernelWidth</c>).</param>
public sealed record AvgPool2dSpec(int KernelHeight, int KernelWidth, int? StrideHeight = null, int? StrideWidth = null,
    int PaddingHeight = 0, int PaddingWidth = 0, bool CountIncludePad = true) : LayerSpec
{
    /// <summary>E.g. <c>"AvgPool2d 2x2"</c>, followed by the stride and padding where they are not the defaults.</summary>
    public override string Describe(TensorShape input) =>
        PoolText.Describe("AvgPool2d", KernelHeight, KernelWidth, StrideHeight, StrideWidth, PaddingHeight, PaddingWidth,
            CountIncludePad || (PaddingHeight == 0 && PaddingWidth == 0) ? "" : " excluding padding");

    /// <summary><c>[C, OH, OW]</c> for an input <c>[C, H, W]</c>.</summary>
    /// <exception cref="ArgumentException">A size of the spec is out of range, or the window does not fit the padded input.</exception>
    public override TensorShape OutputShape(TensorShape input)
    {
        Pool2dGeometry g = PoolText.Geometry(input, KernelHeight, KernelWidth, StrideHeight, StrideWidth, PaddingHeight, PaddingWidth);
        return new TensorShape(g.Channels, g.OutputHeight, g.OutputWidth);
    }

    /// <inheritdoc/>
    public override LayerOp Build(LayerBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new AvgPool2dOp(this, context);
    }
}

/// <summary>
/// The op of a <see cref="MaxPool2dSpec"/>: <see cref="Pool2dKernels.MaxForward"/> over every frame of a chunk, keeping the
/// index of each window's chosen input (the first maximum in scan order) in the worker's workspace, and
/// <see cref="Pool2dKernels.MaxBackward"/> routing each output's gradient to that input. No parameters.
/// </summary>
public sealed class MaxPool2dOp : LayerOp
{
    /// <summary>Builds the op for <c>context.Input</c>.</summary>
    /// <exception cref="ArgumentException">The spec does not accept <c>context.Input</c> (see <see cref="MaxPool2dSpec.OutputShape"/>).</exception>
    public MaxPool2dOp(MaxPool2dSpec spec, LayerBuildContext context)
        : this(spec ?? throw new ArgumentNullException(nameof(spec)), context ?? throw new ArgumentNullException(nameof(context)),
            PoolText.Geometry(context.Input, spec.KernelHeight, spec.KernelWidth, spec.StrideHeight, spec.StrideWidth, spec.PaddingHeight, spec.PaddingWidth))
    {
    }

    private MaxPool2dOp(MaxPool2dSpec spec, LayerBuildContext context, Pool2dGeometry g)
        : base(context.Input, new TensorShape(g.Channels, g.OutputHeight, g.OutputWidth), spec.Describe(context.Input))
    {
        Geometry = g;
    }

    /// <summary>The pooling's validated shape.</summary>
    public Pool2dGeometry Geometry { get; }

    /// <summary>Refuses a chunk whose indices <c>[steps, samples, C, OH, OW]</c> would not fit in one array.</summary>
    public override void CheckSizes(int steps, int samples) =>
        ArraySize.Of(nameof(steps), steps, $"The max-pooling indices [steps, options.ChunkSize, {Geometry.Channels}, {Geometry.OutputHeight}, {Geometry.OutputWidth}]",
            "lower steps or options.ChunkSize (each chunk keeps every step of its samples)", 0, steps, samples, Geometry.OutputFrameLength);

    /// <summary>The indices of a chunk's chosen inputs, <c>[steps, samples, C, OH, OW]</c> ints.</summary>
    public override LayerWorkspace CreateWorkspace(int steps, int samples)
    {
        CheckSizes(steps, samples);
        return new Workspace(new int[steps * samples * Geometry.OutputFrameLength]);
    }

    /// <inheritdoc/>
    public override void Forward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, Span<float> output)
    {
        var ws = workspace as Workspace ?? throw PoolText.ForeignWorkspace(Description);
        LayerChunks.Check(chunk, input.Length, Geometry.InputFrameLength, nameof(input), output.Length, Geometry.OutputFrameLength, nameof(output));
        Pool2dKernels.MaxForward(Geometry, chunk.Rows, input, output, ws.Indices);
    }

    /// <inheritdoc/>
    public override void Backward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradMembrane, Span<float> gradInput, LayerGradients? gradients)
    {
        var ws = workspace as Workspace ?? throw PoolText.ForeignWorkspace(Description);
        if (gradInput.IsEmpty) return;
        LayerChunks.Check(chunk, gradInput.Length, Geometry.InputFrameLength, nameof(gradInput), gradOutput.Length, Geometry.OutputFrameLength, nameof(gradOutput));
        gradInput.Slice(0, chunk.Rows * Geometry.InputFrameLength).Clear(); // the kernel adds into it
        Pool2dKernels.MaxBackward(Geometry, chunk.Rows, gradOutput, ws.Indices, gradInput);
    }

    private sealed class Workspace(int[] indices) : LayerWorkspace
    {
        public int[] Indices { get; } = indices;
    }
}

/// <summary>
/// The op of an <see cref="AvgPool2dSpec"/>: <see cref="Pool2dKernels.AvgForward"/> and <see cref="Pool2dKernels.AvgBackward"/>
/// over every frame of a chunk (each output's gradient shared equally by its window's inputs). No parameters, no workspace.
/// </summary>
public sealed class AvgPool2dOp : LayerOp
{
    private readonly bool _countIncludePad;

    /// <summary>Builds the op for <c>context.Input</c>.</summary>
    /// <exception cref="ArgumentException">The spec does not accept <c>context.Input</c> (see <see cref="AvgPool2dSpec.OutputShape"/>).</exception>
    public AvgPool2dOp(AvgPool2dSpec spec, LayerBuildContext context)
        : this(spec ?? throw new ArgumentNullException(nameof(spec)), context ?? throw new ArgumentNullException(nameof(context)),
            PoolText.Geometry(context.Input, spec.KernelHeight, spec.KernelWidth, spec.StrideHeight, spec.StrideWidth, spec.PaddingHeight, spec.PaddingWidth))
    {
    }

    private AvgPool2dOp(AvgPool2dSpec spec, LayerBuildContext context, Pool2dGeometry g)
        : base(context.Input, new TensorShape(g.Channels, g.OutputHeight, g.OutputWidth), spec.Describe(context.Input))
    {
        Geometry = g;
        _countIncludePad = spec.CountIncludePad;
    }

    /// <summary>The pooling's validated shape.</summary>
    public Pool2dGeometry Geometry { get; }

    /// <summary><see cref="LayerWorkspace.Empty"/>: the op needs no scratch.</summary>
    public override LayerWorkspace CreateWorkspace(int steps, int samples) => LayerWorkspace.Empty;

    /// <inheritdoc/>
    public override void Forward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, Span<float> output)
    {
        LayerChunks.Check(chunk, input.Length, Geometry.InputFrameLength, nameof(input), output.Length, Geometry.OutputFrameLength, nameof(output));
        Pool2dKernels.AvgForward(Geometry, chunk.Rows, input, output, _countIncludePad);
    }

    /// <inheritdoc/>
    public override void Backward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradMembrane, Span<float> gradInput, LayerGradients? gradients)
    {
        if (gradInput.IsEmpty) return;
        LayerChunks.Check(chunk, gradInput.Length, Geometry.InputFrameLength, nameof(gradInput), gradOutput.Length, Geometry.OutputFrameLength, nameof(gradOutput));
        gradInput.Slice(0, chunk.Rows * Geometry.InputFrameLength).Clear(); // the kernel adds into it
        Pool2dKernels.AvgBackward(Geometry, chunk.Rows, gradOutput, gradInput, _countIncludePad);
    }
}

/// <summary>
/// Flattening (<c>torch.flatten(x, start_dim=1)</c> per time step): <c>[C, H, W]</c> to the flat <c>[C H W]</c>
/// (<c>[C H W, 1, 1]</c>), read row-major, so element <c>(c, y, x)</c> becomes feature <c>(c H + y) W + x</c>. The values are
/// unchanged (spikes stay spikes); see <see cref="FlattenOp"/>. A <see cref="DenseSpec"/> already reads any shape this way,
/// so a flatten before a dense layer documents the intent but is not required.
/// </summary>
public sealed record FlattenSpec : LayerSpec
{
    /// <summary><c>"Flatten"</c>.</summary>
    public override string Describe(TensorShape input) => "Flatten";

    /// <summary>The flat <c>[C H W]</c>.</summary>
    public override TensorShape OutputShape(TensorShape input) => TensorShape.Flat(input.Size);

    /// <summary>The input's kind: the values are unchanged.</summary>
    public override ValueKind OutputKind(ValueKind input) => input;

    /// <inheritdoc/>
    public override LayerOp Build(LayerBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new FlattenOp(context.Input);
    }
}

/// <summary>
/// The op of a <see cref="FlattenSpec"/>: the chunk's memory layout <c>[T, samples, C, H, W]</c> is already row-major
/// <c>[T, samples, C H W]</c>, so the forward pass copies the input to the output and the backward pass the output
/// gradient to the input gradient. No parameters, no workspace.
/// </summary>
public sealed class FlattenOp : LayerOp
{
    /// <summary>Builds the op for inputs of shape <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> has a dimension below 1.</exception>
    public FlattenOp(TensorShape input)
        : base(input, TensorShape.Flat(input.Validate(nameof(input), "Flatten's input").Size), "Flatten")
    {
    }

    /// <summary><see cref="LayerWorkspace.Empty"/>: the op needs no scratch.</summary>
    public override LayerWorkspace CreateWorkspace(int steps, int samples) => LayerWorkspace.Empty;

    /// <inheritdoc/>
    public override void Forward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, Span<float> output)
    {
        int size = InputShape.Size;
        LayerChunks.Check(chunk, input.Length, size, nameof(input), output.Length, size, nameof(output));
        int n = chunk.Rows * size;
        input.Slice(0, n).CopyTo(output);
    }

    /// <inheritdoc/>
    public override void Backward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradMembrane, Span<float> gradInput, LayerGradients? gradients)
    {
        if (gradInput.IsEmpty) return;
        int size = InputShape.Size;
        LayerChunks.Check(chunk, gradInput.Length, size, nameof(gradInput), gradOutput.Length, size, nameof(gradOutput));
        gradOutput.Slice(0, chunk.Rows * size).CopyTo(gradInput);
    }
}

/// <summary>Validation and descriptions shared by the pooling specs.</summary>
internal static class PoolText
{
    public static string Describe(string kind, int kh, int kw, int? sh, int? sw, int ph, int pw, string suffix)
    {
        int strideH = sh ?? kh, strideW = sw ?? kw;
        string stride = strideH == kh && strideW == kw ? "" : ConvText.Pair("stride", strideH, strideW, int.MinValue);
        return FormattableString.Invariant($"{kind} {kh}x{kw}") + stride + ConvText.Pair("padding", ph, pw, 0) + suffix;
    }

    /// <summary>The validated pooling geometry on <paramref name="input"/>, with messages in the spec's terms.</summary>
    public static Pool2dGeometry Geometry(TensorShape input, int kh, int kw, int? sh, int? sw, int ph, int pw)
    {
        ConvText.CheckWindow("window", kh, kw, sh ?? kh, sw ?? kw, ph, pw, 1, 1);
        if (ph > kh / 2 || pw > kw / 2)
        {
            throw new ArgumentException($"has padding {ph}x{pw} for a {kh}x{kw} window; the padding must be at most half the window, {kh / 2}x{kw / 2} (libtorch's rule).");
        }

        ConvText.CheckFits("window", "height", kh, 1, ph, input.Height);
        ConvText.CheckFits("window", "width", kw, 1, pw, input.Width);
        return new Pool2dGeometry(input.Channels, input.Height, input.Width, kh, kw, sh, sw, ph, pw);
    }

    public static ArgumentException ForeignWorkspace(string description) =>
        new($"{description}: the workspace was not made by this layer's CreateWorkspace.", "workspace");
}
