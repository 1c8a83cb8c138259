using System;
using SnnDsl.Neurons;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

namespace SnnDsl.IntegrationTests;

/// <summary>A LIF under Euler whose time constant is learned directly, to pin SNN1002 in ApplyParameters.</summary>
[Neuron(Integrator = Integrator.Euler)]
#pragma warning disable SNN1007 // the direct parameterisation is the point: an update can make Euler unstable
public partial record LearnedTauEuler([Learnable] float TauMem = 10f, float Threshold = 1f)
#pragma warning restore SNN1007
{
    /// <summary>Membrane potential.</summary>
    [State] public float V;
    /// <summary>tau dV/dt = -V + input.</summary>
    [Derivative(nameof(V))] public float Dv(float input) => (-V + input) / TauMem;
    /// <summary>Fires at the threshold.</summary>
    [SpikeWhen(Surrogate.FastSigmoid, Slope = 25f)] public bool Fires => V >= Threshold;
    /// <summary>Resets by subtraction.</summary>
    [OnSpike] public void Reset() => V -= Threshold;
}

/// <summary>
/// Issue 13: the public boundary of the generated training code (the tape's step count and owner, checked
/// before any unchecked read) and the run-time parameter guards (non-finite values, learned time constants).
/// </summary>
public sealed class SafetyTests
{
    // Run-time values: the analyzers cannot see them.
    private static float RunTime(float v) => v;

    [Fact]
    public void Tape_steps_cannot_exceed_max_steps()
    {
        var tape = new Lif().CreateLayer(2, 3).CreateTape(4);
        tape.Steps = 4;
        Assert.Equal(4, tape.Steps);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => tape.Steps = 5);
        Assert.Equal("Steps", e.ParamName);
        Assert.Contains("MaxSteps (4)", e.Message);
        Assert.Equal("Steps", Assert.Throws<ArgumentOutOfRangeException>(() => tape.Steps = -1).ParamName);
        Assert.Equal(4, tape.Steps);
    }

    [Fact]
    public void Backward_refuses_a_tape_recorded_by_another_layer_of_the_same_shape()
    {
        const int steps = 5, size = 2 * 3;
        var a = new Lif().CreateLayer(2, 3);
        var b = new Lif().CreateLayer(2, 3);
        var tape = a.CreateTape(steps);
        var x = new float[steps * size];
        Array.Fill(x, 0.7f);
        var s = new float[steps * size];
        var g = new float[steps * size];
        var gin = new float[steps * size];

        a.Forward(steps, x, s, tape);
        Assert.Same(a, tape.RecordedBy);
        var e = Assert.Throws<ArgumentException>(() => b.Backward(tape, x, s, g, ReadOnlySpan<float>.Empty, gin));
        Assert.Equal("tape", e.ParamName);
        Assert.Contains("recorded by another layer", e.Message);
        a.Backward(tape, x, s, g, ReadOnlySpan<float>.Empty, gin); // its own layer is fine

        // The same buffer re-recorded by b belongs to b from then on.
        b.Forward(steps, x, s, tape);
        Assert.Same(b, tape.RecordedBy);
        Assert.Equal("tape", Assert.Throws<ArgumentException>(() => a.Backward(tape, x, s, g, ReadOnlySpan<float>.Empty, gin)).ParamName);
        b.Backward(tape, x, s, g, ReadOnlySpan<float>.Empty, gin);

        // A tape no Forward has recorded is refused too.
        var fresh = Assert.Throws<ArgumentException>(() => a.Backward(a.CreateTape(steps), x, s, g, ReadOnlySpan<float>.Empty, gin));
        Assert.Equal("tape", fresh.ParamName);
        Assert.Contains("no Forward has recorded it", fresh.Message);
    }

    [Fact]
    public void Backward_checks_every_span_against_the_tapes_step_count()
    {
        // The tape's Steps can be changed after Forward (within MaxSteps): every span is then checked against it,
        // so Backward reads neither past the tape nor past a span.
        const int steps = 4, size = 3;
        var layer = new Izhikevich().CreateLayer(1, 3);
        var tape = layer.CreateTape(steps);
        var x = new float[steps * size];
        var s = new float[steps * size];
        layer.Forward(steps, x, s, tape);
        tape.Steps = steps - 1;
        var g = new float[steps * size];
        var gin = new float[steps * size];
        var e = Assert.Throws<ArgumentException>(() => layer.Backward(tape, x, s, g, ReadOnlySpan<float>.Empty, gin));
        Assert.Equal("input", e.ParamName);
        int n = (steps - 1) * size;
        Assert.Equal("gradSpikes", Assert.Throws<ArgumentException>(() => layer.Backward(tape, x.AsSpan(0, n), s.AsSpan(0, n), g.AsSpan(0, n - 1), ReadOnlySpan<float>.Empty, gin.AsSpan(0, n))).ParamName);
        Assert.Equal("gradEndState", Assert.Throws<ArgumentException>(() => layer.Backward(tape, x.AsSpan(0, n), s.AsSpan(0, n), g.AsSpan(0, n), ReadOnlySpan<float>.Empty, new float[1], gin.AsSpan(0, n), Span<float>.Empty)).ParamName);
        layer.Backward(tape, x.AsSpan(0, n), s.AsSpan(0, n), g.AsSpan(0, n), ReadOnlySpan<float>.Empty, gin.AsSpan(0, n));
    }

    [Fact]
    public void Non_finite_parameters_are_refused_by_the_layer_constructor()
    {
        var beta = Assert.Throws<ArgumentException>(() => new Leaky(Beta: RunTime(float.NaN)).CreateLayer(1, 1));
        Assert.Equal("model", beta.ParamName);
        Assert.StartsWith("Parameter 'Beta' of 'Leaky' is NaN", beta.Message);
        Assert.Contains("Parameter 'Threshold' of 'Lif' is Infinity", Assert.Throws<ArgumentException>(() => new Lif(Threshold: RunTime(float.PositiveInfinity)).CreateLayer(1, 1)).Message);
        Assert.Contains("Parameter 'VReset' of 'Plif' is NaN", Assert.Throws<ArgumentException>(() => new Plif(VReset: RunTime(float.NaN)).CreateLayer(1, 1)).Message);
        Assert.Contains("Parameter 'W' of 'Plif' is -Infinity", Assert.Throws<ArgumentException>(() => new Plif(W: RunTime(float.NegativeInfinity)).CreateLayer(1, 1)).Message);
        // An infinite time constant passes SNN1001 (it is positive) and is refused as non-finite.
        Assert.Contains("Parameter 'TauMem' of 'Lif' is Infinity", Assert.Throws<ArgumentException>(() => new Lif(TauMem: RunTime(float.PositiveInfinity)).CreateLayer(1, 1)).Message);
        // A NaN time constant is still SNN1001 (checked first).
        Assert.StartsWith("SNN1001:", Assert.Throws<ArgumentOutOfRangeException>(() => new Lif(TauMem: RunTime(float.NaN)).CreateLayer(1, 1)).Message);
        // Beta outside (0, 1) is used as given (Leaky's documented contract; SNN1005 warns at compile time).
        Assert.Equal(1, new Leaky(Beta: RunTime(1.5f)).CreateLayer(1, 1).Batch);
    }

    [Fact]
    public void ApplyParameters_refuses_a_learned_time_constant_driven_out_of_range()
    {
        var layer = new Alif().CreateLayer(2, 3);
        Assert.Equal("TauM[1]", layer.ParameterNames[1]);
        layer.Parameters[1] = -4f;
        var e = Assert.Throws<InvalidOperationException>(() => layer.ApplyParameters());
        Assert.Equal("The 'Alif' layer's learnable parameters are out of range at neuron 1 after an update: "
            + "SNN1001: Time constant 'TauM' of 'Alif' is -4, but it divides time and must be positive. "
            + "An optimizer step drove a learnable parameter out of its valid range (ApplyParameters refuses what the layer constructor refuses): "
            + "lower the learning rate or clip the gradients, or keep the parameter in range (learn the logarithm of a time constant, or clamp it after each step).", e.Message);
        Assert.IsType<ArgumentOutOfRangeException>(e.InnerException);

        layer.Parameters[1] = 20f;
        layer.ApplyParameters();
        layer.Parameters[4] = float.NaN; // TauAdp[1]
        Assert.Contains("Time constant 'TauAdp' of 'Alif' is NaN", Assert.Throws<InvalidOperationException>(() => layer.ApplyParameters()).Message);

        // SNN1002 too, when the learned parameter enters the Jacobian of an explicit integrator: Euler needs Dt < 2 TauMem.
        var euler = new LearnedTauEuler().CreateLayer(1, 2);
        euler.Parameters[0] = 0.4f;
        var unstable = Assert.Throws<InvalidOperationException>(() => euler.ApplyParameters());
        Assert.StartsWith("The 'LearnedTauEuler' layer's learnable parameters are out of range at neuron 0 after an update: SNN1002: Integrator.Euler is unstable for 'LearnedTauEuler' at Dt = 1 ms", unstable.Message);
        euler.Parameters[0] = 0.6f;
        euler.ApplyParameters();

        var plif = new Plif().CreateLayer(1, 2);
        plif.Parameters[0] = float.PositiveInfinity;
        Assert.Contains("Parameter 'W' of 'Plif' is Infinity", Assert.Throws<InvalidOperationException>(() => plif.ApplyParameters()).Message);
    }

    [Fact]
    public void A_training_step_after_an_update_that_made_a_time_constant_negative_throws()
    {
        const int T = 3, B = 2, I = 4;
        Network net = Sequential(Dense(I, 3), NeuronLayer("Alif", (b, n) => new Alif().CreateLayer(b, n)));
        NetworkWeights w = net.Initialize(1);
        using NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions());
        var x = new float[T * B * I];
        Array.Fill(x, 0.5f);
        int[] labels = [0, 2];
        runner.TrainStep(x, labels, new CrossEntropyCountLoss());
        w.NeuronParameters[1]!.Value[2] = -1f; // TauM[2], as a too large optimizer step would leave it
        var e = Assert.Throws<InvalidOperationException>(() => runner.TrainStep(x, labels, new CrossEntropyCountLoss()));
        Assert.Contains("SNN1001: Time constant 'TauM' of 'Alif' is -1", e.Message);
    }
}
