using System;
using System.Collections.Generic;
using SnnDsl.Layers;
using SnnDsl.Tests.Training;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

namespace SnnDsl.Tests.Layers;

/// <summary>
/// A layer declared outside SnnDsl, on its public contract only: a learnable gain per channel,
/// <c>y[c, h, w] = g[c] x[c, h, w]</c>, with <c>dx = g dy</c> and <c>dg[c] = sum over t, samples, h, w of x dy</c>.
/// </summary>
public sealed record ChannelGainSpec(float Initial = 1f) : LayerSpec
{
    public override string Describe(TensorShape input) => $"Gain x{input.Channels}";

    public override TensorShape OutputShape(TensorShape input) => input;

    public override LayerOp Build(LayerBuildContext context) => new ChannelGainOp(this, context);
}

public sealed class ChannelGainOp : LayerOp
{
    private readonly Parameter[] _parameters;

    public ChannelGainOp(ChannelGainSpec spec, LayerBuildContext context) : base(context.Input, context.Input, spec.Describe(context.Input))
    {
        Gain = new Parameter($"{context.Name} gain", [context.Input.Channels]);
        Array.Fill(Gain.Value, spec.Initial);
        _parameters = [Gain];
    }

    public Parameter Gain { get; }

    public override IReadOnlyList<Parameter> Parameters => _parameters;

    public override LayerWorkspace CreateWorkspace(int steps, int samples) => LayerWorkspace.Empty;

    public override void Forward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, Span<float> output)
    {
        int plane = InputShape.Plane, channels = InputShape.Channels;
        for (int r = 0; r < chunk.Rows; r++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < plane; i++)
                {
                    int k = (r * channels + c) * plane + i;
                    output[k] = Gain.Value[c] * input[k];
                }
    }

    public override void Backward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradMembrane, Span<float> gradInput, LayerGradients? gradients)
    {
        int plane = InputShape.Plane, channels = InputShape.Channels;
        Span<float> dg = gradients![chunk.Index, 0];
        for (int r = 0; r < chunk.Rows; r++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < plane; i++)
                {
                    int k = (r * channels + c) * plane + i;
                    dg[c] += input[k] * gradOutput[k];
                    if (!gradInput.IsEmpty) gradInput[k] = Gain.Value[c] * gradOutput[k];
                }
    }
}

public class CustomLayerTests
{
    private static NeuronSpec Lif(bool smooth = false) => NeuronLayer("TestLif", (b, n) => new TestLif(b, n, smooth: smooth));

    [Fact]
    public void A_layer_declared_outside_SnnDsl_composes_backpropagates_and_trains()
    {
        const int T = 5, B = 6, I = 8, C = 3;
        // The first gain sees the [2, 2, 2] input (2 channels of 2 x 2, no input gradient needed); the second the flat [8] spikes (8 channels).
        Network net = Sequential(new TensorShape(2, 2, 2), new ChannelGainSpec(0.8f), Dense(I, I), Lif(true), new ChannelGainSpec(1.5f), Dense(I, C), Lif(true));
        Assert.Equal(new TensorShape(2, 2, 2), net.Shape(1));
        Assert.Equal("Gain x2", net.Describe(0));
        Assert.Equal("Gain x8", net.Describe(3));
        NetworkWeights w = net.Initialize(11);
        var gain = (ChannelGainOp)w.Layers[3];
        Assert.Contains(gain.Gain, w.Parameters);
        foreach (Parameter p in w.Parameters) if (!p.Name.EndsWith("gain", StringComparison.Ordinal)) for (int i = 0; i < p.Length; i++) p.Value[i] *= 2.5f;
        float[] x = GemmTests.Random(T * B * I, 4, 0.3);
        int[] labels = [0, 1, 2, 2, 1, 0];
        ILoss loss = new CrossEntropyCountLoss();

        // Its gradient (and every other layer's, through it) matches finite differences.
        Assert.Equal(2 + I * I + I + I + I * C + C, NetworkChecks.GradientMatchesFiniteDifferences(net, w, x, labels, loss, T, h: 5e-4f));
        NetworkChecks.ThreadCountDoesNotChangeTheBits(net, w, x, labels, loss, T, chunkSize: 2);

        // It trains: the loss on the batch falls under Adam, and the gain moves.
        using NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions(Threads: 2, ChunkSize: 2));
        var adam = new Adam(w.Parameters, learningRate: 0.05f);
        double first = double.NaN, last = double.NaN;
        for (int step = 0; step < 40; step++)
        {
            adam.ZeroGrad();
            last = runner.TrainStep(x, labels, loss);
            if (step == 0) first = last;
            adam.Step();
        }

        Assert.True(last < 0.7 * first, $"loss {first} -> {last}");
        Assert.NotEqual(1.5f, gain.Gain.Value[0]);
    }
}
