using System;
using System.Diagnostics;
using SnnDsl.Data;

namespace SnnDsl.Training;

/// <summary>What <see cref="Trainer.TrainEpoch"/> reports after each batch.</summary>
/// <param name="Epoch">The epoch (0-based).</param>
/// <param name="Index">The batch's position in the epoch (0-based).</param>
/// <param name="Batches">Batches in the epoch.</param>
/// <param name="Size">Samples in this batch.</param>
/// <param name="Loss">The batch-mean loss.</param>
/// <param name="Accuracy">The batch's accuracy, by the loss's decoder.</param>
/// <param name="SamplesPerSecond">This batch's throughput, encoding and optimizer step included.</param>
/// <param name="GradientNorm">The global gradient norm before clipping.</param>
public readonly record struct BatchReport(int Epoch, int Index, int Batches, int Size, double Loss, double Accuracy, double SamplesPerSecond, double GradientNorm);

/// <summary>The summary of a pass over a data set.</summary>
/// <param name="Loss">Mean loss per sample.</param>
/// <param name="Accuracy">Fraction of samples classified correctly.</param>
/// <param name="Samples">Samples seen.</param>
/// <param name="Seconds">Wall-clock time.</param>
public readonly record struct EpochReport(double Loss, double Accuracy, int Samples, double Seconds);

/// <summary>
/// Trains a network by epochs over <see cref="Batcher"/> mini-batches: encode each batch into
/// spikes, forward, loss, backward, optional global-norm clipping, optimizer step; and evaluates
/// on a test set. All buffers are allocated at construction.
/// </summary>
/// <remarks>
/// The encoder's draws depend on its seed and <see cref="ISpikeEncoder.FirstSample"/>; the trainer
/// sets FirstSample to <c>epoch * count + batchIndex * batchSize</c> for training (fresh spikes every
/// epoch) and to <c>batchIndex * batchSize</c> for evaluation (the same spikes every time). A short
/// last batch is zero-padded to the encoder's batch; the padded samples are ignored.
/// </remarks>
public sealed class Trainer
{
    private readonly float[] _features, _spikes;
    private readonly int[] _predictions;
    private readonly int _classes;

    /// <summary>Creates a trainer. The encoder's batch must be the batcher's batch size, and its outputs the network's inputs.</summary>
    /// <exception cref="ArgumentException">The encoder's batch exceeds the runner's, or its outputs per sample differ from the network's inputs.</exception>
    /// <param name="runner">Runs the network (its weights are the ones trained).</param>
    /// <param name="encoder">Turns a batch of features into spikes <c>[T, batch, outputs]</c>.</param>
    /// <param name="loss">The loss; its decoder gives the accuracy.</param>
    /// <param name="optimizer">Updates the weights.</param>
    /// <param name="maxGradientNorm">Clip the global gradient norm to this value (0 or less: no clipping).</param>
    public Trainer(NetworkRunner runner, ISpikeEncoder encoder, ILoss loss, IOptimizer optimizer, float maxGradientNorm = 0f)
    {
        Runner = runner ?? throw new ArgumentNullException(nameof(runner));
        Encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        MaxGradientNorm = maxGradientNorm;
        if (encoder.Batch > runner.MaxBatch) throw new ArgumentException($"The encoder's batch {encoder.Batch} exceeds the runner's {runner.MaxBatch}.", nameof(encoder));
        if (encoder.Outputs != runner.Network.Inputs)
        {
            // The spikes [T, batch, outputs] are read as [T, rows, inputs]: a multiple would pass as more rows and train on scrambled samples.
            throw new ArgumentException($"The encoder ({encoder.GetType().Name}) emits {encoder.Outputs} channels per sample, but the network takes {runner.Network.Inputs} inputs; they must be equal.", nameof(encoder));
        }

        _classes = runner.NetworkOutputs;
        _features = new float[encoder.Batch * encoder.Features];
        _spikes = new float[runner.Steps * encoder.Batch * encoder.Outputs];
        _predictions = new int[encoder.Batch];
    }

    /// <summary>The network runner.</summary>
    public NetworkRunner Runner { get; }

    /// <summary>The spike encoder.</summary>
    public ISpikeEncoder Encoder { get; }

    /// <summary>The loss.</summary>
    public ILoss Loss { get; }

    /// <summary>The optimizer.</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>The clipping threshold of the global gradient norm (0 or less: off).</summary>
    public float MaxGradientNorm { get; set; }

    /// <summary>Trains one epoch; <paramref name="onBatch"/> is called after every batch (e.g. to draw a progress bar).</summary>
    public EpochReport TrainEpoch(Batcher batcher, int epoch, Action<BatchReport>? onBatch = null)
    {
        Check(batcher);
        long start = Stopwatch.GetTimestamp();
        double lossSum = 0;
        int correct = 0, samples = 0;
        foreach (Batch batch in batcher.Epoch(epoch))
        {
            long t0 = Stopwatch.GetTimestamp();
            Encoder.FirstSample = (long)epoch * batcher.Count + (long)batch.Index * batcher.BatchSize;
            Encode(batch.Features);
            Runner.Weights.ZeroGrad(); // every parameter, so a frozen one (left out of the optimizer) does not pile up gradients
            double loss = Runner.TrainStep(_spikes, batch.Labels, Loss);
            double norm = GradientClipping.ClipGlobalNorm(Optimizer.Parameters, MaxGradientNorm > 0 ? MaxGradientNorm : float.PositiveInfinity);
            Optimizer.Step();
            int right = Correct(batch.Labels);
            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            lossSum += loss * batch.Size;
            correct += right;
            samples += batch.Size;
            onBatch?.Invoke(new BatchReport(epoch, batch.Index, batcher.BatchesPerEpoch, batch.Size, loss, (double)right / batch.Size,
                batch.Size / Math.Max(seconds, 1e-9), norm));
        }

        return new EpochReport(lossSum / Math.Max(samples, 1), (double)correct / Math.Max(samples, 1), samples, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>Loss and accuracy on every sample of <paramref name="batcher"/> (use one without shuffling), without training.</summary>
    public EpochReport Evaluate(Batcher batcher)
    {
        Check(batcher);
        long start = Stopwatch.GetTimestamp();
        double lossSum = 0;
        int correct = 0, samples = 0;
        foreach (Batch batch in batcher.Epoch(0))
        {
            Encoder.FirstSample = (long)batch.Index * batcher.BatchSize;
            Encode(batch.Features);
            lossSum += Runner.Evaluate(_spikes, batch.Labels, Loss) * batch.Size;
            correct += Correct(batch.Labels);
            samples += batch.Size;
        }

        return new EpochReport(lossSum / Math.Max(samples, 1), (double)correct / Math.Max(samples, 1), samples, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private void Check(Batcher batcher)
    {
        ArgumentNullException.ThrowIfNull(batcher);
        if (batcher.BatchSize != Encoder.Batch) throw new ArgumentException($"The batcher's batch size {batcher.BatchSize} differs from the encoder's batch {Encoder.Batch}.", nameof(batcher));
        if (batcher.FeatureCount != Encoder.Features) throw new ArgumentException($"The batcher's {batcher.FeatureCount} features differ from the encoder's {Encoder.Features}.", nameof(batcher));
    }

    private void Encode(ReadOnlySpan<float> features)
    {
        features.CopyTo(_features);
        _features.AsSpan(features.Length).Clear();
        Encoder.Encode(_features, Runner.Steps, _spikes);
    }

    private int Correct(ReadOnlySpan<int> labels)
    {
        int n = labels.Length;
        Span<int> predictions = _predictions.AsSpan(0, n);
        Loss.Predict(Runner.OutputFor(Loss), Runner.Steps, n, _classes, predictions);
        int right = 0;
        for (int i = 0; i < n; i++)
        {
            if (predictions[i] == labels[i]) right++;
        }

        return right;
    }
}
