using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace SnnDsl.Training;

/// <summary>
/// Saves and loads <see cref="NetworkWeights"/> in a small binary format, all integers and floats
/// little-endian:
/// <code>
/// "SNNW" (4 ASCII bytes) | version: int32 = 1 | parameter count: int32
/// per parameter, in NetworkWeights.Parameters order:
///     name length: int32 | name: UTF-8 bytes | element count: int32 | values: float32 x count
/// </code>
/// Loading checks that the names and element counts match the target weights.
/// </summary>
public static class Checkpoint
{
    private static ReadOnlySpan<byte> Magic => "SNNW"u8;

    /// <summary>Writes <paramref name="weights"/> to <paramref name="stream"/>.</summary>
    public static void Save(NetworkWeights weights, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> word = stackalloc byte[4];
        stream.Write(Magic);
        WriteInt(stream, 1, word);
        WriteInt(stream, weights.Parameters.Count, word);
        foreach (Parameter p in weights.Parameters)
        {
            byte[] name = Encoding.UTF8.GetBytes(p.Name);
            WriteInt(stream, name.Length, word);
            stream.Write(name);
            WriteInt(stream, p.Length, word);
            foreach (float v in p.Value)
            {
                BinaryPrimitives.WriteSingleLittleEndian(word, v);
                stream.Write(word);
            }
        }
    }

    /// <summary>Writes <paramref name="weights"/> to the file <paramref name="path"/>.</summary>
    public static void Save(NetworkWeights weights, string path)
    {
        using FileStream f = File.Create(path);
        Save(weights, f);
    }

    /// <summary>Reads values saved by <see cref="Save(NetworkWeights, Stream)"/> into <paramref name="weights"/>.</summary>
    /// <exception cref="InvalidDataException">The stream is not a checkpoint of weights shaped like <paramref name="weights"/>.</exception>
    public static void Load(NetworkWeights weights, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> word = stackalloc byte[4];
        ReadExactly(stream, word);
        if (!word.SequenceEqual(Magic)) throw new InvalidDataException("Not an SnnDsl checkpoint (expected the magic \"SNNW\").");
        int version = ReadInt(stream, word);
        if (version != 1) throw new InvalidDataException($"Unsupported checkpoint version {version}.");
        int count = ReadInt(stream, word);
        if (count != weights.Parameters.Count) throw new InvalidDataException($"The checkpoint holds {count} parameters, the network {weights.Parameters.Count}.");
        foreach (Parameter p in weights.Parameters)
        {
            int nameLength = ReadInt(stream, word);
            if (nameLength < 0 || nameLength > 4096) throw new InvalidDataException("Corrupt parameter name length.");
            var name = new byte[nameLength];
            ReadExactly(stream, name);
            string s = Encoding.UTF8.GetString(name);
            int length = ReadInt(stream, word);
            if (s != p.Name || length != p.Length) throw new InvalidDataException($"The checkpoint has '{s}' of {length} values where the network has '{p.Name}' of {p.Length}.");
            for (int i = 0; i < length; i++)
            {
                ReadExactly(stream, word);
                p.Value[i] = BinaryPrimitives.ReadSingleLittleEndian(word);
            }
        }
    }

    /// <summary>Reads the file <paramref name="path"/> into <paramref name="weights"/>.</summary>
    public static void Load(NetworkWeights weights, string path)
    {
        using FileStream f = File.OpenRead(path);
        Load(weights, f);
    }

    private static void WriteInt(Stream s, int value, Span<byte> word)
    {
        BinaryPrimitives.WriteInt32LittleEndian(word, value);
        s.Write(word);
    }

    private static int ReadInt(Stream s, Span<byte> word)
    {
        ReadExactly(s, word);
        return BinaryPrimitives.ReadInt32LittleEndian(word);
    }

    private static void ReadExactly(Stream s, Span<byte> buffer)
    {
        try
        {
            s.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The checkpoint ends early.", e);
        }
    }
}
