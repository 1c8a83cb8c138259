using System;
using System.IO;
using SnnDsl.Data;

namespace SnnDsl.Tests.Data;

public sealed class MnistDatasetTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // Counts, per-class histograms and pixel sums below were computed from the files with
    // Python's gzip and struct modules, independently of this reader.
    [Fact]
    public void Bundled_train_split_loads_7996_images_of_28x28()
    {
        MnistDataset d = MnistDataset.Load(RepoPaths.Mnist10k, MnistSplit.Train);

        Assert.Equal(7996, d.Count);
        Assert.Equal(28, d.Rows);
        Assert.Equal(28, d.Columns);
        Assert.Equal(784, d.Features);
        Assert.Equal(7996 * 784, d.Pixels.Length);
        Assert.Equal(new[] { 6, 6, 8, 1, 0, 3, 1, 1, 2, 9 }, d.Labels.Span[..10].ToArray());
        Assert.Equal(new[] { 800, 901, 792, 825, 784, 690, 811, 856, 755, 782 }, Histogram(d.Labels.Span));
        AssertPixelSum(33346, d.Image(0));
        AssertPixelSum(18588, d.Image(7995));
        Assert.EndsWith("train-images-idx3-ubyte.gz", d.ImagesPath);
    }

    [Fact]
    public void Bundled_test_split_loads_2004_images_of_28x28()
    {
        MnistDataset d = MnistDataset.Load(RepoPaths.Mnist10k, MnistSplit.Test);

        Assert.Equal(2004, d.Count);
        Assert.Equal(28, d.Rows);
        Assert.Equal(28, d.Columns);
        Assert.Equal(new[] { 6, 0, 2, 8, 3, 4, 3, 1, 3, 4 }, d.Labels.Span[..10].ToArray());
        Assert.Equal(new[] { 201, 226, 199, 207, 196, 173, 203, 214, 189, 196 }, Histogram(d.Labels.Span));
        AssertPixelSum(18071, d.Image(0));
        AssertPixelSum(29319, d.Image(2003));
        Assert.Equal(2f / 255f, d.Image(0)[14 * 28 + 14]);
    }

    [Fact]
    public void Pixels_are_bytes_over_255_and_span_exactly_0_to_1()
    {
        MnistDataset d = MnistDataset.Load(RepoPaths.Mnist10k, MnistSplit.Test);
        float min = float.MaxValue, max = float.MinValue;
        foreach (float v in d.Pixels.Span)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            float b = MathF.Round(v * 255f);
            Assert.Equal(b / 255f, v);
        }

        Assert.Equal(0f, min);
        Assert.Equal(1f, max);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Loads_a_directory_in_the_standard_layout(bool gzip)
    {
        string suffix = gzip ? ".gz" : "";
        byte[] pixels = [0, 51, 102, 255, 255, 0, 0, 0];
        Idx.WriteImages(_dir.File("t10k-images-idx3-ubyte" + suffix), pixels, count: 2, rows: 2, columns: 2, gzip);
        Idx.WriteLabels(_dir.File("t10k-labels-idx1-ubyte" + suffix), [3, 9], gzip);

        MnistDataset d = MnistDataset.Load(_dir.Path, MnistSplit.Test);

        Assert.Equal(2, d.Count);
        Assert.Equal(4, d.Features);
        Assert.Equal(new[] { 0f, 0.2f, 0.4f, 1f, 1f, 0f, 0f, 0f }, d.Pixels.ToArray());
        Assert.Equal(new[] { 3, 9 }, d.Labels.ToArray());
        Assert.Equal(new[] { 1f, 0f, 0f, 0f }, d.Image(1).ToArray());
    }

    [Fact]
    public void Uncompressed_file_is_preferred_when_both_exist()
    {
        Idx.WriteImages(_dir.File("train-images-idx3-ubyte"), [1], 1, 1, 1, gzip: false);
        Idx.WriteImages(_dir.File("train-images-idx3-ubyte.gz"), [2], 1, 1, 1, gzip: true);
        Idx.WriteLabels(_dir.File("train-labels-idx1-ubyte.gz"), [4], gzip: true);

        MnistDataset d = MnistDataset.Load(_dir.Path, MnistSplit.Train);

        Assert.Equal(1f / 255f, d.Pixels.Span[0]);
        Assert.Equal(_dir.File("train-images-idx3-ubyte"), d.ImagesPath);
        Assert.Equal(_dir.File("train-labels-idx1-ubyte.gz"), d.LabelsPath);
    }

    [Fact]
    public void Image_and_label_count_mismatch_names_both_files_and_counts()
    {
        string images = _dir.File("train-images-idx3-ubyte.gz"), labels = _dir.File("train-labels-idx1-ubyte.gz");
        Idx.WriteImages(images, new byte[3 * 4], 3, 2, 2, gzip: true);
        Idx.WriteLabels(labels, [1, 2], gzip: true);

        var ex = Assert.Throws<InvalidDataException>(() => MnistDataset.Load(_dir.Path, MnistSplit.Train));

        Assert.Equal($"{images} holds 3 images but {labels} holds 2 labels; the counts must match.", ex.Message);
    }

    [Fact]
    public void Missing_file_lists_the_names_tried()
    {
        Idx.WriteImages(_dir.File("t10k-images-idx3-ubyte.gz"), [0], 1, 1, 1, gzip: true);

        var ex = Assert.Throws<FileNotFoundException>(() => MnistDataset.Load(_dir.Path, MnistSplit.Test));

        Assert.Equal($"Neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz is in {_dir.Path}.", ex.Message);
    }

    [Fact]
    public void Swapped_files_are_reported_by_magic()
    {
        // A labels file saved under the images name: the error names it and both magics.
        string images = _dir.File("t10k-images-idx3-ubyte.gz");
        Idx.WriteLabels(images, [1, 2], gzip: true);
        Idx.WriteLabels(_dir.File("t10k-labels-idx1-ubyte.gz"), [1, 2], gzip: true);

        var ex = Assert.Throws<InvalidDataException>(() => MnistDataset.Load(_dir.Path, MnistSplit.Test));

        Assert.Equal($"{images}: expected magic 2051 (images), found 2049 (a labels file)", ex.Message);
    }

    private static int[] Histogram(ReadOnlySpan<int> labels)
    {
        var h = new int[10];
        foreach (int l in labels)
        {
            Assert.InRange(l, 0, 9);
            h[l]++;
        }

        return h;
    }

    private static void AssertPixelSum(int expectedByteSum, ReadOnlySpan<float> image)
    {
        int sum = 0;
        foreach (float v in image) sum += (int)MathF.Round(v * 255f);
        Assert.Equal(expectedByteSum, sum);
    }
}
