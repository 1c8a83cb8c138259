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
/// last batch is encoded and run as it is (no padding: the encoder must accept fewer samples than its
/// batch, see <see cref="ISpikeEncoder.Encode"/>).
/// </remarks>
public sealed class Trainer
{
    private readonly Evaluator _evaluator;

    /// <summary>Creates a trainer. The encoder's batch must be at least the batcher's batch size, and its outputs the network's inputs.</summary>
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
        _evaluator = new Evaluator(runner, encoder, loss); // checks the encoder against the runner
    }

    /// <summary>The network runner.</summary>
    public NetworkRunner Runner { get; }

    /// <summary>The spike encoder.</summary>
    public ISpikeEncoder Encoder { get; }

    /// <summary>The loss.</summary>
    public ILoss Loss { get; }

    /// <summary>Evaluation and prediction through the same encoder, runner and loss, without the optimizer.</summary>
    public Evaluator Evaluator => _evaluator;

    /// <summary>The optimizer.</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>The clipping threshold of the global gradient norm (0 or less: off).</summary>
    public float MaxGradientNorm { get; set; }

    /// <summary>Trains one epoch; <paramref name="onBatch"/> is called after every batch (e.g. to draw a progress bar).</summary>
    /// <exception cref="ArgumentException">The batcher's batch size exceeds the encoder's batch, or its feature count differs from the encoder's.</exception>
    public EpochReport TrainEpoch(Batcher batcher, int epoch, Action<BatchReport>? onBatch = null)
    {
        Check(batcher);
        long start = Stopwatch.GetTimestamp();
        double lossSum = 0;
        int correct = 0, samples = 0;
        foreach (Batch batch in batcher.Epoch(epoch))
        {
            long t0 = Stopwatch.GetTimestamp();
            ReadOnlySpan<float> spikes = _evaluator.Encode(batch.Features, (long)epoch * batcher.Count + (long)batch.Index * batcher.BatchSize);
            Runner.Weights.ZeroGrad(); // every parameter, so a frozen one (left out of the optimizer) does not pile up gradients
            double loss = Runner.TrainStep(spikes, batch.Labels, Loss);
            double norm = GradientClipping.ClipGlobalNorm(Optimizer.Parameters, MaxGradientNorm > 0 ? MaxGradientNorm : float.PositiveInfinity);
            Optimizer.Step();
            int right = _evaluator.Correct(batch.Labels);
            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            lossSum += loss * batch.Size;
            correct += right;
            samples += batch.Size;
            onBatch?.Invoke(new BatchReport(epoch, batch.Index, batcher.BatchesPerEpoch, batch.Size, loss, (double)right / batch.Size,
                batch.Size / Math.Max(seconds, 1e-9), norm));
        }

        return new EpochReport(lossSum / Math.Max(samples, 1), (double)correct / Math.Max(samples, 1), samples, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>Loss and accuracy on every sample of <paramref name="batcher"/> (use one without shuffling), without training: <see cref="Evaluator.Evaluate(Batcher)"/>.</summary>
    /// <exception cref="ArgumentException">The batcher's batch size exceeds the encoder's batch, or its feature count differs from the encoder's.</exception>
    public EpochReport Evaluate(Batcher batcher)
    {
        Check(batcher);
        return _evaluator.Evaluate(batcher);
    }

    private void Check(Batcher batcher) => _evaluator.Check(batcher);
}
