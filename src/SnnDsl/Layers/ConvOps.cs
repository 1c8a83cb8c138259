using System;
using System.Collections.Generic;
using System.Globalization;
using SnnDsl.Data;
using SnnDsl.Kernels;
using SnnDsl.Training;

namespace SnnDsl.Layers;

/// <summary>
/// A 2-D convolution (libtorch's <c>nn.Conv2d</c>: a cross-correlation with zero padding) from
/// <c>[InChannels, H, W]</c> to <c>[OutChannels, OH, OW]</c> per sample and step, with
/// <c>OH = floor((H + 2 PaddingHeight - DilationHeight (KernelHeight - 1) - 1) / StrideHeight) + 1</c> (the same across);
/// see <see cref="Conv2dOp"/>. Its output is analog (currents for the next neuron layer).
/// </summary>
/// <param name="InChannels">Input channels; the input shape's <see cref="TensorShape.Channels"/> must equal it.</param>
/// <param name="OutChannels">Output channels (feature maps).</param>
/// <param name="KernelHeight">Kernel rows.</param>
/// <param name="KernelWidth">Kernel columns.</param>
/// <param name="StrideHeight">Vertical stride, at least 1.</param>
/// <param name="StrideWidth">Horizontal stride, at least 1.</param>
/// <param name="PaddingHeight">Zero rows added above and below, at least 0.</param>
/// <param name="PaddingWidth">Zero columns added left and right, at least 0.</param>
/// <param name="DilationHeight">Vertical spacing between kernel taps, at least 1.</param>
/// <param name="DilationWidth">Horizontal spacing between kernel taps, at least 1.</param>
/// <param name="Groups">Channel groups, dividing both channel counts (<c>Groups = InChannels</c> is a depthwise convolution).</param>
/// <param name="Bias">Whether each output channel has a bias.</param>
/// <param name="Init">
/// How the parameters are initialised, with <c>fan_in = (InChannels / Groups) KernelHeight KernelWidth</c> and
/// <c>fan_out = OutChannels KernelHeight KernelWidth</c> (PyTorch's definitions): <see cref="DenseInit.Uniform"/> is PyTorch's
/// default (weights and bias uniform in ±1/sqrt(fan_in)); <see cref="DenseInit.KaimingNormal"/> N(0, 2/fan_in) and
/// <see cref="DenseInit.XavierNormal"/> N(0, 2/(fan_in + fan_out)) with a zero bias.
/// </param>
/// <example>
/// A square kernel with <see cref="Network.Conv2d(int, int, int, int, int, int, int, bool, DenseInit)"/>, a rectangular one with
/// <c>Network.Conv2d(3, 8, (3, 1), padding: (1, 0))</c> or <c>Network.Conv2d(3, 8, 3) with { KernelWidth = 1, PaddingWidth = 0 }</c>.
/// </example>
public sealed record Conv2dSpec(int InChannels, int OutChannels, int KernelHeight, int KernelWidth,
    int StrideHeight = 1, int StrideWidth = 1, int PaddingHeight = 0, int PaddingWidth = 0,
    int DilationHeight = 1, int DilationWidth = 1, int Groups = 1, bool Bias = true, DenseInit Init = DenseInit.Uniform) : LayerSpec
{
    /// <summary>E.g. <c>"Conv2d 1->12 5x5"</c>, followed by the stride, padding, dilation and groups where they are not the defaults.</summary>
    public override string Describe(TensorShape input) =>
        $"Conv2d {InChannels}->{OutChannels} {KernelHeight}x{KernelWidth}" +
        ConvText.Pair("stride", StrideHeight, StrideWidth, 1) + ConvText.Pair("padding", PaddingHeight, PaddingWidth, 0) +
        ConvText.Pair("dilation", DilationHeight, DilationWidth, 1) + ConvText.Single("groups", Groups, 1) + (Bias ? "" : " no bias");

    /// <summary><c>[OutChannels, OH, OW]</c> for an input <c>[InChannels, H, W]</c>.</summary>
    /// <exception cref="ArgumentException">A size of the spec is out of range, the input has another channel count, or the dilated kernel does not fit the padded input; the message says what is expected and what was given.</exception>
    public override TensorShape OutputShape(TensorShape input)
    {
        Conv2dGeometry g = Geometry(input);
        return new TensorShape(g.OutChannels, g.OutputHeight, g.OutputWidth);
    }

    /// <inheritdoc/>
    public override LayerOp Build(LayerBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new Conv2dOp(this, context);
    }

    /// <summary>The validated geometry of this convolution on <paramref name="input"/>.</summary>
    internal Conv2dGeometry Geometry(TensorShape input)
    {
        ConvText.CheckChannels(InChannels, OutChannels, Groups);
        ConvText.CheckWindow("kernel", KernelHeight, KernelWidth, StrideHeight, StrideWidth, PaddingHeight, PaddingWidth, DilationHeight, DilationWidth);
        if (input.Channels != InChannels)
        {
            throw new ArgumentException($"expects {InChannels} input channels ([{InChannels}, height, width]), but gets {input.Channels} (an input of {input}).");
        }

        ConvText.CheckFits("kernel", "height", KernelHeight, DilationHeight, PaddingHeight, input.Height);
        ConvText.CheckFits("kernel", "width", KernelWidth, DilationWidth, PaddingWidth, input.Width);
        return new Conv2dGeometry(InChannels, OutChannels, input.Height, input.Width, KernelHeight, KernelWidth,
            StrideHeight, StrideWidth, PaddingHeight, PaddingWidth, DilationHeight, DilationWidth, Groups);
    }
}

/// <summary>
/// A 1-D convolution (libtorch's <c>nn.Conv1d</c>) over signals stored as <c>[InChannels, 1, L]</c> per sample and step
/// (the <see cref="TensorShape"/> convention for 1-D signals: height 1, the length across), giving
/// <c>[OutChannels, 1, OL]</c> with <c>OL = floor((L + 2 Padding - Dilation (Kernel - 1) - 1) / Stride) + 1</c>; see
/// <see cref="Conv1dOp"/>. A flat input <c>[n]</c> is <c>n</c> channels of length 1, so declare a one-channel signal of
/// <c>L</c> samples as <c>new TensorShape(1, 1, L)</c>. Its output is analog.
/// </summary>
/// <param name="InChannels">Input channels; the input shape's <see cref="TensorShape.Channels"/> must equal it.</param>
/// <param name="OutChannels">Output channels.</param>
/// <param name="Kernel">Kernel taps.</param>
/// <param name="Stride">Stride, at least 1.</param>
/// <param name="Padding">Zeros added at both ends, at least 0.</param>
/// <param name="Dilation">Spacing between taps, at least 1.</param>
/// <param name="Groups">Channel groups, dividing both channel counts.</param>
/// <param name="Bias">Whether each output channel has a bias.</param>
/// <param name="Init">As <see cref="Conv2dSpec.Init"/>, with <c>fan_in = (InChannels / Groups) Kernel</c> and <c>fan_out = OutChannels Kernel</c>.</param>
public sealed record Conv1dSpec(int InChannels, int OutChannels, int Kernel, int Stride = 1, int Padding = 0, int Dilation = 1,
    int Groups = 1, bool Bias = true, DenseInit Init = DenseInit.Uniform) : LayerSpec
{
    /// <summary>E.g. <c>"Conv1d 1->8 k5"</c>, followed by the stride, padding, dilation and groups where they are not the defaults.</summary>
    public override string Describe(TensorShape input) =>
        $"Conv1d {InChannels}->{OutChannels} k{Kernel}" + ConvText.Single("stride", Stride, 1) + ConvText.Single("padding", Padding, 0) +
        ConvText.Single("dilation", Dilation, 1) + ConvText.Single("groups", Groups, 1) + (Bias ? "" : " no bias");

    /// <summary><c>[OutChannels, 1, OL]</c> for an input <c>[InChannels, 1, L]</c>.</summary>
    /// <exception cref="ArgumentException">A size of the spec is out of range, the input is not <c>[InChannels, 1, L]</c>, or the dilated kernel is longer than the padded signal.</exception>
    public override TensorShape OutputShape(TensorShape input)
    {
        Conv2dGeometry g = Geometry(input);
        return new TensorShape(g.OutChannels, 1, g.OutputWidth);
    }

    /// <inheritdoc/>
    public override LayerOp Build(LayerBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new Conv1dOp(this, context);
    }

    /// <summary>The validated geometry (<see cref="Conv2dGeometry.For1d"/>) of this convolution on <paramref name="input"/>.</summary>
    internal Conv2dGeometry Geometry(TensorShape input)
    {
        ConvText.CheckChannels(InChannels, OutChannels, Groups);
        ConvText.CheckWindow("kernel", 1, Kernel, 1, Stride, 0, Padding, 1, Dilation);
        if (input.Channels != InChannels || input.Height != 1)
        {
            throw new ArgumentException($"expects a 1-D signal [{InChannels}, 1, length] ({InChannels} channels, height 1), but gets {input}.");
        }

        ConvText.CheckFits("kernel", "length", Kernel, Dilation, Padding, input.Width);
        return Conv2dGeometry.For1d(InChannels, OutChannels, input.Width, Kernel, Stride, Padding, Dilation, Groups);
    }
}

/// <summary>
/// The op of a <see cref="Conv2dSpec"/>: every frame (sample and step) of a chunk <c>[T, samples, C_in, H, W]</c> convolved
/// at once as <c>T x samples</c> frames by <see cref="Conv2dKernels"/>. Fed spikes (<see cref="LayerBuildContext.InputKind"/> is
/// <see cref="ValueKind.Spikes"/>) it runs the event-driven kernel (for each input spike, the kernel slice is added into its
/// output window: additions only, work in proportion to the spikes); fed analog values, the im2col + GEMM kernel. Both give
/// the same bits on 0/1 input. The backward pass: the input gradient by the transposed convolution (only when the layer
/// below needs it), the weight gradient by GEMM over the unfolded input, the bias gradient by summation, each chunk into its
/// own share of <see cref="LayerGradients"/>.
/// </summary>
/// <remarks>
/// Parameters, in this order (checkpoints rely on it): <see cref="Weight"/> <c>[OutChannels, InChannels / Groups, KernelHeight, KernelWidth]</c>
/// named <c>"&lt;layer&gt; weight"</c>, then <see cref="Bias"/> <c>[OutChannels]</c> named <c>"&lt;layer&gt; bias"</c> (when the spec has one).
/// The frames of a chunk's padding samples (beyond <see cref="LayerChunk.ValidSamples"/>) are not computed: their output is
/// zero and they add nothing to the gradients.
/// </remarks>
public sealed class Conv2dOp : LayerOp
{
    private readonly ConvCore _core;

    /// <summary>Builds the layer of <paramref name="spec"/> on <c>context.Input</c> and initialises it from <c>context.Seed</c>.</summary>
    /// <exception cref="ArgumentException">The spec does not accept <c>context.Input</c> (see <see cref="Conv2dSpec.OutputShape"/>).</exception>
    public Conv2dOp(Conv2dSpec spec, LayerBuildContext context)
        : this(spec ?? throw new ArgumentNullException(nameof(spec)), context ?? throw new ArgumentNullException(nameof(context)), spec.Geometry(context.Input))
    {
    }

    private Conv2dOp(Conv2dSpec spec, LayerBuildContext context, Conv2dGeometry g)
        : base(context.Input, new TensorShape(g.OutChannels, g.OutputHeight, g.OutputWidth), spec.Describe(context.Input))
    {
        _core = new ConvCore(g, [g.OutChannels, g.InChannels / g.Groups, g.KernelHeight, g.KernelWidth], spec.Bias, spec.Init, context, Description);
    }

    /// <summary>The convolution's validated shape.</summary>
    public Conv2dGeometry Geometry => _core.Geometry;

    /// <summary>Whether the forward pass runs the event-driven kernel (the layer is fed spikes).</summary>
    public bool EventDriven => _core.Spikes;

    /// <summary>The weight <c>[OutChannels, InChannels / Groups, KernelHeight, KernelWidth]</c>, row-major, and its gradient.</summary>
    public Parameter Weight => _core.Weight;

    /// <summary>The bias <c>[OutChannels]</c> and its gradient, or null for a layer without bias.</summary>
    public Parameter? Bias => _core.Bias;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _core.Parameters;

    /// <inheritdoc/>
    public override void CheckSizes(int steps, int samples) => _core.CheckSizes(steps, samples);

    /// <summary>One buffer of <see cref="Conv2dGeometry.WorkspaceLength"/> floats (one group's unfolded frame), whatever the chunk.</summary>
    public override LayerWorkspace CreateWorkspace(int steps, int samples) => _core.CreateWorkspace();

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A buffer is shorter than the chunk, or the layer reads spikes and the input holds a value other than 0 or 1 (the step, sample and unit are named).</exception>
    public override void Forward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, Span<float> output) =>
        _core.Forward(workspace, chunk, input, output);

    /// <inheritdoc/>
    public override void Backward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradMembrane, Span<float> gradInput, LayerGradients? gradients) =>
        _core.Backward(workspace, chunk, input, gradOutput, gradInput, gradients);
}

/// <summary>
/// The op of a <see cref="Conv1dSpec"/>: the 2-D convolution of <see cref="Conv2dOp"/> on frames <c>[C_in, 1, L]</c>
/// (<see cref="Conv2dGeometry.For1d"/>), with the same kernels, event-driven path and gradients.
/// </summary>
/// <remarks>
/// Parameters, in this order: <see cref="Weight"/> <c>[OutChannels, InChannels / Groups, Kernel]</c> (libtorch's <c>Conv1d</c> layout)
/// named <c>"&lt;layer&gt; weight"</c>, then <see cref="Bias"/> <c>[OutChannels]</c> named <c>"&lt;layer&gt; bias"</c>.
/// </remarks>
public sealed class Conv1dOp : LayerOp
{
    private readonly ConvCore _core;

    /// <summary>Builds the layer of <paramref name="spec"/> on <c>context.Input</c> and initialises it from <c>context.Seed</c>.</summary>
    /// <exception cref="ArgumentException">The spec does not accept <c>context.Input</c> (see <see cref="Conv1dSpec.OutputShape"/>).</exception>
    public Conv1dOp(Conv1dSpec spec, LayerBuildContext context)
        : this(spec ?? throw new ArgumentNullException(nameof(spec)), context ?? throw new ArgumentNullException(nameof(context)), spec.Geometry(context.Input))
    {
    }

    private Conv1dOp(Conv1dSpec spec, LayerBuildContext context, Conv2dGeometry g)
        : base(context.Input, new TensorShape(g.OutChannels, 1, g.OutputWidth), spec.Describe(context.Input))
    {
        _core = new ConvCore(g, [g.OutChannels, g.InChannels / g.Groups, g.KernelWidth], spec.Bias, spec.Init, context, Description);
    }

    /// <summary>The convolution's validated shape, as the 2-D geometry of height 1.</summary>
    public Conv2dGeometry Geometry => _core.Geometry;

    /// <summary>Whether the forward pass runs the event-driven kernel (the layer is fed spikes).</summary>
    public bool EventDriven => _core.Spikes;

    /// <summary>The weight <c>[OutChannels, InChannels / Groups, Kernel]</c>, row-major, and its gradient.</summary>
    public Parameter Weight => _core.Weight;

    /// <summary>The bias <c>[OutChannels]</c> and its gradient, or null for a layer without bias.</summary>
    public Parameter? Bias => _core.Bias;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _core.Parameters;

    /// <inheritdoc/>
    public override void CheckSizes(int steps, int samples) => _core.CheckSizes(steps, samples);

    /// <summary>One buffer of <see cref="Conv2dGeometry.WorkspaceLength"/> floats, whatever the chunk.</summary>
    public override LayerWorkspace CreateWorkspace(int steps, int samples) => _core.CreateWorkspace();

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A buffer is shorter than the chunk, or the layer reads spikes and the input holds a value other than 0 or 1.</exception>
    public override void Forward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, Span<float> output) =>
        _core.Forward(workspace, chunk, input, output);

    /// <inheritdoc/>
    public override void Backward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradMembrane, Span<float> gradInput, LayerGradients? gradients) =>
        _core.Backward(workspace, chunk, input, gradOutput, gradInput, gradients);
}

/// <summary>The parameters, initialisation, forward and backward passes shared by <see cref="Conv2dOp"/> and <see cref="Conv1dOp"/>.</summary>
internal sealed class ConvCore
{
    private readonly string _label, _description;

    public ConvCore(Conv2dGeometry geometry, int[] weightShape, bool bias, DenseInit init, LayerBuildContext context, string description)
    {
        Geometry = geometry;
        Spikes = context.InputKind == ValueKind.Spikes;
        _label = context.Name.Length == 0 ? "The layer" : char.ToUpperInvariant(context.Name[0]) + context.Name[1..];
        _description = description;
        Weight = new Parameter($"{context.Name} weight", weightShape);
        Bias = bias ? new Parameter($"{context.Name} bias", geometry.OutChannels) : null;
        Parameters = Bias is null ? [Weight] : [Weight, Bias];
        int taps = geometry.KernelHeight * geometry.KernelWidth; // at most WeightLength
        Initialize(init, context.Seed, fanIn: geometry.ColumnRows, fanOut: (long)geometry.OutChannels * taps);
    }

    public Conv2dGeometry Geometry { get; }

    public bool Spikes { get; }

    public Parameter Weight { get; }

    public Parameter? Bias { get; }

    public Parameter[] Parameters { get; }

    /// <summary>
    /// Fills the parameters from a seeded SplitMix64 stream (as <see cref="DenseLayer.Initialize"/>): the weight first, in
    /// row-major order, then the bias; normal draws by Box-Muller in double precision.
    /// </summary>
    private void Initialize(DenseInit init, ulong seed, int fanIn, long fanOut)
    {
        var rng = new SplitMix64(SplitMix64.Mix(seed ^ 0x5DEECE66DUL));
        float[] w = Weight.Value;
        switch (init)
        {
            case DenseInit.Uniform:
                double bound = 1.0 / Math.Sqrt(fanIn);
                for (int i = 0; i < w.Length; i++) w[i] = (float)((2 * Unit(ref rng) - 1) * bound);
                if (Bias is not null)
                {
                    for (int i = 0; i < Bias.Length; i++) Bias.Value[i] = (float)((2 * Unit(ref rng) - 1) * bound);
                }

                break;
            case DenseInit.KaimingNormal:
            case DenseInit.XavierNormal:
                double std = init == DenseInit.KaimingNormal ? Math.Sqrt(2.0 / fanIn) : Math.Sqrt(2.0 / (fanIn + (double)fanOut));
                for (int i = 0; i < w.Length; i++) w[i] = (float)(std * Normal(ref rng));
                break; // the bias stays zero
            default:
                throw new ArgumentOutOfRangeException(nameof(init), init, "Unknown initialiser; use DenseInit.Uniform, KaimingNormal or XavierNormal.");
        }
    }

    private static double Unit(ref SplitMix64 rng) => (rng.Next() >> 11) * (1.0 / (1UL << 53));

    private static double Normal(ref SplitMix64 rng)
    {
        double u1 = 1.0 - Unit(ref rng); // (0, 1]
        double u2 = Unit(ref rng);
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public void CheckSizes(int steps, int samples) =>
        ArraySize.Of(nameof(steps), steps, "A chunk's frames [steps, options.ChunkSize]", "lower steps or options.ChunkSize (each chunk keeps every step of its samples)", 0, steps, samples);

    public LayerWorkspace CreateWorkspace() => new Workspace(new float[Geometry.WorkspaceLength]);

    public void Forward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, Span<float> output)
    {
        var ws = Cast(workspace);
        int inLen = Geometry.InputFrameLength, outLen = Geometry.OutputFrameLength;
        LayerChunks.Check(chunk, input.Length, inLen, nameof(input), output.Length, outLen, nameof(output));
        int valid = chunk.ValidSamples, samples = chunk.Samples;
        if (valid == samples)
        {
            ForwardFrames(ws, chunk, 0, chunk.Rows, input, output);
            return;
        }

        // A partial chunk: each step's real samples, the padding's output zero.
        for (int t = 0; t < chunk.Steps; t++)
        {
            int first = t * samples;
            ForwardFrames(ws, chunk, first, valid, input.Slice(first * inLen, valid * inLen), output.Slice(first * outLen, valid * outLen));
            output.Slice((first + valid) * outLen, (samples - valid) * outLen).Clear();
        }
    }

    private void ForwardFrames(Workspace ws, in LayerChunk chunk, int firstFrame, int frames, ReadOnlySpan<float> input, Span<float> output)
    {
        ReadOnlySpan<float> bias = Bias is null ? ReadOnlySpan<float>.Empty : Bias.Value;
        if (!Spikes)
        {
            Conv2dKernels.Forward(Geometry, frames, input, Weight.Value, bias, output, ws.Scratch);
            return;
        }

        try
        {
            Conv2dKernels.ForwardSpikes(Geometry, frames, input, Weight.Value, bias, output);
        }
        catch (ArgumentException e) when (e.ParamName == "input")
        {
            throw NotSpikes(chunk, firstFrame, frames, input, e);
        }
    }

    /// <summary>The event-driven kernel met a value other than 0 or 1: name the step, sample and unit in the chunk.</summary>
    private ArgumentException NotSpikes(in LayerChunk chunk, int firstFrame, int frames, ReadOnlySpan<float> input, ArgumentException inner)
    {
        int len = Geometry.InputFrameLength;
        for (int i = 0; i < frames * len; i++)
        {
            float v = input[i];
            if (v == 0f || v == 1f) continue;
            int frame = firstFrame + i / len;
            return new ArgumentException(
                $"{_label} ({_description}) reads spikes (its input is ValueKind.Spikes), but its input holds {v.ToString(CultureInfo.InvariantCulture)} at time step {frame / chunk.Samples}, " +
                $"sample {chunk.FirstSample + frame % chunk.Samples}, unit {i % len}; the layer before it must output exactly 0 or 1 (or declare the network's input ValueKind.Analog).",
                "input", inner);
        }

        return inner;
    }

    public void Backward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput,
        Span<float> gradInput, LayerGradients? gradients)
    {
        var ws = Cast(workspace);
        ArgumentNullException.ThrowIfNull(gradients);
        int inLen = Geometry.InputFrameLength, outLen = Geometry.OutputFrameLength;
        LayerChunks.Check(chunk, input.Length, inLen, nameof(input), gradOutput.Length, outLen, nameof(gradOutput));
        if (!gradInput.IsEmpty)
        {
            LayerChunks.Check(chunk, gradInput.Length, inLen, nameof(gradInput), gradOutput.Length, outLen, nameof(gradOutput));
            gradInput.Slice(0, chunk.Rows * inLen).Clear(); // the kernel adds into it
        }

        Span<float> gradWeight = gradients[chunk.Index, 0];
        Span<float> gradBias = Bias is null ? Span<float>.Empty : gradients[chunk.Index, 1];
        int valid = chunk.ValidSamples, samples = chunk.Samples;
        if (valid == samples)
        {
            BackwardFrames(ws, chunk.Rows, input, gradOutput, gradInput, gradWeight, gradBias);
            return;
        }

        for (int t = 0; t < chunk.Steps; t++)
        {
            int first = t * samples;
            BackwardFrames(ws, valid, input.Slice(first * inLen, valid * inLen), gradOutput.Slice(first * outLen, valid * outLen),
                gradInput.IsEmpty ? gradInput : gradInput.Slice(first * inLen, valid * inLen), gradWeight, gradBias);
        }
    }

    private void BackwardFrames(Workspace ws, int frames, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradInput,
        Span<float> gradWeight, Span<float> gradBias)
    {
        if (!gradInput.IsEmpty) Conv2dKernels.BackwardInput(Geometry, frames, gradOutput, Weight.Value, gradInput, ws.Scratch);
        Conv2dKernels.BackwardWeight(Geometry, frames, input, gradOutput, gradWeight, ws.Scratch);
        if (!gradBias.IsEmpty) Conv2dKernels.BackwardBias(Geometry, frames, gradOutput, gradBias);
    }

    private Workspace Cast(LayerWorkspace workspace) => workspace as Workspace
        ?? throw new ArgumentException($"{_label} ({_description}): the workspace was not made by this layer's CreateWorkspace.", nameof(workspace));

    private sealed class Workspace(float[] scratch) : LayerWorkspace
    {
        /// <summary>One group's unfolded frame, <see cref="Conv2dGeometry.WorkspaceLength"/> floats.</summary>
        public float[] Scratch { get; } = scratch;
    }
}

/// <summary>Checks and message fragments shared by the convolution and pooling specs and ops.</summary>
internal static class ConvText
{
    /// <summary><c>" stride 2"</c>, <c>" stride 2x1"</c>, or nothing for the default.</summary>
    public static string Pair(string name, int height, int width, int defaultValue) =>
        height == defaultValue && width == defaultValue ? "" :
        height == width ? FormattableString.Invariant($" {name} {height}") : FormattableString.Invariant($" {name} {height}x{width}");

    /// <summary><c>" groups 2"</c>, or nothing for the default.</summary>
    public static string Single(string name, int value, int defaultValue) =>
        value == defaultValue ? "" : FormattableString.Invariant($" {name} {value}");

    public static void CheckChannels(int inChannels, int outChannels, int groups)
    {
        if (inChannels < 1 || outChannels < 1 || groups < 1)
            throw new ArgumentException($"has {inChannels} input channels, {outChannels} output channels and {groups} groups; each must be at least 1.");
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"has {groups} groups, which must divide both its {inChannels} input channels and its {outChannels} output channels.");
    }

    /// <summary>Refuses a window (kernel) size below 1, a stride below 1, a negative padding or a dilation below 1.</summary>
    public static void CheckWindow(string window, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw)
    {
        if (kh < 1 || kw < 1) throw new ArgumentException($"has a {kh}x{kw} {window}; each side must be at least 1.");
        if (sh < 1 || sw < 1) throw new ArgumentException($"has stride {sh}x{sw}; each must be at least 1.");
        if (ph < 0 || pw < 0) throw new ArgumentException($"has padding {ph}x{pw}; each must be at least 0.");
        if (dh < 1 || dw < 1) throw new ArgumentException($"has dilation {dh}x{dw}; each must be at least 1.");
    }

    /// <summary>Refuses a dilated window longer than the padded input along one dimension.</summary>
    public static void CheckFits(string window, string dimension, int size, int dilation, int padding, int input)
    {
        long extent = (long)dilation * (size - 1) + 1, padded = input + 2L * padding;
        if (extent <= padded) return;
        string dilated = dilation == 1 ? "" : $" (dilated by {dilation}: {extent})";
        throw new ArgumentException(
            $"its {window} {dimension} {size}{dilated} exceeds the padded input {dimension} {input} + 2 x {padding} = {padded}; " +
            $"use a smaller {window}{(dilation == 1 ? "" : " or dilation")}, more padding, or a larger input.");
    }
}

/// <summary>The length checks of an op's chunk buffers.</summary>
internal static class LayerChunks
{
    /// <summary>
    /// Refuses a chunk whose counts are out of range (<see cref="LayerChunk.ValidSamples"/> outside 1 to
    /// <see cref="LayerChunk.Samples"/>) or buffers shorter than <c>Rows</c> frames of <paramref name="inFrame"/> and
    /// <paramref name="outFrame"/> floats.
    /// </summary>
    public static void Check(in LayerChunk chunk, int inLength, int inFrame, string inName, int outLength, int outFrame, string outName)
    {
        if (chunk.Steps < 0 || chunk.Samples < 1 || chunk.ValidSamples < 1 || chunk.ValidSamples > chunk.Samples)
        {
            throw new ArgumentOutOfRangeException(nameof(chunk), chunk,
                $"Expected a chunk of at least 0 steps, at least 1 sample and 1 to Samples valid samples; got {chunk.Steps} steps, {chunk.Samples} samples, {chunk.ValidSamples} valid.");
        }

        long rows = (long)chunk.Steps * chunk.Samples;
        if (inLength < rows * inFrame)
            throw new ArgumentException($"{inName} has {inLength} floats; the chunk [steps, samples, frame] needs {chunk.Steps} x {chunk.Samples} x {inFrame} = {rows * inFrame}.", inName);
        if (outLength < rows * outFrame)
            throw new ArgumentException($"{outName} has {outLength} floats; the chunk [steps, samples, frame] needs {chunk.Steps} x {chunk.Samples} x {outFrame} = {rows * outFrame}.", outName);
    }
}
