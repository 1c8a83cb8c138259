using System;
using System.Collections.Generic;
using System.Linq;
using SnnDsl.Plasticity;
using SnnDsl.Simulation;
using SnnDsl.Synapses;

namespace SnnDsl.Simulation.Tests;

/// <summary>
/// The generated [Plasticity] learners (traces, handlers, bounds) against closed forms, and
/// <see cref="PlasticProjection"/> on networks (event-driven cost, all-to-all reference, threads).
/// </summary>
public sealed class PlasticityTests
{
    /// <summary>Drives a learner by hand: Advance every step, then OnPre / OnPost at the given steps (one synapse 0 -> 0).</summary>
    private static float Pair(IPlasticityLearner learner, float w0, IReadOnlyCollection<int> preSteps, IReadOnlyCollection<int> postSteps, int steps)
    {
        var w = new[] { w0 };
        int[] zero = [0];
        for (int t = 0; t < steps; t++)
        {
            learner.Advance();
            if (preSteps.Contains(t)) learner.OnPre(0, 0, zero, w);
            if (postSteps.Contains(t)) learner.OnPost(0, zero, zero, w);
        }
        return w[0];
    }

    /// <summary>
    /// The STDP window of the pair-based additive rule: one pre and one post spike with
    /// dt = t_post - t_pre over -100..100 ms (0.1 ms steps, every 0.5 ms) change the weight by
    /// A+ exp(-dt/tau+) for dt &gt;= 0 (pre before or with post) and -A- exp(dt/tau-) for dt &lt; 0.
    /// </summary>
    [Fact]
    public void AdditiveWindow_MatchesTheExponentials()
    {
        const float dt = 0.1f, aPlus = 0.01f, aMinus = 0.0105f, tauPlus = 16.8f, tauMinus = 33.7f, w0 = 0.5f;
        var rule = new StdpAdditive(APlus: aPlus, AMinus: aMinus, TauPlus: tauPlus, TauMinus: tauMinus, WMin: 0f, WMax: 1f);
        int checkedPoints = 0;
        for (int offset = -1000; offset <= 1000; offset += 5)
        {
            int pre = 1100, post = pre + offset;
            float w = Pair(rule.CreateLearner(1, 1, dt), w0, [pre], [post], 2200);
            double ms = offset * (double)dt;
            double expected = offset >= 0 ? aPlus * Math.Exp(-ms / tauPlus) : -aMinus * Math.Exp(ms / tauMinus);
            Assert.True(Math.Abs((w - w0) - expected) <= 1e-5, $"dt = {ms} ms: dw = {w - w0}, expected {expected}");
            checkedPoints++;
        }
        Assert.Equal(401, checkedPoints);
    }

    /// <summary>The soft-bound rule scales the same window by the room left (potentiation) or the weight (depression).</summary>
    [Fact]
    public void MultiplicativeWindow_ScalesWithTheWeight()
    {
        const float dt = 0.1f, tau = 20f;
        var rule = new StdpMultiplicative(APlus: 0.05f, AMinus: 0.05f, TauPlus: tau, TauMinus: tau);
        foreach (float w0 in new[] { 0.1f, 0.5f, 0.9f })
        {
            float up = Pair(rule.CreateLearner(1, 1, dt), w0, [100], [200], 300);
            float down = Pair(rule.CreateLearner(1, 1, dt), w0, [200], [100], 300);
            double k = Math.Exp(-10.0 / tau);
            Assert.Equal(w0 + 0.05 * (1 - w0) * k, up, 1e-5);
            Assert.Equal(w0 - 0.05 * w0 * k, down, 1e-5);
        }
    }

    /// <summary>A trace decays as exp(-t/tau) after its jump (exact per step, so the error is float rounding only).</summary>
    [Fact]
    public void TraceDecay_MatchesTheClosedForm()
    {
        const float dt = 0.25f, tau = 13f;
        var learner = new StdpAdditive(TauPlus: tau).CreateLearner(1, 1, dt);
        learner.Advance();
        learner.OnPre(0, 0, [0], new float[1]);
        Assert.Equal(1f, learner.Trace("XPre")[0]);
        for (int k = 1; k <= 2000; k++)
        {
            learner.Advance();
            double expected = Math.Exp(-k * (double)dt / tau);
            // e^(-dt/tau) is rounded to float once, so the relative error grows by about 6e-8 per step.
            Assert.True(Math.Abs(learner.Trace("XPre")[0] - expected) <= (1e-6 + 1e-7 * k) * expected,
                $"k = {k}: {learner.Trace("XPre")[0]} vs {expected}");
        }
    }

    /// <summary>A driven [Derivative] trace relaxes exactly to its fixed point; a [Next] trace follows its map; a handler reads values at entry.</summary>
    [Fact]
    public void DrivenAndDiscreteTraces_MatchTheirClosedForms()
    {
        const float dt = 0.5f;
        var rule = new DriftRule(Tau: 7f, Target: 2f, Leak: 0.9f);
        var learner = rule.CreateLearner(2, 3, dt);
        Assert.Equal(0.5f, learner.Y[1]);
        Assert.Equal(1f, learner.Z[2]);
        for (int k = 1; k <= 40; k++)
        {
            learner.Advance();
            Assert.Equal(2 + (0.5 - 2) * Math.Exp(-k * 0.5 / 7), learner.Y[0], 1e-5);
            Assert.Equal(Math.Pow(0.9, k), learner.Z[0], 1e-5);
        }
        // [OnPre]: w + Y(entry) - Z(target), then Y = 3 (nearest-spike: set, not added).
        var w = new[] { 1f, 10f };
        float y = learner.Y[1], z0 = learner.Z[0], z2 = learner.Z[2];
        learner.OnPre(1, 0, [2, 0], w);
        Assert.Equal(1f + y - z2, w[0]);
        Assert.Equal(10f + y - z0, w[1]);
        Assert.Equal(3f, learner.Y[1]);
        Assert.Equal(2 + (0.5 - 2) * Math.Exp(-40 * 0.5 / 7), learner.Y[0], 1e-5);
        learner.Reset();
        Assert.Equal(0.5f, learner.Y[1]);
    }

    /// <summary>
    /// Pfister &amp; Gerstner (2006) pairing protocol: 60 pre-post pairs at +10 ms and 60 post-pre pairs at
    /// -10 ms, repeated at 1 to 50 Hz. The triplet term makes potentiation grow with frequency and turns
    /// post-pre depression at 1 Hz into potentiation at 50 Hz (Sjöström et al. 2001).
    /// </summary>
    [Fact]
    public void TripletRule_PotentiatesMoreAtHigherPairingFrequency()
    {
        const float dt = 0.1f;
        var rule = new StdpTriplet(WMin: -100f, WMax: 100f);
        double[] freqs = [1, 5, 10, 20, 30, 40, 50];
        var plus = new List<double>();
        var minus = new List<double>();
        foreach (double f in freqs)
        {
            foreach (int lag in new[] { 100, -100 })
            {
                int period = (int)Math.Round(1000.0 / f / dt);
                var pre = new HashSet<int>();
                var post = new HashSet<int>();
                for (int k = 0; k < 60; k++)
                {
                    int t = 200 + k * period;
                    pre.Add(t);
                    post.Add(t + lag);
                }
                float w = Pair(rule.CreateLearner(1, 1, dt), 0f, pre, post, 200 + 60 * period + 300);
                (lag > 0 ? plus : minus).Add(w);
            }
        }
        for (int i = 1; i < freqs.Length; i++)
        {
            Assert.True(plus[i] > plus[i - 1], $"+10 ms: dw({freqs[i]} Hz) = {plus[i]} is not above dw({freqs[i - 1]} Hz) = {plus[i - 1]}");
            // Post-pre pairs deepen slightly up to 20 Hz (A3- with the slow R2), then rise (the paper's Fig. 5).
            if (freqs[i] > 20)
                Assert.True(minus[i] > minus[i - 1], $"-10 ms: dw({freqs[i]} Hz) = {minus[i]} is not above dw({freqs[i - 1]} Hz) = {minus[i - 1]}");
        }
        Assert.True(minus[0] < 0, $"post-pre at 1 Hz should depress, dw = {minus[0]}");
        Assert.True(minus[^1] > 0, $"post-pre at 50 Hz should potentiate, dw = {minus[^1]}");
        // Visual-cortex fit: pre-post pairing at 1 Hz barely changes the weight (A2+ = 5e-10).
        Assert.True(Math.Abs(plus[0]) < 1e-3, $"pre-post at 1 Hz: {plus[0]}");
        Assert.True(plus[^1] > 10 * Math.Abs(plus[0]), $"pre-post: 50 Hz {plus[^1]} vs 1 Hz {plus[0]}");
    }

    private static (SpikingNetwork Net, PlasticProjection Plastic, SpikeMonitor Pre, SpikeMonitor Post) PoissonNetwork(IPlasticityRule rule, int threads, Connectivity connectivity, int targets = 2100, float w0 = 0.5f)
    {
        const float dt = 0.5f;
        var net = new SpikingNetwork(dt, threads, seed: 7);
        var input = net.AddPoissonGroup("input", 60, 40f);
        var cells = net.AddPopulation("cells", targets, n => new Relay().CreateLayer(1, n, dt));
        var teacher = net.AddPoissonGroup("teacher", targets, 15f);
        net.Connect(teacher, cells, new DeltaCurrent(), Connectivity.OneToOne(), weight: 2f);
        var proj = net.Connect(input, cells, new DeltaCurrent(), connectivity, weight: w0);
        var plastic = proj.Learn(rule);
        return (net, plastic, net.MonitorSpikes(input), net.MonitorSpikes(cells));
    }

    /// <summary>Weights stay inside [WMin, WMax] under strong, long learning, and both bounds are reached.</summary>
    [Theory]
    [InlineData("additive")]
    [InlineData("multiplicative")]
    [InlineData("triplet")]
    public void Weights_NeverLeaveTheirBounds(string which)
    {
        IPlasticityRule rule = which switch
        {
            "additive" => new StdpAdditive(APlus: 0.3f, AMinus: 0.35f, WMin: 0.1f, WMax: 0.9f),
            "multiplicative" => new StdpMultiplicative(APlus: 0.9f, AMinus: 0.9f, WMin: 0.1f, WMax: 0.9f),
            _ => new StdpTriplet(A2Plus: 0.2f, A3Plus: 0.2f, A2Minus: 0.3f, A3Minus: 0.1f, WMin: 0.1f, WMax: 0.9f),
        };
        var (net, plastic, _, _) = PoissonNetwork(rule, 1, Connectivity.FixedProbability(0.3), targets: 200);
        using (net)
        {
            for (int chunk = 0; chunk < 10; chunk++)
            {
                net.Run(100f);
                foreach (float w in plastic.Projection.Weights) Assert.InRange(w, 0.1f, 0.9f);
            }
            var weights = plastic.Projection.Weights;
            Assert.True(plastic.Updates > 0);
            if (which != "multiplicative")
            {
                Assert.Contains(0.1f, weights);
                Assert.Contains(0.9f, weights);
            }
            else
            {
                Assert.True(weights.Min() < 0.2f && weights.Max() > 0.8f, $"soft bounds: weights span [{weights.Min()}, {weights.Max()}]");
            }
        }
    }

    /// <summary>
    /// On a sparse network, the event-driven additive rule equals the all-to-all pair sum computed from
    /// the recorded spikes: w = w0 + sum over pairs of A+ e^(-d/tau+) (post at or after pre) - A- e^(d/tau-)
    /// (post before pre), and its work is spikes times fan-out plus spikes times fan-in.
    /// </summary>
    [Fact]
    public void EventDrivenAdditive_EqualsTheAllPairsSum()
    {
        const float aPlus = 0.001f, aMinus = 0.0012f, tauPlus = 15f, tauMinus = 25f, w0 = 0.5f;
        var rule = new StdpAdditive(APlus: aPlus, AMinus: aMinus, TauPlus: tauPlus, TauMinus: tauMinus, WMin: -10f, WMax: 10f);
        var (net, plastic, preMon, postMon) = PoissonNetwork(rule, 1, Connectivity.FixedProbability(0.2), targets: 40, w0: w0);
        using (net)
        {
            net.Run(1000f);
            var proj = plastic.Projection;
            float dt = net.Dt;
            var preTimes = Enumerable.Range(0, 60).Select(_ => new List<int>()).ToArray();
            var postTimes = Enumerable.Range(0, 40).Select(_ => new List<int>()).ToArray();
            for (int k = 0; k < preMon.Count; k++) preTimes[preMon.Neurons[k]].Add(preMon.Steps[k]);
            for (int k = 0; k < postMon.Count; k++) postTimes[postMon.Neurons[k]].Add(postMon.Steps[k]);
            long expectedUpdates = 0;
            var rows = proj.Table.RowStart;
            for (int s = 0; s < 60; s++)
            {
                expectedUpdates += preTimes[s].Count * (long)(rows[s + 1] - rows[s]);
                for (int q = rows[s]; q < rows[s + 1]; q++)
                {
                    int j = proj.Table.Target[q];
                    double w = w0;
                    foreach (int tp in preTimes[s])
                        foreach (int tq in postTimes[j])
                        {
                            double d = (tq - tp) * (double)dt;
                            w += d >= 0 ? aPlus * Math.Exp(-d / tauPlus) : -aMinus * Math.Exp(d / tauMinus);
                        }
                    Assert.True(Math.Abs(proj.Weights[q] - w) <= 2e-5, $"synapse {s}->{j}: {proj.Weights[q]} vs all-pairs {w}");
                }
            }
            var inDegree = new int[40];
            foreach (int j in proj.Table.Target) inDegree[j]++;
            for (int j = 0; j < 40; j++) expectedUpdates += postTimes[j].Count * (long)inDegree[j];
            Assert.Equal(expectedUpdates, plastic.Updates);
            Assert.True(preMon.Count > 1000 && postMon.Count > 200, $"{preMon.Count} pre, {postMon.Count} post spikes");
        }
    }

    /// <summary>Learning on a network of three blocks gives bit-identical weights and traces on 1 and 3 threads.</summary>
    [Fact]
    public void Learning_IsBitIdenticalAcrossThreadCounts()
    {
        float[] Run(int threads, out float[] traces)
        {
            var (net, plastic, _, _) = PoissonNetwork(new StdpTriplet(A2Plus: 0.01f, A3Plus: 0.01f, WMin: 0f, WMax: 1f), threads, Connectivity.FixedProbability(0.1));
            using (net)
            {
                net.Run(300f);
                traces = plastic.Learner.Trace("O2").ToArray();
                return (float[])plastic.Projection.Weights.Clone();
            }
        }
        var one = Run(1, out var t1);
        var three = Run(3, out var t3);
        Assert.Equal(one, three);
        Assert.Equal(t1, t3);
        Assert.True(one.Count(w => w != 0.5f) > one.Length / 2, "most weights should have changed");
    }

    /// <summary>Disabled learning freezes weights and traces.</summary>
    [Fact]
    public void Disabled_FreezesWeights()
    {
        var (net, plastic, _, _) = PoissonNetwork(new StdpAdditive(), 1, Connectivity.Dense(), targets: 20);
        using (net)
        {
            plastic.Enabled = false;
            net.Run(200f);
            Assert.All(plastic.Projection.Weights, w => Assert.Equal(0.5f, w));
            Assert.Equal(0, plastic.Updates);
            plastic.Enabled = true;
            net.Run(200f);
            Assert.Contains(plastic.Projection.Weights, w => w != 0.5f);
        }
    }

    /// <summary>NormalizeIncoming makes every target's incoming weights sum to the total, keeping their ratios.</summary>
    [Fact]
    public void NormalizeIncoming_ScalesEachColumnToTheTotal()
    {
        using var net = new SpikingNetwork(1f);
        var src = net.AddSpikeGenerator("src", 3, [], []);
        var cells = net.AddPopulation("cells", 2, n => new Relay().CreateLayer(1, n, 1f));
        var proj = net.Connect(src, cells, new DeltaCurrent(), Connectivity.FromList([0, 1, 2, 0, 2], [0, 0, 0, 1, 1], [1f, 2f, 5f, 0f, 0f]));
        WeightNormalization.NormalizeIncoming(proj, 4f);
        // The table is ordered by source: 0->0, 0->1, 1->0, 2->0, 2->1. Column 0 (1, 2, 5) scales by 4/8; column 1 sums to 0: left alone.
        Assert.Equal([0.5f, 0f, 1f, 2.5f, 0f], proj.Weights);
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightNormalization.NormalizeIncoming(proj, -1f));
    }

    /// <summary>PoissonInput fires each train at its own rate, draws nothing while silent, and refuses bad rates.</summary>
    [Fact]
    public void PoissonInput_FiresAtItsRates()
    {
        using var net = new SpikingNetwork(0.5f, seed: 3);
        var input = net.AddPoissonInput("pixels", 4);
        var mon = net.MonitorSpikes(input);
        net.Run(1000f);
        Assert.Equal(0, mon.Count);
        input.SetRates([0f, 10f, 100f, 400f]);
        net.Run(20_000f);
        var counts = new int[4];
        foreach (int i in mon.Neurons) counts[i]++;
        Assert.Equal(0, counts[0]);
        // 20 s: expected 200, 2,000, 8,000 spikes; 5 standard deviations of the binomial.
        Assert.InRange(counts[1], 200 - 5 * 14, 200 + 5 * 14);
        Assert.InRange(counts[2], 2000 - 5 * 44, 2000 + 5 * 44);
        Assert.InRange(counts[3], 8000 - 5 * 80, 8000 + 5 * 80);
        Assert.Throws<ArgumentOutOfRangeException>(() => input.SetRates([0f, 0f, 0f, 2001f]));
        Assert.Throws<ArgumentException>(() => input.SetRates([1f]));
    }

    /// <summary>
    /// Reward-modulated STDP (Izhikevich 2007): a pairing only sets the eligibility C (A+ e^(-d/tau+) for
    /// pre-before-post, -A- e^(-d/tau-) for post-before-pre), which then decays with tau_c; the weight moves
    /// only when a reward r arrives, by r C.
    /// </summary>
    [Theory]
    [InlineData(100)]
    [InlineData(-100)]
    public void RewardStdp_EligibilityDecaysAndTheRewardAppliesIt(int lag)
    {
        const float dt = 0.1f, w0 = 2f;
        var rule = new RewardStdp();
        var learner = rule.CreateLearner(1, 1, dt, synapses: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => rule.CreateLearner(1, 1, dt));
        var w = new[] { w0 };
        int[] zero = [0];
        int pre = 1000, post = pre + lag, end = 6000;
        for (int t = 0; t < end; t++)
        {
            learner.Advance();
            if (t == pre) learner.OnPre(0, 0, zero, w);
            if (t == post) learner.OnPost(0, zero, zero, w);
        }
        Assert.Equal(w0, w[0]);   // no reward yet: the weight is untouched
        double pairing = lag > 0 ? 1.0 * Math.Exp(-10.0 / 20) : -1.5 * Math.Exp(-10.0 / 20);
        double c = pairing * Math.Exp(-(end - 1 - Math.Max(pre, post)) * (double)dt / 1000);
        // e^(-Dt/tau_c) = 0.9999 is rounded to float once and applied 4,899 times: relative error up to ~3e-4.
        Assert.True(Math.Abs(learner.Trace("C")[0] - c) <= 3e-4 * Math.Abs(c), $"C = {learner.Trace("C")[0]}, closed form {c}");
        float cNow = learner.Trace("C")[0];
        learner.Reward(0.5f, w);
        Assert.Equal(w0 + 0.5f * cNow, w[0], 1e-6f);
        learner.Reward(100f, w);
        Assert.Equal(lag > 0 ? 4f : 0f, w[0]);   // hard bounds [0, 4]
    }

    /// <summary>On a network, weights stay put without reward; PlasticProjection.Reward moves each by r times its eligibility.</summary>
    [Fact]
    public void RewardStdp_OnANetwork_OnlyTheRewardMovesWeights()
    {
        var (net, plastic, _, _) = PoissonNetwork(new RewardStdp(), 1, Connectivity.FixedProbability(0.3), targets: 50, w0: 0.5f);
        using (net)
        {
            net.Run(300f);
            Assert.All(plastic.Projection.Weights, x => Assert.Equal(0.5f, x));
            var c = plastic.Learner.Trace("C").ToArray();
            Assert.Contains(c, x => x > 0.05f);
            Assert.Contains(c, x => x < -0.05f);
            long before = plastic.Updates;
            plastic.Reward(0.1f);
            Assert.Equal(before + plastic.Projection.Count, plastic.Updates);
            for (int q = 0; q < c.Length; q++) Assert.Equal(Math.Clamp(0.5f + 0.1f * c[q], 0f, 4f), plastic.Projection.Weights[q], 1e-6f);
        }
    }
}
