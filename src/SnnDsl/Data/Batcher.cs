using System;

namespace SnnDsl.Data;

/// <summary>
/// Cuts a labelled data set (<c>[count, features]</c> floats and one label per row) into
/// mini-batches, in a shuffled order that depends only on a seed and the epoch number, copying
/// each batch into buffers the batcher owns. After construction, iterating an epoch allocates
/// nothing.
/// </summary>
/// <remarks>
/// <para>
/// Order: with <c>shuffle</c> on, epoch <c>e</c> visits the rows in the order
/// <see cref="Permutation"/>(seed, e) gives; with it off, in file order 0, 1, 2, ... every epoch.
/// Each row appears exactly once per epoch (unless dropped, below).
/// </para>
/// <para>
/// The last partial batch: with <c>dropLast</c> false (the default, as PyTorch's DataLoader) the
/// final batch of an epoch is shorter, <c>count % batchSize</c> rows, and <see cref="Batch.Size"/>
/// says so; its spans are sliced to that size. With <c>dropLast</c> true those rows are skipped
/// for that epoch (a different set each shuffled epoch) and every batch has exactly
/// <see cref="BatchSize"/> rows.
/// </para>
/// <para>
/// A batch's spans point into the batcher's buffers: they are valid until the next batch is
/// produced. One epoch is iterated at a time per batcher; starting another epoch (calling
/// <see cref="Epoch"/> again) while one is being iterated reorders the rows under it. Not
/// thread-safe; use one batcher per thread.
/// </para>
/// </remarks>
public sealed class Batcher
{
    private readonly ReadOnlyMemory<float> _features;
    private readonly ReadOnlyMemory<int> _labels;
    private readonly int[] _order;
    private readonly float[] _batchFeatures;
    private readonly int[] _batchLabels;

    /// <summary>Creates a batcher over <paramref name="features"/> (<c>[count, featureCount]</c>, row-major) and <paramref name="labels"/> (<c>[count]</c>).</summary>
    /// <param name="features">The rows, <c>labels.Length * featureCount</c> floats.</param>
    /// <param name="labels">One label per row; its length is the row count.</param>
    /// <param name="featureCount">Floats per row (784 for MNIST).</param>
    /// <param name="batchSize">Rows per batch (the last one may be shorter, see <paramref name="dropLast"/>).</param>
    /// <param name="seed">Seed of the shuffle; the same seed gives the same order for each epoch.</param>
    /// <param name="shuffle">Shuffle per epoch (true) or keep file order (false, e.g. for evaluation).</param>
    /// <param name="dropLast">Skip the final partial batch of each epoch instead of yielding it shorter.</param>
    /// <exception cref="ArgumentException">The shapes do not agree or a size is not positive.</exception>
    public Batcher(ReadOnlyMemory<float> features, ReadOnlyMemory<int> labels, int featureCount, int batchSize,
        ulong seed = 0, bool shuffle = true, bool dropLast = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        int count = labels.Length;
        if (features.Length != (long)count * featureCount)
        {
            throw new ArgumentException(
                $"Expected features of shape [count, featureCount] = [{count}, {featureCount}] ({(long)count * featureCount} floats, count from labels), got {features.Length} floats.",
                nameof(features));
        }

        _features = features;
        _labels = labels;
        FeatureCount = featureCount;
        BatchSize = batchSize;
        Seed = seed;
        Shuffle = shuffle;
        DropLast = dropLast;
        _order = new int[count];
        for (int i = 0; i < count; i++) _order[i] = i;
        if ((long)batchSize * featureCount > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"A batch of {batchSize} x {featureCount} floats does not fit in an array.");
        }

        _batchFeatures = new float[batchSize * featureCount];
        _batchLabels = new int[batchSize];
    }

    /// <summary>Creates a batcher over a loaded MNIST-layout data set.</summary>
    public Batcher(MnistDataset dataset, int batchSize, ulong seed = 0, bool shuffle = true, bool dropLast = false)
        : this((dataset ?? throw new ArgumentNullException(nameof(dataset))).Pixels, dataset.Labels, dataset.Features, batchSize, seed, shuffle, dropLast)
    {
    }

    /// <summary>Rows in the data set.</summary>
    public int Count => _order.Length;

    /// <summary>Floats per row.</summary>
    public int FeatureCount { get; }

    /// <summary>Rows per full batch.</summary>
    public int BatchSize { get; }

    /// <summary>The shuffle seed.</summary>
    public ulong Seed { get; }

    /// <summary>Whether each epoch is shuffled.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether the final partial batch of an epoch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>Batches per epoch: <c>ceil(Count / BatchSize)</c>, or <c>floor</c> with <see cref="DropLast"/>.</summary>
    public int BatchesPerEpoch => DropLast ? Count / BatchSize : (Count + BatchSize - 1) / BatchSize;

    /// <summary>
    /// Starts epoch <paramref name="epoch"/> (0, 1, 2, ...): fixes its row order and returns the
    /// batches for <c>foreach</c>. The order depends only on (seed, epoch), not on which epochs ran before.
    /// </summary>
    public EpochBatches Epoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (Shuffle)
        {
            Permutation(Seed, epoch, _order);
        }

        return new EpochBatches(this);
    }

    /// <summary>
    /// Writes the shuffled order of epoch <paramref name="epoch"/> for <c>destination.Length</c>
    /// rows: a Fisher-Yates (Durstenfeld) shuffle of 0..n-1 driven by SplitMix64.
    /// </summary>
    /// <remarks>
    /// Exactly: the generator state starts at <c>Mix(seed ^ Mix(epoch))</c>, where <c>Mix</c> is
    /// the SplitMix64 finalizer (z ^= z &gt;&gt; 30; z *= 0xBF58476D1CE4E5B9; z ^= z &gt;&gt; 27;
    /// z *= 0x94D049BB133111EB; z ^= z &gt;&gt; 31) and <c>epoch</c> is taken as an unsigned 64-bit
    /// value; each draw adds 0x9E3779B97F4A7C15 to the state and returns <c>Mix(state)</c>. The array
    /// starts as 0..n-1; for i = n-1 down to 1, j is drawn uniformly from [0, i] as the high 32 bits
    /// of (draw &gt;&gt; 32) * (i + 1), redrawing while the low 32 bits are below 2^32 mod (i + 1)
    /// (Lemire's unbiased method), and elements i and j are swapped. The result does not depend on
    /// the .NET version or the platform.
    /// </remarks>
    public static void Permutation(ulong seed, int epoch, Span<int> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        for (int i = 0; i < destination.Length; i++) destination[i] = i;
        var rng = new SplitMix64(SplitMix64.Mix(seed ^ SplitMix64.Mix((ulong)epoch)));
        for (int i = destination.Length - 1; i > 0; i--)
        {
            int j = (int)rng.NextBelow((uint)i + 1);
            (destination[i], destination[j]) = (destination[j], destination[i]);
        }
    }

    /// <summary>Copies batch <paramref name="index"/> of the current order into the owned buffers.</summary>
    internal Batch Fill(int index)
    {
        int start = index * BatchSize;
        int size = Math.Min(BatchSize, Count - start);
        int f = FeatureCount;
        ReadOnlySpan<float> features = _features.Span;
        ReadOnlySpan<int> labels = _labels.Span;
        ReadOnlySpan<int> rows = _order.AsSpan(start, size);
        for (int k = 0; k < size; k++)
        {
            int row = rows[k];
            features.Slice(row * f, f).CopyTo(_batchFeatures.AsSpan(k * f, f));
            _batchLabels[k] = labels[row];
        }

        return new Batch(index, _batchFeatures.AsSpan(0, size * f), _batchLabels.AsSpan(0, size), rows);
    }
}

/// <summary>The batches of one epoch, for <c>foreach</c>; see <see cref="Batcher.Epoch"/>.</summary>
public readonly ref struct EpochBatches
{
    private readonly Batcher _batcher;

    internal EpochBatches(Batcher batcher) => _batcher = batcher;

    /// <summary>Returns the enumerator over the epoch's batches.</summary>
    public BatchEnumerator GetEnumerator() => new(_batcher);
}

/// <summary>Enumerates one epoch's batches, filling the batcher's buffers on each <see cref="MoveNext"/>.</summary>
public ref struct BatchEnumerator
{
    private readonly Batcher _batcher;
    private int _index;
    private Batch _current;

    internal BatchEnumerator(Batcher batcher)
    {
        _batcher = batcher;
        _index = -1;
        _current = default;
    }

    /// <summary>The batch produced by the last <see cref="MoveNext"/>.</summary>
    public readonly Batch Current => _current;

    /// <summary>Copies the next batch into the batcher's buffers; false when the epoch is over.</summary>
    public bool MoveNext()
    {
        if (_index + 1 >= _batcher.BatchesPerEpoch) return false;
        _index++;
        _current = _batcher.Fill(_index);
        return true;
    }
}

/// <summary>One mini-batch. Its spans point into the batcher's buffers and stay valid until the next batch.</summary>
public readonly ref struct Batch
{
    internal Batch(int index, ReadOnlySpan<float> features, ReadOnlySpan<int> labels, ReadOnlySpan<int> rows)
    {
        Index = index;
        Features = features;
        Labels = labels;
        Rows = rows;
    }

    /// <summary>Position of this batch in its epoch (0-based).</summary>
    public int Index { get; }

    /// <summary>Rows in this batch: <see cref="Batcher.BatchSize"/>, or fewer for the last batch when not dropped.</summary>
    public int Size => Labels.Length;

    /// <summary>The rows' features, <c>[Size, FeatureCount]</c> row-major.</summary>
    public ReadOnlySpan<float> Features { get; }

    /// <summary>The rows' labels, <c>[Size]</c>.</summary>
    public ReadOnlySpan<int> Labels { get; }

    /// <summary>Which data-set rows this batch holds, in batch order.</summary>
    public ReadOnlySpan<int> Rows { get; }
}
