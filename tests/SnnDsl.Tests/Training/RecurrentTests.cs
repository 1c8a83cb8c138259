using System;
using System.Linq;
using SnnDsl.Layers;
using SnnDsl.Neurons;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

namespace SnnDsl.Tests.Training;

/// <summary>Recurrent composition: BPTT through the layer's own spikes fed back through a square weight matrix.</summary>
public class RecurrentTests
{
    private static NeuronSpec Smooth(bool learn) => NeuronLayer("TestLif", (b, n) => new TestLif(b, n, smooth: true, learnBeta: learn));

    [Theory]
    [InlineData("count")]
    [InlineData("maxmem")]
    public void Recurrent_network_gradient_matches_finite_differences_of_the_smoothed_forward(string lossName)
    {
        // With the smoothed test neuron (the spike is the surrogate's integral, no reset) the network is
        // differentiable, so every gradient, the recurrent weights' included, is checked against finite differences.
        ILoss loss = lossName == "count" ? new CrossEntropyCountLoss() : new CrossEntropyMaxMembraneLoss();
        const int T = 6, B = 4, I = 5, H = 6, C = 3;
        Network net = Sequential(Dense(I, H), Recurrent(Smooth(learn: true)), Dense(H, C), Smooth(learn: false));
        NetworkWeights w = net.Initialize(5);
        foreach (DenseLayer? d in w.Dense)
        {
            if (d is null) continue;
            for (int i = 0; i < d.Weight.Length; i++) d.Weight.Value[i] *= 3f;
        }

        using NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions(ChunkSize: 2));
        float[] x = GemmTests.Random(T * B * I, 17, 0.3);
        int[] labels = [0, 2, 1, 1];
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

        // Input dense (weights + bias), recurrent weights, the learnable Beta, output dense.
        Assert.Equal(I * H + H + H * H + 1 + H * C + C, checkedCount);
        // (With the max-membrane loss the maximum may sit at step 0, before any feedback, so only the count loss must reach the recurrent weights.)
        if (lossName == "count") Assert.Contains(w.Parameters, p => p.Name.Contains("recurrent") && p.Grad.Any(g => g != 0f));
    }

    [Fact]
    public void Recurrent_training_with_generated_neurons_is_identical_for_1_and_2_threads()
    {
        float[] Train(int threads)
        {
            const int T = 10, B = 12, I = 8, H = 16, C = 3;
            Network net = Sequential(
                Dense(I, H),
                Recurrent(NeuronLayer("Alif", (b, n) => new Alif().CreateLayer(b, n))),
                Dense(H, C),
                NeuronLayer("Leaky", (b, n) => new Leaky().CreateLayer(b, n)));
            NetworkWeights w = net.Initialize(21);
            using NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions(Threads: threads, ChunkSize: 4));
            var adam = new Adam(w.Parameters, 1e-2f);
            int[] labels = Enumerable.Range(0, B).Select(i => i % C).ToArray();
            for (int s = 0; s < 3; s++)
            {
                adam.ZeroGrad();
                runner.TrainStep(GemmTests.Random(T * B * I, 50 + s, 0.4), labels, new CrossEntropyCountLoss());
                adam.Step();
            }
            return w.Parameters.SelectMany(p => p.Value).ToArray();
        }

        float[] one = Train(1), two = Train(2);
        Assert.Equal(one, two);
        Assert.Contains(one, v => v != 0f);
    }

    [Fact]
    public void A_recurrent_training_step_allocates_nothing_after_warm_up()
    {
        Network net = Sequential(Dense(6, 10), Recurrent(NeuronLayer("Lif", (b, n) => new Lif().CreateLayer(b, n))), Dense(10, 3), NeuronLayer("Leaky", (b, n) => new Leaky().CreateLayer(b, n)));
        NetworkWeights w = net.Initialize(2);
        using NetworkRunner runner = net.CreateRunner(w, 8, 8, new RunnerOptions(ChunkSize: 4));
        float[] x = GemmTests.Random(8 * 8 * 6, 3, 0.5);
        int[] labels = [0, 1, 2, 0, 1, 2, 0, 1];
        var loss = new CrossEntropyCountLoss();
        for (int i = 0; i < 3; i++) runner.TrainStep(x, labels, loss);
        Assert.Equal(0, SnnDsl.Testing.Allocations.Minimum(() => runner.TrainStep(x, labels, loss)));
    }

    [Fact]
    public void A_recurrent_layer_feeds_its_spikes_back()
    {
        // One neuron, input only at step 0; with a strong self-connection the spike at t re-excites t + 1.
        Network net = Sequential(Dense(1, 1, bias: false), Recurrent(NeuronLayer("Leaky", (b, n) => new Leaky(Beta: 0f, Threshold: 0.5f).CreateLayer(b, n))));
        NetworkWeights w = net.Initialize(1);
        w.Dense[0]!.Weight.Value[0] = 1f;
        w.Dense[1]!.Weight.Value[0] = 2f;
        using NetworkRunner runner = net.CreateRunner(w, 4, 1);
        runner.Forward(new float[] { 1f, 0f, 0f, 0f }, 1);
        // Leaky(beta 0) subtracts the threshold after a spike: mem = input - 0.5 * spiked.
        // t0: 1 -> spike; t1: 2*1 - 0.5 = 1.5 -> spike; t2: 2 - 0.5 -> spike; the self-excitation sustains it.
        Assert.Equal(new float[] { 1f, 1f, 1f, 1f }, runner.Output.ToArray());
        w.Dense[1]!.Weight.Value[0] = 0f;
        runner.Forward(new float[] { 1f, 0f, 0f, 0f }, 1);
        Assert.Equal(new float[] { 1f, 0f, 0f, 0f }, runner.Output.ToArray());
    }
}
