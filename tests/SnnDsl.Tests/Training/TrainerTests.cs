using System;
using System.Collections.Generic;
using System.IO;
using SnnDsl.Data;
using SnnDsl.Encoders;
using SnnDsl.Neurons;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

namespace SnnDsl.Tests.Training;

public class TrainerTests
{
    private const int Classes = ToyClasses.Classes, Features = ToyClasses.Features, Steps = 10;

    private static (float[] X, int[] Y) Data(int count, int seed) => ToyClasses.Data(count, seed);

    private static (Trainer Trainer, NetworkWeights Weights) Make(int threads, int batch)
    {
        Network net = Sequential(Dense(Features, 12), NeuronLayer("TestLif", (b, n) => new TestLif(b, n)),
                                 Dense(12, Classes), NeuronLayer("TestLif", (b, n) => new TestLif(b, n)));
        NetworkWeights w = net.Initialize(5);
        NetworkRunner runner = net.CreateRunner(w, Steps, batch, new RunnerOptions(Threads: threads, ChunkSize: 8));
        var trainer = new Trainer(runner, new Rate().CreateLayer(batch, Features, 42), new CrossEntropyCountLoss(), new Adam(w.Parameters, 1e-2f), maxGradientNorm: 5f);
        return (trainer, w);
    }

    [Fact]
    public void Trains_a_separable_task_reports_every_batch_and_evaluates()
    {
        (float[] x, int[] y) = Data(200, 1);
        (float[] tx, int[] ty) = Data(100, 2);
        (Trainer trainer, _) = Make(threads: 1, batch: 32);
        var train = new Batcher(x, y, Features, 32, seed: 3);
        var test = new Batcher(tx, ty, Features, 32, shuffle: false);

        EpochReport before = trainer.Evaluate(test);
        var reports = new List<BatchReport>();
        for (int e = 0; e < 8; e++) trainer.TrainEpoch(train, e, reports.Add);
        EpochReport after = trainer.Evaluate(test);

        Assert.Equal(8 * 7, reports.Count);
        Assert.Equal(200 % 32, reports[6].Size); // the short last batch
        Assert.All(reports, r => Assert.True(r.SamplesPerSecond > 0 && double.IsFinite(r.Loss)));
        Assert.Equal(100, after.Samples);
        Assert.True(after.Loss < before.Loss, $"loss {before.Loss} -> {after.Loss}");
        Assert.True(after.Accuracy >= 0.9, $"test accuracy {after.Accuracy}");
    }

    [Fact]
    public void Whole_epochs_are_bit_identical_across_thread_counts()
    {
        (float[] x, int[] y) = Data(100, 1);
        var results = new List<float[]>();
        foreach (int threads in new[] { 1, 2, 4 })
        {
            (Trainer trainer, NetworkWeights w) = Make(threads, batch: 40);
            var train = new Batcher(x, y, Features, 40, seed: 3);
            for (int e = 0; e < 2; e++) trainer.TrainEpoch(train, e);
            var all = new List<float>();
            foreach (Parameter p in w.Parameters) all.AddRange(p.Value);
            results.Add(all.ToArray());
        }

        Assert.Equal(results[0], results[1]);
        Assert.Equal(results[0], results[2]);
    }

    [Fact]
    public void Trains_with_batches_smaller_than_the_encoders_as_with_an_encoder_of_that_batch()
    {
        // Batches of 7 (the last of 100 holds 2) through an encoder of batch 8 and through one of batch 7: same spikes, same weights.
        (float[] x, int[] y) = Data(100, 1);
        var results = new List<float[]>();
        foreach (int encoderBatch in new[] { 8, 7 })
        {
            Network net = Sequential(Dense(Features, 12), NeuronLayer("TestLif", (b, n) => new TestLif(b, n)),
                                     Dense(12, Classes), NeuronLayer("TestLif", (b, n) => new TestLif(b, n)));
            NetworkWeights w = net.Initialize(5);
            using NetworkRunner runner = net.CreateRunner(w, Steps, 8, new RunnerOptions(Threads: 2, ChunkSize: 4));
            var trainer = new Trainer(runner, new Rate().CreateLayer(encoderBatch, Features, 42), new CrossEntropyCountLoss(), new Adam(w.Parameters, 1e-2f));
            var train = new Batcher(x, y, Features, 7, seed: 3);
            EpochReport report = trainer.TrainEpoch(train, 0);
            Assert.Equal(100, report.Samples);
            Assert.Equal(2, runner.Batch);
            var all = new List<float>();
            foreach (Parameter p in w.Parameters) all.AddRange(p.Value);
            results.Add(all.ToArray());
        }

        Assert.Equal(results[0], results[1]);
        Assert.NotEqual(EvaluatorTests.Net().Initialize(5).Parameters[0].Value, results[0].AsSpan(0, Features * 12).ToArray()); // it trained
    }

    [Theory]
    [InlineData(2)] // 16 channels for a network of 8 inputs: a multiple, which used to train on scrambled rows
    [InlineData(3)] // 24 channels
    public void Encoder_whose_outputs_differ_from_the_network_inputs_is_rejected(int neurons)
    {
        const int batch = 4, features = 8;
        Network net = Sequential(Dense(features, Classes), NeuronLayer("TestLif", (b, n) => new TestLif(b, n)));
        NetworkWeights w = net.Initialize(1);
        NetworkRunner runner = net.CreateRunner(w, Steps, batch);
        ISpikeEncoder encoder = new Population(Neurons: neurons).CreateLayer(batch, features, seed: 1);
        Assert.Equal(neurons * features, encoder.Outputs);

        var ex = Assert.Throws<ArgumentException>(() => new Trainer(runner, encoder, new CrossEntropyCountLoss(), new Adam(w.Parameters, 1e-2f)));

        Assert.Equal("encoder", ex.ParamName);
        Assert.StartsWith($"The encoder ({encoder.GetType().Name}) emits {neurons * features} channels per sample, but the network takes {features} inputs; they must be equal.", ex.Message);
    }

    [Fact]
    public void Checkpoint_round_trips_and_rejects_another_shape()
    {
        (_, NetworkWeights w) = Make(1, 8);
        var stream = new MemoryStream();
        Checkpoint.Save(w, stream);
        // Version 2: per parameter name length, name, rank, dimensions, values, CRC-32.
        Assert.Equal(4 + 4 + 4 + (4 + "layer 0 weight".Length + 4 + 2 * 4 + 4 * 16 * 12 + 4) + (4 + "layer 0 bias".Length + 4 + 4 + 4 * 12 + 4)
            + (4 + "layer 2 weight".Length + 4 + 2 * 4 + 4 * 12 * 4 + 4) + (4 + "layer 2 bias".Length + 4 + 4 + 4 * 4 + 4), stream.Length);

        (_, NetworkWeights other) = Make(1, 8);
        foreach (Parameter p in other.Parameters) Array.Clear(p.Value);
        stream.Position = 0;
        Checkpoint.Load(other, stream);
        for (int i = 0; i < w.Parameters.Count; i++) Assert.Equal(w.Parameters[i].Value, other.Parameters[i].Value);

        NetworkWeights small = Sequential(Dense(3, 2)).Initialize(1);
        stream.Position = 0;
        Assert.Throws<InvalidDataException>(() => Checkpoint.Load(small, stream));
    }

    [Fact]
    public void Generated_leaky_and_plif_layers_train_deterministically_and_learn_the_plif_time_constant()
    {
        (float[] x, int[] y) = Data(160, 1);
        (float[] tx, int[] ty) = Data(100, 2);
        var results = new List<float[]>();
        double accuracy = 0;
        foreach (int threads in new[] { 1, 2 })
        {
            Network net = Sequential(Dense(Features, 12), NeuronLayer("Leaky", (b, n) => new Leaky().CreateLayer(b, n)),
                                     Dense(12, Classes), NeuronLayer("Plif", (b, n) => new Plif().CreateLayer(b, n)));
            NetworkWeights w = net.Initialize(5);
            Assert.Equal(0f, w.NeuronParameters[3]!.Value[0]); // Plif's W default: tau = 2
            NetworkRunner runner = net.CreateRunner(w, Steps, 32, new RunnerOptions(Threads: threads, ChunkSize: 8));
            var trainer = new Trainer(runner, new Rate().CreateLayer(32, Features, 42), new CrossEntropyCountLoss(), new Adam(w.Parameters, 1e-2f));
            var train = new Batcher(x, y, Features, 32, seed: 3);
            for (int e = 0; e < 6; e++) trainer.TrainEpoch(train, e);
            accuracy = trainer.Evaluate(new Batcher(tx, ty, Features, 32, shuffle: false)).Accuracy;
            Assert.NotEqual(0f, w.NeuronParameters[3]!.Value[0]); // the time constant moved
            var all = new List<float>();
            foreach (Parameter p in w.Parameters) all.AddRange(p.Value);
            results.Add(all.ToArray());
        }

        Assert.Equal(results[0], results[1]);
        Assert.True(accuracy >= 0.9, $"test accuracy {accuracy}");
    }

    [Fact]
    public void Per_neuron_learnable_alif_time_constants_get_gradients_identical_across_threads()
    {
        const int T = 12, B = 24, I = 10, H = 6;
        float[] x = GemmTests.Random(T * B * I, 8, sparsity: 0.4);
        var labels = new int[B];
        for (int i = 0; i < B; i++) labels[i] = i % 2;
        var grads = new List<float[]>();
        foreach (int threads in new[] { 1, 2, 3 })
        {
            Network net = Sequential(Dense(I, H), NeuronLayer("Alif", (b, n) => new Alif().CreateLayer(b, n)), Dense(H, 2));
            NetworkWeights w = net.Initialize(2);
            for (int i = 0; i < w.Dense[0]!.Weight.Length; i++) w.Dense[0]!.Weight.Value[i] *= 40f; // strong drive: the ALIF neurons fire
            NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions(Threads: threads, ChunkSize: 5));
            Parameter taus = w.NeuronParameters[1]!;
            Assert.Equal(2 * H, taus.Length); // TauM and TauAdp per neuron
            w.ZeroGrad();
            runner.TrainStep(x, labels, new CrossEntropyMaxMembraneLoss());
            Assert.Contains(taus.Grad, g => g != 0f);
            grads.Add([.. taus.Grad, .. w.Dense[0]!.Weight.Grad]);
        }

        Assert.Equal(grads[0], grads[1]);
        Assert.Equal(grads[0], grads[2]);
    }
}
