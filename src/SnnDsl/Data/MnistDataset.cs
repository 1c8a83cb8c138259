using System;
using System.IO;

namespace SnnDsl.Data;

/// <summary>Which half of an MNIST-layout distribution to load.</summary>
public enum MnistSplit
{
    /// <summary>The training set: <c>train-images-idx3-ubyte</c> and <c>train-labels-idx1-ubyte</c>.</summary>
    Train,

    /// <summary>The test set: <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c>.</summary>
    Test,
}

/// <summary>
/// An image classification set in the MNIST layout (MNIST, Fashion-MNIST, the bundled
/// <c>samples/data/mnist-10k</c> subset): pixels as one contiguous <c>[Count, Features]</c>
/// row-major array of floats in [0, 1] (byte / 255), and one integer label per image.
/// </summary>
public sealed class MnistDataset
{
    private readonly float[] _pixels;
    private readonly int[] _labels;

    private MnistDataset(string imagesPath, string labelsPath, int rows, int columns, float[] pixels, int[] labels)
    {
        ImagesPath = imagesPath;
        LabelsPath = labelsPath;
        Rows = rows;
        Columns = columns;
        _pixels = pixels;
        _labels = labels;
    }

    /// <summary>Number of images (and labels).</summary>
    public int Count => _labels.Length;

    /// <summary>Rows per image (28 for MNIST).</summary>
    public int Rows { get; }

    /// <summary>Columns per image (28 for MNIST).</summary>
    public int Columns { get; }

    /// <summary>Values per image: <see cref="Rows"/> * <see cref="Columns"/>.</summary>
    public int Features => Rows * Columns;

    /// <summary>All pixels, <c>[Count, Features]</c> row-major, each the stored byte divided by 255.</summary>
    public ReadOnlyMemory<float> Pixels => _pixels;

    /// <summary>One label per image, as stored in the label file (0..9 for MNIST and Fashion-MNIST).</summary>
    public ReadOnlyMemory<int> Labels => _labels;

    /// <summary>The file the images were read from.</summary>
    public string ImagesPath { get; }

    /// <summary>The file the labels were read from.</summary>
    public string LabelsPath { get; }

    /// <summary>The pixels of image <paramref name="index"/>: <see cref="Features"/> floats in [0, 1].</summary>
    public ReadOnlySpan<float> Image(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _pixels.AsSpan(index * Features, Features);
    }

    /// <summary>
    /// Loads one split from <paramref name="directory"/>, which holds the standard file names
    /// (<c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>,
    /// <c>t10k-labels-idx1-ubyte</c>), each either plain or with a <c>.gz</c> suffix. When both
    /// forms exist the uncompressed one is read (it is faster and torchvision keeps both).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file of the split is missing; the message lists the names tried.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or the image and label files hold different counts.</exception>
    public static MnistDataset Load(string directory, MnistSplit split)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"MNIST directory not found: {directory}");
        string prefix = split switch
        {
            MnistSplit.Train => "train",
            MnistSplit.Test => "t10k",
            _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Expected Train or Test."),
        };
        return FromFiles(Find(directory, prefix + "-images-idx3-ubyte"), Find(directory, prefix + "-labels-idx1-ubyte"));
    }

    /// <summary>Loads images and labels from two IDX files (gzipped or not), which must hold the same number of items.</summary>
    /// <exception cref="InvalidDataException">A file is malformed, or the files hold different counts.</exception>
    public static MnistDataset FromFiles(string imagesPath, string labelsPath)
    {
        IdxImages images = Idx.ReadImages(imagesPath);
        byte[] labelBytes = Idx.ReadLabels(labelsPath);
        if (images.Count != labelBytes.Length)
        {
            throw new InvalidDataException(
                $"{imagesPath} holds {images.Count} images but {labelsPath} holds {labelBytes.Length} labels; the counts must match.");
        }

        ReadOnlySpan<byte> raw = images.Pixels.Span;
        var pixels = new float[raw.Length];
        for (int i = 0; i < raw.Length; i++) pixels[i] = raw[i] / 255f;
        var labels = new int[labelBytes.Length];
        for (int i = 0; i < labels.Length; i++) labels[i] = labelBytes[i];
        return new MnistDataset(imagesPath, labelsPath, images.Rows, images.Columns, pixels, labels);
    }

    private static string Find(string directory, string name)
    {
        string plain = Path.Combine(directory, name);
        if (File.Exists(plain)) return plain;
        string gz = plain + ".gz";
        if (File.Exists(gz)) return gz;
        throw new FileNotFoundException($"Neither {name} nor {name}.gz is in {directory}.", gz);
    }
}
