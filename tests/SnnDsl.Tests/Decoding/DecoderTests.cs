using System;
using SnnDsl.Decoding;

namespace SnnDsl.Tests.Decoding;

// Tensors are written t-major, one line per step, one group per sample: [steps, batch, units].
public sealed class SpikeCountDecoderTests
{
    // counts: b0 [2,2,1] (tie 0/1 -> 0), b1 [0,2,1] -> 1, b2 [0,0,0] (silent -> 0), b3 [1,2,2] (tie 1/2 -> 1)
    private static readonly float[] Spikes =
    [
        /* t0 */ 1, 0, 1,   0, 0, 0,   0, 0, 0,   0, 1, 1,
        /* t1 */ 1, 1, 0,   0, 1, 0,   0, 0, 0,   1, 0, 1,
        /* t2 */ 0, 1, 0,   0, 1, 1,   0, 0, 0,   0, 1, 0,
    ];

    [Fact]
    public void Counts_sum_spikes_over_time()
    {
        var counts = new float[12];
        SpikeCountDecoder.Counts(Spikes, steps: 3, batch: 4, classes: 3, counts);
        Assert.Equal(new float[] { 2, 2, 1, 0, 2, 1, 0, 0, 0, 1, 2, 2 }, counts);
    }

    [Fact]
    public void Predicts_the_most_active_neuron_with_ties_to_the_lowest_index()
    {
        var p = new int[4];
        SpikeCountDecoder.Predict(Spikes, 3, 4, 3, p);
        Assert.Equal(new[] { 0, 1, 0, 1 }, p);
    }

    [Fact]
    public void Accuracy_is_the_fraction_of_matching_labels()
    {
        Assert.Equal(0.75, SpikeCountDecoder.Accuracy(Spikes, 3, 4, 3, [0, 1, 0, 2]));
        Assert.Equal(0.5, SpikeCountDecoder.Accuracy(Spikes, 3, 4, 3, [1, 1, 0, 2]));
        Assert.Equal(0.0, SpikeCountDecoder.Accuracy(Spikes, 3, 4, 3, [2, 0, 1, 0]));
    }

    [Fact]
    public void Graded_values_are_summed_as_snntorch_sums_the_tensor()
    {
        // One sample, two classes: class 0 spikes twice with 0.5, class 1 once with 1.5.
        float[] s = [0.5f, 0, 0.5f, 1.5f];
        var p = new int[1];
        SpikeCountDecoder.Predict(s, 2, 1, 2, p);
        Assert.Equal(1, p[0]);
    }

    [Fact]
    public void Arguments_are_validated_with_the_expected_shape()
    {
        var ex = Assert.Throws<ArgumentException>(() => SpikeCountDecoder.Predict(Spikes.AsSpan(1), 3, 4, 3, new int[4]));
        Assert.Equal("spikes", ex.ParamName);
        Assert.StartsWith("Expected spikes of shape [steps, batch, classes] = [3, 4, 3] (36 elements), got 35 elements.", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => SpikeCountDecoder.Predict(Spikes, 3, 4, 3, new int[3]));
        Assert.Equal("predictions", ex.ParamName);
        Assert.StartsWith("Expected predictions of shape [batch] = [4] (4 elements), got 3 elements.", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => SpikeCountDecoder.Counts(Spikes, 3, 4, 3, new float[11]));
        Assert.Equal("counts", ex.ParamName);
        Assert.Contains("[batch, classes] = [4, 3]", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => SpikeCountDecoder.Accuracy(Spikes, 3, 4, 3, [0, 1, 3, 0]));
        Assert.Equal("labels", ex.ParamName);
        Assert.StartsWith("labels[2] = 3 is not a class index in [0, 3).", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => SpikeCountDecoder.Accuracy(Spikes, 3, 4, 3, [0, 1, 2]));
        Assert.Equal("labels", ex.ParamName);

        Assert.Equal("steps", Assert.Throws<ArgumentOutOfRangeException>(() => SpikeCountDecoder.Predict([], 0, 4, 3, new int[4])).ParamName);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => SpikeCountDecoder.Predict([], 3, 0, 3, [])).ParamName);
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() => SpikeCountDecoder.Predict([], 3, 4, 0, new int[4])).ParamName);
    }
}

public sealed class FirstSpikeDecoderTests
{
    // First spikes (LastStep / AfterWindow for silent neurons), checked against a line-by-line
    // Python transcription of snnTorch 0.9's accuracy_temporal:
    // b0: c0 t2, c1 t1, c2 t1 (later spikes ignored)        -> [2,1,1] / [2,1,1]  -> 1 (tie 1/2)
    // b1: only c1, at the last step t3                     -> [3,3,3] / [4,3,4]  -> 0 / 1
    // b2: silent                                           -> [3,3,3] / [4,4,4]  -> 0 / 0
    // b3: c0 t1, c2 t0                                     -> [1,3,0] / [1,4,0]  -> 2 / 2
    private static readonly float[] Spikes =
    [
        /* t0 */ 0, 0, 0,   0, 0, 0,   0, 0, 0,   0, 0, 1,
        /* t1 */ 0, 1, 1,   0, 0, 0,   0, 0, 0,   1, 0, 0,
        /* t2 */ 1, 1, 0,   0, 0, 0,   0, 0, 0,   0, 0, 1,
        /* t3 */ 1, 0, 0,   0, 1, 0,   0, 0, 0,   0, 0, 0,
    ];

    [Fact]
    public void First_spike_times_follow_snntorch_by_default()
    {
        var times = new int[12];
        FirstSpikeDecoder.FirstSpikeTimes(Spikes, steps: 4, batch: 4, classes: 3, times);
        Assert.Equal(new[] { 2, 1, 1, 3, 3, 3, 3, 3, 3, 1, 3, 0 }, times);
    }

    [Fact]
    public void Silent_neurons_can_be_placed_after_the_window()
    {
        var times = new int[12];
        FirstSpikeDecoder.FirstSpikeTimes(Spikes, 4, 4, 3, times, SilentNeuronTime.AfterWindow);
        Assert.Equal(new[] { 2, 1, 1, 4, 3, 4, 4, 4, 4, 1, 4, 0 }, times);
    }

    [Fact]
    public void Earliest_neuron_wins_and_ties_go_to_the_lowest_index()
    {
        var p = new int[4];
        FirstSpikeDecoder.Predict(Spikes, 4, 4, 3, p);
        Assert.Equal(new[] { 1, 0, 0, 2 }, p); // b1: silent class 0 ties with class 1's last-step spike, as in snnTorch

        FirstSpikeDecoder.Predict(Spikes, 4, 4, 3, p, SilentNeuronTime.AfterWindow);
        Assert.Equal(new[] { 1, 1, 0, 2 }, p);
    }

    [Fact]
    public void Accuracy_depends_on_the_silent_neuron_rule()
    {
        int[] labels = [1, 1, 0, 2];
        Assert.Equal(0.75, FirstSpikeDecoder.Accuracy(Spikes, 4, 4, 3, labels));
        Assert.Equal(1.0, FirstSpikeDecoder.Accuracy(Spikes, 4, 4, 3, labels, SilentNeuronTime.AfterWindow));
    }

    [Fact]
    public void Any_nonzero_value_is_a_spike()
    {
        // One sample, two classes over two steps: class 1 emits -1 at t0, class 0 emits 0.25 at t1.
        float[] s = [0, -1, 0.25f, 0];
        var times = new int[2];
        FirstSpikeDecoder.FirstSpikeTimes(s, 2, 1, 2, times);
        Assert.Equal(new[] { 1, 0 }, times);
    }

    [Fact]
    public void Arguments_are_validated_with_the_expected_shape()
    {
        var ex = Assert.Throws<ArgumentException>(() => FirstSpikeDecoder.FirstSpikeTimes(Spikes, 4, 4, 3, new int[4]));
        Assert.Equal("times", ex.ParamName);
        Assert.StartsWith("Expected times of shape [batch, classes] = [4, 3] (12 elements), got 4 elements.", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => FirstSpikeDecoder.Predict(Spikes, 3, 4, 3, new int[4]));
        Assert.Equal("spikes", ex.ParamName);
        Assert.StartsWith("Expected spikes of shape [steps, batch, classes] = [3, 4, 3] (36 elements), got 48 elements.", ex.Message);

        Assert.Equal("silent", Assert.Throws<ArgumentOutOfRangeException>(
            () => FirstSpikeDecoder.Predict(Spikes, 4, 4, 3, new int[4], (SilentNeuronTime)7)).ParamName);
    }
}

public sealed class PopulationDecoderTests
{
    // 6 outputs, 3 classes, M = 2: class k is neurons 2k and 2k+1.
    // b0: neuron counts [3,0 | 2,2 | 1,0] -> sums [3,4,1] -> 1 (neuron 0 alone is the busiest)
    // b1: [1,1 | 0,2 | 0,0] -> sums [2,2,0] -> 0 (tie)
    // b2: [0,0 | 0,0 | 1,2] -> sums [0,0,3] -> 2
    private static readonly float[] Spikes =
    [
        /* t0 */ 1, 0, 1, 0, 1, 0,   1, 0, 0, 1, 0, 0,   0, 0, 0, 0, 0, 1,
        /* t1 */ 1, 0, 0, 1, 0, 0,   0, 1, 0, 1, 0, 0,   0, 0, 0, 0, 0, 0,
        /* t2 */ 1, 0, 1, 1, 0, 0,   0, 0, 0, 0, 0, 0,   0, 0, 0, 0, 1, 1,
    ];

    [Fact]
    public void Class_scores_are_mean_counts_per_neuron_of_each_group()
    {
        var scores = new float[9];
        PopulationDecoder.ClassScores(Spikes, steps: 3, batch: 3, outputs: 6, classes: 3, scores);
        Assert.Equal(new[] { 1.5f, 2f, 0.5f, 1f, 1f, 0f, 0f, 0f, 1.5f }, scores);
    }

    [Fact]
    public void The_population_with_most_spikes_wins_not_the_busiest_neuron()
    {
        var p = new int[3];
        PopulationDecoder.Predict(Spikes, 3, 3, 6, 3, p);
        Assert.Equal(new[] { 1, 0, 2 }, p);

        // Decoding the same outputs neuron by neuron picks neuron 0 for sample 0.
        var single = new int[3];
        SpikeCountDecoder.Predict(Spikes, 3, 3, 6, single);
        Assert.Equal(0, single[0]);
    }

    [Fact]
    public void Accuracy_against_labels()
    {
        Assert.Equal(1.0, PopulationDecoder.Accuracy(Spikes, 3, 3, 6, 3, [1, 0, 2]));
        Assert.Equal(2.0 / 3.0, PopulationDecoder.Accuracy(Spikes, 3, 3, 6, 3, [1, 1, 2]));
    }

    [Fact]
    public void Outputs_must_split_evenly_into_classes()
    {
        var ex = Assert.Throws<ArgumentException>(() => PopulationDecoder.Predict(new float[3 * 3 * 7], 3, 3, 7, 3, new int[3]));
        Assert.Equal("outputs", ex.ParamName);
        Assert.StartsWith("Expected outputs to be a multiple of classes (M neurons per class); 7 outputs do not split into 3 classes.", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => PopulationDecoder.Predict(Spikes, 3, 3, 5, 3, new int[3]));
        Assert.Equal("spikes", ex.ParamName);
        Assert.StartsWith("Expected spikes of shape [steps, batch, outputs] = [3, 3, 5] (45 elements), got 54 elements.", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => PopulationDecoder.ClassScores(Spikes, 3, 3, 6, 3, new float[6]));
        Assert.Equal("scores", ex.ParamName);
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() => PopulationDecoder.Predict(Spikes, 3, 3, 6, 0, new int[3])).ParamName);
    }
}

public sealed class MaxMembraneReadoutTests
{
    // b0: maxima [1.2, 0.8, 0.3] -> 0 (the last step and the mean would both pick 1)
    // b1: all negative, maxima [-2, -1, -1] -> 1 (tie 1/2)
    // b2: class 1 holds NaN -> NaN is the maximum -> 1, although class 2 sits at 5
    private static readonly float[] Membrane =
    [
        /* t0 */ 0.1f, 0.6f, -1f,    -2f, -4f, -1f,      0f, 1f, 5f,
        /* t1 */ 1.2f, 0.7f, 0.3f,   -3f, -1.5f, -6f,    0f, float.NaN, 5f,
        /* t2 */ -0.5f, 0.8f, 0f,    -4f, -1f, -7f,      0f, 2f, 5f,
    ];

    [Fact]
    public void Max_over_time_per_neuron()
    {
        var max = new float[9];
        MaxMembraneReadout.MaxOverTime(Membrane, steps: 3, batch: 3, classes: 3, max);
        Assert.Equal(new[] { 1.2f, 0.8f, 0.3f, -2f, -1f, -1f, 0f, float.NaN, 5f }, max);
    }

    [Fact]
    public void Predicts_the_highest_peak_with_ties_to_the_lowest_index_and_nan_winning()
    {
        var p = new int[3];
        MaxMembraneReadout.Predict(Membrane, 3, 3, 3, p);
        Assert.Equal(new[] { 0, 1, 1 }, p);
        Assert.Equal(1.0 / 3.0, MaxMembraneReadout.Accuracy(Membrane, 3, 3, 3, [0, 2, 2]));
    }

    [Fact]
    public void Arguments_are_validated_with_the_expected_shape()
    {
        var ex = Assert.Throws<ArgumentException>(() => MaxMembraneReadout.Predict(Membrane, 3, 2, 3, new int[2]));
        Assert.Equal("membrane", ex.ParamName);
        Assert.StartsWith("Expected membrane of shape [steps, batch, classes] = [3, 2, 3] (18 elements), got 27 elements.", ex.Message);
        Assert.Equal("max", Assert.Throws<ArgumentException>(() => MaxMembraneReadout.MaxOverTime(Membrane, 3, 3, 3, new float[3])).ParamName);
    }
}

public sealed class ClassificationTests
{
    [Fact]
    public void ArgMax_and_accuracy()
    {
        var p = new int[3];
        Classification.ArgMax([0.1f, 0.3f, 0.3f, -1f, -2f, -3f, 0f, float.NaN, 1f], 3, 3, p);
        Assert.Equal(new[] { 1, 0, 1 }, p);
        Assert.Equal(2.0 / 3.0, Classification.Accuracy(p, [1, 0, 2]));
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => Classification.Accuracy(p, [1, 0])).ParamName);
    }

    [Fact]
    public void Decoders_allocate_nothing_per_call()
    {
        const int T = 25, B = 128, C = 10, M = 5;
        var spikes = new float[T * B * C * M];
        var rng = new Random(5);
        for (int i = 0; i < spikes.Length; i++) spikes[i] = rng.NextDouble() < 0.1 ? 1f : 0f;
        var labels = new int[B];
        for (int i = 0; i < B; i++) labels[i] = i % C;
        var pred = new int[B];
        var scores = new float[B * C];
        var times = new int[B * C];

        double sum = Run();
        long allocated = SnnDsl.Testing.Allocations.Minimum(() => sum += Run());

        Assert.Equal(0, allocated);
        Assert.True(sum > 0);

        double Run()
        {
            ReadOnlySpan<float> s = spikes.AsSpan(0, T * B * C);
            SpikeCountDecoder.Counts(s, T, B, C, scores);
            SpikeCountDecoder.Predict(s, T, B, C, pred);
            FirstSpikeDecoder.FirstSpikeTimes(s, T, B, C, times);
            MaxMembraneReadout.MaxOverTime(s, T, B, C, scores);
            PopulationDecoder.ClassScores(spikes, T, B, C * M, C, scores);
            return SpikeCountDecoder.Accuracy(s, T, B, C, labels)
                + FirstSpikeDecoder.Accuracy(s, T, B, C, labels)
                + PopulationDecoder.Accuracy(spikes, T, B, C * M, C, labels)
                + MaxMembraneReadout.Accuracy(s, T, B, C, labels)
                + Classification.Accuracy(pred, labels);
        }
    }
}
