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
/// Saves and loads the state of an optimizer (<see cref="Adam"/>'s moments and step count, <see cref="Sgd"/>'s momentum
/// buffers and step count), so a training resumed from a <see cref="Checkpoint"/> of the weights plus this file continues
/// bit for bit as if it had not stopped. A file of its own, next to the weights' (the weights' format is unchanged, and a
/// model used only for inference needs no optimizer state). All integers and floats little-endian:
/// <code>
/// "SNNO" (4 ASCII bytes) | version: int32 = 1
/// header: kind name length: int32 | kind name: UTF-8 ("Adam" or "Sgd") | step count: int32
///     | setting count: int32 | per setting: name length: int32 | name: UTF-8 | value: float32
///     | parameter count: int32 | buffers per parameter: int32
///     | CRC-32 (IEEE) of the header's bytes, from the kind name length to the buffers per parameter: uint32
/// per parameter, in the optimizer's Parameters order:
///     name length: int32 | name: UTF-8 | rank: int32 | dimensions: int32 x rank (Parameter.Shape)
///     | buffers: float32 x (product of the dimensions) x buffers per parameter
///     | CRC-32 of this parameter's bytes from its name length to its last value: uint32
/// and nothing after the last parameter.
/// </code>
/// Adam's settings are learningRate, beta1, beta2, epsilon, weightDecay and its buffers m then v; SGD's settings are
/// learningRate, momentum, weightDecay, dampening, nesterov (0 or 1) and its buffer the momentum buffer (none without momentum).
/// </summary>
/// <remarks>
/// <para>
/// Loading is all or nothing, as <see cref="Checkpoint"/>'s: the whole file is read and checked (magic, version, kind, every
/// setting, parameter names and shapes in order, every CRC, no trailing byte, finite values unless allowed) before the
/// optimizer is changed, so a failed load (an <see cref="InvalidDataException"/>) leaves it as it was. Messages start with
/// the file's path and name the parameter or setting, e.g.
/// <c>"run/adam.snno: parameter 'layer 0 bias': checksum mismatch (...)"</c>.
/// </para>
/// <para>
/// Settings: the learning rate is restored from the file (a schedule may have changed it during training, and PyTorch's
/// <c>load_state_dict</c> restores it too); every other setting is fixed at construction and must equal the file's, or the load
/// fails naming the setting (construct the optimizer with the settings it was trained with). The optimizer's parameters
/// must be the same (by name and shape, in order) as when it was saved; their values are the weights' and are saved with
/// <see cref="Checkpoint"/>, not here.
/// </para>
/// <para>Saving to a path is atomic, as <see cref="Checkpoint.Save(NetworkWeights, string)"/>.</para>
/// </remarks>
public static class OptimizerCheckpoint
{
    private const int CurrentVersion = 1;
    private static ReadOnlySpan<byte> Magic => "SNNO"u8;

    /// <summary>Writes the state of <paramref name="optimizer"/> (an <see cref="Adam"/> or an <see cref="Sgd"/>) to <paramref name="stream"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="optimizer"/> is neither an <see cref="Adam"/> nor an <see cref="Sgd"/>.</exception>
    public static void Save(IOptimizer optimizer, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        State state = StateOf(optimizer);
        Span<byte> word = stackalloc byte[4];
        stream.Write(Magic);
        Checkpoint.WriteInt(stream, null, CurrentVersion, word);
        var crc = new Crc32();
        WriteName(stream, crc, state.Kind, word);
        Checkpoint.WriteInt(stream, crc, state.StepCount, word);
        Checkpoint.WriteInt(stream, crc, state.Settings.Length, word);
        foreach ((string name, float value) in state.Settings)
        {
            WriteName(stream, crc, name, word);
            BinaryPrimitives.WriteSingleLittleEndian(word, value);
            Checkpoint.Write(stream, crc, word);
        }

        IReadOnlyList<Parameter> parameters = optimizer.Parameters;
        Checkpoint.WriteInt(stream, crc, parameters.Count, word);
        Checkpoint.WriteInt(stream, crc, state.BuffersPerParameter, word);
        BinaryPrimitives.WriteUInt32LittleEndian(word, crc.GetCurrentHashAsUInt32());
        stream.Write(word);

        for (int k = 0; k < parameters.Count; k++)
        {
            Parameter p = parameters[k];
            crc.Reset();
            WriteName(stream, crc, p.Name, word);
            Checkpoint.WriteInt(stream, crc, p.Shape.Count, word);
            foreach (int d in p.Shape) Checkpoint.WriteInt(stream, crc, d, word);
            for (int b = 0; b < state.BuffersPerParameter; b++)
            {
                float[] values = state.Buffers[b][k];
                if (BitConverter.IsLittleEndian)
                {
                    Checkpoint.Write(stream, crc, MemoryMarshal.AsBytes(values.AsSpan()));
                }
                else
                {
                    foreach (float v in values)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(word, v);
                        Checkpoint.Write(stream, crc, word);
                    }
                }
            }

            BinaryPrimitives.WriteUInt32LittleEndian(word, crc.GetCurrentHashAsUInt32());
            stream.Write(word);
        }
    }

    /// <summary>
    /// Writes the state of <paramref name="optimizer"/> to the file <paramref name="path"/> atomically: to a temporary file in the
    /// same folder, flushed to disk, then renamed over <paramref name="path"/>; on failure a previous file is left as it was.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="optimizer"/> is neither an <see cref="Adam"/> nor an <see cref="Sgd"/>.</exception>
    public static void Save(IOptimizer optimizer, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        StateOf(optimizer); // the type check, before any file is created
        Checkpoint.SaveAtomically(path, s => Save(optimizer, s), static s => s);
    }

    /// <summary>Reads a state saved by <see cref="Save(IOptimizer, Stream)"/> into <paramref name="optimizer"/>, all or nothing; non-finite values are rejected. The state must be the rest of the stream.</summary>
    /// <exception cref="InvalidDataException">The stream is not a valid state of an optimizer like <paramref name="optimizer"/>; the optimizer was not changed.</exception>
    /// <exception cref="ArgumentException"><paramref name="optimizer"/> is neither an <see cref="Adam"/> nor an <see cref="Sgd"/>.</exception>
    public static void Load(IOptimizer optimizer, Stream stream) => Load(optimizer, stream, allowNonFinite: false);

    /// <summary>Reads a state saved by <see cref="Save(IOptimizer, Stream)"/> into <paramref name="optimizer"/>, all or nothing. The state must be the rest of the stream.</summary>
    /// <param name="optimizer">The optimizer to restore; its kind, fixed settings and parameters (names and shapes) must match the file's.</param>
    /// <param name="stream">The saved state.</param>
    /// <param name="allowNonFinite">Accept NaN and infinite buffer values (e.g. to inspect a training that diverged).</param>
    /// <exception cref="InvalidDataException">The stream is not a valid state of an optimizer like <paramref name="optimizer"/>; the optimizer was not changed.</exception>
    /// <exception cref="ArgumentException"><paramref name="optimizer"/> is neither an <see cref="Adam"/> nor an <see cref="Sgd"/>.</exception>
    public static void Load(IOptimizer optimizer, Stream stream, bool allowNonFinite)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Load(optimizer, stream, stream is FileStream f ? f.Name : "optimizer checkpoint stream", allowNonFinite);
    }

    /// <summary>Reads the file <paramref name="path"/> into <paramref name="optimizer"/> like <see cref="Load(IOptimizer, Stream)"/>: all or nothing, non-finite values rejected.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid state of an optimizer like <paramref name="optimizer"/>; the optimizer was not changed.</exception>
    /// <exception cref="ArgumentException"><paramref name="optimizer"/> is neither an <see cref="Adam"/> nor an <see cref="Sgd"/>.</exception>
    public static void Load(IOptimizer optimizer, string path) => Load(optimizer, path, allowNonFinite: false);

    /// <summary>Reads the file <paramref name="path"/> into <paramref name="optimizer"/> like <see cref="Load(IOptimizer, Stream, bool)"/>.</summary>
    /// <param name="optimizer">The optimizer to restore.</param>
    /// <param name="path">The file.</param>
    /// <param name="allowNonFinite">Accept NaN and infinite buffer values.</param>
    /// <exception cref="InvalidDataException">The file is not a valid state of an optimizer like <paramref name="optimizer"/>; the optimizer was not changed.</exception>
    /// <exception cref="ArgumentException"><paramref name="optimizer"/> is neither an <see cref="Adam"/> nor an <see cref="Sgd"/>.</exception>
    public static void Load(IOptimizer optimizer, string path, bool allowNonFinite)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        StateOf(optimizer);
        using FileStream f = File.OpenRead(path);
        Load(optimizer, f, path, allowNonFinite);
    }

    private static void Load(IOptimizer optimizer, Stream stream, string source, bool allowNonFinite)
    {
        State state = StateOf(optimizer);
        var r = new Checkpoint.Reader(stream, source);
        Span<byte> magic = stackalloc byte[4];
        r.Read(magic, "its header");
        if (!magic.SequenceEqual(Magic)) throw r.Bad("not an SnnDsl optimizer checkpoint (expected the magic \"SNNO\")");
        int version = r.ReadInt("its header");
        if (version != CurrentVersion) throw r.Bad($"unsupported optimizer checkpoint version {version} (this library reads version {CurrentVersion})");

        // The header, read whole and checked against its CRC before any of it is trusted.
        r.Crc.Reset();
        string kind = ReadName(r, "its header");
        int stepCount = r.ReadInt("its header");
        int settings = r.ReadInt("its header");
        if (settings < 0 || settings > 64) throw r.Bad($"corrupt setting count {settings}");
        var names = new string[settings];
        var values = new float[settings];
        for (int i = 0; i < settings; i++)
        {
            names[i] = ReadName(r, "its settings");
            values[i] = BitConverter.Int32BitsToSingle(r.ReadInt("its settings"));
        }

        int count = r.ReadInt("its header");
        int buffers = r.ReadInt("its header");
        uint computedHeader = r.Crc.GetCurrentHashAsUInt32();
        uint storedHeader = unchecked((uint)r.ReadInt("its header checksum"));
        if (storedHeader != computedHeader) throw r.Bad($"header checksum mismatch (stored 0x{storedHeader:X8}, computed 0x{computedHeader:X8}): the file is corrupt");

        if (kind != state.Kind) throw r.Bad($"it holds the state of {kind}, but the optimizer is {state.Kind}");
        if (stepCount < 0) throw r.Bad($"corrupt step count {stepCount}");
        if (settings != state.Settings.Length) throw r.Bad($"it holds {settings} settings, {kind} has {state.Settings.Length}");
        var mismatches = new List<string>();
        for (int i = 0; i < settings; i++)
        {
            (string expectedName, float current) = state.Settings[i];
            if (names[i] != expectedName) throw r.Bad($"setting {i} is '{names[i]}', {kind}'s is '{expectedName}'");
            if (i == 0)
            {
                if (!(values[i] >= 0 && float.IsFinite(values[i]))) throw r.Bad($"setting 'learningRate' is {Format(values[i])}, not a finite learning rate >= 0");
            }
            else if (BitConverter.SingleToInt32Bits(values[i]) != BitConverter.SingleToInt32Bits(current))
            {
                mismatches.Add($"setting '{names[i]}': the checkpoint has {Format(values[i])}, the optimizer {Format(current)}");
            }
        }

        if (mismatches.Count > 0) throw r.Bad(string.Join("; ", mismatches) + " (construct the optimizer with the settings it was saved with)");
        float learningRate = values[0];
        IReadOnlyList<Parameter> parameters = optimizer.Parameters;
        if (count != parameters.Count) throw r.Bad($"it holds {count} parameters, the optimizer {parameters.Count}");
        if (buffers != state.BuffersPerParameter) throw r.Bad($"it holds {buffers} buffers per parameter, the optimizer {state.BuffersPerParameter}");

        // Read and check everything before changing the optimizer.
        var staged = new float[buffers][][];
        for (int b = 0; b < buffers; b++) staged[b] = new float[count][];
        for (int k = 0; k < count; k++)
        {
            Parameter p = parameters[k];
            r.Parameter = p.Name;
            r.Crc.Reset();
            string name = ReadName(r, "its name");
            if (name != p.Name) throw r.Bad($"the checkpoint has '{name}' in its place (parameter {k})");
            int rank = r.ReadInt("its shape");
            if (rank < 1 || rank > Checkpoint.MaxRank) throw r.Bad($"corrupt rank {rank} (1 to {Checkpoint.MaxRank} dimensions)");
            var shape = new int[rank];
            for (int i = 0; i < rank; i++) shape[i] = r.ReadInt("its shape");
            if (!shape.AsSpan().SequenceEqual(Checkpoint.AsArray(p.Shape)))
            {
                throw r.Bad($"the checkpoint holds shape [{string.Join(", ", shape)}], the optimizer's parameter [{string.Join(", ", p.Shape)}]");
            }

            for (int b = 0; b < buffers; b++)
            {
                var buffer = new float[p.Length];
                r.Read(MemoryMarshal.AsBytes(buffer.AsSpan()), "its buffers");
                if (!BitConverter.IsLittleEndian)
                {
                    Span<int> bits = MemoryMarshal.Cast<float, int>(buffer.AsSpan());
                    BinaryPrimitives.ReverseEndianness(bits, bits);
                }

                staged[b][k] = buffer;
            }

            uint computed = r.Crc.GetCurrentHashAsUInt32();
            uint stored = unchecked((uint)r.ReadInt("its checksum"));
            if (stored != computed) throw r.Bad($"checksum mismatch (stored 0x{stored:X8}, computed 0x{computed:X8}): the file is corrupt");
            if (!allowNonFinite)
            {
                for (int b = 0; b < buffers; b++)
                {
                    int i = NetworkRunner.FirstNonFinite(staged[b][k]);
                    if (i >= 0) throw r.Bad($"{state.BufferNames[b]} element {i} is {Format(staged[b][k][i])} (pass allowNonFinite: true to load non-finite values)");
                }
            }
        }

        r.Parameter = null;
        r.CheckEnd();
        for (int b = 0; b < buffers; b++)
        {
            for (int k = 0; k < count; k++) staged[b][k].CopyTo(state.Buffers[b][k], 0);
        }

        optimizer.LearningRate = learningRate;
        switch (optimizer)
        {
            case Adam adam: adam.StepCount = stepCount; break;
            case Sgd sgd: sgd.StepCount = stepCount; break;
        }
    }

    private static string Format(float v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static void WriteName(Stream stream, Crc32 crc, string name, Span<byte> word)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        Checkpoint.WriteInt(stream, crc, bytes.Length, word);
        Checkpoint.Write(stream, crc, bytes);
    }

    private static string ReadName(Checkpoint.Reader r, string what)
    {
        int length = r.ReadInt(what);
        if (length < 0 || length > Checkpoint.MaxNameBytes) throw r.Bad($"corrupt name length {length} (0 to {Checkpoint.MaxNameBytes} bytes) in {what}");
        var bytes = new byte[length];
        r.Read(bytes, what);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>What is saved of an optimizer: its kind, step count, settings (learning rate first) and buffers [buffer][parameter].</summary>
    private sealed record State(string Kind, int StepCount, (string Name, float Value)[] Settings, string[] BufferNames, float[][][] Buffers)
    {
        public int BuffersPerParameter => Buffers.Length;
    }

    private static State StateOf(IOptimizer optimizer) => optimizer switch
    {
        null => throw new ArgumentNullException(nameof(optimizer)),
        Adam a => new State("Adam", a.StepCount,
            [("learningRate", a.LearningRate), ("beta1", a.Beta1), ("beta2", a.Beta2), ("epsilon", a.Epsilon), ("weightDecay", a.WeightDecay)],
            ["first moment m", "second moment v"], [a.FirstMoments, a.SecondMoments]),
        Sgd s => new State("Sgd", s.StepCount,
            [("learningRate", s.LearningRate), ("momentum", s.Momentum), ("weightDecay", s.WeightDecay), ("dampening", s.Dampening), ("nesterov", s.Nesterov ? 1f : 0f)],
            s.Momentum != 0f ? ["momentum buffer"] : [], s.Momentum != 0f ? [s.MomentumBuffers] : []),
        _ => throw new ArgumentException($"OptimizerCheckpoint saves the state of Adam and Sgd; {optimizer.GetType().Name} is neither (save its state yourself).", nameof(optimizer)),
    };
}
