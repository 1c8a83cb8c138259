using System;
using System.Linq;
using SnnDsl.Neurons;

namespace SnnDsl.IntegrationTests;

/// <summary>
/// The SIMD body walks blocks of 1024 neurons through time (forward: in tiles of 4 steps, 22 and 15 steps leave
/// partial tiles); neurons at block edges match a lone neuron (the scalar tail) bit for bit.
/// </summary>
public class BlockTests
{
    [Theory]
    [InlineData(2053)]
    [InlineData(1024)]
    [InlineData(3000)]
    public void Neurons_at_block_boundaries_match_a_lone_neuron(int neurons)
    {
        const int steps = 22;
        var rng = new Random(neurons);
        var x = Enumerable.Range(0, steps * neurons).Select(_ => (float)(rng.NextDouble() * 3)).ToArray();
        var layer = Izhikevich.RegularSpiking.CreateLayer(1, neurons, dt: 0.5f);
        var spikes = new float[steps * neurons];
        layer.Run(steps, x, spikes);
        foreach (int i in new[] { 0, 1, 1023, 1024, 1025, 2047, 2048, neurons - 1 }.Where(i => i < neurons).Distinct())
        {
            var one = Izhikevich.RegularSpiking.CreateLayer(1, 1, dt: 0.5f);
            var xi = Enumerable.Range(0, steps).Select(t => x[t * neurons + i]).ToArray();
            var si = new float[steps];
            one.Run(steps, xi, si);
            for (int t = 0; t < steps; t++) Assert.Equal(si[t], spikes[t * neurons + i]);
            Assert.Equal(BitConverter.SingleToInt32Bits(one.V[0]), BitConverter.SingleToInt32Bits(layer.V[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(one.U[0]), BitConverter.SingleToInt32Bits(layer.U[i]));
        }
    }

    [Theory]
    [InlineData(2053)]
    [InlineData(1024)]
    public void Backward_at_block_boundaries_matches_a_lone_neuron(int neurons)
    {
        const int steps = 15;
        var rng = new Random(neurons + 1);
        var x = Enumerable.Range(0, steps * neurons).Select(_ => (float)(rng.NextDouble() * 0.3)).ToArray();
        var g = Enumerable.Range(0, steps * neurons).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var layer = new Alif().CreateLayer(1, neurons);
        var tape = layer.CreateTape(steps);
        var spikes = new float[steps * neurons];
        var gin = new float[steps * neurons];
        layer.Forward(steps, x, spikes, tape);
        layer.Backward(tape, x, spikes, g, ReadOnlySpan<float>.Empty, gin);
        foreach (int i in new[] { 0, 1023, 1024, 2047, 2048, neurons - 1 }.Where(i => i < neurons).Distinct())
        {
            var one = new Alif().CreateLayer(1, 1);
            var tp = one.CreateTape(steps);
            var xi = Enumerable.Range(0, steps).Select(t => x[t * neurons + i]).ToArray();
            var gi = Enumerable.Range(0, steps).Select(t => g[t * neurons + i]).ToArray();
            var si = new float[steps];
            var ginI = new float[steps];
            one.Forward(steps, xi, si, tp);
            one.Backward(tp, xi, si, gi, ReadOnlySpan<float>.Empty, ginI);
            for (int t = 0; t < steps; t++)
                Assert.Equal(BitConverter.SingleToInt32Bits(ginI[t]), BitConverter.SingleToInt32Bits(gin[t * neurons + i]));
        }
    }
}
