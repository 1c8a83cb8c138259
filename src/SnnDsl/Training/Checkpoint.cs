using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;

namespace SnnDsl.Training;

/// <summary>
/// Saves and loads <see cref="NetworkWeights"/> in a small binary format, all integers and floats
/// little-endian. Version 2 (written by <see cref="Save(NetworkWeights, Stream)"/>):
/// <code>
/// "SNNW" (4 ASCII bytes) | version: int32 = 2 | parameter count: int32
/// per parameter, in NetworkWeights.Parameters order:
///     name length: int32 | name: UTF-8 bytes | rank: int32 | dimensions: int32 x rank (Parameter.Shape)
///     | values: float32 x (product of the dimensions)
///     | CRC-32 (IEEE, System.IO.Hashing.Crc32) of this parameter's bytes from its name length to its last value: uint32
/// and nothing after the last parameter.
/// </code>
/// Version 1 (written before shapes and checksums) is still read: it has no rank, dimensions or
/// CRC, an element count (int32) where version 2 has the rank and dimensions, so it is checked by
/// element count only (a <c>[3, 2]</c> weight cannot be told from a <c>[2, 3]</c> one).
/// </summary>
/// <remarks>
/// <para>
/// Loading is all or nothing: the whole checkpoint is read and checked before any weight is written,
/// so a failed load (an <see cref="InvalidDataException"/>) leaves every weight as it was. It checks
/// the magic and version, that the names, shapes (version 2) or element counts (version 1) match the
/// target weights in order, every parameter's CRC (version 2), that no byte follows the last
/// parameter, and that every value is finite (unless allowed: see <see cref="Load(NetworkWeights, Stream, bool)"/>).
/// Messages start with the file's path (for a stream: a <see cref="FileStream"/>'s name, otherwise
/// "checkpoint stream") and name the parameter, e.g.
/// <c>"run/model.snnw: parameter 'layer 0 bias': checksum mismatch (stored 0x1B2C3D4E, computed 0x5A6B7C8D)"</c>.
/// </para>
/// <para>
/// Saving to a path is atomic: the checkpoint is written to a temporary file in the same folder
/// (<c>.NAME.RANDOM.tmp</c>), flushed to disk, then renamed over the target, so a failure or a kill
/// mid-save leaves the previous file intact (a kill can leave the temporary file behind; a failure
/// deletes it). <see cref="Save(NetworkWeights, Stream)"/> writes the values as they are,
/// non-finite ones included.
/// </para>
/// </remarks>
public static class Checkpoint
{
    private const int CurrentVersion = 2;
    internal const int MaxNameBytes = 4096;
    internal const int MaxRank = 32;
    private static ReadOnlySpan<byte> Magic => "SNNW"u8;

    /// <summary>Writes <paramref name="weights"/> to <paramref name="stream"/> (format version 2).</summary>
    public static void Save(NetworkWeights weights, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> word = stackalloc byte[4];
        stream.Write(Magic);
        WriteInt(stream, null, CurrentVersion, word);
        WriteInt(stream, null, weights.Parameters.Count, word);
        var crc = new Crc32();
        foreach (Parameter p in weights.Parameters)
        {
            crc.Reset();
            byte[] name = Encoding.UTF8.GetBytes(p.Name);
            WriteInt(stream, crc, name.Length, word);
            Write(stream, crc, name);
            WriteInt(stream, crc, p.Shape.Count, word);
            foreach (int d in p.Shape) WriteInt(stream, crc, d, word);
            if (BitConverter.IsLittleEndian)
            {
                Write(stream, crc, MemoryMarshal.AsBytes(p.Value.AsSpan()));
            }
            else
            {
                foreach (float v in p.Value)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(word, v);
                    Write(stream, crc, word);
                }
            }

            BinaryPrimitives.WriteUInt32LittleEndian(word, crc.GetCurrentHashAsUInt32());
            stream.Write(word);
        }
    }

    /// <summary>
    /// Writes <paramref name="weights"/> to the file <paramref name="path"/> atomically: to a temporary file
    /// in the same folder, flushed to disk, then renamed over <paramref name="path"/>. If anything fails, the
    /// temporary file is deleted and a previous file at <paramref name="path"/> is left as it was.
    /// </summary>
    public static void Save(NetworkWeights weights, string path) => Save(weights, path, static s => s);

    /// <summary>
    /// <see cref="Save(NetworkWeights, string)"/> writing through the stream <paramref name="wrap"/> makes of
    /// the temporary file's stream (tests inject write failures with it).
    /// </summary>
    internal static void Save(NetworkWeights weights, string path, Func<Stream, Stream> wrap)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentException.ThrowIfNullOrEmpty(path);
        SaveAtomically(path, s => Save(weights, s), wrap);
    }

    /// <summary>
    /// Writes a file atomically: <paramref name="write"/> writes to a temporary file in the same folder (through the stream
    /// <paramref name="wrap"/> makes of it), which is flushed to disk and renamed over <paramref name="path"/>; on failure
    /// the temporary file is deleted and a previous file at <paramref name="path"/> is left as it was.
    /// </summary>
    internal static void SaveAtomically(string path, Action<Stream> write, Func<Stream, Stream> wrap)
    {
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Stream s = wrap(file);
                write(s);
                s.Flush();
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Reads a checkpoint saved by <see cref="Save(NetworkWeights, Stream)"/> (version 2, or version 1) into
    /// <paramref name="weights"/>, all or nothing; non-finite values are rejected. The checkpoint must be the rest of the stream.
    /// </summary>
    /// <exception cref="InvalidDataException">The stream is not a valid checkpoint of weights shaped like <paramref name="weights"/>; no weight was changed.</exception>
    public static void Load(NetworkWeights weights, Stream stream) => Load(weights, stream, allowNonFinite: false);

    /// <summary>
    /// Reads a checkpoint saved by <see cref="Save(NetworkWeights, Stream)"/> (version 2, or version 1) into
    /// <paramref name="weights"/>, all or nothing. The checkpoint must be the rest of the stream.
    /// </summary>
    /// <param name="weights">The weights to fill; their names and shapes must match the checkpoint's.</param>
    /// <param name="stream">The checkpoint.</param>
    /// <param name="allowNonFinite">
    /// Accept NaN and infinite values (e.g. to inspect the weights of a training that diverged). When false,
    /// such a value makes the load fail with a message naming the parameter and element.
    /// </param>
    /// <exception cref="InvalidDataException">The stream is not a valid checkpoint of weights shaped like <paramref name="weights"/>; no weight was changed.</exception>
    public static void Load(NetworkWeights weights, Stream stream, bool allowNonFinite)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(stream);
        Load(weights, stream, stream is FileStream f ? f.Name : "checkpoint stream", allowNonFinite);
    }

    /// <summary>Reads the file <paramref name="path"/> into <paramref name="weights"/> like <see cref="Load(NetworkWeights, Stream)"/>: all or nothing, non-finite values rejected.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid checkpoint of weights shaped like <paramref name="weights"/>; no weight was changed.</exception>
    public static void Load(NetworkWeights weights, string path) => Load(weights, path, allowNonFinite: false);

    /// <summary>Reads the file <paramref name="path"/> into <paramref name="weights"/> like <see cref="Load(NetworkWeights, Stream, bool)"/>.</summary>
    /// <param name="weights">The weights to fill; their names and shapes must match the checkpoint's.</param>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="allowNonFinite">Accept NaN and infinite values; see <see cref="Load(NetworkWeights, Stream, bool)"/>.</param>
    /// <exception cref="InvalidDataException">The file is not a valid checkpoint of weights shaped like <paramref name="weights"/>; no weight was changed.</exception>
    public static void Load(NetworkWeights weights, string path, bool allowNonFinite)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream f = File.OpenRead(path);
        Load(weights, f, path, allowNonFinite);
    }

    private static void Load(NetworkWeights weights, Stream stream, string source, bool allowNonFinite)
    {
        var r = new Reader(stream, source);
        Span<byte> magic = stackalloc byte[4];
        r.Read(magic, "its header");
        if (!magic.SequenceEqual(Magic)) throw r.Bad("not an SnnDsl checkpoint (expected the magic \"SNNW\")");
        int version = r.ReadInt("its header");
        if (version is not (1 or 2)) throw r.Bad($"unsupported checkpoint version {version} (this library reads versions 1 and 2)");
        int count = r.ReadInt("its header");
        IReadOnlyList<Parameter> parameters = weights.Parameters;
        if (count != parameters.Count) throw r.Bad($"the checkpoint holds {count} parameters, the network {parameters.Count}");

        // Read and check everything before writing any weight.
        var staged = new float[count][];
        for (int k = 0; k < count; k++)
        {
            Parameter p = parameters[k];
            r.Parameter = p.Name;
            r.Crc.Reset();
            int nameLength = r.ReadInt("its name");
            if (nameLength < 0 || nameLength > MaxNameBytes) throw r.Bad($"corrupt name length {nameLength} (0 to {MaxNameBytes} bytes)");
            var nameBytes = new byte[nameLength];
            r.Read(nameBytes, "its name");
            string name = Encoding.UTF8.GetString(nameBytes);
            if (name != p.Name) throw r.Bad($"the checkpoint has '{name}' in its place (parameter {k})");

            if (version == 1)
            {
                int length = r.ReadInt("its element count");
                if (length != p.Length) throw r.Bad($"the checkpoint holds {length} values, the network {p.Length}");
            }
            else
            {
                int rank = r.ReadInt("its shape");
                if (rank < 1 || rank > MaxRank) throw r.Bad($"corrupt rank {rank} (1 to {MaxRank} dimensions)");
                var shape = new int[rank];
                for (int i = 0; i < rank; i++) shape[i] = r.ReadInt("its shape");
                if (!shape.AsSpan().SequenceEqual(AsArray(p.Shape)))
                {
                    throw r.Bad($"the checkpoint holds shape [{string.Join(", ", shape)}], the network [{string.Join(", ", p.Shape)}]");
                }
            }

            var values = new float[p.Length];
            r.Read(MemoryMarshal.AsBytes(values.AsSpan()), "its values");
            if (!BitConverter.IsLittleEndian)
            {
                Span<int> bits = MemoryMarshal.Cast<float, int>(values.AsSpan());
                BinaryPrimitives.ReverseEndianness(bits, bits);
            }

            if (version == 2)
            {
                uint computed = r.Crc.GetCurrentHashAsUInt32();
                uint stored = unchecked((uint)r.ReadInt("its checksum"));
                if (stored != computed) throw r.Bad($"checksum mismatch (stored 0x{stored:X8}, computed 0x{computed:X8}): the file is corrupt");
            }

            if (!allowNonFinite)
            {
                for (int i = 0; i < values.Length; i++)
                {
                    if (!float.IsFinite(values[i])) throw r.Bad($"element {i} is {values[i].ToString(CultureInfo.InvariantCulture)} (pass allowNonFinite: true to load non-finite values)");
                }
            }

            staged[k] = values;
        }

        r.Parameter = null;
        r.CheckEnd();
        for (int k = 0; k < count; k++) staged[k].CopyTo(parameters[k].Value, 0);
    }

    internal static int[] AsArray(IReadOnlyList<int> list)
    {
        var a = new int[list.Count];
        for (int i = 0; i < a.Length; i++) a[i] = list[i];
        return a;
    }

    internal static void WriteInt(Stream s, Crc32? crc, int value, Span<byte> word)
    {
        BinaryPrimitives.WriteInt32LittleEndian(word, value);
        Write(s, crc, word);
    }

    internal static void Write(Stream s, Crc32? crc, ReadOnlySpan<byte> bytes)
    {
        s.Write(bytes);
        crc?.Append(bytes);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Reads a checkpoint, adding what it reads to a CRC and naming the source and current parameter in errors.</summary>
    internal sealed class Reader(Stream stream, string source)
    {
        /// <summary>The CRC of the bytes read since its last reset.</summary>
        public Crc32 Crc { get; } = new();

        /// <summary>The network's parameter being read, for messages; null in the header and after the last parameter.</summary>
        public string? Parameter { get; set; }

        public InvalidDataException Bad(string problem, Exception? inner = null)
            => new(Parameter is null ? $"{source}: {problem}." : $"{source}: parameter '{Parameter}': {problem}.", inner);

        public void Read(Span<byte> buffer, string what)
        {
            try
            {
                stream.ReadExactly(buffer);
            }
            catch (EndOfStreamException e)
            {
                throw Bad($"the checkpoint ends early, in {what}", e);
            }

            Crc.Append(buffer);
        }

        public int ReadInt(string what)
        {
            Span<byte> word = stackalloc byte[4];
            Read(word, what);
            return BinaryPrimitives.ReadInt32LittleEndian(word);
        }

        /// <summary>Throws when any byte follows the last parameter.</summary>
        public void CheckEnd()
        {
            Span<byte> one = stackalloc byte[1];
            if (stream.Read(one) == 0) return;
            if (stream.CanSeek)
            {
                long extra = stream.Length - stream.Position + 1;
                throw new InvalidDataException($"{source}: {extra} byte{(extra == 1 ? "" : "s")} follow{(extra == 1 ? "s" : "")} the last parameter; a checkpoint ends with its last parameter.");
            }

            throw new InvalidDataException($"{source}: data follows the last parameter; a checkpoint ends with its last parameter.");
        }
    }
}
