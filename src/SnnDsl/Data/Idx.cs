using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace SnnDsl.Data;

/// <summary>Images read from an IDX file: <see cref="Count"/> images of <see cref="Rows"/> x <see cref="Columns"/> unsigned bytes, row-major.</summary>
public sealed class IdxImages
{
    internal IdxImages(int count, int rows, int columns, byte[] pixels)
    {
        Count = count;
        Rows = rows;
        Columns = columns;
        Pixels = pixels;
    }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Rows per image (28 for MNIST).</summary>
    public int Rows { get; }

    /// <summary>Columns per image (28 for MNIST).</summary>
    public int Columns { get; }

    /// <summary>The raw pixels, <c>[Count, Rows, Columns]</c> row-major, 0..255 as stored in the file.</summary>
    public ReadOnlyMemory<byte> Pixels { get; }
}

/// <summary>
/// Reads and writes the IDX format of the MNIST distribution (LeCun et al.), also used by
/// Fashion-MNIST: a big-endian header (a magic number, then one 32-bit size per dimension)
/// followed by the data. Image files have magic 2051 (0x00000803: unsigned bytes, 3 dimensions:
/// count, rows, columns); label files have magic 2049 (0x00000801: unsigned bytes, 1 dimension).
/// </summary>
/// <remarks>
/// Files may be gzipped or not: the reader looks at the first two bytes, and a file starting with
/// the gzip magic 0x1f 0x8b is decompressed on the fly, whatever its name. The reader is strict:
/// the magic number, the dimensions and the data length must agree exactly (a file with more data
/// than its header announces is rejected too, as it is not what the header says), and every
/// problem is reported as an <see cref="InvalidDataException"/> whose message starts with the file's path
/// and says exactly what was wrong, e.g. <c>"t10k-images-idx3-ubyte.gz: expected magic 2051 (images), found 2049 (a labels file)"</c>.
/// The header's sizes are not trusted for memory: their product must fit an array (<see cref="Array.MaxLength"/>,
/// checked without overflow); a plain file's data is allocated only once the file's length matches the header,
/// and a gzipped file's (whose decompressed length is unknown) grows in chunks as data arrives, so a tiny file
/// whose header claims gigabytes is rejected after reading what it holds, without allocating what it claims.
/// </remarks>
public static class Idx
{
    /// <summary>Magic number of an IDX image file: unsigned bytes, 3 dimensions.</summary>
    public const int ImagesMagic = 2051;

    /// <summary>Magic number of an IDX label file: unsigned bytes, 1 dimension.</summary>
    public const int LabelsMagic = 2049;

    private const int ImagesHeaderBytes = 16;
    private const int LabelsHeaderBytes = 8;

    /// <summary>Reads an IDX image file (magic 2051), gzipped or not.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed IDX image file.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IdxImages ReadImages(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        bool gzip = IsGzip(file);
        using Stream s = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        string what = gzip ? "decompressed file" : "file";
        Span<byte> header = stackalloc byte[ImagesHeaderBytes];
        int got = Read(s, header, path);
        CheckMagic(path, header, got, ImagesMagic, ImagesHeaderBytes, what);
        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        int rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        int columns = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (count < 0) throw Bad(path, $"header says {count} images (negative count)");
        if (rows <= 0 || columns <= 0) throw Bad(path, $"header says images of {rows}x{columns} pixels; both dimensions must be positive");
        long expected;
        try
        {
            expected = checked((long)count * rows * columns);
        }
        catch (OverflowException)
        {
            expected = long.MaxValue;
        }

        if (expected > Array.MaxLength)
        {
            throw Bad(path, $"header says {count} images of {rows}x{columns} pixels, more than an array can hold ({Array.MaxLength} bytes at most)");
        }

        (byte[] pixels, long actual) = ReadData(file, s, gzip, ImagesHeaderBytes, (int)expected, path);
        if (actual != expected)
        {
            throw Bad(path, $"header says {count} images of {rows}x{columns} = {expected} bytes, {what} has {actual} after the {ImagesHeaderBytes}-byte header");
        }

        return new IdxImages(count, rows, columns, pixels);
    }

    /// <summary>Reads an IDX label file (magic 2049), gzipped or not: one unsigned byte per item.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed IDX label file.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static byte[] ReadLabels(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        bool gzip = IsGzip(file);
        using Stream s = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        string what = gzip ? "decompressed file" : "file";
        Span<byte> header = stackalloc byte[LabelsHeaderBytes];
        int got = Read(s, header, path);
        CheckMagic(path, header, got, LabelsMagic, LabelsHeaderBytes, what);
        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        if (count < 0) throw Bad(path, $"header says {count} labels (negative count)");
        if (count > Array.MaxLength)
        {
            throw Bad(path, $"header says {count} labels = {count} bytes, more than an array can hold ({Array.MaxLength} bytes at most)");
        }

        (byte[] labels, long actual) = ReadData(file, s, gzip, LabelsHeaderBytes, count, path);
        if (actual != count)
        {
            throw Bad(path, $"header says {count} labels = {count} bytes, {what} has {actual} after the {LabelsHeaderBytes}-byte header");
        }

        return labels;
    }

    /// <summary>
    /// Writes <paramref name="count"/> images of <paramref name="rows"/> x <paramref name="columns"/>
    /// bytes as an IDX image file, gzipped when <paramref name="gzip"/> is true.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="pixels"/> does not hold count*rows*columns bytes, or a dimension is not positive.</exception>
    public static void WriteImages(string path, ReadOnlySpan<byte> pixels, int count, int rows, int columns, bool gzip)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        long expected = (long)count * rows * columns;
        if (pixels.Length != expected)
        {
            throw new ArgumentException($"Expected pixels of shape [count, rows, columns] = [{count}, {rows}, {columns}] ({expected} bytes), got {pixels.Length} bytes.", nameof(pixels));
        }

        Span<byte> header = stackalloc byte[ImagesHeaderBytes];
        BinaryPrimitives.WriteInt32BigEndian(header, ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], count);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], rows);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], columns);
        Write(path, header, pixels, gzip);
    }

    /// <summary>Writes <paramref name="labels"/> as an IDX label file, gzipped when <paramref name="gzip"/> is true.</summary>
    public static void WriteLabels(string path, ReadOnlySpan<byte> labels, bool gzip)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Span<byte> header = stackalloc byte[LabelsHeaderBytes];
        BinaryPrimitives.WriteInt32BigEndian(header, LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], labels.Length);
        Write(path, header, labels, gzip);
    }

    private static void Write(string path, ReadOnlySpan<byte> header, ReadOnlySpan<byte> data, bool gzip)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using Stream s = gzip ? new GZipStream(file, CompressionLevel.Optimal) : file;
        s.Write(header);
        s.Write(data);
    }

    private static InvalidDataException Bad(string path, string problem, Exception? inner = null) => new($"{path}: {problem}", inner);

    /// <summary>True when the stream starts with the gzip magic bytes; the position is restored to 0.</summary>
    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    private static void CheckMagic(string path, ReadOnlySpan<byte> header, int got, int magicExpected, int headerBytes, string what)
    {
        string kind = magicExpected == ImagesMagic ? "images" : "labels";
        if (got < 4)
        {
            throw Bad(path, got == 0
                ? $"{what} is empty; expected a {headerBytes}-byte IDX {kind} header"
                : $"{what} ends after {got} bytes, inside the {headerBytes}-byte IDX {kind} header");
        }

        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != magicExpected)
        {
            string hint = magic switch
            {
                ImagesMagic => " (an images file)",
                LabelsMagic => " (a labels file)",
                _ => "",
            };
            throw Bad(path, $"expected magic {magicExpected} ({kind}), found {magic}{hint}");
        }

        if (got < headerBytes)
        {
            throw Bad(path, $"{what} ends after {got} bytes, inside the {headerBytes}-byte IDX {kind} header");
        }
    }

    /// <summary>First buffer of a gzipped file's data; it doubles as data arrives, up to what the header announces.</summary>
    private const int FirstChunkBytes = 1 << 16;

    /// <summary>
    /// Reads the data after the header: the <paramref name="expected"/> bytes the header announces and how many
    /// bytes the data really holds (fewer when it ends early, more when data follows). A plain file's length is
    /// known, so nothing is allocated unless it matches; a gzip stream's is not, so its buffer starts at
    /// <see cref="FirstChunkBytes"/> and doubles as data arrives (never past <paramref name="expected"/>): it is at
    /// most twice the data read, and a corrupt header does not make the reader allocate what it claims.
    /// </summary>
    private static (byte[] Data, long Actual) ReadData(FileStream file, Stream s, bool gzip, int headerBytes, int expected, string path)
    {
        byte[] data;
        int filled;
        if (!gzip)
        {
            long length = file.Length - headerBytes;
            if (length != expected) return ([], length);
            data = new byte[expected];
            filled = Read(s, data, path);
            if (filled < expected) return (data, filled); // the file shrank while being read
        }
        else
        {
            data = new byte[Math.Min(expected, FirstChunkBytes)];
            filled = 0;
            while (true)
            {
                filled += Read(s, data.AsSpan(filled), path);
                if (filled < data.Length) return (data, filled); // the data ended early
                if (filled == expected) break;
                Array.Resize(ref data, (int)Math.Min((long)data.Length * 2, expected));
            }
        }

        // Everything announced was read: count whatever follows.
        long actual = filled;
        Span<byte> scratch = stackalloc byte[4096];
        int more;
        while ((more = Read(s, scratch, path)) > 0) actual += more;
        return (data, actual);
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the data ends; a gzip decoding error names the file.</summary>
    private static int Read(Stream s, Span<byte> buffer, string path)
    {
        try
        {
            return s.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException ex)
        {
            throw Bad(path, $"corrupt gzip data ({ex.Message})", ex);
        }
    }
}
