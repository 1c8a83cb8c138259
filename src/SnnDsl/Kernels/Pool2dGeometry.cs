using System;

namespace SnnDsl.Kernels;

/// <summary>
/// The validated shape of a 2-D max or average pooling, in libtorch's conventions: a frame is
/// <c>[Channels, InputHeight, InputWidth]</c> (NCHW per sample), each channel pooled on its own, and an output frame is
/// <c>[Channels, OutputHeight, OutputWidth]</c> with
/// <c>OutputHeight = floor((InputHeight + 2 PaddingHeight - KernelHeight) / StrideHeight) + 1</c> (the same across).
/// The stride defaults to the kernel size, as in libtorch. Padding is at most half the kernel (libtorch's rule), so
/// every window holds at least one input element. Not supported: dilation, <c>ceil_mode</c>, <c>divisor_override</c>.
/// </summary>
/// <remarks>The constructor checks every size once; <c>default(Pool2dGeometry)</c> is not valid and the kernels refuse it.</remarks>
public readonly record struct Pool2dGeometry
{
    /// <summary>Channels <c>C</c>, at least 1.</summary>
    public int Channels { get; }

    /// <summary>Input frame height <c>H</c>, at least 1.</summary>
    public int InputHeight { get; }

    /// <summary>Input frame width <c>W</c>, at least 1.</summary>
    public int InputWidth { get; }

    /// <summary>Window height <c>kH</c>, at least 1.</summary>
    public int KernelHeight { get; }

    /// <summary>Window width <c>kW</c>, at least 1.</summary>
    public int KernelWidth { get; }

    /// <summary>Vertical stride <c>sH</c>, at least 1.</summary>
    public int StrideHeight { get; }

    /// <summary>Horizontal stride <c>sW</c>, at least 1.</summary>
    public int StrideWidth { get; }

    /// <summary>Padding above and below, <c>0 &lt;= pH &lt;= kH / 2</c>; padded cells are never the maximum, and count as zeros in an average with <c>countIncludePad</c>.</summary>
    public int PaddingHeight { get; }

    /// <summary>Padding left and right, <c>0 &lt;= pW &lt;= kW / 2</c>.</summary>
    public int PaddingWidth { get; }

    /// <summary><c>floor((H + 2 pH - kH) / sH) + 1</c>, at least 1.</summary>
    public int OutputHeight { get; }

    /// <summary><c>floor((W + 2 pW - kW) / sW) + 1</c>, at least 1.</summary>
    public int OutputWidth { get; }

    /// <summary>Elements of an input frame, <c>C H W</c>.</summary>
    public int InputFrameLength { get; }

    /// <summary>Elements of an output frame, <c>C OH OW</c>.</summary>
    public int OutputFrameLength { get; }

    /// <summary>Whether this value was built by the constructor (false for <c>default(Pool2dGeometry)</c>).</summary>
    public bool IsValid => Channels > 0;

    /// <summary>Validates a pooling shape and computes its output size.</summary>
    /// <param name="channels">Channels, at least 1.</param>
    /// <param name="inputHeight">Input frame height, at least 1.</param>
    /// <param name="inputWidth">Input frame width, at least 1.</param>
    /// <param name="kernelHeight">Window height, at least 1 and at most <c>H + 2 pH</c>.</param>
    /// <param name="kernelWidth">Window width, at least 1 and at most <c>W + 2 pW</c>.</param>
    /// <param name="strideHeight">Vertical stride, at least 1; null for <paramref name="kernelHeight"/> (libtorch's default).</param>
    /// <param name="strideWidth">Horizontal stride, at least 1; null for <paramref name="kernelWidth"/>.</param>
    /// <param name="paddingHeight">Padding above and below, from 0 to <c>kernelHeight / 2</c>.</param>
    /// <param name="paddingWidth">Padding left and right, from 0 to <c>kernelWidth / 2</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of its range (the argument is named, with the range expected).</exception>
    public Pool2dGeometry(int channels, int inputHeight, int inputWidth, int kernelHeight, int kernelWidth,
        int? strideHeight = null, int? strideWidth = null, int paddingHeight = 0, int paddingWidth = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelWidth, 1);
        int sh = strideHeight ?? kernelHeight, sw = strideWidth ?? kernelWidth;
        ArgumentOutOfRangeException.ThrowIfLessThan(sh, 1, nameof(strideHeight));
        ArgumentOutOfRangeException.ThrowIfLessThan(sw, 1, nameof(strideWidth));
        CheckPadding(paddingHeight, kernelHeight, nameof(paddingHeight), nameof(kernelHeight));
        CheckPadding(paddingWidth, kernelWidth, nameof(paddingWidth), nameof(kernelWidth));
        OutputHeight = Conv2dGeometry.OutputSize(inputHeight, kernelHeight, sh, paddingHeight, 1, nameof(kernelHeight), nameof(inputHeight), nameof(paddingHeight), "dilation");
        OutputWidth = Conv2dGeometry.OutputSize(inputWidth, kernelWidth, sw, paddingWidth, 1, nameof(kernelWidth), nameof(inputWidth), nameof(paddingWidth), "dilation");
        Channels = channels;
        InputHeight = inputHeight;
        InputWidth = inputWidth;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        StrideHeight = sh;
        StrideWidth = sw;
        PaddingHeight = paddingHeight;
        PaddingWidth = paddingWidth;
        InputFrameLength = ArraySize.Of(nameof(channels), channels, "An input frame [channels, inputHeight, inputWidth]", "use fewer channels or a smaller frame", 0, channels, inputHeight, inputWidth);
        OutputFrameLength = ArraySize.Of(nameof(channels), channels, "An output frame [channels, outputHeight, outputWidth]", "use fewer channels or a smaller frame", 0, channels, OutputHeight, OutputWidth);
    }

    private static void CheckPadding(int padding, int kernel, string paddingName, string kernelName)
    {
        if (padding < 0 || padding > kernel / 2)
        {
            throw new ArgumentOutOfRangeException(paddingName, padding,
                $"{paddingName} must be from 0 to {kernelName} / 2 = {kernel / 2} (libtorch's rule: every window then holds an input element).");
        }
    }
}
