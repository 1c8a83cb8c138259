using System;
using SnnDsl.Layers;
using SnnDsl.Testing;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

namespace SnnDsl.Tests.Training;

public class NetworkTests
{
    private static NeuronSpec Lif(bool smooth = false, bool learn = false) => NeuronLayer("TestLif", (b, n) => new TestLif(b, n, smooth: smooth, learnBeta: learn));

    private static float[] Input(int steps, int batch, int features, int seed, bool spikes)
        => GemmTests.Random(steps * batch * features, seed, spikes ? 0.3 : -1);

    [Fact]
    public void Composition_is_immutable_and_checks_widths()
    {
        Network a = Sequential(Dense(5, 4), Lif());
        Network b = a.Then(Dense(4, 3)).Then(Lif());
        Assert.Equal(2, a.Layers.Count);
        Assert.Equal(4, b.Layers.Count);
        Assert.Equal(3, b.Outputs);
        var ex = Assert.Throws<ArgumentException>(() => a.Then(Dense(5, 3)));
        Assert.Contains("Layer 2 (Dense 5->3), fed [4] by layer 1: expects 5 inputs per sample and step, but gets 4.", ex.Message);
        Assert.Throws<ArgumentException>(() => Sequential(Lif(), Dense(3, 3)));
    }

    [Theory]
    [InlineData("count")]
    [InlineData("maxmem")]
    [InlineData("mse")]
    public void Network_gradient_matches_finite_differences_of_the_smoothed_forward(string lossName)
    {
        ILoss loss = lossName switch
        {
            "count" => new CrossEntropyCountLoss(),
            "maxmem" => new CrossEntropyMaxMembraneLoss(),
            _ => new MseCountLoss(0.8f, 0.2f),
        };
        const int T = 6, B = 5, I = 7, H = 6, C = 3;
        Network net = Sequential(Dense(I, H), Lif(smooth: true, learn: true), Dense(H, C), Lif(smooth: true, learn: true));
        NetworkWeights w = net.Initialize(3);
        foreach (DenseLayer? d in w.Dense)
        {
            if (d is null) continue;
            for (int i = 0; i < d.Weight.Length; i++) d.Weight.Value[i] *= 3f; // enough drive to cross the threshold
        }

        NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions(ChunkSize: 2));
        float[] x = Input(T, B, I, 9, spikes: true);
        int[] labels = [0, 2, 1, 1, 0];
        w.ZeroGrad();
        runner.TrainStep(x, labels, loss);

        int checkedCount = 0;
        const float h = 2e-3f;
        foreach (Parameter p in w.Parameters)
        {
            for (int i = 0; i < p.Length; i++)
            {
                float keep = p.Value[i];
                p.Value[i] = keep + h;
                double up = runner.Evaluate(x, labels, loss);
                p.Value[i] = keep - h;
                double down = runner.Evaluate(x, labels, loss);
                p.Value[i] = keep;
                double fd = (up - down) / (2 * h);
                Assert.True(Math.Abs(fd - p.Grad[i]) <= 2e-3 * Math.Abs(fd) + 2e-4, $"{p.Name}[{i}]: fd {fd}, backward {p.Grad[i]}");
                checkedCount++;
            }
        }

        Assert.Equal(I * H + H + 1 + H * C + C + 1, checkedCount); // the two Betas included
        Assert.Equal(0.9f, w.NeuronParameters[1]!.Value[0]);
    }

    [Fact]
    public void Wide_spiking_layer_uses_the_whole_batch_weight_gradient_and_matches_finite_differences()
    {
        // 70 hidden units: the first dense layer runs the packed kernels and its weight gradient is summed over
        // the whole batch by column panels (two panels, the second partial), split between the threads.
        // 150 inputs and chunks of 5 x 30 = 150 rows cross an input block and a row block (128) of those kernels;
        // 35 samples make a second, padded chunk.
        const int T = 5, B = 35, I = 150, H = 70, C = 3;
        Network net = Sequential(Dense(I, H), Lif(smooth: true), Dense(H, C), Lif(smooth: true));
        NetworkWeights w = net.Initialize(5);
        for (int i = 0; i < w.Dense[0]!.Weight.Length; i++) w.Dense[0]!.Weight.Value[i] *= 3f;
        float[] x = Input(T, B, I, 21, spikes: true);
        var labels = new int[B];
        for (int i = 0; i < B; i++) labels[i] = (i * 7) % C;
        ILoss loss = new CrossEntropyCountLoss();

        float[] Gradient(int threads)
        {
            using NetworkRunner r = net.CreateRunner(w, T, B, new RunnerOptions(Threads: threads, ChunkSize: 30));
            w.ZeroGrad();
            r.TrainStep(x, labels, loss);
            return (float[])w.Dense[0]!.Weight.Grad.Clone();
        }

        float[] one = Gradient(1), two = Gradient(2);
        for (int i = 0; i < one.Length; i++) Assert.Equal(BitConverter.SingleToInt32Bits(one[i]), BitConverter.SingleToInt32Bits(two[i]));
        Assert.Contains(one, g => g != 0f);

        // The same network with the first layer declared analog runs the matrix-product path per chunk: an
        // independent computation of the same gradient (same weights, same forward values up to rounding).
        Network dense = Sequential(Dense(I, H, input: DenseInput.Analog), Lif(smooth: true), Dense(H, C), Lif(smooth: true));
        NetworkWeights wd = dense.Initialize(5);
        for (int k = 0; k < w.Parameters.Count; k++) w.Parameters[k].Value.CopyTo(wd.Parameters[k].Value, 0);
        using (NetworkRunner rd = dense.CreateRunner(wd, T, B, new RunnerOptions(ChunkSize: 30)))
        {
            wd.ZeroGrad();
            rd.TrainStep(x, labels, loss);
        }

        float[] reference = wd.Dense[0]!.Weight.Grad;
        float scale = 0f;
        foreach (float g in reference) scale = Math.Max(scale, Math.Abs(g));
        for (int i = 0; i < one.Length; i++) Assert.True(Math.Abs(one[i] - reference[i]) <= 1e-4f * scale, $"weight[{i}]: events {one[i]}, matrix product {reference[i]}");

        using NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions(ChunkSize: 30));
        Parameter p = w.Dense[0]!.Weight;
        const float h = 2e-3f;
        int[] probes = [0, 1, 63, 64, 65, 69, 2 * H + 5, 4 * H + 66, 127 * H + 33, 128 * H + 1, 130 * H + 64, 149 * H + 69];
        foreach (int i in probes)
        {
            float keep = p.Value[i];
            p.Value[i] = keep + h;
            double up = runner.Evaluate(x, labels, loss);
            p.Value[i] = keep - h;
            double down = runner.Evaluate(x, labels, loss);
            p.Value[i] = keep;
            double fd = (up - down) / (2 * h);
            Assert.True(Math.Abs(fd - one[i]) <= 2e-3 * Math.Abs(fd) + 2e-4, $"weight[{i}]: fd {fd}, backward {one[i]}");
        }
    }

    private static float[] TrainAndReturnWeights(int threads, int steps)
    {
        const int T = 8, B = 37, I = 30, H = 20, C = 4;
        Network net = Sequential(Dense(I, H), Lif(learn: true), Dense(H, H), Lif(), Dense(H, C), Lif(learn: true));
        NetworkWeights w = net.Initialize(11);
        Assert.Equal(8, w.Parameters.Count);
        NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions(Threads: threads, ChunkSize: 5));
        var adam = new Adam(w.Parameters, 1e-2f);
        var labels = new int[B];
        for (int i = 0; i < B; i++) labels[i] = i % C;
        for (int s = 0; s < steps; s++)
        {
            adam.ZeroGrad();
            runner.TrainStep(Input(T, B, I, 100 + s, spikes: true), labels, new CrossEntropyCountLoss());
            adam.Step();
        }

        var all = new System.Collections.Generic.List<float>();
        foreach (Parameter p in w.Parameters) all.AddRange(p.Value);
        return all.ToArray();
    }

    [Fact]
    public void Training_is_bit_identical_for_1_2_and_4_threads()
    {
        float[] one = TrainAndReturnWeights(1, 4);
        float[] two = TrainAndReturnWeights(2, 4);
        float[] four = TrainAndReturnWeights(4, 4);
        float[] initial = TrainAndReturnWeights(1, 0);
        Assert.NotEqual(initial, one); // it trained
        for (int i = 0; i < one.Length; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(one[i]), BitConverter.SingleToInt32Bits(two[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(one[i]), BitConverter.SingleToInt32Bits(four[i]));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_training_step_allocates_nothing_after_warm_up(int threads)
    {
        const int T = 5, B = 10, I = 12, C = 3;
        Network net = Sequential(Dense(I, 8), Lif(learn: true), Dense(8, C), Lif());
        NetworkWeights w = net.Initialize(1);
        using NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions(Threads: threads, ChunkSize: 4));
        var adam = new Adam(w.Parameters);
        float[] x = Input(T, B, I, 1, spikes: true), xa = Input(T, B, I, 2, spikes: false);
        int[] labels = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0];
        ILoss loss = new CrossEntropyCountLoss(), mem = new CrossEntropyMaxMembraneLoss();
        Action step = () =>
        {
            adam.ZeroGrad();
            runner.TrainStep(x, labels, loss);
            runner.TrainStep(xa, labels.AsSpan(0, 7), mem);
            GradientClipping.ClipGlobalNorm(w.Parameters, 1f);
            adam.Step();
        };
        step();
        Assert.Equal(0, Allocations.Minimum(step));
    }

    [Fact]
    public void Nan_guard_names_the_layer_and_the_time_step()
    {
        const int T = 6, B = 4, I = 5;
        Network net = Sequential(Dense(I, 4), Lif(), Dense(4, 3), Lif());
        NetworkWeights w = net.Initialize(1);
        NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions(ChunkSize: 2));
        float[] x = Input(T, B, I, 3, spikes: false);
        x[(3 * B + 2) * I + 1] = float.NaN; // step 3, sample 2
        var ex = Assert.Throws<NonFiniteException>(() => runner.TrainStep(x, [0, 1, 2, 0], new CrossEntropyCountLoss()));
        Assert.Equal("Non-finite value (NaN) in the forward pass: layer 0 (Dense 5->4), output at time step 3, sample 2, unit 0.", ex.Message);
        Assert.Equal(0, ex.Layer);
        Assert.Equal(3, ex.Step);

        x[(3 * B + 2) * I + 1] = 0f;
        w.Dense[2]!.Weight.Value[5] = float.PositiveInfinity; // input 1 -> output 2 of layer 2
        var ex2 = Assert.Throws<NonFiniteException>(() => runner.TrainStep(x, [0, 1, 2, 0], new CrossEntropyCountLoss()));
        Assert.Equal(2, ex2.Layer);
        Assert.Equal(Pass.Forward, ex2.Pass);
        Assert.Contains("layer 2 (Dense 4->3)", ex2.Message);
    }

    [Fact]
    public void Outputs_are_gathered_in_batch_order_whatever_the_chunking()
    {
        const int T = 4, B = 7, I = 6;
        Network net = Sequential(Dense(I, 5), Lif(), Dense(5, 3));
        NetworkWeights w = net.Initialize(2);
        float[] x = Input(T, B, I, 5, spikes: true);
        NetworkRunner a = net.CreateRunner(w, T, B, new RunnerOptions(ChunkSize: 7));
        NetworkRunner b = net.CreateRunner(w, T, B, new RunnerOptions(ChunkSize: 3, Threads: 2));
        a.Forward(x, B);
        b.Forward(x, B);
        Assert.Equal(a.Output.ToArray(), b.Output.ToArray());
        Assert.Equal(T * B * 3, a.Output.Length);

        // A hidden layer's spikes, gathered the same way: sample 4 alone gives its rows of the batch.
        var hidden = new float[T * B * 5];
        b.Forward(x, B, 1, hidden);
        var one = new float[T * 1 * I];
        for (int t = 0; t < T; t++) x.AsSpan((t * B + 4) * I, I).CopyTo(one.AsSpan(t * I));
        var alone = new float[T * 5];
        a.Forward(one, 1, 1, alone);
        for (int t = 0; t < T; t++) Assert.Equal(hidden.AsSpan((t * B + 4) * 5, 5).ToArray(), alone.AsSpan(t * 5, 5).ToArray());
        Assert.Contains(1f, hidden);
    }

    private sealed class NanAtStep(int step) : ILoss
    {
        public LossInput Input => LossInput.Spikes;

        public double Evaluate(ReadOnlySpan<float> output, int steps, int batch, int classes, ReadOnlySpan<int> labels, Span<float> gradient, float scale)
        {
            gradient.Fill(0.1f);
            gradient[(step * batch + 1) * classes + 2] = float.NaN;
            return 0;
        }

        public void Predict(ReadOnlySpan<float> output, int steps, int batch, int classes, Span<int> predictions) => predictions.Clear();
    }

    [Fact]
    public void Nan_guard_in_the_backward_pass_names_the_layer_and_the_latest_step()
    {
        const int T = 6, B = 4, I = 5;
        Network net = Sequential(Dense(I, 4), Lif(), Dense(4, 3), Lif());
        NetworkWeights w = net.Initialize(1);
        NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions(ChunkSize: 2, Threads: 2));
        var ex = Assert.Throws<NonFiniteException>(() => runner.TrainStep(Input(T, B, I, 3, spikes: true), [0, 1, 2, 0], new NanAtStep(4)));
        Assert.Equal("Non-finite value (NaN) in the backward pass: layer 3 (Neurons TestLif (3)), input gradient at time step 4, sample 1, unit 2.", ex.Message);
        Assert.Equal(Pass.Backward, ex.Pass);
    }

    [Fact]
    public void A_disposed_runner_refuses_to_run()
    {
        Network net = Sequential(Dense(3, 2), Lif());
        NetworkRunner runner = net.CreateRunner(net.Initialize(1), 2, 4, new RunnerOptions(Threads: 2, ChunkSize: 2));
        float[] x = new float[2 * 4 * 3];
        runner.Forward(x, 4);
        runner.Dispose();
        Assert.Throws<ObjectDisposedException>(() => runner.Forward(x, 4));
    }
}
