using System;
using System.Linq;
using SnnDsl.Encoders;

namespace SnnDsl.Tests.Encoders;

/// <summary>The built-in encoders on hand-computed cases (snnTorch 0.9 semantics where snnTorch has them).</summary>
public class EncoderTests
{
    private static float[] RunSeries(ISpikeEncoder enc, float[] series, int steps)
    {
        var spikes = new float[steps * enc.Batch * enc.Outputs];
        enc.Run(steps, series, spikes);
        return spikes;
    }

    private static float[] Encode(ISpikeEncoder enc, float[] x, int steps)
    {
        var spikes = new float[steps * enc.Batch * enc.Outputs];
        enc.Encode(x, steps, spikes);
        return spikes;
    }

    // ------------------------------------------------------------------ delta

    // snnTorch's docstring shows [1, 1, 0, 1, 0] for the first series, but its code computes the
    // differences [1, 1, 0.9, 0.1, 0.9] and returns [1, 1, 0, 0, 0]; SnnDsl follows the code.
    [Theory]
    [InlineData(new float[] { 1, 2, 2.9f, 3, 3.9f }, false, false, new float[] { 1, 1, 0, 0, 0 })]
    [InlineData(new float[] { 1, 2, 2.9f, 3, 3.9f }, true, false, new float[] { 0, 1, 0, 0, 0 })]
    [InlineData(new float[] { 1, 2, 0, 2, 2.9f }, false, true, new float[] { 1, 1, -1, 1, 0 })]
    [InlineData(new float[] { 1, 2, 0, 2, 2.9f }, true, true, new float[] { 0, 1, -1, 1, 0 })]
    public void Delta_matches_snntorch_examples(float[] series, bool padding, bool offSpike, float[] expected)
    {
        var enc = new Delta(Threshold: 1f, Padding: padding, OffSpike: offSpike).CreateLayer(batch: 1, features: 1);
        Assert.Equal(expected, RunSeries(enc, series, series.Length));
    }

    [Fact]
    public void Delta_keeps_elements_independent_across_the_batch()
    {
        // Two samples x two features over three steps, [T, B, F].
        float[] series = { 0, 5, 1, 1, /* t1 */ 2, 5, 1, 0, /* t2 */ 2, 0, 3, 0 };
        var enc = new Delta(Threshold: 1f, OffSpike: true).CreateLayer(batch: 2, features: 2);
        float[] expected = { 0, 1, 1, 1, /* t1 */ 1, 0, 0, -1, /* t2 */ 0, -1, 1, 0 };
        Assert.Equal(expected, RunSeries(enc, series, 3));
    }

    // ------------------------------------------------------------------ latency

    [Fact]
    public void Latency_linear_normalized_matches_snntorch_docstring()
    {
        // snnTorch: latency([0.02, 0.5, 1], num_steps=5, normalize=True, linear=True) fires at t = 4, 2, 0.
        var enc = new Latency(Normalize: true, Linear: true).CreateLayer(batch: 1, features: 3);
        var s = Encode(enc, new[] { 0.02f, 0.5f, 1f }, 5);
        float[] expected =
        {
            0, 0, 1,
            0, 0, 0,
            0, 1, 0,
            0, 0, 0,
            1, 0, 0,
        };
        Assert.Equal(expected, s);
    }

    [Fact]
    public void Latency_log_code_fires_at_rounded_tau_log_ratio()
    {
        // t = ln(x / (x - 0.01)): 0.02 -> 0.693 -> step 1; 0.5 -> 0.0202 -> 0; 1 -> 0.01005 -> 0.
        var enc = new Latency().CreateLayer(1, 3);
        var s = Encode(enc, new[] { 0.02f, 0.5f, 1f }, 3);
        Assert.Equal(new float[] { 0, 1, 1, 1, 0, 0, 0, 0, 0 }, s);

        // Tau = 10: 0.02 -> 6.93 -> step 7; 0.5 -> 0.202 -> 0; 0.1 -> ln(0.1/0.09) * 10 = 1.054 -> 1.
        var slow = new Latency(Tau: 10f).CreateLayer(1, 3);
        var t = Encode(slow, new[] { 0.02f, 0.5f, 0.1f }, 8);
        Assert.Equal(7, Array.FindIndex(Enumerable.Range(0, 8).Select(k => t[k * 3 + 0]).ToArray(), v => v == 1));
        Assert.Equal(0, Array.FindIndex(Enumerable.Range(0, 8).Select(k => t[k * 3 + 1]).ToArray(), v => v == 1));
        Assert.Equal(1, Array.FindIndex(Enumerable.Range(0, 8).Select(k => t[k * 3 + 2]).ToArray(), v => v == 1));
        Assert.Equal(3f, t.Sum());
    }

    [Fact]
    public void Latency_log_normalize_puts_the_latest_possible_spike_on_the_last_step()
    {
        // With a zero in the batch, snnTorch's batch maximum equals SnnDsl's latest possible time:
        // times 11.513 (x=0), 0.693, 0.0202, 0.01005 scaled by 4/11.513 -> 4, 0.241, 0.007, 0.0035.
        var enc = new Latency(Normalize: true).CreateLayer(1, 4);
        var s = Encode(enc, new[] { 0f, 0.02f, 0.5f, 1f }, 5);
        float[] expected =
        {
            0, 1, 1, 1,
            0, 0, 0, 0,
            0, 0, 0, 0,
            0, 0, 0, 0,
            1, 0, 0, 0,
        };
        Assert.Equal(expected, s);
    }

    [Fact]
    public void Latency_clip_silences_inputs_below_threshold()
    {
        var enc = new Latency(Normalize: true, Clip: true).CreateLayer(1, 2);
        var s = Encode(enc, new[] { 0.005f, 1f }, 5);
        Assert.Equal(new float[] { 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 }, s);
    }

    [Fact]
    public void Latency_on_and_off_targets_clamp_like_snntorch()
    {
        // clamp(spike * on, min: off): the spike step holds 2, the others 0.5.
        var enc = new Latency(OnTarget: 2f, OffTarget: 0.5f).CreateLayer(1, 1);
        Assert.Equal(new float[] { 0.5f, 2f, 0.5f }, Encode(enc, new[] { 0.02f }, 3));
    }

    [Fact]
    public void Latency_first_spike_time_delays_every_spike()
    {
        var enc = new Latency(FirstSpikeTime: 2f).CreateLayer(1, 2);
        var s = Encode(enc, new[] { 0.02f, 1f }, 4);
        Assert.Equal(new float[] { 0, 0, 0, 0, 0, 1, 1, 0 }, s);
    }

    [Fact]
    public void Latency_reports_snntorch_errors()
    {
        var enc = new Latency().CreateLayer(1, 2);
        var spikes = new float[10];
        var range = Assert.Throws<ArgumentException>(() => enc.Encode(new[] { 0.5f, 1.5f }, 5, spikes));
        Assert.Equal("x", range.ParamName);
        Assert.Contains("x[0, 1] = 1.5", range.Message);
        Assert.Contains("between 0 and 1", range.Message);

        // x = 0 fires at 11.5 -> step 12 > T - 1 = 4.
        var window = Assert.Throws<ArgumentException>(() => enc.Encode(new[] { 0f, 1f }, 5, spikes));
        Assert.Contains("beyond the last step", window.Message);

        // Bypass drops the late spike instead of failing.
        var bypass = new Latency(Bypass: true).CreateLayer(1, 2);
        bypass.Encode(new[] { 0f, 1f }, 5, spikes);
        Assert.Equal(new float[] { 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 }, spikes);

        var threshold = Assert.Throws<ArgumentException>(() => new Latency(Threshold: 0f).CreateLayer(1, 1));
        Assert.Equal("model", threshold.ParamName);
        Assert.Contains("Threshold must be between 0 and 1", threshold.Message);
        Assert.Throws<ArgumentException>(() => new Latency(Tau: -1f).CreateLayer(1, 1));
    }

    // ------------------------------------------------------------------ rate and poisson

    [Fact]
    public void Rate_probability_extremes_and_first_spike_time()
    {
        var enc = new Rate(FirstSpikeTime: 2f).CreateLayer(1, 3, seed: 7);
        var s = Encode(enc, new[] { 0f, 1f, 1.7f }, 5);
        float[] expected =
        {
            0, 0, 0,
            0, 0, 0,
            0, 1, 1,
            0, 1, 1,
            0, 1, 1,
        };
        Assert.Equal(expected, s);
    }

    [Theory]
    [InlineData(0.3f, 1f, 0f, 0.3)]
    [InlineData(0.25f, 2f, 0.1f, 0.6)]
    [InlineData(0.9f, 1f, -0.5f, 0.4)]
    public void Rate_empirical_probability_is_within_three_standard_errors(float x, float gain, float offset, double p)
    {
        const int features = 4000, steps = 25;
        var enc = new Rate(Gain: gain, Offset: offset).CreateLayer(1, features, seed: 12345);
        var s = Encode(enc, Enumerable.Repeat(x, features).ToArray(), steps);
        double n = features * steps;
        double mean = s.Sum() / n;
        double se = Math.Sqrt(p * (1 - p) / n);
        Assert.InRange(mean, p - 3 * se, p + 3 * se);
    }

    [Fact]
    public void Poisson_fires_with_the_exact_poisson_probability()
    {
        // 100 Hz over 1 ms: p = 1 - exp(-0.1) = 0.0951626.
        const int features = 20000, steps = 10;
        var enc = new Poisson(MaxRate: 100f).CreateLayer(1, features, seed: 3);
        var s = Encode(enc, Enumerable.Repeat(1f, features).ToArray(), steps);
        double p = 1 - Math.Exp(-0.1), n = features * steps;
        double se = Math.Sqrt(p * (1 - p) / n);
        Assert.InRange(s.Sum() / n, p - 3 * se, p + 3 * se);
        Assert.Equal(0f, Encode(enc, new float[features], 2).Sum());
    }

    [Fact]
    public void Same_seed_gives_same_spikes_whatever_the_batch_split()
    {
        var rnd = new Random(1);
        const int batch = 6, features = 29, steps = 9;
        var x = Enumerable.Range(0, batch * features).Select(_ => (float)rnd.NextDouble()).ToArray();

        var whole = Encode(new Rate().CreateLayer(batch, features, seed: 99), x, steps);
        var again = Encode(new Rate().CreateLayer(batch, features, seed: 99), x, steps);
        Assert.Equal(whole, again);

        // Encode each sample alone, telling the encoder which sample it is.
        for (int b = 0; b < batch; b++)
        {
            var one = new Rate().CreateLayer(1, features, seed: 99);
            one.FirstSample = b;
            var s = Encode(one, x.AsSpan(b * features, features).ToArray(), steps);
            for (int t = 0; t < steps; t++)
                for (int f = 0; f < features; f++)
                    Assert.Equal(whole[(t * batch + b) * features + f], s[t * features + f]);
        }

        var other = Encode(new Rate().CreateLayer(batch, features, seed: 100), x, steps);
        Assert.NotEqual(whole, other);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void Splitting_a_batch_over_threads_gives_the_single_thread_spikes(int threads)
    {
        const int batch = 24, features = 50, steps = 12;
        var rnd = new Random(4);
        var x = Enumerable.Range(0, batch * features).Select(_ => (float)rnd.NextDouble()).ToArray();
        var reference = Encode(new Rate(Gain: 0.8f).CreateLayer(batch, features, seed: 2024), x, steps);

        // Each thread encodes a contiguous sub-batch, told its first sample; results land in [T, B, F].
        var combined = new float[reference.Length];
        int per = (batch + threads - 1) / threads;
        System.Threading.Tasks.Parallel.For(0, threads, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = threads }, k =>
        {
            int first = k * per, count = Math.Min(per, batch - first);
            if (count <= 0) return;
            var enc = new Rate(Gain: 0.8f).CreateLayer(count, features, seed: 2024);
            enc.FirstSample = first;
            var part = Encode(enc, x.AsSpan(first * features, count * features).ToArray(), steps);
            for (int t = 0; t < steps; t++)
                Array.Copy(part, t * count * features, combined, (t * batch + first) * features, count * features);
        });
        Assert.Equal(reference, combined);
    }

    [Fact]
    public void Simd_body_and_scalar_tail_draw_identical_numbers()
    {
        // 37 single-feature samples: in one layer most go through the SIMD body; alone, each is the scalar tail.
        const int batch = 37, steps = 6;
        var x = Enumerable.Range(0, batch).Select(i => i / (float)batch).ToArray();
        var all = Encode(new Population(Neurons: 3f).CreateLayer(batch, 1, seed: 5), x, steps);
        for (int b = 0; b < batch; b++)
        {
            var one = new Population(Neurons: 3f).CreateLayer(1, 1, seed: 5);
            one.FirstSample = b;
            var s = Encode(one, new[] { x[b] }, steps);
            for (int t = 0; t < steps; t++)
                for (int j = 0; j < 3; j++)
                    Assert.Equal(all[(t * batch + b) * 3 + j], s[t * 3 + j]);
        }
    }

    [Fact]
    public void A_batch_smaller_than_the_encoders_gets_the_spikes_of_those_samples_in_a_full_batch()
    {
        // The last batch of an epoch: 3 of 8 samples, at global index 5 (FirstSample), held and as a time series.
        const int batch = 8, features = 13, steps = 7, n = 3, first = 5;
        var rnd = new Random(9);
        var x = Enumerable.Range(0, batch * features).Select(_ => (float)rnd.NextDouble()).ToArray();
        var series = Enumerable.Range(0, steps * batch * features).Select(_ => (float)rnd.NextDouble()).ToArray();
        foreach (ISpikeEncoder enc in new ISpikeEncoder[] { new Rate().CreateLayer(batch, features, seed: 3), new Population(Neurons: 3f).CreateLayer(batch, features, seed: 3) })
        {
            int o = enc.Outputs;
            var whole = Encode(enc, x, steps);
            var wholeSeries = RunSeries(enc, series, steps);

            enc.FirstSample = first;
            var part = new float[steps * n * o];
            enc.Encode(x.AsSpan(first * features, n * features), steps, part);
            var partSeries = new float[steps * n * o];
            var sub = new float[steps * n * features];
            for (int t = 0; t < steps; t++) series.AsSpan((t * batch + first) * features, n * features).CopyTo(sub.AsSpan(t * n * features));
            enc.Run(steps, sub, partSeries);
            enc.FirstSample = 0;

            for (int t = 0; t < steps; t++)
            {
                Assert.Equal(whole.AsSpan((t * batch + first) * o, n * o).ToArray(), part.AsSpan(t * n * o, n * o).ToArray());
                Assert.Equal(wholeSeries.AsSpan((t * batch + first) * o, n * o).ToArray(), partSeries.AsSpan(t * n * o, n * o).ToArray());
            }

            Assert.Contains(part, v => v != 0f);
            Assert.Contains(part, v => v == 0f);
        }
    }

    [Fact]
    public void A_stateful_encoder_runs_a_partial_batch_like_a_full_one()
    {
        const int batch = 5, features = 4, steps = 6, n = 2;
        var rnd = new Random(2);
        var series = Enumerable.Range(0, steps * batch * features).Select(_ => (float)rnd.NextDouble()).ToArray();
        var enc = new Delta(Threshold: 0.2f).CreateLayer(batch, features);
        var whole = RunSeries(enc, series, steps);
        var sub = new float[steps * n * features];
        for (int t = 0; t < steps; t++) series.AsSpan(t * batch * features, n * features).CopyTo(sub.AsSpan(t * n * features));
        var part = new float[steps * n * features];
        enc.Run(steps, sub, part);
        for (int t = 0; t < steps; t++) Assert.Equal(whole.AsSpan(t * batch * features, n * features).ToArray(), part.AsSpan(t * n * features, n * features).ToArray());
        Assert.Contains(part, v => v != 0f);
    }

    // ------------------------------------------------------------------ population and direct

    [Fact]
    public void Population_fans_out_gaussian_fields()
    {
        // Five channels over [0, 1], spacing 0.25, sigma 0.25: x = 0.5 -> channel 2 fires always,
        // channels 1 and 3 with exp(-0.5) = 0.6065, channels 0 and 4 with exp(-2) = 0.1353.
        const int features = 3000, steps = 10;
        var enc = new Population(Neurons: 5f).CreateLayer(1, features, seed: 11);
        Assert.Equal(features * 5, enc.Outputs);
        var s = Encode(enc, Enumerable.Repeat(0.5f, features).ToArray(), steps);
        double n = features * steps;
        double[] expected = { Math.Exp(-2), Math.Exp(-0.5), 1, Math.Exp(-0.5), Math.Exp(-2) };
        for (int j = 0; j < 5; j++)
        {
            double count = 0;
            for (int t = 0; t < steps; t++)
                for (int f = 0; f < features; f++) count += s[t * features * 5 + f * 5 + j];
            double p = expected[j], se = Math.Sqrt(Math.Max(p * (1 - p), 1e-12) / n);
            Assert.InRange(count / n, p - 3 * se - 1e-12, p + 3 * se + 1e-12);
        }
        Assert.Throws<ArgumentException>(() => new Population(Neurons: 2.5f).CreateLayer(1, 1));
        Assert.Throws<ArgumentException>(() => new Population(Neurons: 1f).CreateLayer(1, 1));
    }

    [Fact]
    public void Direct_passes_the_scaled_value_every_step()
    {
        var enc = new Direct(Scale: 2f).CreateLayer(2, 2);
        Assert.Equal(new float[] { 2, -1, 0.5f, 6, 2, -1, 0.5f, 6 }, Encode(enc, new[] { 1f, -0.5f, 0.25f, 3f }, 2));
    }

    // ------------------------------------------------------------------ shapes and allocation

    [Fact]
    public void Wrong_shapes_name_the_argument_and_the_expected_shape()
    {
        var enc = new Rate().CreateLayer(2, 3);
        var e = Assert.Throws<ArgumentException>(() => enc.Encode(new float[5], 4, new float[24]));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("[batch, features] = [2, 3] = 6", e.Message);
        var s = Assert.Throws<ArgumentException>(() => enc.Encode(new float[6], 4, new float[23]));
        Assert.Equal("spikes", s.ParamName);
        Assert.Contains("[steps, batch, outputs] = [4, 2, 3] = 24", s.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Rate().CreateLayer(0, 3));
    }

    [Fact]
    public void Encoding_allocates_nothing_after_warm_up()
    {
        var rate = new Rate().CreateLayer(8, 100, seed: 1);
        var latency = new Latency(Normalize: true).CreateLayer(8, 100);
        var x = Enumerable.Range(0, 800).Select(i => (i % 97) / 97f).ToArray();
        var spikes = new float[25 * 800];
        rate.Encode(x, 25, spikes);
        latency.Encode(x, 25, spikes);
        long allocated = SnnDsl.Testing.Allocations.Minimum(() =>
        {
            for (int k = 0; k < 20; k++)
            {
                rate.Encode(x, 25, spikes);
                latency.Encode(x, 25, spikes);
            }
        });
        Assert.Equal(0, allocated);
    }
}
