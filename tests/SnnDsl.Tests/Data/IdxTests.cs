using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using SnnDsl.Data;

namespace SnnDsl.Tests.Data;

public sealed class IdxTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // Three 2x3 images with distinct bytes, including 0 and 255.
    private static readonly byte[] Pixels =
    [
        0, 1, 2, 3, 4, 5,
        10, 20, 30, 40, 50, 60,
        255, 254, 128, 127, 0, 255,
    ];

    private static readonly byte[] Labels = [7, 0, 9];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Images_round_trip(bool gzip)
    {
        string path = _dir.File(gzip ? "img.gz" : "img");
        Idx.WriteImages(path, Pixels, count: 3, rows: 2, columns: 3, gzip);

        IdxImages read = Idx.ReadImages(path);

        Assert.Equal(3, read.Count);
        Assert.Equal(2, read.Rows);
        Assert.Equal(3, read.Columns);
        Assert.Equal(Pixels, read.Pixels.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Labels_round_trip(bool gzip)
    {
        string path = _dir.File("lbl");
        Idx.WriteLabels(path, Labels, gzip);
        Assert.Equal(Labels, Idx.ReadLabels(path));
    }

    [Fact]
    public void Written_files_have_the_standard_big_endian_layout()
    {
        string img = _dir.File("img"), lbl = _dir.File("lbl");
        Idx.WriteImages(img, Pixels, 3, 2, 3, gzip: false);
        Idx.WriteLabels(lbl, Labels, gzip: false);

        byte[] i = File.ReadAllBytes(img);
        Assert.Equal(new byte[] { 0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 3 }, i[..16]);
        Assert.Equal(16 + 18, i.Length);
        Assert.Equal(new byte[] { 0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9 }, File.ReadAllBytes(lbl));
    }

    [Fact]
    public void Gzip_is_detected_by_magic_bytes_not_by_name()
    {
        string plainNamedGz = _dir.File("plain.gz"), gzNamedPlain = _dir.File("packed");
        Idx.WriteLabels(plainNamedGz, Labels, gzip: false);
        Idx.WriteLabels(gzNamedPlain, Labels, gzip: true);

        Assert.Equal(new byte[] { 0x1f, 0x8b }, File.ReadAllBytes(gzNamedPlain)[..2]);
        Assert.Equal(Labels, Idx.ReadLabels(plainNamedGz));
        Assert.Equal(Labels, Idx.ReadLabels(gzNamedPlain));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Labels_file_read_as_images_names_the_file_and_both_magics(bool gzip)
    {
        string path = _dir.File("t10k-labels-idx1-ubyte.gz");
        Idx.WriteLabels(path, Labels, gzip);

        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        Assert.Equal($"{path}: expected magic 2051 (images), found 2049 (a labels file)", ex.Message);
    }

    [Fact]
    public void Images_file_read_as_labels_reports_the_magics()
    {
        string path = _dir.File("train-images-idx3-ubyte");
        Idx.WriteImages(path, Pixels, 3, 2, 3, gzip: false);

        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path));

        Assert.Equal($"{path}: expected magic 2049 (labels), found 2051 (an images file)", ex.Message);
    }

    [Fact]
    public void Unknown_magic_is_reported_as_found()
    {
        string path = _dir.File("junk");
        File.WriteAllBytes(path, [0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        Assert.Equal($"{path}: expected magic 2051 (images), found 305419896", ex.Message);
    }

    [Theory]
    [InlineData(false, "file")]
    [InlineData(true, "decompressed file")]
    public void Truncated_header_is_reported_with_its_length(bool gzip, string what)
    {
        string path = _dir.File("short");
        byte[] full = ImagesBytes(count: 3, rows: 2, columns: 3, Pixels);
        WriteRaw(path, full[..10], gzip);

        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        Assert.Equal($"{path}: {what} ends after 10 bytes, inside the 16-byte IDX images header", ex.Message);
    }

    [Fact]
    public void Empty_file_is_reported_as_empty()
    {
        string path = _dir.File("empty");
        File.WriteAllBytes(path, []);

        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path));

        Assert.Equal($"{path}: file is empty; expected a 8-byte IDX labels header", ex.Message);
    }

    [Theory]
    [InlineData(false, "file")]
    [InlineData(true, "decompressed file")]
    public void Truncated_pixels_are_reported_with_expected_and_actual_byte_counts(bool gzip, string what)
    {
        string path = _dir.File("t10k-images-idx3-ubyte.gz");
        byte[] full = ImagesBytes(count: 3, rows: 2, columns: 3, Pixels);
        WriteRaw(path, full[..(16 + 13)], gzip);

        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        Assert.Equal($"{path}: header says 3 images of 2x3 = 18 bytes, {what} has 13 after the 16-byte header", ex.Message);
    }

    [Theory]
    [InlineData(false, "file")]
    [InlineData(true, "decompressed file")]
    public void Extra_trailing_bytes_are_rejected(bool gzip, string what)
    {
        string path = _dir.File("labels");
        byte[] bytes = [0, 0, 8, 1, 0, 0, 0, 2, 5, 6, 7, 8, 9];
        WriteRaw(path, bytes, gzip);

        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path));

        Assert.Equal($"{path}: header says 2 labels = 2 bytes, {what} has 5 after the 8-byte header", ex.Message);
    }

    [Fact]
    public void Truncated_gzip_stream_is_an_error_naming_the_file()
    {
        string whole = _dir.File("whole.gz"), cut = _dir.File("cut.gz");
        var big = new byte[100 * 28 * 28];
        new Random(1).NextBytes(big);
        Idx.WriteImages(whole, big, 100, 28, 28, gzip: true);
        byte[] gz = File.ReadAllBytes(whole);
        File.WriteAllBytes(cut, gz[..(gz.Length / 2)]);

        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(cut));

        Assert.StartsWith($"{cut}: ", ex.Message);
        // Either the decompressor notices the cut or the length check does; both say what was wrong.
        Assert.True(
            ex.Message.Contains("corrupt gzip data", StringComparison.Ordinal) ||
            ex.Message.Contains("header says 100 images of 28x28 = 78400 bytes, decompressed file has ", StringComparison.Ordinal),
            ex.Message);
    }

    [Fact]
    public void Corrupt_deflate_data_is_reported_as_corrupt_gzip_naming_the_file()
    {
        string path = _dir.File("t10k-labels-idx1-ubyte.gz");
        Idx.WriteLabels(path, Labels, gzip: true);
        byte[] gz = File.ReadAllBytes(path);
        gz[10] = 0xFF; // first deflate block header: BFINAL=1, BTYPE=11 (reserved, invalid)
        File.WriteAllBytes(path, gz);

        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path));

        Assert.StartsWith($"{path}: corrupt gzip data (", ex.Message);
        Assert.IsType<InvalidDataException>(ex.InnerException);
    }

    [Fact]
    public void Non_positive_dimensions_and_negative_counts_are_rejected()
    {
        string path = _dir.File("dims");
        File.WriteAllBytes(path, ImagesBytes(count: 1, rows: 0, columns: 28, []));
        Assert.Equal($"{path}: header says images of 0x28 pixels; both dimensions must be positive",
            Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path)).Message);

        File.WriteAllBytes(path, ImagesBytes(count: -5, rows: 28, columns: 28, []));
        Assert.Equal($"{path}: header says -5 images (negative count)",
            Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path)).Message);
    }

    [Fact]
    public void Writer_checks_the_pixel_count()
    {
        var ex = Assert.Throws<ArgumentException>(() => Idx.WriteImages(_dir.File("x"), new byte[5], 1, 2, 3, gzip: false));
        Assert.Equal("pixels", ex.ParamName);
        Assert.Contains("[1, 2, 3] (6 bytes), got 5 bytes", ex.Message);
    }

    [Fact]
    public void Gzipped_images_header_claiming_two_gigabytes_is_rejected_without_allocating_them()
    {
        string path = _dir.File("huge-images.gz");
        WriteRaw(path, ImagesBytes(count: 2_100_000_000, rows: 1, columns: 1, []), gzip: true);
        Assert.True(new FileInfo(path).Length < 64, "a tiny file");
        string warm = _dir.File("warm-up.gz");
        Idx.WriteImages(warm, Pixels, 3, 2, 3, gzip: true);
        Idx.ReadImages(warm); // JIT and first-use allocations are not counted

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal($"{path}: header says 2100000000 images of 1x1 = 2100000000 bytes, decompressed file has 0 after the 16-byte header", ex.Message);
        Assert.True(allocated < 4 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Gzipped_labels_header_of_int_max_is_rejected_naming_the_file()
    {
        string path = _dir.File("huge-labels.gz");
        WriteRaw(path, [0, 0, 8, 1, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3], gzip: true);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal($"{path}: header says 2147483647 labels = 2147483647 bytes, more than an array can hold ({Array.MaxLength} bytes at most)", ex.Message);
        Assert.True(allocated < 4 << 20, $"allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Image_dimensions_whose_product_overflows_are_rejected(bool gzip)
    {
        // 2^21 cubed is 2^63: the 64-bit product wraps to a negative number.
        string path = _dir.File("overflow");
        WriteRaw(path, ImagesBytes(count: 1 << 21, rows: 1 << 21, columns: 1 << 21, [1, 2, 3]), gzip);

        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        Assert.Equal($"{path}: header says 2097152 images of 2097152x2097152 pixels, more than an array can hold ({Array.MaxLength} bytes at most)", ex.Message);
    }

    [Fact]
    public void Real_gzipped_mnist_files_read_exactly_their_decompressed_bytes()
    {
        string images = Path.Combine(RepoPaths.Mnist10k, "t10k-images-idx3-ubyte.gz");
        string labels = Path.Combine(RepoPaths.Mnist10k, "t10k-labels-idx1-ubyte.gz");

        IdxImages read = Idx.ReadImages(images);
        byte[] readLabels = Idx.ReadLabels(labels);

        Assert.Equal((2004, 28, 28), (read.Count, read.Rows, read.Columns));
        Assert.Equal(Gunzip(images)[16..], read.Pixels.ToArray()); // 1.6 MB: many read chunks
        Assert.Equal(Gunzip(labels)[8..], readLabels);
        Assert.Equal(new byte[] { 6, 0, 2, 8, 3, 4, 3, 1, 3, 4 }, readLabels[..10]);
    }

    [Fact]
    public void Truncated_real_gzipped_mnist_file_names_the_file()
    {
        string path = _dir.File("t10k-images-idx3-ubyte.gz");
        byte[] gz = File.ReadAllBytes(Path.Combine(RepoPaths.Mnist10k, "t10k-images-idx3-ubyte.gz"));
        File.WriteAllBytes(path, gz[..(gz.Length * 3 / 5)]);

        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        Assert.StartsWith($"{path}: ", ex.Message);
        Assert.True(
            ex.Message.Contains("corrupt gzip data", StringComparison.Ordinal) ||
            ex.Message.Contains("header says 2004 images of 28x28 = 1571136 bytes, decompressed file has ", StringComparison.Ordinal),
            ex.Message);
    }

    private static byte[] Gunzip(string path)
    {
        using var z = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        var m = new MemoryStream();
        z.CopyTo(m);
        return m.ToArray();
    }

    internal static byte[] ImagesBytes(int count, int rows, int columns, ReadOnlySpan<byte> pixels)
    {
        var b = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(b, 2051);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(12), columns);
        pixels.CopyTo(b.AsSpan(16));
        return b;
    }

    internal static void WriteRaw(string path, byte[] bytes, bool gzip)
    {
        using var f = File.Create(path);
        if (!gzip)
        {
            f.Write(bytes);
            return;
        }

        using var z = new GZipStream(f, CompressionLevel.Optimal);
        z.Write(bytes);
    }
}
