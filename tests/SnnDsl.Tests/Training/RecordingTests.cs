using System;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

namespace SnnDsl.Tests.Training;

public class RecordingTests
{
    private const int Steps = 9, Inputs = 10, Hidden = 7, Classes = 3;

    private static float[] Input(int batch, int seed) => GemmTests.Random(Steps * batch * Inputs, seed, sparsity: 0.5);

    private static float[] Rows(ReadOnlySpan<float> x, int batch, int width, int first, int count)
    {
        var r = new float[Steps * count * width];
        for (int t = 0; t < Steps; t++) x.Slice((t * batch + first) * width, count * width).CopyTo(r.AsSpan(t * count * width));
        return r;
    }

    [Fact]
    public void Records_a_hidden_layers_spikes_and_membrane_as_the_neuron_recurrence_gives_them()
    {
        const int batch = 8;
        Network net = Sequential(Dense(Inputs, Hidden), NeuronLayer("TestLif", (b, n) => new TestLif(b, n)),
                                 Dense(Hidden, Classes), NeuronLayer("TestLif", (b, n) => new TestLif(b, n)));
        NetworkWeights w = net.Initialize(3);
        for (int i = 0; i < w.Dense[0]!.Weight.Length; i++) w.Dense[0]!.Weight.Value[i] *= 4f; // the hidden neurons fire
        using NetworkRunner runner = net.CreateRunner(w, Steps, batch, new RunnerOptions(Threads: 2, ChunkSize: 3));
        float[] x = Input(batch, 11);

        var current = new float[Steps * batch * Hidden];
        runner.Forward(x, batch, 0, current); // the dense layer's output: the hidden neurons' input current
        var spikes = new float[Steps * batch * Hidden];
        var membrane = new float[Steps * batch * Hidden];
        runner.Forward(x, batch, 1, spikes, membrane);

        // mem[t] = 0.9 mem[t-1] + x[t] - s[t-1] (threshold 1), before the reset; s[t] = mem[t] > 1.
        var mem = new float[batch * Hidden];
        var spiked = new float[batch * Hidden];
        int fired = 0;
        for (int t = 0; t < Steps; t++)
        {
            for (int i = 0; i < batch * Hidden; i++)
            {
                mem[i] = 0.9f * mem[i] + current[t * batch * Hidden + i] - spiked[i];
                spiked[i] = mem[i] - 1f > 0f ? 1f : 0f;
                Assert.Equal(mem[i], membrane[t * batch * Hidden + i]);
                Assert.Equal(spiked[i], spikes[t * batch * Hidden + i]);
                fired += (int)spiked[i];
            }
        }

        Assert.InRange(fired, 1, Steps * batch * Hidden - 1);

        // The last layer's membrane recorded by layer equals OutputMembrane; the network output is still filled.
        var lastMembrane = new float[Steps * batch * Classes];
        runner.Forward(x, batch, 3, null, lastMembrane);
        Assert.Equal(runner.OutputMembrane.ToArray(), lastMembrane);

        // A partial batch (5 of 8, rows 3..7) records the rows the full batch records.
        float[] tail = Rows(x, batch, Inputs, 3, 5);
        var partMembrane = new float[Steps * 5 * Hidden];
        runner.Forward(tail, 5, 1, null, partMembrane);
        Assert.Equal(Rows(membrane, batch, Hidden, 3, 5), partMembrane);
    }

    [Fact]
    public void Records_a_recurrent_layers_membrane_as_the_output_membrane_of_the_network_cut_after_it()
    {
        const int batch = 6;
        Network net = Sequential(Dense(Inputs, Hidden), Recurrent(NeuronLayer("TestLif", (b, n) => new TestLif(b, n))), Dense(Hidden, Classes));
        NetworkWeights w = net.Initialize(4);
        for (int i = 0; i < w.Dense[0]!.Weight.Length; i++) w.Dense[0]!.Weight.Value[i] *= 4f;
        Network cut = Sequential(Dense(Inputs, Hidden), Recurrent(NeuronLayer("TestLif", (b, n) => new TestLif(b, n))));
        NetworkWeights cw = cut.Initialize(99);
        for (int k = 0; k < cw.Parameters.Count; k++) w.Parameters[k].Value.CopyTo(cw.Parameters[k].Value, 0);
        float[] x = Input(batch, 12);

        using NetworkRunner runner = net.CreateRunner(w, Steps, batch, new RunnerOptions(Threads: 2, ChunkSize: 4));
        var spikes = new float[Steps * batch * Hidden];
        var membrane = new float[Steps * batch * Hidden];
        runner.Forward(x, batch, 1, spikes, membrane);

        using NetworkRunner reference = cut.CreateRunner(cw, Steps, batch, new RunnerOptions(Threads: 1, ChunkSize: 4));
        reference.Forward(x, batch);
        Assert.Equal(reference.OutputMembrane.ToArray(), membrane);
        Assert.Equal(reference.Output.ToArray(), spikes);
        Assert.Contains(spikes, s => s == 1f);
        Assert.Contains(membrane, v => v != 0f && v != 1f);
    }

    [Fact]
    public void Bad_recording_arguments_name_the_argument()
    {
        Network net = Sequential(Dense(Inputs, Hidden), NeuronLayer("TestLif", (b, n) => new TestLif(b, n)));
        NetworkWeights w = net.Initialize(1);
        using NetworkRunner runner = net.CreateRunner(w, Steps, 4);
        float[] x = Input(4, 1);
        var ok = new float[Steps * 4 * Hidden];

        var dense = Assert.Throws<ArgumentException>(() => runner.Forward(x, 4, 0, null, ok));
        Assert.Equal("membrane", dense.ParamName);
        Assert.StartsWith($"Layer 0 ({net.Describe(0)}) has no membrane (it is not a neuron layer)", dense.Message);
        Assert.Equal("membrane", Assert.Throws<ArgumentException>(() => runner.Forward(x, 4, 1, ok, new float[5])).ParamName);
        Assert.Equal("activations", Assert.Throws<ArgumentException>(() => runner.Forward(x, 4, 1, null, null)).ParamName);
        Assert.Equal("layer", Assert.Throws<ArgumentOutOfRangeException>(() => runner.Forward(x, 4, 2, ok, null)).ParamName);
    }
}
