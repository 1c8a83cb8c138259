using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using SnnDsl.Neurons;
using SnnDsl.Tests.Data;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

namespace SnnDsl.Tests.Training;

public sealed class CheckpointTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The network of Fixtures/checkpoint-v1.snnw: parameters "layer 0 weight" (6), "layer 0 bias" (2), "layer 1 Plif parameters" (1), "layer 2 weight" (4).</summary>
    private static Network FixtureNet() => Sequential(Dense(3, 2), NeuronLayer("Plif", (b, n) => new Plif().CreateLayer(b, n)), Dense(2, 2, bias: false));

    /// <summary>The values saved in the fixture: parameter k, element i = (k + 1) * (+10 for even i, -10 for odd i) + i / 4.</summary>
    private static void FillFixtureValues(NetworkWeights w)
    {
        for (int k = 0; k < w.Parameters.Count; k++)
        {
            float[] v = w.Parameters[k].Value;
            for (int i = 0; i < v.Length; i++) v[i] = (k + 1) * (i % 2 == 0 ? 10 : -10) + i * 0.25f;
        }
    }

    private static float[][] Snapshot(NetworkWeights w) => w.Parameters.Select(p => p.Value.ToArray()).ToArray();

    private static void AssertUnchanged(float[][] before, NetworkWeights w)
    {
        for (int k = 0; k < before.Length; k++) Assert.Equal(before[k], w.Parameters[k].Value);
    }

    /// <summary>A checkpoint file of FixtureNet().Initialize(1) in the current format.</summary>
    private string SavedFile(string name = "model.snnw")
    {
        string path = _dir.File(name);
        Checkpoint.Save(FixtureNet().Initialize(1), path);
        return path;
    }

    private static int IndexOf(byte[] haystack, string needle)
    {
        byte[] n = Encoding.UTF8.GetBytes(needle);
        for (int i = 0; i + n.Length <= haystack.Length; i++)
        {
            if (haystack.AsSpan(i, n.Length).SequenceEqual(n)) return i;
        }

        throw new InvalidOperationException($"'{needle}' not found");
    }

    [Fact]
    public void Save_that_fails_midway_leaves_the_previous_file_byte_identical_and_no_temporary_file()
    {
        string path = SavedFile();
        byte[] before = File.ReadAllBytes(path);
        NetworkWeights other = FixtureNet().Initialize(2);

        var ex = Assert.Throws<IOException>(() => Checkpoint.Save(other, path, s => new FailingStream(s, failAfter: 40)));

        Assert.Equal("No space left on device (test)", ex.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_dir.Path));

        // A save that succeeds replaces the file, again without leftovers.
        Checkpoint.Save(other, path);
        NetworkWeights read = FixtureNet().Initialize(3);
        Checkpoint.Load(read, path);
        for (int k = 0; k < other.Parameters.Count; k++) Assert.Equal(other.Parameters[k].Value, read.Parameters[k].Value);
        Assert.Equal(new[] { path }, Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Save_whose_rename_fails_deletes_its_temporary_file()
    {
        string target = _dir.File("a-folder");
        Directory.CreateDirectory(target);

        Assert.ThrowsAny<IOException>(() => Checkpoint.Save(FixtureNet().Initialize(1), target));

        Assert.True(Directory.Exists(target));
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Theory]
    [InlineData(1)] // inside the last parameter's trailer
    [InlineData(10)] // inside the last parameter's values
    public void Truncated_file_throws_naming_the_file_and_the_parameter_and_changes_no_weight(int cut)
    {
        string path = SavedFile();
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^cut]);
        NetworkWeights target = FixtureNet().Initialize(7);
        float[][] before = Snapshot(target);

        var ex = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(target, path));

        Assert.StartsWith($"{path}: parameter 'layer 2 weight': ", ex.Message);
        Assert.Contains("ends early", ex.Message);
        AssertUnchanged(before, target);
    }

    [Fact]
    public void A_flipped_value_byte_fails_the_checksum_and_changes_no_weight()
    {
        string path = SavedFile();
        byte[] bytes = File.ReadAllBytes(path);
        // "layer 0 bias", then (v2) rank 1 and dimension 2, then the two values: flip a bit of the first.
        bytes[IndexOf(bytes, "layer 0 bias") + "layer 0 bias".Length + 4 + 4 + 1] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        NetworkWeights target = FixtureNet().Initialize(7);
        float[][] before = Snapshot(target);

        var ex = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(target, path));

        Assert.StartsWith($"{path}: parameter 'layer 0 bias': checksum mismatch", ex.Message);
        AssertUnchanged(before, target);
    }

    [Fact]
    public void Trailing_bytes_are_rejected()
    {
        string path = SavedFile();
        File.AppendAllText(path, "x");
        NetworkWeights target = FixtureNet().Initialize(7);
        float[][] before = Snapshot(target);

        var ex = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(target, path));

        Assert.Equal($"{path}: 1 byte follows the last parameter; a checkpoint ends with its last parameter.", ex.Message);
        AssertUnchanged(before, target);
    }

    [Fact]
    public void Non_finite_values_are_rejected_naming_the_parameter_and_element()
    {
        NetworkWeights w = FixtureNet().Initialize(1);
        w.Parameters[3].Value[1] = float.NaN;
        w.Parameters[3].Value[2] = float.PositiveInfinity;
        string path = _dir.File("nan.snnw");
        Checkpoint.Save(w, path);
        NetworkWeights target = FixtureNet().Initialize(7);
        float[][] before = Snapshot(target);

        var ex = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(target, path));

        Assert.StartsWith($"{path}: parameter 'layer 2 weight': element 1 is NaN", ex.Message);
        AssertUnchanged(before, target);
    }

    [Fact]
    public void Same_length_parameter_of_another_shape_is_rejected()
    {
        NetworkWeights threeByTwo = Sequential(Dense(3, 2, bias: false)).Initialize(1);
        string path = _dir.File("3x2.snnw");
        Checkpoint.Save(threeByTwo, path);
        NetworkWeights twoByThree = Sequential(Dense(2, 3, bias: false)).Initialize(2);
        float[][] before = Snapshot(twoByThree);

        var ex = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(twoByThree, path));

        Assert.Equal($"{path}: parameter 'layer 0 weight': the checkpoint holds shape [3, 2], the network [2, 3].", ex.Message);
        AssertUnchanged(before, twoByThree);
    }

    [Fact]
    public void Version_1_file_written_by_the_old_code_still_loads()
    {
        string fixture = Path.Combine(RepoPaths.Root, "tests", "SnnDsl.Tests", "Training", "Fixtures", "checkpoint-v1.snnw");
        NetworkWeights expected = FixtureNet().Initialize(1);
        FillFixtureValues(expected);
        NetworkWeights target = FixtureNet().Initialize(7);

        Checkpoint.Load(target, fixture);

        Assert.Equal(new[] { 10f, -9.75f, 10.5f, -9.25f, 11f, -8.75f }, target.Parameters[0].Value); // pinned, independent of FillFixtureValues
        for (int k = 0; k < expected.Parameters.Count; k++) Assert.Equal(expected.Parameters[k].Value, target.Parameters[k].Value);
    }

    [Fact]
    public void Version_2_layout_is_pinned_byte_for_byte()
    {
        NetworkWeights w = Sequential(Dense(1, 1, bias: false)).Initialize(1);
        w.Parameters[0].Value[0] = 1.5f;
        var stream = new MemoryStream();

        Checkpoint.Save(w, stream);

        byte[] expected =
        [
            .. "SNNW"u8, 2, 0, 0, 0, 1, 0, 0, 0,
            14, 0, 0, 0, .. "layer 0 weight"u8, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x00, 0x00, 0xC0, 0x3F,
            0xD5, 0x71, 0x2C, 0xD0, // zlib.crc32 of the 34 bytes from the name length to the value: 0xD02C71D5
        ];
        Assert.Equal(expected, stream.ToArray());
    }

    [Fact]
    public void Non_finite_values_load_when_allowed()
    {
        NetworkWeights w = FixtureNet().Initialize(1);
        w.Parameters[3].Value[1] = float.NaN;
        w.Parameters[0].Value[0] = float.NegativeInfinity;
        var stream = new MemoryStream();
        Checkpoint.Save(w, stream);
        NetworkWeights target = FixtureNet().Initialize(7);

        stream.Position = 0;
        var ex = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(target, stream));
        Assert.Equal("checkpoint stream: parameter 'layer 0 weight': element 0 is -Infinity (pass allowNonFinite: true to load non-finite values).", ex.Message);

        stream.Position = 0;
        Checkpoint.Load(target, stream, allowNonFinite: true);
        for (int k = 0; k < w.Parameters.Count; k++) Assert.Equal(w.Parameters[k].Value, target.Parameters[k].Value);
        Assert.True(float.IsNaN(target.Parameters[3].Value[1]));
    }

    [Fact]
    public void Parameters_carry_their_shape()
    {
        NetworkWeights w = FixtureNet().Initialize(1);
        Assert.Equal(new[] { 3, 2 }, w.Parameters[0].Shape);
        Assert.Equal(new[] { 2 }, w.Parameters[1].Shape);
        Assert.Equal(new[] { 1 }, w.Parameters[2].Shape);
        Assert.Equal(6, new Parameter("p", [2, 3]).Length);
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => new Parameter("p", [2, 0])).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => new Parameter("p", [])).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => new Parameter("p", [65536, 65536])).ParamName);
    }

    /// <summary>Passes writes through until <c>failAfter</c> bytes, then throws like a full disk.</summary>
    private sealed class FailingStream(Stream inner, long failAfter) : Stream
    {
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > failAfter) throw new IOException("No space left on device (test)");
            inner.Write(buffer);
            _written += buffer.Length;
        }
    }
}
