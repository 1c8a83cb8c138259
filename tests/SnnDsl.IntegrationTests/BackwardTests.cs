using System;
using System.Collections.Generic;
using System.Linq;
using SnnDsl.Neurons;
using SnnDsl.Training;

namespace SnnDsl.IntegrationTests;

/// <summary>A model declared here, as a user would, to check Backward beyond the zoo: quadratic drive, adaptation, Rk2.</summary>
[Neuron(Integrator = Integrator.Rk2, Dt = 0.5f)]
public partial record BackwardQuadratic(float Tau = 8f, float TauW = 30f, float A = 0.3f, float Threshold = 1f)
{
    [State] public float V;
    [State] public float W;

    [Derivative(nameof(V))]
    public float Dv(float input) => (-V + 0.2f * V * V - W + input) / Tau;

    [Derivative(nameof(W))]
    public float Dw => (A * V - W) / TauW;

    [SpikeWhen(Surrogate.ATan, Slope = 3f)]
    public bool Fires => V >= Threshold;

    [OnSpike]
    public void Reset()
    {
        V = 0f;
        W += 0.1f;
    }
}

/// <summary>snnTorch's Leaky with its fast_sigmoid surrogate (slope 25), declared as a user would.</summary>
[Neuron]
public partial record LeakyFastSigmoid(float Beta = 0.9f, float Threshold = 1f)
{
    [State] public float Mem;

    [Next(nameof(Mem))]
    public float Step(float input) => Beta * Mem + input - Threshold * Spiked;

    [SpikeWhen(Surrogate.FastSigmoid, Slope = 25f)]
    public bool Fires => Mem > Threshold;
}

/// <summary>
/// Generated Backward against central finite differences of a smoothed forward: the loss is
/// L = sum over steps and neurons of w * Phi(a - b), with Phi the surrogate's integral evaluated at the
/// recorded pre-reset state, so dL/dspike = w and Backward applies Phi' = the surrogate. Small input
/// perturbations do not change which neurons fire, so the reset (detached) and Spiked (no
/// gradient) enter the finite difference exactly as Backward treats them.
/// </summary>
public class BackwardTests
{
    private static double FastSigmoidIntegral(double v, double k) => v / (1 + k * Math.Abs(v));
    private static double ATanIntegral(double v, double a) => Math.Atan(Math.PI / 2 * a * v) / Math.PI;

    private sealed record Case(Func<int, int, ITrainableLayer> Make, Func<NeuronTape, int, int, double> SpikeArgument, Func<double, double> Phi, float InputScale, float InputOffset, float Epsilon);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["Lif"] = new((b, n) => new Lif().CreateLayer(b, n), (tape, t, i) => tape.PreState(t, 0)[i] - 1.0, v => FastSigmoidIntegral(v, 25), 1.6f, 0.2f, 1e-2f),
        ["IF"] = new((b, n) => new IF().CreateLayer(b, n), (tape, t, i) => tape.PreState(t, 0)[i] - 1.0, v => ATanIntegral(v, 2), 0.5f, 0f, 1e-2f),
        ["Leaky"] = new((b, n) => new Leaky().CreateLayer(b, n), (tape, t, i) => tape.PreState(t, 0)[i] - 1.0, v => ATanIntegral(v, 2), 0.6f, 0f, 1e-2f),
        ["LeakyResetZero"] = new((b, n) => new LeakyResetZero().CreateLayer(b, n), (tape, t, i) => tape.PreState(t, 0)[i] - 1.0, v => ATanIntegral(v, 2), 0.6f, 0f, 1e-2f),
        ["Izhikevich"] = new((b, n) => Izhikevich.RegularSpiking.CreateLayer(b, n, dt: 0.5f), (tape, t, i) => tape.PreState(t, 0)[i] - 30.0, v => FastSigmoidIntegral(v, 25), 14f, 0f, 2e-2f),
        ["AdEx"] = new((b, n) => new AdEx().CreateLayer(b, n, dt: 0.1f), (tape, t, i) => tape.PreState(t, 0)[i] - 20.0, v => FastSigmoidIntegral(v, 25), 4000f, 4000f, 2f),
        ["Plif"] = new((b, n) => new Plif(W: 0.3f).CreateLayer(b, n), (tape, t, i) => tape.PreState(t, 0)[i] - 1.0, v => 1 / (1 + Math.Exp(-4 * v)), 2.5f, 0f, 1e-2f),
        ["Alif"] = new((b, n) => new Alif().CreateLayer(b, n), (tape, t, i) => tape.PreState(t, 0)[i] - (0.01 + 1.8 * tape.PreState(t, 1)[i]), v => FastSigmoidIntegral(v, 25), 0.3f, 0f, 3e-3f),
        ["BackwardQuadratic"] = new((b, n) => new BackwardQuadratic().CreateLayer(b, n), (tape, t, i) => tape.PreState(t, 0)[i] - 1.0, v => ATanIntegral(v, 3), 2.5f, 0f, 1e-2f),
    };

    public static TheoryData<string> Names => new(Cases.Keys.OrderBy(k => k, StringComparer.Ordinal));

    private static double Loss(Case c, NeuronTape tape, int steps, int size, double[] weights)
    {
        double total = 0;
        for (int t = 0; t < steps; t++)
            for (int i = 0; i < size; i++)
                total += weights[t * size + i] * c.Phi(c.SpikeArgument(tape, t, i));
        return total;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Backward_matches_central_finite_differences(string name)
    {
        var c = Cases[name];
        const int batch = 2, neurons = 11, steps = 30;
        int size = batch * neurons;
        var rng = new Random(17);
        var input = Enumerable.Range(0, steps * size).Select(_ => (float)(c.InputOffset + c.InputScale * rng.NextDouble())).ToArray();
        var weights = Enumerable.Range(0, steps * size).Select(_ => rng.NextDouble() * 2 - 1).ToArray();

        var layer = c.Make(batch, neurons);
        var tape = layer.CreateTape(steps);
        var spikes = new float[steps * size];
        layer.Forward(steps, input, spikes, tape);
        Assert.True(spikes.Sum() > 0, $"{name}: the input should make some neurons fire, so resets are exercised");

        // Backward with dL/dspike = w: the kernel multiplies by the surrogate, Phi'.
        var gradIn = new float[steps * size];
        var gs = weights.Select(w => (float)w).ToArray();
        layer.Reset();
        layer.Forward(steps, input, spikes, tape);
        var referenceSpikes = (float[])spikes.Clone();
        layer.Backward(tape, input, spikes, gs, ReadOnlySpan<float>.Empty, gradIn);

        int checkedCount = 0;
        var probe = new Random(3);
        for (int attempt = 0; attempt < 200 && checkedCount < 12; attempt++)
        {
            int k = probe.Next(steps * size);
            // Central differences at h and 2h, combined by Richardson extrapolation (error O(h^4)).
            bool samePattern = true;
            double Difference(float h)
            {
                double d = 0;
                foreach (int sign in new[] { +1, -1 })
                {
                    var x = (float[])input.Clone();
                    x[k] += sign * h;
                    var l = c.Make(batch, neurons);
                    var tp = l.CreateTape(steps);
                    var s = new float[steps * size];
                    l.Forward(steps, x, s, tp);
                    samePattern &= s.AsSpan().SequenceEqual(referenceSpikes);
                    d += sign * Loss(c, tp, steps, size, weights);
                }
                return d / (2 * h);
            }
            double d1 = Difference(c.Epsilon), d2 = Difference(2 * c.Epsilon);
            if (!samePattern) continue; // a spike moved: the finite difference crosses the step function
            double fd = (4 * d1 - d2) / 3;
            double g = gradIn[k];
            double scale = Math.Max(Math.Abs(g), Math.Abs(fd));
            if (scale < 1e-9) continue; // too small to compare in float
            Assert.True(Math.Abs(g - fd) <= 1e-3 * scale + 1e-9,
                $"{name}: dL/dinput[{k / size}, {k % size}] backward {g:G6} vs finite difference {fd:G6}");
            checkedCount++;
        }
        Assert.True(checkedCount >= 6, $"{name}: only {checkedCount} gradients could be compared");
    }

    public static TheoryData<string> LearnableNames => new() { "Plif", "Alif" };

    [Theory]
    [MemberData(nameof(LearnableNames))]
    public void Parameter_gradients_match_finite_differences(string name)
    {
        const int batch = 2, neurons = 3, steps = 25;
        int size = batch * neurons;
        var rng = new Random(29);
        float scale = name == "Plif" ? 2.5f : 0.3f;
        var input = Enumerable.Range(0, steps * size).Select(_ => (float)(scale * rng.NextDouble())).ToArray();
        var weights = Enumerable.Range(0, steps * size).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        Func<ITrainableLayer> make = name == "Plif"
            ? () => new Plif(W: 0.3f).CreateLayer(batch, neurons)
            : () => new Alif().CreateLayer(batch, neurons);
        Func<NeuronTape, int, int, double> arg = name == "Plif"
            ? (tape, t, i) => tape.PreState(t, 0)[i] - 1.0
            : (tape, t, i) => tape.PreState(t, 0)[i] - (0.01 + 1.8 * tape.PreState(t, 1)[i]);
        Func<double, double> phi = name == "Plif" ? v => 1 / (1 + Math.Exp(-4 * v)) : v => FastSigmoidIntegral(v, 25);
        double Loss(NeuronTape tape)
        {
            double total = 0;
            for (int t = 0; t < steps; t++)
                for (int i = 0; i < size; i++) total += weights[t * size + i] * phi(arg(tape, t, i));
            return total;
        }

        var layer = make();
        var learnable = (ILearnableLayer)layer;
        var tape = layer.CreateTape(steps);
        var spikes = new float[steps * size];
        layer.Forward(steps, input, spikes, tape);
        Assert.True(spikes.Sum() > 0, "some neurons should fire");
        var gin = new float[steps * size];
        learnable.ParameterGradients.Clear();
        layer.Backward(tape, input, spikes, weights.Select(w => (float)w).ToArray(), ReadOnlySpan<float>.Empty, gin);
        var grads = learnable.ParameterGradients.ToArray();
        Assert.Equal(name == "Plif" ? 1 : 2 * neurons, grads.Length);
        Assert.Equal(name == "Plif" ? "W" : "TauM[0]", learnable.ParameterNames[0]);

        int compared = 0;
        for (int k = 0; k < grads.Length; k++)
        {
            float value = learnable.Parameters[k];
            float h = name == "Plif" ? 2e-3f : 4e-4f * value;
            double D(float step)
            {
                double d = 0;
                foreach (int sign in new[] { +1, -1 })
                {
                    var l = make();
                    var lp = (ILearnableLayer)l;
                    lp.Parameters[k] = value + sign * step;
                    lp.ApplyParameters();
                    var tp = l.CreateTape(steps);
                    var sp = new float[steps * size];
                    l.Forward(steps, input, sp, tp);
                    if (!sp.AsSpan().SequenceEqual(spikes)) return double.NaN;
                    d += sign * Loss(tp);
                }
                return d / (2 * step);
            }
            double d1 = D(h), d2 = D(2 * h);
            if (double.IsNaN(d1) || double.IsNaN(d2)) continue;
            double fd = (4 * d1 - d2) / 3;
            double scaleG = Math.Max(Math.Abs(grads[k]), Math.Abs(fd));
            Assert.True(Math.Abs(grads[k] - fd) <= 1e-3 * scaleG + 1e-7, $"{name}: d/d{learnable.ParameterNames[k]} backward {grads[k]:G6} vs finite difference {fd:G6}");
            compared++;
        }
        Assert.True(compared >= Math.Max(1, grads.Length / 2), $"{name}: only {compared} of {grads.Length} parameters could be compared");
    }

    [Fact]
    public void Lif_backward_equals_the_hand_derived_closed_form_over_ten_steps()
    {
        // Exact LIF, dt = 1, tau = 10: V' = d V + (1 - d) x with d = e^-0.1; spike when V >= 1, V <- 0.
        // Reverse time (detached reset): dpre_t = (s_t ? 0 : lam_t) + g_t * sg(V_t - 1), lam_{t-1} = d dpre_t,
        // dL/dx_t = (1 - d) dpre_t, sg(v) = 1 / (25 |v| + 1)^2.
        const int steps = 10;
        float[] x = { 1.5f, 1.5f, 1.5f, 1.5f, 0.2f, 3f, 3f, 0f, 2f, 2f };
        double[] g = { 0.3, -0.2, 0.5, 1.0, -0.7, 0.1, 0.4, -0.3, 0.8, 0.6 };
        var layer = new Lif().CreateLayer(1, 1);
        var tape = layer.CreateTape(steps);
        var spikes = new float[steps];
        layer.Forward(steps, x, spikes, tape);
        var gin = new float[steps];
        layer.Backward(tape, x, spikes, g.Select(v => (float)v).ToArray(), ReadOnlySpan<float>.Empty, gin);

        double d = Math.Exp(-0.1);
        var pre = new double[steps];
        var s = new double[steps];
        double v = 0;
        for (int t = 0; t < steps; t++)
        {
            v = d * v + (1 - d) * x[t];
            pre[t] = v;
            s[t] = v >= 1 ? 1 : 0;
            if (s[t] == 1) v = 0;
        }
        Assert.Equal(s.Select(z => (float)z).ToArray(), spikes);
        Assert.Contains(1f, spikes);
        double lam = 0;
        var expected = new double[steps];
        for (int t = steps - 1; t >= 0; t--)
        {
            double sg = 1 / Math.Pow(25 * Math.Abs(pre[t] - 1) + 1, 2);
            double dpre = (s[t] == 1 ? 0 : lam) + g[t] * sg;
            expected[t] = (1 - d) * dpre;
            lam = d * dpre;
        }
        for (int t = 0; t < steps; t++)
            Assert.True(Math.Abs(gin[t] - expected[t]) <= 1e-5 * Math.Max(1e-3, Math.Abs(expected[t])), $"step {t}: {gin[t]} vs {expected[t]}");
    }

    [Fact]
    public void Leaky_backward_reproduces_snntorch_with_atan_and_fast_sigmoid()
    {
        // snnTorch snn.Leaky, reset subtract detached: mem_t = beta mem_{t-1} + x_t - thr * s_{t-1};
        // dL/dmem_t = g_t * sg(mem_t - thr) + beta * dL/dmem_{t+1}; dL/dx_t = dL/dmem_t.
        const int steps = 8;
        float[] x = { 0.6f, 0.7f, 0.2f, 0.9f, 0.1f, 0.8f, 0.5f, 0.4f };
        double[] g = { 0.2, -0.4, 0.9, 0.3, -0.1, 0.5, 0.7, -0.6 };
        var layer = new Leaky(Beta: 0.8f).CreateLayer(1, 1);
        var tape = layer.CreateTape(steps);
        var spikes = new float[steps];
        layer.Forward(steps, x, spikes, tape);
        var gin = new float[steps];
        layer.Backward(tape, x, spikes, g.Select(v => (float)v).ToArray(), ReadOnlySpan<float>.Empty, gin);

        var mem = new double[steps];
        double m = 0, prevSpike = 0;
        for (int t = 0; t < steps; t++)
        {
            m = 0.8 * m + x[t] - 1.0 * prevSpike;
            mem[t] = m;
            prevSpike = m > 1 ? 1 : 0;
            Assert.Equal((float)prevSpike, spikes[t]);
        }
        Assert.Contains(1f, spikes);
        double carry = 0;
        for (int t = steps - 1; t >= 0; t--)
        {
            double u = Math.PI / 2 * 2 * (mem[t] - 1);
            double atan = 2.0 / 2 / (1 + u * u);
            double dmem = g[t] * atan + carry;
            Assert.True(Math.Abs(gin[t] - dmem) <= 1e-5 * Math.Max(1e-3, Math.Abs(dmem)), $"ATan, step {t}: {gin[t]} vs {dmem}");
            carry = 0.8 * dmem;
        }
    }

    [Fact]
    public void Leaky_backward_reproduces_snntorch_fast_sigmoid()
    {
        // dL/dmem_t = g_t / (25 |mem_t - 1| + 1)^2 + beta dL/dmem_{t+1}, reset detached, as snnTorch's fast_sigmoid.
        const int steps = 9;
        float[] x = { 0.5f, 0.6f, 0.3f, 0.9f, 0.05f, 0.7f, 0.6f, 0.2f, 0.8f };
        double[] g = { -0.3, 0.4, 0.2, 0.9, -0.5, 0.1, 0.6, 0.3, -0.2 };
        var layer = new LeakyFastSigmoid().CreateLayer(1, 1);
        var tape = layer.CreateTape(steps);
        var spikes = new float[steps];
        layer.Forward(steps, x, spikes, tape);
        var gin = new float[steps];
        layer.Backward(tape, x, spikes, g.Select(v => (float)v).ToArray(), ReadOnlySpan<float>.Empty, gin);

        // The forward in float32, as snnTorch computes it; the gradient formula in double.
        var mem = new double[steps];
        float m = 0, prev = 0;
        for (int t = 0; t < steps; t++)
        {
            m = 0.9f * m + x[t] - 1f * prev;
            mem[t] = m;
            prev = m > 1 ? 1 : 0;
            Assert.Equal((float)prev, spikes[t]);
        }
        Assert.Contains(1f, spikes);
        double carry = 0;
        for (int t = steps - 1; t >= 0; t--)
        {
            double dmem = g[t] / Math.Pow(25 * Math.Abs(mem[t] - 1) + 1, 2) + carry;
            Assert.True(Math.Abs(gin[t] - dmem) <= 1e-5 * Math.Max(1e-3, Math.Abs(dmem)), $"step {t}: {gin[t]} vs {dmem}");
            carry = 0.9 * dmem;
        }
    }

    // Izhikevich and AdEx are left out: their pre-reset membrane at a spike step is the Runge-Kutta
    // overshoot (hundreds of mV), whose curvature defeats a float finite difference (their Backward is
    // checked against finite differences on the spike loss above).
    public static TheoryData<string> MembraneNames => new() { "BackwardQuadratic", "IF", "Leaky", "LeakyResetZero", "Lif", "Plif", "Alif" };

    [Theory]
    [MemberData(nameof(MembraneNames))]
    public void Membrane_gradient_matches_finite_differences(string name)
    {
        // L = sum w * (pre-reset first state): dL/d(first state) = w enters Backward directly (no surrogate).
        var c = Cases[name];
        const int batch = 2, neurons = 7, steps = 20;
        int size = batch * neurons;
        var rng = new Random(41);
        var input = Enumerable.Range(0, steps * size).Select(_ => (float)(c.InputOffset + c.InputScale * rng.NextDouble())).ToArray();
        var weights = Enumerable.Range(0, steps * size).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        double Loss(NeuronTape tape)
        {
            double total = 0;
            for (int t = 0; t < steps; t++)
                for (int i = 0; i < size; i++) total += weights[t * size + i] * tape.PreState(t, 0)[i];
            return total;
        }
        var layer = c.Make(batch, neurons);
        var tape = layer.CreateTape(steps);
        var spikes = new float[steps * size];
        layer.Forward(steps, input, spikes, tape);
        var gin = new float[steps * size];
        layer.Backward(tape, input, spikes, new float[steps * size], weights.Select(w => (float)w).ToArray(), gin);

        int compared = 0;
        var probe = new Random(8);
        for (int attempt = 0; attempt < 200 && compared < 10; attempt++)
        {
            int k = probe.Next(steps * size);
            bool same = true;
            double D(float h)
            {
                double d = 0;
                foreach (int sign in new[] { +1, -1 })
                {
                    var x = (float[])input.Clone();
                    x[k] += sign * h;
                    var l = c.Make(batch, neurons);
                    var tp = l.CreateTape(steps);
                    var s = new float[steps * size];
                    l.Forward(steps, x, s, tp);
                    same &= s.AsSpan().SequenceEqual(spikes);
                    d += sign * Loss(tp);
                }
                return d / (2 * h);
            }
            double fd = (4 * D(c.Epsilon) - D(2 * c.Epsilon)) / 3;
            if (!same) continue;
            double scale = Math.Max(Math.Abs(gin[k]), Math.Abs(fd));
            if (scale < 1e-9) continue;
            Assert.True(Math.Abs(gin[k] - fd) <= 3e-3 * scale + 1e-6, $"{name}: dL/dinput[{k / size}, {k % size}] backward {gin[k]:G6} vs finite difference {fd:G6}");
            compared++;
        }
        Assert.True(compared >= 5, $"{name}: only {compared} gradients could be compared");
    }

    [Fact]
    public void Membrane_gradient_of_a_silent_leaky_is_beta_powers()
    {
        // Leaky(beta 0.5) that never fires: Mem[t] = sum_k 0.5^(t-k) x[k], so dMem[2]/dx = [0.25, 0.5, 1].
        var layer = new Leaky(Beta: 0.5f, Threshold: 1e6f).CreateLayer(1, 1);
        var tape = layer.CreateTape(3);
        var x = new float[] { 0.3f, 0.1f, 0.2f };
        var s = new float[3];
        layer.Forward(3, x, s, tape);
        var gin = new float[3];
        layer.Backward(tape, x, s, new float[3], new float[] { 0f, 0f, 1f }, gin);
        Assert.Equal(new float[] { 0.25f, 0.5f, 1f }, gin);
    }

    [Theory]
    [InlineData("Lif")]
    [InlineData("Izhikevich")]
    [InlineData("Alif")]
    public void Windows_chained_through_the_state_gradient_equal_one_window(string name)
    {
        var c = Cases[name];
        const int batch = 2, neurons = 9, steps = 30, first = 13;
        int size = batch * neurons;
        var rng = new Random(5);
        var x = Enumerable.Range(0, steps * size).Select(_ => (float)(c.InputOffset + c.InputScale * rng.NextDouble())).ToArray();
        var g = Enumerable.Range(0, steps * size).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

        var whole = c.Make(batch, neurons);
        var tape = whole.CreateTape(steps);
        var s = new float[steps * size];
        var gin = new float[steps * size];
        whole.Forward(steps, x, s, tape);
        whole.Backward(tape, x, s, g, ReadOnlySpan<float>.Empty, gin);

        var split = c.Make(batch, neurons);
        int n1 = first * size, n2 = (steps - first) * size, states = split.StateCount;
        var tapeA = split.CreateTape(first);
        var tapeB = split.CreateTape(steps - first);
        var sA = new float[n1];
        var sB = new float[n2];
        split.Forward(first, x.AsSpan(0, n1), sA, tapeA);
        split.Forward(steps - first, x.AsSpan(n1), sB, tapeB);
        Assert.Equal(s, sA.Concat(sB).ToArray());
        var ginA = new float[n1];
        var ginB = new float[n2];
        var between = new float[states * size];
        split.Backward(tapeB, x.AsSpan(n1), sB, g.AsSpan(n1), ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, ginB, between);
        split.Backward(tapeA, x.AsSpan(0, n1), sA, g.AsSpan(0, n1), ReadOnlySpan<float>.Empty, between, ginA, Span<float>.Empty);
        Assert.Equal(gin, ginA.Concat(ginB).ToArray());
        Assert.Contains(between, v => v != 0f);
    }

    [Fact]
    public void Backward_allocates_nothing_and_rejects_a_foreign_tape()
    {
        var layer = new Lif().CreateLayer(4, 37);
        var tape = layer.CreateTape(20);
        int n = 20 * 4 * 37;
        var x = Enumerable.Range(0, n).Select(i => (i % 7) * 0.4f).ToArray();
        var s = new float[n];
        var g = Enumerable.Repeat(0.1f, n).ToArray();
        var gin = new float[n];
        layer.Forward(20, x, s, tape);
        layer.Backward(tape, x, s, g, ReadOnlySpan<float>.Empty, gin);
        Assert.Equal(0, SnnDsl.Testing.Allocations.Minimum(() =>
        {
            layer.Forward(20, x, s, tape);
            layer.Backward(tape, x, s, g, ReadOnlySpan<float>.Empty, gin);
        }));
        Assert.Equal(4, layer.TapeBytesPerNeuronStep);
        var other = new Izhikevich().CreateLayer(4, 37).CreateTape(20);
        Assert.Equal("tape", Assert.Throws<ArgumentException>(() => layer.Backward(other, x, s, g, ReadOnlySpan<float>.Empty, gin)).ParamName);
    }
}
