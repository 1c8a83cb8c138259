using System;
using System.Collections.Generic;
using SnnDsl.Neurons;

namespace SnnDsl.IntegrationTests;

/// <summary>
/// One generated model exercised by the layer-level tests: how to build a layer, how to read every
/// state of it (including <c>Spiked</c>), an input that makes it spike and reset, and a run length.
/// </summary>
public sealed record LayerCase(
    string Name,
    Integrator Integrator,
    Func<int, int, ISpikingLayer> Make,
    Func<ISpikingLayer, float[][]> States,
    Func<int, int, float> Input,
    int Steps)
{
    public override string ToString() => Name;

    /// <summary>Input for step t and flat neuron index i: differs per neuron and over time, deterministic.</summary>
    private static Func<int, int, float> Drive(float lo, float hi, double period = 37) =>
        (t, i) =>
        {
            double phase = (i * 0.6180339887) % 1.0;
            double level = lo + (hi - lo) * phase;
            return (float)(level * (1 + 0.25 * Math.Sin(2 * Math.PI * (t / period + phase))));
        };

    public static readonly LayerCase[] All =
    {
        new("Lif (Exact)", Integrator.Exact, (b, n) => new Lif().CreateLayer(b, n),
            l => new[] { ((Lif.Layer)l).V.ToArray(), ((Lif.Layer)l).Spiked.ToArray() }, Drive(0.3f, 3f), 300),
        new("IF (Exact, singular)", Integrator.Exact, (b, n) => new IF().CreateLayer(b, n),
            l => new[] { ((IF.Layer)l).V.ToArray(), ((IF.Layer)l).Spiked.ToArray() }, Drive(-0.1f, 0.9f), 300),
        new("LifCurrentSynapse (Exact, coupled)", Integrator.Exact, (b, n) => new LifCurrentSynapse(Threshold: 1f).CreateLayer(b, n),
            l => new[] { ((LifCurrentSynapse.Layer)l).V.ToArray(), ((LifCurrentSynapse.Layer)l).I.ToArray(), ((LifCurrentSynapse.Layer)l).Spiked.ToArray() },
            Drive(0f, 0.8f), 300),
        new("Leaky (discrete)", Integrator.Auto, (b, n) => new Leaky().CreateLayer(b, n),
            l => new[] { ((Leaky.Layer)l).Mem.ToArray(), ((Leaky.Layer)l).Spiked.ToArray() }, Drive(0f, 0.7f), 300),
        new("LeakyResetZero (discrete)", Integrator.Auto, (b, n) => new LeakyResetZero().CreateLayer(b, n),
            l => new[] { ((LeakyResetZero.Layer)l).Mem.ToArray(), ((LeakyResetZero.Layer)l).Spiked.ToArray() }, Drive(0f, 0.7f), 300),
        new("Izhikevich RS (Rk4)", Integrator.Rk4, (b, n) => Izhikevich.RegularSpiking.CreateLayer(b, n),
            l => new[] { ((Izhikevich.Layer)l).V.ToArray(), ((Izhikevich.Layer)l).U.ToArray(), ((Izhikevich.Layer)l).Spiked.ToArray() },
            Drive(0f, 20f, 400), 3000),
        new("AdEx (Rk4, exp)", Integrator.Rk4, (b, n) => new AdEx().CreateLayer(b, n),
            l => new[] { ((AdEx.Layer)l).V.ToArray(), ((AdEx.Layer)l).W.ToArray(), ((AdEx.Layer)l).Spiked.ToArray() },
            Drive(0f, 2000f, 400), 3000),
        new("QuadraticAdaptive (Rk4, user)", Integrator.Rk4, (b, n) => new QuadraticAdaptive().CreateLayer(b, n),
            l => new[] { ((QuadraticAdaptive.Layer)l).V.ToArray(), ((QuadraticAdaptive.Layer)l).W.ToArray(), ((QuadraticAdaptive.Layer)l).Spiked.ToArray() },
            Drive(-0.5f, 3f, 200), 2000),
        new("TanhPowSpiking (Rk2, tanh/pow/exp)", Integrator.Rk2, (b, n) => new TanhPowSpiking().CreateLayer(b, n),
            l => new[] { ((TanhPowSpiking.Layer)l).V.ToArray(), ((TanhPowSpiking.Layer)l).Spiked.ToArray() }, Drive(-1f, 2f), 300),
        new("HodgkinHuxley (ExponentialEuler)", Integrator.ExponentialEuler, (b, n) => new HodgkinHuxley().CreateLayer(b, n, 0.025f),
            l => new[]
            {
                ((HodgkinHuxley.Layer)l).V.ToArray(), ((HodgkinHuxley.Layer)l).M.ToArray(), ((HodgkinHuxley.Layer)l).H.ToArray(),
                ((HodgkinHuxley.Layer)l).N.ToArray(), ((HodgkinHuxley.Layer)l).VPrev.ToArray(), ((HodgkinHuxley.Layer)l).Spiked.ToArray(),
            },
            Drive(0f, 25f, 2000), 2000),
    };

    public static IEnumerable<object[]> Data()
    {
        foreach (LayerCase c in All) yield return new object[] { c.Name };
    }

    public static LayerCase Get(string name) => Array.Find(All, c => c.Name == name) ?? throw new ArgumentException(name);

    /// <summary>The input tensor [steps, batch, neurons] for this case.</summary>
    public float[] InputTensor(int steps, int batch, int neurons)
    {
        var x = new float[steps * batch * neurons];
        for (int t = 0; t < steps; t++)
            for (int i = 0; i < batch * neurons; i++)
                x[(t * batch * neurons) + i] = Input(t, i);
        return x;
    }
}

internal static class Bits
{
    /// <summary>Asserts two float arrays are identical bit for bit, naming the first difference.</summary>
    public static void AssertIdentical(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} differs: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
