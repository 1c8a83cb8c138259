using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SnnDsl.Data;
using SnnDsl.Encoders;
using SnnDsl.Tests.Data;
using SnnDsl.Training;

namespace SnnDsl.Tests.Training;

public sealed class OptimizerCheckpointTests : IDisposable
{
    private const int Features = 16, Steps = 10;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (float[] X, int[] Y) TrainData() => EvaluatorTests.Data(64, 1);

    /// <summary>Trains epochs [from, to) of batches of 16 (the last of 64 + ... full) with a fresh runner on <paramref name="w"/>.</summary>
    private static void Train(NetworkWeights w, IOptimizer optimizer, int from, int to)
    {
        (float[] x, int[] y) = TrainData();
        using NetworkRunner runner = w.Network.CreateRunner(w, Steps, 16, new RunnerOptions(Threads: 2, ChunkSize: 8));
        var trainer = new Trainer(runner, new Rate().CreateLayer(16, Features, 42), new CrossEntropyCountLoss(), optimizer, maxGradientNorm: 5f);
        var batches = new Batcher(x, y, Features, 16, seed: 3);
        for (int e = from; e < to; e++) trainer.TrainEpoch(batches, e);
    }

    private static float[] All(NetworkWeights w) => w.Parameters.SelectMany(p => p.Value).ToArray();

    public static IEnumerable<object[]> Optimizers() =>
    [
        ["adam"],
        ["adam-decay"],
        ["sgd-momentum"],
        ["sgd-nesterov"],
        ["sgd-plain"],
    ];

    private static IOptimizer Make(string kind, NetworkWeights w, float lr) => kind switch
    {
        "adam" => new Adam(w.Parameters, lr),
        "adam-decay" => new Adam(w.Parameters, lr, beta1: 0.8f, beta2: 0.99f, weightDecay: 1e-3f),
        "sgd-momentum" => new Sgd(w.Parameters, lr * 10, momentum: 0.9f, dampening: 0.1f),
        "sgd-nesterov" => new Sgd(w.Parameters, lr * 10, momentum: 0.9f, weightDecay: 1e-3f, nesterov: true),
        _ => new Sgd(w.Parameters, lr * 10),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Resuming_from_weights_and_optimizer_state_continues_bit_for_bit(string kind)
    {
        // Uninterrupted: 3 epochs (12 steps), saving weights and optimizer after the first 2.
        NetworkWeights w = EvaluatorTests.Net().Initialize(5);
        IOptimizer optimizer = Make(kind, w, 1e-2f);
        Train(w, optimizer, 0, 2);
        string weightsFile = _dir.File("model.snnw"), stateFile = _dir.File("optimizer.snno");
        Checkpoint.Save(w, weightsFile);
        OptimizerCheckpoint.Save(optimizer, stateFile);
        optimizer.LearningRate = 5e-3f; // a schedule lowers it after saving: the saved value is restored below
        OptimizerCheckpoint.Save(optimizer, stateFile);
        Train(w, optimizer, 2, 3);
        float[] uninterrupted = All(w);

        // Resumed: fresh weights (another seed) and a fresh optimizer with another learning rate, loaded from the files.
        NetworkWeights resumed = EvaluatorTests.Net().Initialize(99);
        IOptimizer fresh = Make(kind, resumed, 0.25f);
        Checkpoint.Load(resumed, weightsFile);
        OptimizerCheckpoint.Load(fresh, stateFile);
        Assert.Equal(5e-3f, fresh.LearningRate);
        Assert.Equal(8, fresh is Adam a ? a.StepCount : ((Sgd)fresh).StepCount);
        Train(resumed, fresh, 2, 3);
        Assert.Equal(uninterrupted, All(resumed));

        // Without the optimizer state (momentum / moments from zero), the same weights continue differently.
        NetworkWeights weightsOnly = EvaluatorTests.Net().Initialize(99);
        Checkpoint.Load(weightsOnly, weightsFile);
        IOptimizer zero = Make(kind, weightsOnly, 1e-2f);
        zero.LearningRate = 5e-3f;
        Train(weightsOnly, zero, 2, 3);
        if (kind != "sgd-plain") Assert.NotEqual(uninterrupted, All(weightsOnly));
        else Assert.Equal(uninterrupted, All(weightsOnly)); // plain SGD keeps no state but the step count
    }

    private static byte[] Bytes(IOptimizer optimizer)
    {
        var s = new MemoryStream();
        OptimizerCheckpoint.Save(optimizer, s);
        return s.ToArray();
    }

    private (Adam Optimizer, string File, byte[] Bytes) SavedAdam()
    {
        NetworkWeights w = EvaluatorTests.Net().Initialize(5);
        var adam = new Adam(w.Parameters, 1e-2f);
        Train(w, adam, 0, 1);
        string path = _dir.File("adam.snno");
        OptimizerCheckpoint.Save(adam, path);
        return (adam, path, File.ReadAllBytes(path));
    }

    [Fact]
    public void The_file_has_the_documented_layout()
    {
        (Adam adam, _, byte[] bytes) = SavedAdam();
        // Header: magic, version, kind, step count, 5 settings, parameter count, buffers per parameter, CRC.
        int header = 4 + 4 + (4 + 4) + 4 + 4 + (4 + 12 + 4) + (4 + 5 + 4) + (4 + 5 + 4) + (4 + 7 + 4) + (4 + 11 + 4) + 4 + 4 + 4;
        int body = adam.Parameters.Sum(p => 4 + p.Name.Length + 4 + 4 * p.Shape.Count + 2 * 4 * p.Length + 4);
        Assert.Equal(header + body, bytes.Length);
        Assert.Equal("SNNO"u8.ToArray(), bytes[..4]);
        Assert.Equal(4, BitConverter.ToInt32(bytes, 16)); // the step count after one epoch of 4 batches
        Assert.Equal(1e-2f, BitConverter.ToSingle(bytes, 16 + 4 + 4 + 4 + 12));
    }

    [Fact]
    public void A_corrupt_or_mismatched_file_is_rejected_naming_the_file_and_the_parameter_or_setting_and_changes_nothing()
    {
        (Adam adam, string path, byte[] bytes) = SavedAdam();
        NetworkWeights w = EvaluatorTests.Net().Initialize(5);
        var target = new Adam(w.Parameters, 1e-2f);
        Train(w, target, 0, 1);
        Train(w, target, 1, 2); // a state unlike the file's
        byte[] before = Bytes(target);

        // A flipped bit in the last buffer value of the last parameter.
        byte[] corrupt = (byte[])bytes.Clone();
        corrupt[^5] ^= 0x10;
        File.WriteAllBytes(path, corrupt);
        var ex = Assert.Throws<InvalidDataException>(() => OptimizerCheckpoint.Load(target, path));
        Assert.StartsWith($"{path}: parameter 'layer 2 bias': checksum mismatch", ex.Message);
        Assert.Equal(before, Bytes(target));

        // Truncated.
        File.WriteAllBytes(path, bytes[..^9]);
        ex = Assert.Throws<InvalidDataException>(() => OptimizerCheckpoint.Load(target, path));
        Assert.Equal($"{path}: parameter 'layer 2 bias': the checkpoint ends early, in its buffers.", ex.Message);
        Assert.Equal(before, Bytes(target));

        // Another beta1 and epsilon.
        File.WriteAllBytes(path, bytes);
        var other = new Adam(w.Parameters, 1e-2f, beta1: 0.8f, epsilon: 1e-6f);
        ex = Assert.Throws<InvalidDataException>(() => OptimizerCheckpoint.Load(other, path));
        Assert.Equal($"{path}: setting 'beta1': the checkpoint has 0.9, the optimizer 0.8; setting 'epsilon': the checkpoint has 1E-08, the optimizer 1E-06 (construct the optimizer with the settings it was saved with).", ex.Message);

        // Another kind.
        ex = Assert.Throws<InvalidDataException>(() => OptimizerCheckpoint.Load(new Sgd(w.Parameters, 0.1f, momentum: 0.9f), path));
        Assert.Equal($"{path}: it holds the state of Adam, but the optimizer is Sgd.", ex.Message);

        // Other parameters (the first layer left out of the optimizer).
        ex = Assert.Throws<InvalidDataException>(() => OptimizerCheckpoint.Load(new Adam(w.Parameters.Skip(2), 1e-2f), path));
        Assert.Equal($"{path}: it holds 4 parameters, the optimizer 2.", ex.Message);

        // A trailing byte.
        File.WriteAllBytes(path, [.. bytes, 0]);
        ex = Assert.Throws<InvalidDataException>(() => OptimizerCheckpoint.Load(target, path));
        Assert.Equal($"{path}: 1 byte follows the last parameter; a checkpoint ends with its last parameter.", ex.Message);
        Assert.Equal(before, Bytes(target));

        // The intact file loads: the target now saves the same bytes as the source.
        File.WriteAllBytes(path, bytes);
        OptimizerCheckpoint.Load(target, path);
        Assert.Equal(bytes, Bytes(target));
        Assert.Equal(adam.StepCount, target.StepCount);
    }

    [Fact]
    public void An_optimizer_it_does_not_know_is_rejected_by_argument()
    {
        var ex = Assert.Throws<ArgumentException>(() => OptimizerCheckpoint.Save(new OtherOptimizer(), new MemoryStream()));
        Assert.Equal("optimizer", ex.ParamName);
        Assert.StartsWith("OptimizerCheckpoint saves the state of Adam and Sgd; OtherOptimizer is neither", ex.Message);
        Assert.False(File.Exists(_dir.File("x.snno")));
        Assert.Throws<ArgumentException>(() => OptimizerCheckpoint.Save(new OtherOptimizer(), _dir.File("x.snno")));
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    private sealed class OtherOptimizer : IOptimizer
    {
        public IReadOnlyList<Parameter> Parameters => [];

        public float LearningRate { get; set; }

        public void Step() { }

        public void ZeroGrad() { }
    }
}
