using System;
using SnnDsl.Layers;
using SnnDsl.Tests.Training;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

namespace SnnDsl.Tests.Layers;

public class ResidualTests
{
    private static NeuronSpec Lif(bool smooth = false) => NeuronLayer("TestLif", (b, n) => new TestLif(b, n, smooth: smooth));

    private static float[] Input(int length, int seed, bool spikes) => GemmTests.Random(length, seed, spikes ? 0.3 : -1);

    private static LayerChunk Chunk(int steps, int samples) => new(steps, samples, 0, samples, Training: true, TrainingStep: 0, Index: 0);

    [Fact]
    public void An_identity_shortcut_adds_the_input_to_the_main_branch()
    {
        // One step, one sample: main = x W + b with W = [[1, 2], [3, 4]] (row-major [inputs, outputs]), b = [0.5, -1].
        var op = (ResidualOp)Residual(Dense(2, 2)).Build(new LayerBuildContext("layer 0", TensorShape.Flat(2), ValueKind.Analog, 1));
        var dense = (DenseOp)op.Main[0];
        float[] weight = [1, 2, 3, 4], bias = [0.5f, -1f];
        weight.CopyTo(dense.Layer.Weight.Value, 0);
        bias.CopyTo(dense.Layer.Bias!.Value, 0);
        LayerWorkspace ws = op.CreateWorkspace(1, 1);
        var y = new float[2];
        op.Forward(ws, Chunk(1, 1), [2f, -1f], y);
        // x W + b = [2 - 3 + 0.5, 4 - 4 - 1] = [-0.5, -1]; plus x = [1.5, -2].
        Assert.Equal([1.5f, -2f], y);

        // Backward of g = [1, 10]: dx = g W^T + g = [1 + 20, 3 + 40] + [1, 10] = [22, 53]; dW = x^T g; db = g.
        LayerGradients g = op.CreateGradients(1, 1, 1)!;
        var gx = new float[2];
        op.Backward(ws, Chunk(1, 1), [2f, -1f], y, [1f, 10f], ReadOnlySpan<float>.Empty, gx, g);
        Assert.Equal([22f, 53f], gx);
        Assert.Equal(["layer 0 main 0 weight", "layer 0 main 0 bias"], [op.Parameters[0].Name, op.Parameters[1].Name]);
        op.ReduceGradients(g, 1, null!); // the default reduction of a dense op without packed kernels needs no workers
        Assert.Equal([2f, 20f, -1f, -10f], dense.Layer.Weight.Grad);
        Assert.Equal([1f, 10f], dense.Layer.Bias.Grad);
    }

    [Theory]
    [InlineData(ResidualJoin.Add, new[] { 0f, 1f, 1f, 2f })]
    [InlineData(ResidualJoin.And, new[] { 0f, 0f, 0f, 1f })]
    [InlineData(ResidualJoin.IAnd, new[] { 0f, 1f, 0f, 0f })]
    public void Sew_joins_combine_spikes_as_the_paper_defines_them(ResidualJoin join, float[] expected)
    {
        // The main branch is a dense layer with identity weights that passes A = [0, 0, 1, 1]; the shortcut S = the input.
        // Input x = [0, 1, 0, 1] feeds both: A comes from a fixed permutation so that (A, S) covers the four cases.
        var op = (ResidualOp)SewResidual(join, Dense(4, 4, bias: false)).Build(new LayerBuildContext("layer 0", TensorShape.Flat(4), ValueKind.Spikes, 1));
        var dense = (DenseOp)op.Main[0];
        Array.Clear(dense.Layer.Weight.Value);
        // A[0] = x[0] = 0, A[1] = x[0] = 0, A[2] = x[1] = 1, A[3] = x[3] = 1.
        dense.Layer.Weight.Value[0 * 4 + 0] = 1;
        dense.Layer.Weight.Value[0 * 4 + 1] = 1;
        dense.Layer.Weight.Value[1 * 4 + 2] = 1;
        dense.Layer.Weight.Value[3 * 4 + 3] = 1;
        var y = new float[4];
        op.Forward(op.CreateWorkspace(1, 1), Chunk(1, 1), [0f, 1f, 0f, 1f], y);
        Assert.Equal(expected, y);
        Assert.Equal(join == ResidualJoin.Add ? ValueKind.Analog : ValueKind.Spikes, SewResidual(join, Lif()).OutputKind(ValueKind.Spikes));
    }

    [Theory]
    [InlineData(ResidualJoin.Add, false)]
    [InlineData(ResidualJoin.Add, true)]
    [InlineData(ResidualJoin.And, false)]
    [InlineData(ResidualJoin.IAnd, false)]
    public void Gradients_through_residual_blocks_match_finite_differences(ResidualJoin join, bool projection)
    {
        const int T = 4, B = 5, I = 6, H = 5, C = 3;
        // Dense -> neurons -> block (main: dense -> neurons -> dense -> neurons; shortcut: identity or a dense projection) -> dense -> neurons.
        LayerSpec block = projection
            ? Residual([Dense(H, 4), Lif(true), Dense(4, 4), Lif(true)], [Dense(H, 4)], join)
            : Residual([Dense(H, H), Lif(true), Dense(H, H), Lif(true)], [], join);
        int width = projection ? 4 : H;
        Network net = Sequential(Dense(I, H), Lif(true), block, Dense(width, C), Lif(true));
        NetworkWeights w = net.Initialize(7);
        foreach (Parameter p in w.Parameters) for (int i = 0; i < p.Length; i++) p.Value[i] *= 2.5f; // enough drive
        float[] x = Input(T * B * I, 3, spikes: true);
        int[] labels = [0, 2, 1, 1, 0];
        int n = NetworkChecks.GradientMatchesFiniteDifferences(net, w, x, labels, new CrossEntropyCountLoss(), T, h: 5e-4f);
        int expected = I * H + H + (projection ? H * 4 + 4 + 4 * 4 + 4 + H * 4 + 4 : 2 * (H * H + H)) + width * C + C;
        Assert.Equal(expected, n);
    }

    [Fact]
    public void A_network_of_blocks_gives_the_same_bits_on_one_and_two_threads_and_allocates_nothing()
    {
        const int T = 5, B = 11, I = 8, H = 6, C = 3;
        Network net = Sequential(Dense(I, H), Lif(),
            SewResidual(ResidualJoin.Add, Dense(H, H), Lif(), Dense(H, H), Lif()),
            Residual([Dense(H, H), Lif(), Residual(Dense(H, H))], [Dense(H, H, bias: false)]),
            Dense(H, C), Lif());
        NetworkWeights w = net.Initialize(3);
        foreach (Parameter p in w.Parameters) for (int i = 0; i < p.Length; i++) p.Value[i] *= 3f;
        float[] x = Input(T * B * I, 5, spikes: true);
        var labels = new int[B];
        for (int i = 0; i < B; i++) labels[i] = i % C;
        NetworkChecks.ThreadCountDoesNotChangeTheBits(net, w, x, labels, new CrossEntropyCountLoss(), T, chunkSize: 3);
        NetworkChecks.TrainingStepAllocatesNothing(net, w, x, labels, new CrossEntropyCountLoss(), T, threads: 2, chunkSize: 3);
    }

    [Fact]
    public void Branches_of_different_shapes_are_refused_with_both_shapes_and_the_layer_index()
    {
        var e = Assert.Throws<ArgumentException>(() => Sequential(Dense(4, 6), Lif(), Residual(Dense(6, 3), Lif())));
        Assert.Equal("layers", e.ParamName);
        Assert.Contains("Layer 2 (Residual Add [Dense, Neuron]), fed [6] by layer 1: the main branch gives [3] but the shortcut gives [6]", e.Message);
        var inner = Assert.Throws<ArgumentException>(() => Sequential(Dense(4, 6), Residual(Dense(5, 6))));
        Assert.Contains("Layer 1 (Residual Add [Dense]), fed [6] by layer 0: main 0 (Dense 5->6), fed [6]: expects 5 inputs per sample and step, but gets 6.", inner.Message);
        Assert.Throws<ArgumentException>(() => Residual());
    }
}
