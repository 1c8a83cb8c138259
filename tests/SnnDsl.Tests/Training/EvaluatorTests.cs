using System;
using SnnDsl.Data;
using SnnDsl.Encoders;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

namespace SnnDsl.Tests.Training;

public class EvaluatorTests
{
    private const int Classes = ToyClasses.Classes, Features = ToyClasses.Features, Steps = 10;

    internal static (float[] X, int[] Y) Data(int count, int seed) => ToyClasses.Data(count, seed);

    internal static Network Net() => Sequential(Dense(Features, 12), NeuronLayer("TestLif", (b, n) => new TestLif(b, n)),
                                                Dense(12, Classes), NeuronLayer("TestLif", (b, n) => new TestLif(b, n)));

    /// <summary>Weights trained for a few epochs, so predictions are not all one class.</summary>
    internal static NetworkWeights Trained()
    {
        Network net = Net();
        NetworkWeights w = net.Initialize(5);
        (float[] x, int[] y) = Data(200, 1);
        using NetworkRunner runner = net.CreateRunner(w, Steps, 32, new RunnerOptions(Threads: 1, ChunkSize: 8));
        var trainer = new Trainer(runner, new Rate().CreateLayer(32, Features, 42), new CrossEntropyCountLoss(), new Adam(w.Parameters, 1e-2f), maxGradientNorm: 5f);
        var train = new Batcher(x, y, Features, 32, seed: 3);
        for (int e = 0; e < 4; e++) trainer.TrainEpoch(train, e);
        return w;
    }

    [Fact]
    public void Evaluates_and_predicts_without_an_optimizer_as_the_trainer_does()
    {
        NetworkWeights w = Trained();
        (float[] tx, int[] ty) = Data(100, 2);
        var loss = new CrossEntropyCountLoss();
        var test = new Batcher(tx, ty, Features, 32, shuffle: false);

        // The trainer's evaluation path (with an optimizer) on these weights.
        using NetworkRunner trainerRunner = w.Network.CreateRunner(w, Steps, 32, new RunnerOptions(Threads: 1, ChunkSize: 8));
        var trainer = new Trainer(trainerRunner, new Rate().CreateLayer(32, Features, 42), loss, new Adam(w.Parameters, 1e-2f));
        EpochReport expected = trainer.Evaluate(test);

        // A reference by hand: encode each batch zero-padded to 32, forward, decode with the loss's decoder.
        var reference = new int[100];
        ISpikeEncoder refEncoder = new Rate().CreateLayer(32, Features, 42);
        using NetworkRunner refRunner = w.Network.CreateRunner(w, Steps, 32, new RunnerOptions(Threads: 1, ChunkSize: 8));
        var spikes = new float[Steps * 32 * Features];
        for (int first = 0; first < 100; first += 32)
        {
            int n = Math.Min(32, 100 - first);
            var padded = new float[32 * Features];
            tx.AsSpan(first * Features, n * Features).CopyTo(padded);
            refEncoder.FirstSample = first;
            refEncoder.Encode(padded, Steps, spikes);
            refRunner.Forward(spikes, n);
            loss.Predict(refRunner.Output, Steps, n, Classes, reference.AsSpan(first, n));
        }

        // No optimizer: a fresh runner and encoder on the same weights, 2 threads.
        using NetworkRunner runner = w.Network.CreateRunner(w, Steps, 32, new RunnerOptions(Threads: 2, ChunkSize: 8));
        var evaluator = new Evaluator(runner, new Rate().CreateLayer(32, Features, 42), loss);
        var predictions = new int[100];
        EpochReport report = evaluator.Evaluate(test, predictions);

        Assert.Equal(reference, predictions);
        Assert.Equal(expected.Loss, report.Loss);
        Assert.Equal(expected.Accuracy, report.Accuracy);
        Assert.Equal(100, report.Samples);
        int right = 0;
        for (int i = 0; i < 100; i++) right += predictions[i] == ty[i] ? 1 : 0;
        Assert.Equal(right / 100.0, report.Accuracy);
        Assert.True(report.Accuracy >= 0.8, $"accuracy {report.Accuracy}");
        Assert.True(Array.Exists(predictions, p => p != predictions[0]), "every sample predicted as one class");

        // Predict from raw features and from a batcher (in row order, even shuffled) give the same classes.
        var direct = new int[100];
        evaluator.Predict(tx, direct);
        Assert.Equal(reference, direct);
        Assert.Equal(reference, evaluator.Predict(test));
        Assert.Equal(reference, trainer.Evaluator.Predict(test));
    }

    [Fact]
    public void A_last_partial_batch_gives_each_sample_what_a_full_batch_gives()
    {
        NetworkWeights w = Trained();
        (float[] tx, int[] ty) = Data(100, 2);
        var loss = new CrossEntropyCountLoss();

        // Batches of 32 (the last one holds 4 samples) against one batch of all 100.
        using NetworkRunner small = w.Network.CreateRunner(w, Steps, 32, new RunnerOptions(Threads: 2, ChunkSize: 8));
        var bySmall = new Evaluator(small, new Rate().CreateLayer(32, Features, 42), loss);
        var p32 = new int[100];
        EpochReport r32 = bySmall.Evaluate(new Batcher(tx, ty, Features, 32, shuffle: false), p32);
        Assert.Equal(4, small.Batch);
        float[] lastOutput = small.Output.ToArray();

        using NetworkRunner full = w.Network.CreateRunner(w, Steps, 100, new RunnerOptions(Threads: 2, ChunkSize: 8));
        var byFull = new Evaluator(full, new Rate().CreateLayer(100, Features, 42), loss);
        var p100 = new int[100];
        EpochReport r100 = byFull.Evaluate(new Batcher(tx, ty, Features, 100, shuffle: false), p100);

        Assert.Equal(p100, p32);
        Assert.Equal(r100.Accuracy, r32.Accuracy);
        Assert.Equal(r100.Loss, r32.Loss, 1e-8); // the per-batch losses are scaled by 1/batch in float

        // The last batch's outputs, row for row, are the full batch's rows 96..99.
        var expected = new float[Steps * 4 * Classes];
        for (int t = 0; t < Steps; t++) full.Output.Slice((t * 100 + 96) * Classes, 4 * Classes).CopyTo(expected.AsSpan(t * 4 * Classes));
        Assert.Equal(expected, lastOutput);
        Assert.Contains(lastOutput, v => v != 0f);

        // A batcher smaller than the encoder's batch: every batch is partial.
        var p7 = new int[100];
        bySmall.Evaluate(new Batcher(tx, ty, Features, 7, shuffle: false), p7);
        Assert.Equal(p100, p7);
    }

    [Fact]
    public void Bad_arguments_name_the_argument()
    {
        Network net = Net();
        NetworkWeights w = net.Initialize(1);
        using NetworkRunner runner = net.CreateRunner(w, Steps, 8);
        var evaluator = new Evaluator(runner, new Rate().CreateLayer(8, Features, 1), new CrossEntropyCountLoss());
        (float[] x, int[] y) = Data(10, 1);

        Assert.Equal("encoder", Assert.Throws<ArgumentException>(() => new Evaluator(runner, new Rate().CreateLayer(9, Features, 1), new CrossEntropyCountLoss())).ParamName);
        Assert.Equal("batcher", Assert.Throws<ArgumentException>(() => evaluator.Evaluate(new Batcher(x, y, Features, 9))).ParamName);
        Assert.Equal("predictions", Assert.Throws<ArgumentException>(() => evaluator.Evaluate(new Batcher(x, y, Features, 8), new int[9])).ParamName);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => evaluator.Predict(x.AsSpan(1), new int[10])).ParamName);
        Assert.Equal("predictions", Assert.Throws<ArgumentException>(() => evaluator.Predict(x, new int[9])).ParamName);
    }
}
