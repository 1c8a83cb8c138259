using System;
using SnnDsl;

/// <summary>
/// Feeds an image one row per step: a batch <c>[batch, rows * columns]</c> becomes the time series
/// <c>[T = rows, batch, columns]</c>, which the inner encoder turns into the network's input with
/// <see cref="ISpikeEncoder.Run"/>. This lets <see cref="SnnDsl.Training.Trainer"/>, which encodes a
/// held input, train on a sequence.
/// </summary>
internal sealed class RowEncoder : ISpikeEncoder
{
    private readonly ISpikeEncoder _inner;
    private readonly int _rows;
    private readonly float[] _series;

    public RowEncoder(ISpikeEncoder inner, int rows)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _rows = rows;
        _series = new float[rows * inner.Batch * inner.Features];
    }

    public int Batch => _inner.Batch;

    public int Features => _rows * _inner.Features;

    public int Outputs => _inner.Outputs;

    public ulong Seed { get => _inner.Seed; set => _inner.Seed = value; }

    public long FirstSample { get => _inner.FirstSample; set => _inner.FirstSample = value; }

    /// <summary>Row t of every image becomes step t: <c>[batch, rows, columns]</c> to <c>[rows, batch, columns]</c>.</summary>
    public void Encode(ReadOnlySpan<float> input, int steps, Span<float> spikes)
    {
        if (steps != _rows) throw new ArgumentException($"Row-per-step input has {_rows} steps, not {steps}.", nameof(steps));
        int columns = _inner.Features, batch = input.Length / Features; // a short last batch has fewer samples
        if (batch < 1 || batch > Batch || input.Length != batch * Features)
            throw new ArgumentException($"Expected [batch, rows * columns] with batch from 1 to {Batch} and {Features} values per sample, got {input.Length} values.", nameof(input));
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < _rows; t++)
                input.Slice((b * _rows + t) * columns, columns).CopyTo(_series.AsSpan((t * batch + b) * columns, columns));
        _inner.Run(_rows, _series.AsSpan(0, _rows * batch * columns), spikes);
    }

    public void Run(int steps, ReadOnlySpan<float> input, Span<float> spikes) => _inner.Run(steps, input, spikes);
}
