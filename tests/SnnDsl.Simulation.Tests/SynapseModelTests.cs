using System;
using SnnDsl.Simulation;
using SnnDsl.Synapses;

namespace SnnDsl.Simulation.Tests;

/// <summary>The generated built-in synapses, driven directly: OnPre, Advance and AddOutput against closed forms.</summary>
public sealed class SynapseModelTests
{
    private sealed class Reader(float[] v) : ITargetStateReader
    {
        public ReadOnlySpan<float> Read(int slot) => slot == 0 ? v : throw new ArgumentOutOfRangeException(nameof(slot));
    }

    private static readonly Reader None = new([]);

    [Fact]
    public void ExpCurrent_DecaysAsWTimesExpOfMinusTOverTau()
    {
        const float w = 1.62f, tau = 5f, dt = 0.1f;
        var s = new ExpCurrent(Tau: tau).CreateTargets(3, dt);
        Assert.Equal(Integrator.Exact, ExpCurrent.Targets.Integrator);
        s.OnPre(1, w);
        var current = new float[3];
        for (int n = 0; n <= 500; n++)
        {
            Array.Clear(current);
            s.AddOutput(0, 3, current, None);
            double expected = w * Math.Exp(-n * dt / tau);
            Assert.True(Math.Abs(current[1] - expected) <= 1e-5 * w, $"step {n}: {current[1]} vs {expected}");
            Assert.Equal(0f, current[0]);
            Assert.Equal(0f, current[2]);
            s.Advance(0, 3);
        }
    }

    [Fact]
    public void AlphaCurrent_IsWTimesTOverTauTimesExpOfOneMinusTOverTau_PeakingAtW()
    {
        const float w = 2f, tau = 4f, dt = 0.1f;
        var s = new AlphaCurrent(Tau: tau).CreateTargets(1, dt);
        s.OnPre(0, w);
        var current = new float[1];
        float peak = 0; int peakStep = -1;
        for (int n = 0; n <= 400; n++)
        {
            current[0] = 0;
            s.AddOutput(0, 1, current, None);
            double t = n * dt;
            double expected = w * (t / tau) * Math.Exp(1 - t / tau);
            Assert.True(Math.Abs(current[0] - expected) <= 2e-5 * w, $"step {n}: {current[0]} vs {expected}");
            if (current[0] > peak) { peak = current[0]; peakStep = n; }
            s.Advance(0, 1);
        }
        Assert.Equal(40, peakStep);                 // t = tau = 4 ms
        Assert.Equal(w, peak, 4);
    }

    [Fact]
    public void DeltaCurrent_DeliversWOverDtForOneStepThenNothing()
    {
        const float dt = 0.5f;
        var s = new DeltaCurrent().CreateTargets(2, dt);
        s.OnPre(0, 3f);
        s.OnPre(0, 1f);
        var current = new float[2];
        s.AddOutput(0, 2, current, None);
        Assert.Equal(new[] { 8f, 0f }, current);   // (3 + 1) / 0.5
        s.Advance(0, 2);
        Array.Clear(current);
        s.AddOutput(0, 2, current, None);
        Assert.Equal(new[] { 0f, 0f }, current);
    }

    [Fact]
    public void ExpConductance_CurrentIsGTimesEMinusTheTargetsV()
    {
        var s = new ExpConductance(Tau: 5f, E: 0f).CreateTargets(20, 0.1f);
        Assert.Equal(new[] { "V" }, s.TargetStates);
        var v = new float[20];
        for (int i = 0; i < 20; i++) { s.OnPre(i, 0.01f * (i + 1)); v[i] = -60f + i; }
        var current = new float[20];
        s.AddOutput(0, 20, current, new Reader(v));
        for (int i = 0; i < 20; i++) Assert.Equal(0.01f * (i + 1) * (0f - v[i]), current[i], 5);
        // A block reads the target state from the block's first neuron.
        var block = new float[4];
        s.AddOutput(16, 4, block, new Reader(v[16..]));
        Assert.Equal(current[16..], block);
    }

    [Fact]
    public void VectorBodyAndScalarTailGiveTheSameBits()
    {
        // 37 targets: SIMD blocks plus a tail; advancing [0, 37) at once or in odd pieces must agree bit for bit.
        var a = new ExpCurrent(Tau: 3f).CreateTargets(37, 0.1f);
        var b = new ExpCurrent(Tau: 3f).CreateTargets(37, 0.1f);
        for (int i = 0; i < 37; i++) { a.OnPre(i, i * 0.37f + 1); b.OnPre(i, i * 0.37f + 1); }
        for (int n = 0; n < 50; n++)
        {
            a.Advance(0, 37);
            b.Advance(0, 5); b.Advance(5, 19); b.Advance(24, 13);
        }
        Assert.Equal(a.I.ToArray(), b.I.ToArray());
    }

    [Fact]
    public void Errors_NameTheArgument()
    {
        var s = new ExpCurrent().CreateTargets(4, 0.1f);
        Assert.Equal("target", Assert.Throws<ArgumentOutOfRangeException>(() => s.OnPre(4, 1f)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => s.Advance(2, 3)).ParamName);
        Assert.Equal("current", Assert.Throws<ArgumentException>(() => s.AddOutput(0, 4, new float[3], None)).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentOutOfRangeException>(() => new ExpCurrent().CreateTargets(0)).ParamName);
        Assert.Equal("dt", Assert.Throws<ArgumentOutOfRangeException>(() => new ExpCurrent().CreateTargets(1, 0f)).ParamName);
        Assert.Equal("model", Assert.Throws<ArgumentException>(() => new ExpCurrent(Tau: float.NaN).CreateTargets(1)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => s.State("G")).ParamName);
    }
}
