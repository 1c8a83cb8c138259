using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SnnDsl.Layers;
using SnnDsl.Testing;
using SnnDsl.Tests.Training;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

namespace SnnDsl.Tests.Layers;

public class ConvNetworkTests
{
    private static NeuronSpec Lif(bool smooth = false, bool learn = false) => NeuronLayer("TestLif", (b, n) => new TestLif(b, n, smooth: smooth, learnBeta: learn));

    /// <summary>snnTorch tutorial 6's network, written as the issue asks.</summary>
    private static Network Tutorial6() =>
        Sequential(new TensorShape(1, 28, 28), ValueKind.Spikes,
            Conv2d(1, 12, 5), MaxPool2d(2), Lif(),
            Conv2d(12, 64, 5), MaxPool2d(2), Lif(),
            Flatten(), Dense(1024, 10), Lif());

    /// <summary>A small conv network whose second convolution is fed spikes: [2, 8, 8] -> [4, 8, 8] -> [4, 4, 4] -> [6, 2, 2] -> [24] -> [3].</summary>
    private static Network SmallSpiking() =>
        Sequential(new TensorShape(2, 8, 8), ValueKind.Spikes,
            Conv2d(2, 4, 3, padding: 1), MaxPool2d(2), Lif(learn: true),
            Conv2d(4, 6, 3), Lif(),
            Flatten(), Dense(24, 3), Lif(learn: true));

    [Fact]
    public void Tutorial_6_network_is_written_as_in_snnTorch_and_has_its_shapes_kinds_and_parameters()
    {
        Network net = Tutorial6();
        Assert.Equal(
            [new TensorShape(1, 28, 28), new TensorShape(12, 24, 24), new TensorShape(12, 12, 12), new TensorShape(12, 12, 12),
             new TensorShape(64, 8, 8), new TensorShape(64, 4, 4), new TensorShape(64, 4, 4), TensorShape.Flat(1024), TensorShape.Flat(10), TensorShape.Flat(10)],
            Enumerable.Range(0, net.Layers.Count + 1).Select(net.Shape));
        Assert.Equal(ValueKind.Analog, net.Kind(1)); // a convolution's output
        Assert.Equal(ValueKind.Spikes, net.Kind(3));

        NetworkWeights w = net.Initialize(1);
        Assert.True(((Conv2dOp)w.Layers[0]).EventDriven);  // fed the input spikes
        Assert.True(((Conv2dOp)w.Layers[3]).EventDriven);  // fed the neurons' spikes
        Assert.Equal(["layer 0 weight", "layer 0 bias", "layer 3 weight", "layer 3 bias", "layer 7 weight", "layer 7 bias"], w.Parameters.Select(p => p.Name));
        Assert.Equal([12, 1, 5, 5], w.Parameters[0].Shape);
        Assert.Equal([64, 12, 5, 5], w.Parameters[2].Shape);
        Assert.Equal("Conv2d 12->64 5x5: [12, 12, 12] -> [64, 8, 8]", w.Layers[3].ToString());
    }

    [Fact]
    public void Dense_reads_an_unflattened_input_as_flatten_then_dense_does()
    {
        // [64, 4, 4] straight into Dense(1024, 10), and the same through Flatten: the same weights give the same outputs.
        const int T = 2, B = 3;
        Network direct = Sequential(new TensorShape(4, 2, 3), Dense(24, 5));
        Network flat = Sequential(new TensorShape(4, 2, 3), Flatten(), Dense(24, 5));
        NetworkWeights wd = direct.Initialize(4), wf = flat.Initialize(4);
        Assert.Equal(new TensorShape(4, 2, 3), wd.Layers[0].InputShape);
        wd.Parameters[0].Value.CopyTo(wf.Parameters[0].Value, 0);
        wd.Parameters[1].Value.CopyTo(wf.Parameters[1].Value, 0);
        float[] x = OpHarness.Random(T * B * 24, 3);
        using NetworkRunner rd = direct.CreateRunner(wd, T, B), rf = flat.CreateRunner(wf, T, B);
        rd.Forward(x, B);
        rf.Forward(x, B);
        Assert.Equal(rd.Output.ToArray(), rf.Output.ToArray());
        Assert.NotNull(Tutorial6().Then(Dense(10, 2)).Initialize(1)); // and the tutorial's net without Flatten builds
        Assert.NotNull(Sequential(new TensorShape(64, 4, 4), Dense(1024, 10)).Initialize(1));
    }

    [Theory]
    [InlineData("count")]
    [InlineData("maxmem")]
    public void Conv_network_gradient_matches_finite_differences_of_the_smoothed_forward(string lossName)
    {
        ILoss loss = lossName == "count" ? new CrossEntropyCountLoss() : new CrossEntropyMaxMembraneLoss();
        const int T = 4, B = 3;
        Network net = Sequential(new TensorShape(2, 6, 6),
            Conv2d(2, 3, 3, padding: 1), MaxPool2d(2), Lif(smooth: true),
            Flatten(), Dense(27, 3), Lif(smooth: true));
        NetworkWeights w = net.Initialize(3);
        using NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions(Threads: 1, ChunkSize: 2)); // the second chunk is partial
        float[] x = OpHarness.Random(T * B * 72, 9);
        int[] labels = [0, 2, 1];
        w.ZeroGrad();
        runner.TrainStep(x, labels, loss);

        // A max-pooling window whose maximum changes hands within [value - h, value + h] bends the loss there (max is not
        // differentiable at a tie), so an element whose central difference disagrees is checked again with a 4x smaller step,
        // which leaves out a switch farther than h / 4 (the backward pass is exact away from ties).
        var conv = (Conv2dOp)w.Layers[0];
        int compared = 0, retried = 0;
        foreach (Parameter p in w.Parameters)
        {
            for (int i = 0; i < p.Length; i++, compared++)
            {
                double fd = Difference(p, i, 2e-3f);
                if (Math.Abs(fd - p.Grad[i]) <= 2e-3 * Math.Abs(fd) + 2e-4) continue;
                retried++;
                double fine = Difference(p, i, 5e-4f);
                Assert.True(Math.Abs(fine - p.Grad[i]) <= 2e-3 * Math.Abs(fine) + 1e-4, $"{p.Name}[{i}]: fd {fd} (h = 2e-3), {fine} (h = 5e-4), backward {p.Grad[i]}");
            }
        }

        Assert.InRange(retried, 0, compared / 10);
        Assert.Equal(3 * 2 * 9 + 3 + 27 * 3 + 3, compared);
        Assert.Contains(conv.Weight.Grad, g => Math.Abs(g) > 1e-3);

        double Difference(Parameter p, int i, float h)
        {
            float keep = p.Value[i];
            p.Value[i] = keep + h;
            double up = runner.Evaluate(x, labels, loss);
            p.Value[i] = keep - h;
            double down = runner.Evaluate(x, labels, loss);
            p.Value[i] = keep;
            return (up - down) / (2 * h);
        }
    }

    private static (float[] Weights, float[] Grads) Train(int threads, int steps)
    {
        const int T = 6, B = 13;
        Network net = SmallSpiking();
        NetworkWeights w = net.Initialize(11);
        using NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions(Threads: threads, ChunkSize: 4));
        Assert.Equal(Math.Min(threads, 4), runner.Threads);
        var adam = new Adam(w.Parameters, 1e-2f);
        var labels = new int[B];
        for (int i = 0; i < B; i++) labels[i] = i % 3;
        for (int s = 0; s < steps; s++)
        {
            adam.ZeroGrad();
            runner.TrainStep(OpHarness.Spikes(T * B * 128, 100 + s, 0.4), labels, new CrossEntropyCountLoss());
            adam.Step();
        }

        // The second convolution was fed spikes (its event-driven path ran on something).
        var spikes = new float[T * B * 64];
        runner.Forward(OpHarness.Spikes(T * B * 128, 100, 0.4), B, 2, spikes);
        Assert.Contains(1f, spikes);
        return (w.Parameters.SelectMany(p => p.Value).ToArray(), w.Parameters.SelectMany(p => p.Grad).ToArray());
    }

    [Fact]
    public void Conv_network_trains_bit_identically_on_1_and_2_threads()
    {
        (float[] one, float[] oneGrad) = Train(1, 3);
        (float[] two, float[] twoGrad) = Train(2, 3);
        (float[] initial, _) = Train(1, 0);
        Assert.NotEqual(initial, one); // it trained
        Assert.Contains(oneGrad, g => g != 0f);
        Assert.Equal(one.Select(BitConverter.SingleToInt32Bits), two.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(oneGrad.Select(BitConverter.SingleToInt32Bits), twoGrad.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_conv_training_step_allocates_nothing_after_warm_up(int threads)
    {
        const int T = 5, B = 10;
        Network net = SmallSpiking().Then(AvgPool2d(1)).Then(Conv1d(3, 2, 1)); // every op kind of this file
        NetworkWeights w = net.Initialize(1);
        using NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions(Threads: threads, ChunkSize: 4));
        var adam = new Adam(w.Parameters);
        float[] x = OpHarness.Spikes(T * B * 128, 1, 0.4);
        int[] labels = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1];
        ILoss loss = new MseCountLoss(0.8f, 0.2f), mem = new CrossEntropyMaxMembraneLoss();
        Action step = () =>
        {
            adam.ZeroGrad();
            runner.TrainStep(x, labels, loss);
            runner.TrainStep(x, labels.AsSpan(0, 7), mem); // a partial last chunk
            adam.Step();
        };
        step();
        Assert.Equal(0, Allocations.Minimum(step));
    }

    public static TheoryData<Func<Network>, string> ShapeErrors => new()
    {
        {
            () => Sequential(new TensorShape(1, 28, 28), Conv2d(1, 12, 5), Conv2d(6, 8, 3)),
            "Layer 1 (Conv2d 6->8 3x3), fed [12, 24, 24] by layer 0: expects 6 input channels ([6, height, width]), but gets 12 (an input of [12, 24, 24])."
        },
        {
            () => Sequential(new TensorShape(3, 4, 4), Conv2d(3, 4, 5)),
            "Layer 0 (Conv2d 3->4 5x5), fed [3, 4, 4] by the network's input: its kernel height 5 exceeds the padded input height 4 + 2 x 0 = 4; use a smaller kernel, more padding, or a larger input."
        },
        {
            () => Sequential(new TensorShape(3, 9, 4), Conv2d(3, 4, 3, dilation: 2)),
            "Layer 0 (Conv2d 3->4 3x3 dilation 2), fed [3, 9, 4] by the network's input: its kernel width 3 (dilated by 2: 5) exceeds the padded input width 4 + 2 x 0 = 4; use a smaller kernel or dilation, more padding, or a larger input."
        },
        {
            () => Sequential(new TensorShape(6, 5, 5), Conv2d(6, 4, 3, groups: 4)),
            "Layer 0 (Conv2d 6->4 3x3 groups 4), fed [6, 5, 5] by the network's input: has 4 groups, which must divide both its 6 input channels and its 4 output channels."
        },
        {
            () => Sequential(new TensorShape(2, 5, 5), Conv2d(2, 4, 3, stride: 0)),
            "Layer 0 (Conv2d 2->4 3x3 stride 0), fed [2, 5, 5] by the network's input: has stride 0x0; each must be at least 1."
        },
        {
            () => Sequential(new TensorShape(1, 28, 28), Conv2d(1, 12, 5), MaxPool2d(2), Conv2d(12, 64, 5), MaxPool2d(2), Conv2d(64, 64, 5)),
            "Layer 4 (Conv2d 64->64 5x5), fed [64, 4, 4] by layer 3: its kernel height 5 exceeds the padded input height 4 + 2 x 0 = 4; use a smaller kernel, more padding, or a larger input."
        },
        {
            () => Sequential(new TensorShape(2, 3, 3), MaxPool2d(4)),
            "Layer 0 (MaxPool2d 4x4), fed [2, 3, 3] by the network's input: its window height 4 exceeds the padded input height 3 + 2 x 0 = 3; use a smaller window, more padding, or a larger input."
        },
        {
            () => Sequential(new TensorShape(2, 6, 6), AvgPool2d(2, padding: 2)),
            "Layer 0 (AvgPool2d 2x2 padding 2), fed [2, 6, 6] by the network's input: has padding 2x2 for a 2x2 window; the padding must be at most half the window, 1x1 (libtorch's rule)."
        },
        {
            () => Sequential(new TensorShape(2, 4, 10), Conv1d(2, 3, 3)),
            "Layer 0 (Conv1d 2->3 k3), fed [2, 4, 10] by the network's input: expects a 1-D signal [2, 1, length] (2 channels, height 1), but gets [2, 4, 10]."
        },
        {
            () => Sequential(new TensorShape(1, 1, 4), Conv1d(1, 3, 7, padding: 1)),
            "Layer 0 (Conv1d 1->3 k7 padding 1), fed [1, 1, 4] by the network's input: its kernel length 7 exceeds the padded input length 4 + 2 x 1 = 6; use a smaller kernel, more padding, or a larger input."
        },
        {
            () => Sequential(new TensorShape(1, 8, 8), Conv2d(1, 2, 3), Flatten(), Dense(64, 10)),
            "Layer 2 (Dense 64->10), fed [72] by layer 1: expects 64 inputs per sample and step, but gets 72."
        },
    };

    [Theory]
    [MemberData(nameof(ShapeErrors))]
    public void Shape_errors_name_the_layer_the_expected_and_the_given_shape(Func<Network> build, string message)
    {
        var e = Assert.Throws<ArgumentException>(build);
        Assert.Equal("layers", e.ParamName);
        Assert.Equal(message, e.Message[..e.Message.IndexOf(" (Parameter", StringComparison.Ordinal)]);
    }

    [Fact]
    public void A_conv_network_checkpoint_round_trips_every_parameter_by_name_and_shape()
    {
        Network net = SmallSpiking();
        NetworkWeights trained = net.Initialize(5), fresh = net.Initialize(6);
        Assert.Equal(["layer 0 weight", "layer 0 bias", "layer 2 TestLif parameters", "layer 3 weight", "layer 3 bias", "layer 6 weight", "layer 6 bias", "layer 7 TestLif parameters"],
            trained.Parameters.Select(p => p.Name));
        Assert.Equal([[4, 2, 3, 3], [4], [1], [6, 4, 3, 3], [6], [24, 3], [3], [1]], trained.Parameters.Select(p => p.Shape.ToArray()));
        trained.Parameters[2].Value[0] = 0.7f; // a learnt beta
        Assert.NotEqual(trained.Parameters[0].Value, fresh.Parameters[0].Value);

        using var stream = new MemoryStream();
        Checkpoint.Save(trained, stream);
        stream.Position = 0;
        Checkpoint.Load(fresh, stream);
        for (int k = 0; k < trained.Parameters.Count; k++) Assert.Equal(trained.Parameters[k].Value, fresh.Parameters[k].Value);

        // The loaded network computes what the saved one did.
        const int T = 3, B = 2;
        float[] x = OpHarness.Spikes(T * B * 128, 4, 0.5);
        using NetworkRunner a = net.CreateRunner(trained, T, B), b = net.CreateRunner(fresh, T, B);
        a.Forward(x, B);
        b.Forward(x, B);
        Assert.Equal(a.Output.ToArray(), b.Output.ToArray());

        // A checkpoint of another conv geometry with the same parameter lengths is refused by shape.
        Network other = Sequential(new TensorShape(2, 8, 8), ValueKind.Spikes,
            new Conv2dSpec(2, 4, 9, 1, PaddingHeight: 4), MaxPool2d(2), Lif(learn: true), Conv2d(4, 6, 3), Lif(), Flatten(), Dense(24, 3), Lif(learn: true));
        stream.Position = 0;
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(other.Initialize(1), stream));
        Assert.Contains("layer 0 weight", e.Message);
    }
}
