using System;
using SnnDsl.Kernels;

namespace SnnDsl.Tests.Kernels;

/// <summary>Conv2dGeometry and Pool2dGeometry: libtorch's output size formula, derived lengths, and errors naming the argument.</summary>
public class GeometryTests
{
    [Theory]
    // H, k, s, p, d -> floor((H + 2p - d(k - 1) - 1) / s) + 1
    [InlineData(7, 3, 2, 1, 1, 4)]   // (7 + 2 - 2 - 1) / 2 + 1 = 4
    [InlineData(10, 3, 1, 0, 2, 6)]  // (10 - 4 - 1) / 1 + 1 = 6
    [InlineData(5, 5, 1, 0, 1, 1)]   // the kernel fills the input
    [InlineData(8, 3, 3, 0, 1, 2)]   // (8 - 2 - 1) / 3 + 1 = 2 (floor: the last row is dropped)
    [InlineData(1, 3, 1, 1, 1, 1)]   // a single pixel padded to 3
    public void Output_size_follows_libtorch(int size, int k, int s, int p, int d, int expected)
    {
        var g = new Conv2dGeometry(2, 6, size, size + 1, k, k, s, s, p, p, d, d, groups: 2);
        Assert.Equal(expected, g.OutputHeight);
        Assert.Equal((size + 1 + 2 * p - d * (k - 1) - 1) / s + 1, g.OutputWidth);
        Assert.Equal(2 * size * (size + 1), g.InputFrameLength);
        Assert.Equal(6 * g.OutputHeight * g.OutputWidth, g.OutputFrameLength);
        Assert.Equal(6 * 1 * k * k, g.WeightLength);
        Assert.Equal(k * k, g.ColumnRows);
        Assert.Equal(k * k * g.OutputHeight * g.OutputWidth, g.WorkspaceLength);
        Assert.True(g.IsValid);
        Assert.False(default(Conv2dGeometry).IsValid);
    }

    [Theory]
    [InlineData("inChannels", 0, 1, 5, 5, 3, 3, 1, 1, 0, 0, 1, 1, 1)]
    [InlineData("outChannels", 1, 0, 5, 5, 3, 3, 1, 1, 0, 0, 1, 1, 1)]
    [InlineData("inputHeight", 1, 1, 0, 5, 3, 3, 1, 1, 0, 0, 1, 1, 1)]
    [InlineData("inputWidth", 1, 1, 5, -1, 3, 3, 1, 1, 0, 0, 1, 1, 1)]
    [InlineData("kernelHeight", 1, 1, 5, 5, 0, 3, 1, 1, 0, 0, 1, 1, 1)]
    [InlineData("kernelWidth", 1, 1, 5, 5, 3, 0, 1, 1, 0, 0, 1, 1, 1)]
    [InlineData("strideHeight", 1, 1, 5, 5, 3, 3, 0, 1, 0, 0, 1, 1, 1)]
    [InlineData("strideWidth", 1, 1, 5, 5, 3, 3, 1, 0, 0, 0, 1, 1, 1)]
    [InlineData("paddingHeight", 1, 1, 5, 5, 3, 3, 1, 1, -1, 0, 1, 1, 1)]
    [InlineData("paddingWidth", 1, 1, 5, 5, 3, 3, 1, 1, 0, -1, 1, 1, 1)]
    [InlineData("dilationHeight", 1, 1, 5, 5, 3, 3, 1, 1, 0, 0, 0, 1, 1)]
    [InlineData("dilationWidth", 1, 1, 5, 5, 3, 3, 1, 1, 0, 0, 1, 0, 1)]
    [InlineData("groups", 1, 1, 5, 5, 3, 3, 1, 1, 0, 0, 1, 1, 0)]
    [InlineData("kernelHeight", 1, 1, 5, 5, 6, 3, 1, 1, 0, 0, 1, 1, 1)]  // larger than the input
    [InlineData("kernelWidth", 1, 1, 5, 5, 3, 3, 1, 1, 0, 0, 1, 3, 1)]   // dilated extent 7 > 5
    [InlineData("paddingHeight", 1, 1, 5, 5, 3, 3, 1, 1, int.MaxValue, 0, 1, 1, 1)] // output rows beyond an array
    public void Each_bad_argument_is_named(string param, int cin, int cout, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int groups)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2dGeometry(cin, cout, h, w, kh, kw, sh, sw, ph, pw, dh, dw, groups));
        Assert.Equal(param, e.ParamName);
    }

    [Fact]
    public void Kernel_too_large_states_the_sizes_and_the_fix()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2dGeometry(1, 1, 5, 5, 3, 3, dilationWidth: 3));
        Assert.Equal("kernelWidth", e.ParamName);
        Assert.Contains("extent dilationWidth (kernelWidth - 1) + 1 = 7 exceeds the padded input inputWidth + 2 paddingWidth = 5", e.Message);
        Assert.Contains("at most 2 taps", e.Message);
    }

    [Fact]
    public void Groups_must_divide_both_channel_counts()
    {
        var e = Assert.Throws<ArgumentException>(() => new Conv2dGeometry(4, 6, 5, 5, 3, 3, groups: 3));
        Assert.Equal("groups", e.ParamName);
        Assert.Contains("must divide inChannels = 4", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Conv2dGeometry(4, 6, 5, 5, 3, 3, groups: 4));
        Assert.Equal("groups", e.ParamName);
        Assert.Contains("must divide outChannels = 6", e.Message);
    }

    [Fact]
    public void Sizes_beyond_an_array_are_refused_with_the_shape()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2dGeometry(100_000, 1, 10_000, 10_000, 1, 1));
        Assert.Equal("inChannels", e.ParamName);
        Assert.Contains("An input frame [inChannels, inputHeight, inputWidth] = 100000 x 10000 x 10000", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2dGeometry(8192, 1, 64, 64, 11, 11));
        Assert.Equal("inChannels", e.ParamName);
        Assert.Contains("The workspace", e.Message);
    }

    [Fact]
    public void Conv1d_is_the_one_row_case()
    {
        var g = Conv2dGeometry.For1d(4, 8, length: 20, kernel: 5, stride: 2, padding: 2, dilation: 1, groups: 2);
        Assert.Equal(new Conv2dGeometry(4, 8, 1, 20, 1, 5, 1, 2, 0, 2, 1, 1, 2), g);
        Assert.Equal((1, 10), (g.OutputHeight, g.OutputWidth)); // (20 + 4 - 4 - 1) / 2 + 1
        Assert.Equal("kernelWidth", Assert.Throws<ArgumentOutOfRangeException>(() => Conv2dGeometry.For1d(1, 1, 3, 4)).ParamName);
    }

    [Fact]
    public void Pool_geometry_defaults_stride_to_the_kernel()
    {
        var g = new Pool2dGeometry(3, 7, 9, 2, 3);
        Assert.Equal((2, 3), (g.StrideHeight, g.StrideWidth));
        Assert.Equal((3, 3), (g.OutputHeight, g.OutputWidth)); // floor((7 - 2) / 2) + 1, floor((9 - 3) / 3) + 1
        Assert.Equal(3 * 7 * 9, g.InputFrameLength);
        Assert.Equal(3 * 3 * 3, g.OutputFrameLength);
        var padded = new Pool2dGeometry(1, 5, 5, 3, 3, strideHeight: 1, strideWidth: 2, paddingHeight: 1, paddingWidth: 1);
        Assert.Equal((5, 3), (padded.OutputHeight, padded.OutputWidth));
    }

    [Theory]
    [InlineData("channels", 0, 5, 5, 2, 2, null, null, 0, 0)]
    [InlineData("inputHeight", 1, 0, 5, 2, 2, null, null, 0, 0)]
    [InlineData("inputWidth", 1, 5, 0, 2, 2, null, null, 0, 0)]
    [InlineData("kernelHeight", 1, 5, 5, 0, 2, null, null, 0, 0)]
    [InlineData("kernelWidth", 1, 5, 5, 2, 0, null, null, 0, 0)]
    [InlineData("strideHeight", 1, 5, 5, 2, 2, 0, null, 0, 0)]
    [InlineData("strideWidth", 1, 5, 5, 2, 2, null, -2, 0, 0)]
    [InlineData("paddingHeight", 1, 5, 5, 3, 3, null, null, 2, 0)] // more than kernel / 2
    [InlineData("paddingWidth", 1, 5, 5, 3, 3, null, null, 0, -1)]
    [InlineData("kernelHeight", 1, 5, 5, 8, 2, null, null, 0, 0)]  // larger than the padded input
    public void Pool_bad_argument_is_named(string param, int c, int h, int w, int kh, int kw, int? sh, int? sw, int ph, int pw)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Pool2dGeometry(c, h, w, kh, kw, sh, sw, ph, pw));
        Assert.Equal(param, e.ParamName);
        if (param == "paddingHeight") Assert.Contains("from 0 to kernelHeight / 2 = 1", e.Message);
    }
}
