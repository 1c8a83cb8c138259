using System;
using System.Diagnostics;
using SnnDsl.Data;

namespace SnnDsl.Training;

/// <summary>
/// Uses a trained network without an optimizer: encodes features into spikes, runs the forward pass
/// and decodes the classes by the loss's decoder, exactly as <see cref="Trainer.Evaluate"/> does
/// (a <see cref="Trainer"/> evaluates through one of these). All buffers are allocated at construction.
/// </summary>
/// <remarks>
/// <para>
/// Encoder draws: the encoder's <see cref="ISpikeEncoder.FirstSample"/> is set to the global index of each
/// batch's first sample (<c>batchIndex * batchSize</c> for a <see cref="Batcher"/>, the sample's position
/// in the span for <see cref="Predict(ReadOnlySpan{float}, Span{int})"/>), so a sample gets the same spikes
/// however the samples are split into batches, and the same as in <see cref="Trainer.Evaluate"/>.
/// </para>
/// <para>
/// Batches may be smaller than the encoder's and the runner's batch (the last batch of an epoch): only the
/// batch's samples are encoded (the encoder must accept a short batch, as the generated ones do) and run;
/// a sample's prediction does not depend on the batch it is in.
/// </para>
/// <para>Thread safety: as the runner, an evaluator is not thread-safe; use one per thread (with its own runner and encoder).</para>
/// </remarks>
public sealed class Evaluator
{
    private readonly float[] _spikes;
    private readonly int[] _predictions;
    private readonly int _classes;

    /// <summary>Creates an evaluator.</summary>
    /// <param name="runner">Runs the network with its weights.</param>
    /// <param name="encoder">Turns a batch of features into spikes <c>[T, batch, outputs]</c>; its batch is the most samples per forward pass.</param>
    /// <param name="loss">Its decoder gives the predicted classes, and it gives the reported loss.</param>
    /// <exception cref="ArgumentException">The encoder's batch exceeds the runner's, or its outputs per sample differ from the network's inputs.</exception>
    public Evaluator(NetworkRunner runner, ISpikeEncoder encoder, ILoss loss)
    {
        Runner = runner ?? throw new ArgumentNullException(nameof(runner));
        Encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        if (encoder.Batch > runner.MaxBatch) throw new ArgumentException($"The encoder's batch {encoder.Batch} exceeds the runner's {runner.MaxBatch}.", nameof(encoder));
        if (encoder.Outputs != runner.Network.Inputs)
        {
            // The spikes [T, batch, outputs] are read as [T, rows, inputs]: a multiple would pass as more rows and run scrambled samples.
            throw new ArgumentException($"The encoder ({encoder.GetType().Name}) emits {encoder.Outputs} channels per sample, but the network takes {runner.Network.Inputs} inputs; they must be equal.", nameof(encoder));
        }

        _classes = runner.NetworkOutputs;
        _spikes = new float[runner.Steps * encoder.Batch * encoder.Outputs];
        _predictions = new int[encoder.Batch];
    }

    /// <summary>The network runner.</summary>
    public NetworkRunner Runner { get; }

    /// <summary>The spike encoder.</summary>
    public ISpikeEncoder Encoder { get; }

    /// <summary>The loss (and, through it, the decoder).</summary>
    public ILoss Loss { get; }

    /// <summary>Loss and accuracy on every sample of <paramref name="batcher"/> (use one without shuffling for the same spikes every time).</summary>
    /// <exception cref="ArgumentException">The batcher's batch size exceeds the encoder's batch, or its feature count differs from the encoder's.</exception>
    public EpochReport Evaluate(Batcher batcher) => Evaluate(batcher, Span<int>.Empty);

    /// <summary>
    /// Loss and accuracy on every sample of <paramref name="batcher"/>, and each sample's predicted class written to
    /// <paramref name="predictions"/> at its data-set row (<see cref="Batch.Rows"/>): <c>predictions[row]</c>, whatever the order.
    /// </summary>
    /// <param name="batcher">The samples; its epoch 0 is run.</param>
    /// <param name="predictions">Empty (no predictions wanted) or <see cref="Batcher.Count"/> long.</param>
    /// <exception cref="ArgumentException">The batcher's batch size exceeds the encoder's batch, its feature count differs from the encoder's, or <paramref name="predictions"/> has another length.</exception>
    public EpochReport Evaluate(Batcher batcher, Span<int> predictions)
    {
        Check(batcher);
        if (!predictions.IsEmpty && predictions.Length != batcher.Count)
        {
            throw new ArgumentException($"Expected predictions of length 0 or the batcher's count {batcher.Count}, got {predictions.Length}.", nameof(predictions));
        }

        long start = Stopwatch.GetTimestamp();
        double lossSum = 0;
        int correct = 0, samples = 0;
        foreach (Batch batch in batcher.Epoch(0))
        {
            ReadOnlySpan<float> spikes = Encode(batch.Features, (long)batch.Index * batcher.BatchSize);
            lossSum += Runner.Evaluate(spikes, batch.Labels, Loss) * batch.Size;
            correct += Correct(batch.Labels);
            if (!predictions.IsEmpty)
            {
                ReadOnlySpan<int> rows = batch.Rows;
                for (int i = 0; i < rows.Length; i++) predictions[rows[i]] = _predictions[i];
            }

            samples += batch.Size;
        }

        return new EpochReport(lossSum / Math.Max(samples, 1), (double)correct / Math.Max(samples, 1), samples, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>The predicted class of every sample of <paramref name="batcher"/>, indexed by data-set row; see <see cref="Evaluate(Batcher, Span{int})"/>.</summary>
    /// <exception cref="ArgumentException">The batcher's batch size exceeds the encoder's batch, or its feature count differs from the encoder's.</exception>
    public int[] Predict(Batcher batcher)
    {
        ArgumentNullException.ThrowIfNull(batcher);
        var predictions = new int[batcher.Count];
        Evaluate(batcher, predictions);
        return predictions;
    }

    /// <summary>
    /// The predicted class of each of the samples <paramref name="features"/> (<c>[n, Features]</c>, any n), run in
    /// batches of the encoder's batch (the last one shorter). Sample i is encoded with <c>FirstSample</c> such that its
    /// global index is i, as in a <see cref="Batcher"/> without shuffling, so it gets the spikes it gets in
    /// <see cref="Evaluate(Batcher)"/> over the same rows.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="features"/> is not a whole number of samples, or <paramref name="predictions"/> is not one per sample.</exception>
    public void Predict(ReadOnlySpan<float> features, Span<int> predictions)
    {
        int f = Encoder.Features;
        if (features.Length % f != 0)
        {
            throw new ArgumentException($"Expected features of shape [samples, features] = [n, {f}], got {features.Length} floats (not a multiple of {f}).", nameof(features));
        }

        int n = features.Length / f;
        if (predictions.Length != n) throw new ArgumentException($"Expected predictions of length {n} (one per sample), got {predictions.Length}.", nameof(predictions));
        int batchSize = Encoder.Batch;
        for (int first = 0; first < n; first += batchSize)
        {
            int size = Math.Min(batchSize, n - first);
            ReadOnlySpan<float> spikes = Encode(features.Slice(first * f, size * f), first);
            Runner.Forward(spikes, size);
            PredictLast(size);
            _predictions.AsSpan(0, size).CopyTo(predictions.Slice(first));
        }
    }

    /// <summary>Checks a batcher against the encoder.</summary>
    internal void Check(Batcher batcher)
    {
        ArgumentNullException.ThrowIfNull(batcher);
        if (batcher.BatchSize > Encoder.Batch) throw new ArgumentException($"The batcher's batch size {batcher.BatchSize} exceeds the encoder's batch {Encoder.Batch}.", nameof(batcher));
        if (batcher.FeatureCount != Encoder.Features) throw new ArgumentException($"The batcher's {batcher.FeatureCount} features differ from the encoder's {Encoder.Features}.", nameof(batcher));
    }

    /// <summary>
    /// Encodes the samples <paramref name="features"/> (<c>[size, Features]</c>, size from 1 to the encoder's batch) and returns
    /// their spikes <c>[T, size, outputs]</c>: a short batch is encoded as it is, not padded (see <see cref="ISpikeEncoder.Encode"/>).
    /// </summary>
    internal ReadOnlySpan<float> Encode(ReadOnlySpan<float> features, long firstSample)
    {
        int size = features.Length / Encoder.Features;
        Span<float> spikes = _spikes.AsSpan(0, Runner.Steps * size * Encoder.Outputs);
        Encoder.FirstSample = firstSample;
        Encoder.Encode(features, Runner.Steps, spikes);
        return spikes;
    }

    /// <summary>Decodes the runner's last output (<paramref name="size"/> samples) into the prediction buffer.</summary>
    private void PredictLast(int size) => Loss.Predict(Runner.OutputFor(Loss), Runner.Steps, size, _classes, _predictions.AsSpan(0, size));

    /// <summary>Decodes the runner's last output and counts the samples predicted as their label.</summary>
    internal int Correct(ReadOnlySpan<int> labels)
    {
        int n = labels.Length;
        PredictLast(n);
        int right = 0;
        for (int i = 0; i < n; i++)
        {
            if (_predictions[i] == labels[i]) right++;
        }

        return right;
    }
}
