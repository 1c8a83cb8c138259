using System;
using SnnDsl.Neurons;

namespace SnnDsl.IntegrationTests;

/// <summary>Argument checks of the generated layers: span shapes, time step, sizes.</summary>
public sealed class LayerErrorTests
{
    public static TheoryData<string> Models => new() { "Lif", "HodgkinHuxley", "LifCurrentSynapse", "Leaky" };

    private static ISpikingLayer Make(string model, int batch, int neurons, float? dt = null) => model switch
    {
        "Lif" => new Lif.Layer(new Lif(), batch, neurons, dt),
        "HodgkinHuxley" => new HodgkinHuxley.Layer(new HodgkinHuxley(), batch, neurons, dt),
        "LifCurrentSynapse" => new LifCurrentSynapse.Layer(new LifCurrentSynapse(), batch, neurons, dt),
        "Leaky" => new Leaky().CreateLayer(batch, neurons, dt),
        _ => throw new ArgumentException(model),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Step_WrongSpanLengths_ThrowWithTheSpanNameAndExpectedShape(string model)
    {
        ISpikingLayer layer = Make(model, 3, 37);
        var ok = new float[111];

        var e1 = Assert.Throws<ArgumentException>(() => layer.Step(new float[110], ok));
        Assert.Equal("input", e1.ParamName);
        Assert.Contains("[3, 37]", e1.Message);
        Assert.Contains("111", e1.Message);
        Assert.Contains("110", e1.Message);

        var e2 = Assert.Throws<ArgumentException>(() => layer.Step(ok, new float[112]));
        Assert.Equal("spikes", e2.ParamName);
        Assert.Contains("[3, 37]", e2.Message);
        Assert.Contains("112", e2.Message);

        var e3 = Assert.Throws<ArgumentException>(() => layer.Step(ReadOnlySpan<float>.Empty, ok));
        Assert.Equal("input", e3.ParamName);

        // A failed call leaves the state untouched.
        var s = new float[111];
        var fresh = Make(model, 3, 37);
        layer.Step(ok, s);
        var s2 = new float[111];
        fresh.Step(ok, s2);
        Assert.Equal(s2, s);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Run_WrongSpanLengths_ThrowWithTheSpanNameAndExpectedShape(string model)
    {
        ISpikingLayer layer = Make(model, 3, 37);
        var e1 = Assert.Throws<ArgumentException>(() => layer.Run(5, new float[111], new float[555]));
        Assert.Equal("input", e1.ParamName);
        Assert.Contains("[5, 3, 37]", e1.Message);
        Assert.Contains("555", e1.Message);

        var e2 = Assert.Throws<ArgumentException>(() => layer.Run(5, new float[555], new float[554]));
        Assert.Equal("spikes", e2.ParamName);
        Assert.Contains("[5, 3, 37]", e2.Message);
        Assert.Contains("554", e2.Message);

        // Run(0) with empty spans is a valid no-op; a negative count is out of range.
        layer.Run(0, ReadOnlySpan<float>.Empty, Span<float>.Empty);
        var e3 = Assert.Throws<ArgumentOutOfRangeException>(() => layer.Run(-1, ReadOnlySpan<float>.Empty, Span<float>.Empty));
        Assert.Equal("steps", e3.ParamName);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void InvalidTimeStep_ThrowsArgumentOutOfRange_NamingDt(string model)
    {
        foreach (float dt in new[] { 0f, -0f, -0.1f, float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => Make(model, 1, 1, dt));
            Assert.Equal("dt", e.ParamName);
        }
        Assert.Equal(0.5f, Make(model, 1, 1, 0.5f).Dt);
    }

    [Fact]
    public void InvalidModelTimeStep_ThrowsArgumentOutOfRange_NamingDt()
    {
        // The model's own Dt (set with `with`) is checked like an explicit one.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => (new Lif() with { Dt = 0f }).CreateLayer(1, 1));
        Assert.Equal("dt", e.ParamName);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => (new Lif() with { Dt = float.NaN }).CreateLayer(1, 1));
        Assert.Equal("dt", e2.ParamName);
        Assert.Equal(0.25f, (new Lif() with { Dt = 0.25f }).CreateLayer(1, 1).Dt);
        Assert.Equal(0.1f, new AdEx().CreateLayer(1, 1).Dt); // [Neuron(Dt = 0.1f)]
        Assert.Equal(1f, new Lif().CreateLayer(1, 1).Dt);     // default 1 ms
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void InvalidSizes_ThrowArgumentOutOfRange_NamingTheArgument(string model)
    {
        foreach (int bad in new[] { 0, -1, int.MinValue })
        {
            Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => Make(model, bad, 4)).ParamName);
            Assert.Equal("neurons", Assert.Throws<ArgumentOutOfRangeException>(() => Make(model, 4, bad)).ParamName);
        }
        ISpikingLayer one = Make(model, 1, 1);
        Assert.Equal(1, one.Batch);
        Assert.Equal(1, one.Neurons);
    }

    [Fact]
    public void NullModel_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => new Lif.Layer(null!, 1, 1));
    }
}
