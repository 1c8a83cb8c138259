using System;
using System.Numerics;
using Xunit.Abstractions;

namespace SnnDsl.IntegrationTests;

/// <summary>SIMD body vs scalar tail, Step vs fused Run, Reset, and allocation of the generated layers.</summary>
public sealed class LayerBehaviourTests
{
    private const int Batch = 3, Neurons = 37; // 111 neurons: not a multiple of Vector<float>.Count

    private readonly ITestOutputHelper _out;

    public LayerBehaviourTests(ITestOutputHelper output) => _out = output;

    [Theory]
    [MemberData(nameof(LayerCase.Data), MemberType = typeof(LayerCase))]
    public void IntegratorIsTheExpectedOne(string name)
    {
        LayerCase c = LayerCase.Get(name);
        ISpikingLayer layer = c.Make(1, 1);
        var prop = layer.GetType().GetProperty("Integrator")!;
        Assert.Equal(c.Integrator, (Integrator)prop.GetValue(null)!);
    }

    [Theory]
    [MemberData(nameof(LayerCase.Data), MemberType = typeof(LayerCase))]
    public void EveryNeuronOfAWideLayer_EqualsAOneNeuronLayer_BitForBit(string name)
    {
        // A 1-neuron layer runs entirely in the scalar tail; in the [3, 37] layer most neurons run in
        // SIMD lanes (Vector<float>.Count per block) and the last 111 mod Count in the tail.
        LayerCase c = LayerCase.Get(name);
        int size = Batch * Neurons;
        Assert.NotEqual(0, size % Vector<float>.Count);
        ISpikingLayer wide = c.Make(Batch, Neurons);
        var single = new ISpikingLayer[size];
        for (int i = 0; i < size; i++) single[i] = c.Make(1, 1);

        var x = new float[size];
        var s = new float[size];
        var x1 = new float[1];
        var s1 = new float[1];
        int simdSpikes = 0, tailSpikes = 0;
        int simdEnd = size - size % Vector<float>.Count;
        for (int t = 0; t < c.Steps; t++)
        {
            for (int i = 0; i < size; i++) x[i] = c.Input(t, i);
            wide.Step(x, s);
            float[][] wideStates = c.States(wide);
            for (int i = 0; i < size; i++)
            {
                x1[0] = x[i];
                single[i].Step(x1, s1);
                if (BitConverter.SingleToInt32Bits(s1[0]) != BitConverter.SingleToInt32Bits(s[i]))
                    Assert.Fail($"{name}: spike of neuron {i} at step {t}: wide {s[i]}, single {s1[0]}");
                float[][] states = c.States(single[i]);
                for (int k = 0; k < states.Length; k++)
                {
                    if (BitConverter.SingleToInt32Bits(states[k][0]) != BitConverter.SingleToInt32Bits(wideStates[k][i]))
                        Assert.Fail($"{name}: state #{k} of neuron {i} at step {t}: wide {wideStates[k][i]:R}, single {states[k][0]:R}");
                }
                if (s[i] == 1f) { if (i < simdEnd) simdSpikes++; else tailSpikes++; }
            }
        }
        _out.WriteLine($"{name}: Vector<float>.Count = {Vector<float>.Count}; spikes in SIMD lanes {simdSpikes}, in the tail {tailSpikes}");
        Assert.True(simdSpikes > 0 && tailSpikes > 0, $"{name}: the comparison must go through spikes and resets (SIMD {simdSpikes}, tail {tailSpikes})");
    }

    [Theory]
    [MemberData(nameof(LayerCase.Data), MemberType = typeof(LayerCase))]
    public void FusedRunOfAWideLayer_EqualsOneNeuronRuns_BitForBit(string name)
    {
        LayerCase c = LayerCase.Get(name);
        int size = Batch * Neurons, steps = c.Steps;
        float[] x = c.InputTensor(steps, Batch, Neurons);
        var s = new float[x.Length];
        ISpikingLayer wide = c.Make(Batch, Neurons);
        wide.Run(steps, x, s);
        float[][] wideStates = c.States(wide);

        var x1 = new float[steps];
        var s1 = new float[steps];
        for (int i = 0; i < size; i++)
        {
            for (int t = 0; t < steps; t++) x1[t] = x[t * size + i];
            ISpikingLayer one = c.Make(1, 1);
            one.Run(steps, x1, s1);
            for (int t = 0; t < steps; t++)
            {
                if (s1[t] != s[t * size + i]) Assert.Fail($"{name}: spike of neuron {i} at step {t}");
            }
            float[][] states = c.States(one);
            for (int k = 0; k < states.Length; k++)
                Bits.AssertIdentical(new[] { wideStates[k][i] }, states[k], $"{name}: final state #{k} of neuron {i}");
        }
    }

    [Theory]
    [MemberData(nameof(LayerCase.Data), MemberType = typeof(LayerCase))]
    public void StepRepeated_EqualsRun_AndChunkedRun_BitForBit(string name)
    {
        LayerCase c = LayerCase.Get(name);
        int size = Batch * Neurons, steps = c.Steps;
        float[] x = c.InputTensor(steps, Batch, Neurons);

        ISpikingLayer stepped = c.Make(Batch, Neurons);
        var sStep = new float[x.Length];
        for (int t = 0; t < steps; t++)
            stepped.Step(x.AsSpan(t * size, size), sStep.AsSpan(t * size, size));

        ISpikingLayer fused = c.Make(Batch, Neurons);
        var sRun = new float[x.Length];
        fused.Run(steps, x, sRun);

        ISpikingLayer chunked = c.Make(Batch, Neurons);
        var sChunk = new float[x.Length];
        int t1 = steps / 3, t2 = steps - t1 - 1;
        chunked.Run(t1, x.AsSpan(0, t1 * size), sChunk.AsSpan(0, t1 * size));
        chunked.Run(0, ReadOnlySpan<float>.Empty, Span<float>.Empty);
        chunked.Step(x.AsSpan(t1 * size, size), sChunk.AsSpan(t1 * size, size));
        chunked.Run(t2, x.AsSpan((t1 + 1) * size), sChunk.AsSpan((t1 + 1) * size));

        Assert.Contains(1f, sRun);
        Bits.AssertIdentical(sStep, sRun, $"{name}: spikes Step vs Run");
        Bits.AssertIdentical(sStep, sChunk, $"{name}: spikes Step vs chunked Run");
        float[][] a = c.States(stepped), b = c.States(fused), d = c.States(chunked);
        for (int k = 0; k < a.Length; k++)
        {
            Bits.AssertIdentical(a[k], b[k], $"{name}: state #{k} Step vs Run");
            Bits.AssertIdentical(a[k], d[k], $"{name}: state #{k} Step vs chunked Run");
        }
    }

    [Theory]
    [MemberData(nameof(LayerCase.Data), MemberType = typeof(LayerCase))]
    public void Reset_RestoresTheInitialState_AndTheRunRepeats(string name)
    {
        LayerCase c = LayerCase.Get(name);
        int steps = Math.Min(c.Steps, 500);
        float[] x = c.InputTensor(steps, Batch, Neurons);
        ISpikingLayer layer = c.Make(Batch, Neurons);
        float[][] initial = c.States(layer);
        Assert.All(initial[^1], v => Assert.Equal(0f, v)); // Spiked starts cleared

        var first = new float[x.Length];
        layer.Run(steps, x, first);
        float[][] afterFirst = c.States(layer);
        bool changed = false;
        for (int k = 0; k < initial.Length; k++) changed |= !afterFirst[k].AsSpan().SequenceEqual(initial[k]);
        Assert.True(changed, "the run must move the state away from its initial value");

        layer.Reset();
        float[][] reset = c.States(layer);
        for (int k = 0; k < initial.Length; k++) Bits.AssertIdentical(initial[k], reset[k], $"{name}: state #{k} after Reset");
        float[][] fresh = c.States(c.Make(Batch, Neurons));
        for (int k = 0; k < initial.Length; k++) Bits.AssertIdentical(fresh[k], reset[k], $"{name}: state #{k} after Reset vs a new layer");

        var second = new float[x.Length];
        layer.Run(steps, x, second);
        Bits.AssertIdentical(first, second, $"{name}: spikes after Reset");
        float[][] afterSecond = c.States(layer);
        for (int k = 0; k < initial.Length; k++) Bits.AssertIdentical(afterFirst[k], afterSecond[k], $"{name}: state #{k} after the repeated run");
    }

    [Theory]
    [MemberData(nameof(LayerCase.Data), MemberType = typeof(LayerCase))]
    public void StepAndRun_DoNotAllocate(string name)
    {
        LayerCase c = LayerCase.Get(name);
        const int steps = 16;
        int size = Batch * Neurons;
        float[] x = c.InputTensor(steps, Batch, Neurons);
        var s = new float[x.Length];
        ISpikingLayer layer = c.Make(Batch, Neurons);
        ReadOnlySpan<float> x1 = x.AsSpan(0, size);
        Span<float> s1 = s.AsSpan(0, size);

        // Warm up past tiered compilation (tier 0 -> instrumented -> tier 1 with OSR for the loops).
        for (int i = 0; i < 300; i++) { layer.Step(x1, s1); layer.Run(steps, x, s); }
        System.Threading.Thread.Sleep(200);
        for (int i = 0; i < 300; i++) { layer.Step(x1, s1); layer.Run(steps, x, s); }

        var input = x;
        var spikes = s;
        Assert.Equal(0, SnnDsl.Testing.Allocations.Minimum(() => { for (int i = 0; i < 1000; i++) layer.Step(input.AsSpan(0, size), spikes.AsSpan(0, size)); }));
        Assert.Equal(0, SnnDsl.Testing.Allocations.Minimum(() => { for (int i = 0; i < 100; i++) layer.Run(steps, input, spikes); }));
        Assert.Equal(0, SnnDsl.Testing.Allocations.Minimum(() => layer.Reset()));
    }
}
