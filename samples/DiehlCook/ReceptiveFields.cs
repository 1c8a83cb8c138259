using System;
using System.IO;
using System.IO.Compression;
using SnnDsl.Simulation;

namespace DiehlCook;

/// <summary>Writes the input weights of every excitatory neuron as a grey-scale image grid (PNG, one 28x28 tile per neuron).</summary>
internal static class ReceptiveFields
{
    public static void WritePng(string path, Projection forward, int pixels, int neurons, int rows, int cols)
    {
        int grid = (int)Math.Ceiling(Math.Sqrt(neurons)), scale = 3, gap = 1;
        int tileW = cols * scale + gap, tileH = rows * scale + gap;
        int width = grid * tileW + gap, height = grid * tileH + gap;
        var image = new byte[height * (width + 1)];
        float max = 1e-9f;
        foreach (float w in forward.Weights) max = Math.Max(max, w);
        var rowStart = forward.Table.RowStart;
        var target = forward.Table.Target;
        for (int s = 0; s < pixels; s++)
        {
            for (int q = rowStart[s]; q < rowStart[s + 1]; q++)
            {
                int j = target[q];
                byte v = (byte)Math.Clamp((int)(255 * forward.Weights[q] / max), 0, 255);
                int x0 = gap + (j % grid) * tileW + (s % cols) * scale, y0 = gap + (j / grid) * tileH + (s / cols) * scale;
                for (int dy = 0; dy < scale; dy++)
                    for (int dx = 0; dx < scale; dx++)
                        image[(y0 + dy) * (width + 1) + 1 + x0 + dx] = v;
            }
        }
        using var file = File.Create(path);
        file.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var header = new byte[13];
        BigEndian(header, 0, (uint)width);
        BigEndian(header, 4, (uint)height);
        header[8] = 8;  // bit depth
        header[9] = 0;  // grey scale
        Chunk(file, "IHDR", header);
        using (var packed = new MemoryStream())
        {
            using (var z = new ZLibStream(packed, CompressionLevel.Optimal, leaveOpen: true)) z.Write(image);
            Chunk(file, "IDAT", packed.ToArray());
        }
        Chunk(file, "IEND", []);
    }

    private static void BigEndian(byte[] b, int at, uint v)
    {
        b[at] = (byte)(v >> 24); b[at + 1] = (byte)(v >> 16); b[at + 2] = (byte)(v >> 8); b[at + 3] = (byte)v;
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var len = new byte[4];
        BigEndian(len, 0, (uint)data.Length);
        s.Write(len);
        var body = new byte[4 + data.Length];
        for (int i = 0; i < 4; i++) body[i] = (byte)type[i];
        data.CopyTo(body, 4);
        s.Write(body);
        var crc = new byte[4];
        BigEndian(crc, 0, Crc32(body));
        s.Write(crc);
    }

    private static uint Crc32(byte[] data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }
}
