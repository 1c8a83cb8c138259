using System;

namespace SnnDsl.Kernels;

/// <summary>
/// The validated shape of a 2-D convolution, in libtorch's conventions: a frame (one sample at one time step)
/// is <c>[InChannels, InputHeight, InputWidth]</c> (NCHW per sample), the weight is
/// <c>[OutChannels, InChannels / Groups, KernelHeight, KernelWidth]</c>, the bias is <c>[OutChannels]</c> and an
/// output frame is <c>[OutChannels, OutputHeight, OutputWidth]</c> with
/// <c>OutputHeight = floor((InputHeight + 2 PaddingHeight - DilationHeight (KernelHeight - 1) - 1) / StrideHeight) + 1</c>
/// (the same for the width). Padding is zeros; there is no <c>ceil_mode</c> (libtorch's convolution has none).
/// </summary>
/// <remarks>
/// <para>
/// The value is immutable: every size is checked once by the constructor (an <see cref="ArgumentOutOfRangeException"/>
/// or <see cref="ArgumentException"/> naming the argument and the expected range), and all derived lengths are
/// computed there with overflow-checked arithmetic, so the kernels in <see cref="Conv2dKernels"/> only compare span
/// lengths. <c>default(Conv2dGeometry)</c> is not a valid geometry; the kernels refuse it.
/// </para>
/// <para>
/// Output channel <c>o</c> belongs to group <c>o / (OutChannels / Groups)</c> and sees only the input channels
/// <c>[g InChannels / Groups, (g + 1) InChannels / Groups)</c> of its group <c>g</c>, as in libtorch.
/// A 1-D convolution is the special case <c>InputHeight = KernelHeight = 1</c>, see <see cref="For1d"/>.
/// </para>
/// </remarks>
public readonly record struct Conv2dGeometry
{
    /// <summary>Input channels <c>C_in</c>, at least 1 and a multiple of <see cref="Groups"/>.</summary>
    public int InChannels { get; }

    /// <summary>Output channels <c>C_out</c>, at least 1 and a multiple of <see cref="Groups"/>.</summary>
    public int OutChannels { get; }

    /// <summary>Height <c>H</c> of an input frame, at least 1.</summary>
    public int InputHeight { get; }

    /// <summary>Width <c>W</c> of an input frame, at least 1.</summary>
    public int InputWidth { get; }

    /// <summary>Kernel height <c>kH</c>, at least 1.</summary>
    public int KernelHeight { get; }

    /// <summary>Kernel width <c>kW</c>, at least 1.</summary>
    public int KernelWidth { get; }

    /// <summary>Vertical stride <c>sH</c>, at least 1.</summary>
    public int StrideHeight { get; }

    /// <summary>Horizontal stride <c>sW</c>, at least 1.</summary>
    public int StrideWidth { get; }

    /// <summary>Zero rows added above and below the input, <c>pH</c>, at least 0.</summary>
    public int PaddingHeight { get; }

    /// <summary>Zero columns added left and right of the input, <c>pW</c>, at least 0.</summary>
    public int PaddingWidth { get; }

    /// <summary>Vertical spacing <c>dH</c> between kernel taps, at least 1 (1 = a dense kernel).</summary>
    public int DilationHeight { get; }

    /// <summary>Horizontal spacing <c>dW</c> between kernel taps, at least 1 (1 = a dense kernel).</summary>
    public int DilationWidth { get; }

    /// <summary>Number of channel groups, at least 1, dividing both channel counts (<c>Groups = InChannels</c> is a depthwise convolution).</summary>
    public int Groups { get; }

    /// <summary><c>floor((H + 2 pH - dH (kH - 1) - 1) / sH) + 1</c>, at least 1.</summary>
    public int OutputHeight { get; }

    /// <summary><c>floor((W + 2 pW - dW (kW - 1) - 1) / sW) + 1</c>, at least 1.</summary>
    public int OutputWidth { get; }

    /// <summary>Elements of an input frame, <c>C_in H W</c>.</summary>
    public int InputFrameLength { get; }

    /// <summary>Elements of an output frame, <c>C_out OutputHeight OutputWidth</c>.</summary>
    public int OutputFrameLength { get; }

    /// <summary>Elements of the weight, <c>C_out (C_in / Groups) kH kW</c>.</summary>
    public int WeightLength { get; }

    /// <summary>
    /// Rows of the unfolded input of one group (im2col), <c>K = (C_in / Groups) kH kW</c>: the length of the reduction
    /// behind each output element. Row <c>(c kH + ky) kW + kx</c> holds input channel <c>c</c> (within the group) at tap <c>(ky, kx)</c>,
    /// the same order as a weight row.
    /// </summary>
    public int ColumnRows { get; }

    /// <summary>Output positions per channel, <c>P = OutputHeight OutputWidth</c>.</summary>
    public int OutputPlane { get; }

    /// <summary>
    /// Floats of the workspace <see cref="Conv2dKernels.Forward"/>, <see cref="Conv2dKernels.BackwardInput"/> and
    /// <see cref="Conv2dKernels.BackwardWeight"/> need: one group's unfolded frame, <c>K P</c> (<see cref="ColumnRows"/> x
    /// <see cref="OutputPlane"/>). Allocate it once and reuse it for every call.
    /// </summary>
    public int WorkspaceLength { get; }

    /// <summary>Whether this value was built by the constructor (false for <c>default(Conv2dGeometry)</c>).</summary>
    public bool IsValid => InChannels > 0;

    /// <summary>Validates a convolution's shape and computes its output size and buffer lengths.</summary>
    /// <param name="inChannels">Input channels, at least 1, a multiple of <paramref name="groups"/>.</param>
    /// <param name="outChannels">Output channels, at least 1, a multiple of <paramref name="groups"/>.</param>
    /// <param name="inputHeight">Input frame height, at least 1.</param>
    /// <param name="inputWidth">Input frame width, at least 1.</param>
    /// <param name="kernelHeight">Kernel height, at least 1; its dilated extent <c>dH (kH - 1) + 1</c> must fit in <c>H + 2 pH</c>.</param>
    /// <param name="kernelWidth">Kernel width, at least 1; its dilated extent <c>dW (kW - 1) + 1</c> must fit in <c>W + 2 pW</c>.</param>
    /// <param name="strideHeight">Vertical stride, at least 1.</param>
    /// <param name="strideWidth">Horizontal stride, at least 1.</param>
    /// <param name="paddingHeight">Zero padding above and below, at least 0.</param>
    /// <param name="paddingWidth">Zero padding left and right, at least 0.</param>
    /// <param name="dilationHeight">Vertical tap spacing, at least 1.</param>
    /// <param name="dilationWidth">Horizontal tap spacing, at least 1.</param>
    /// <param name="groups">Channel groups, at least 1, dividing both channel counts.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of its range, the kernel does not fit the padded input, or a buffer would exceed <see cref="Array.MaxLength"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="groups"/> does not divide a channel count.</exception>
    public Conv2dGeometry(int inChannels, int outChannels, int inputHeight, int inputWidth, int kernelHeight, int kernelWidth,
        int strideHeight = 1, int strideWidth = 1, int paddingHeight = 0, int paddingWidth = 0,
        int dilationHeight = 1, int dilationWidth = 1, int groups = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(strideHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(strideWidth, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(paddingHeight);
        ArgumentOutOfRangeException.ThrowIfNegative(paddingWidth);
        ArgumentOutOfRangeException.ThrowIfLessThan(dilationHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dilationWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        if (inChannels % groups != 0)
        {
            throw new ArgumentException($"groups = {groups} must divide inChannels = {inChannels} (each group sees inChannels / groups input channels).", nameof(groups));
        }

        if (outChannels % groups != 0)
        {
            throw new ArgumentException($"groups = {groups} must divide outChannels = {outChannels} (each group produces outChannels / groups output channels).", nameof(groups));
        }

        OutputHeight = OutputSize(inputHeight, kernelHeight, strideHeight, paddingHeight, dilationHeight, nameof(kernelHeight), "inputHeight", "paddingHeight", "dilationHeight");
        OutputWidth = OutputSize(inputWidth, kernelWidth, strideWidth, paddingWidth, dilationWidth, nameof(kernelWidth), "inputWidth", "paddingWidth", "dilationWidth");
        InChannels = inChannels;
        OutChannels = outChannels;
        InputHeight = inputHeight;
        InputWidth = inputWidth;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        StrideHeight = strideHeight;
        StrideWidth = strideWidth;
        PaddingHeight = paddingHeight;
        PaddingWidth = paddingWidth;
        DilationHeight = dilationHeight;
        DilationWidth = dilationWidth;
        Groups = groups;

        const string fix = "use fewer channels or a smaller frame";
        InputFrameLength = ArraySize.Of(nameof(inChannels), inChannels, "An input frame [inChannels, inputHeight, inputWidth]", fix, 0, inChannels, inputHeight, inputWidth);
        OutputFrameLength = ArraySize.Of(nameof(outChannels), outChannels, "An output frame [outChannels, outputHeight, outputWidth]", fix, 0, outChannels, OutputHeight, OutputWidth);
        WeightLength = ArraySize.Of(nameof(outChannels), outChannels, "The weight [outChannels, inChannels / groups, kernelHeight, kernelWidth]", "use fewer channels or a smaller kernel", 0,
            outChannels, inChannels / groups, kernelHeight, kernelWidth);
        ColumnRows = ArraySize.Of(nameof(inChannels), inChannels, "The unfolded rows [inChannels / groups, kernelHeight, kernelWidth]", "use fewer channels or a smaller kernel", 0,
            inChannels / groups, kernelHeight, kernelWidth);
        OutputPlane = OutputHeight * OutputWidth; // at most OutputFrameLength, checked above
        WorkspaceLength = ArraySize.Of(nameof(inChannels), inChannels, "The workspace [inChannels / groups x kernelHeight x kernelWidth, outputHeight x outputWidth]",
            "use fewer channels, a smaller kernel or a smaller frame", 0, ColumnRows, OutputPlane);
    }

    /// <summary>
    /// A 1-D convolution over frames <c>[inChannels, length]</c> (libtorch's <c>Conv1d</c>, weight <c>[outChannels, inChannels / groups, kernel]</c>)
    /// as the 2-D geometry with <c>InputHeight = KernelHeight = 1</c>; the output length is <see cref="OutputWidth"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">As the constructor; the length-wise arguments are reported under their 2-D names (<c>inputWidth</c>, <c>kernelWidth</c>, ...).</exception>
    public static Conv2dGeometry For1d(int inChannels, int outChannels, int length, int kernel, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        new(inChannels, outChannels, 1, length, 1, kernel, 1, stride, 0, padding, 1, dilation, groups);

    /// <summary>
    /// <c>floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1</c> in 64-bit arithmetic, refused below 1 with the kernel's parameter named.
    /// </summary>
    internal static int OutputSize(int size, int kernel, int stride, int padding, int dilation, string kernelName, string sizeName, string paddingName, string dilationName)
    {
        long padded = size + 2L * padding;
        long extent = (long)dilation * (kernel - 1) + 1;
        if (extent > padded)
        {
            throw new ArgumentOutOfRangeException(kernelName, kernel,
                $"The dilated kernel extent {dilationName} ({kernelName} - 1) + 1 = {extent} exceeds the padded input {sizeName} + 2 {paddingName} = {padded}; " +
                $"use a kernel of at most {(padded - 1) / dilation + 1} taps, more padding, or less dilation.");
        }

        long output = (padded - extent) / stride + 1;
        if (output > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(paddingName, padding,
                $"The output size floor(({sizeName} + 2 {paddingName} - {dilationName} ({kernelName} - 1) - 1) / stride) + 1 = {output} exceeds {Array.MaxLength}; use less padding.");
        }

        return (int)output;
    }
}
