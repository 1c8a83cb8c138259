using System;
using System.Linq;
using SnnDsl.Neurons;
using SnnDsl.Simulation;
using SnnDsl.Synapses;

namespace SnnDsl.Simulation.Tests;

/// <summary>Single-synapse PSPs, delays, conservation, refractoriness, monitors and errors of <see cref="SpikingNetwork"/>.</summary>
public sealed class NetworkTests
{
    /// <summary>
    /// One spike at the end of step s0 = 10 through an ExpCurrent (w, tau_s) into a Passive membrane (tau_m),
    /// delay one step. With a = e^(-dt/tau_m), b = e^(-dt/tau_s), the current is w b^k in step s0 + 1 + k and,
    /// holding it over each step (exact integration of V), V after step s0 + 1 + k is
    ///   V_k = w (1 - a) (a^(k+1) - b^(k+1)) / (a - b)                (the discrete closed form),
    /// while the continuous PSP at t = (k + 1) dt after the spike is
    ///   V(t) = w tau_s / (tau_s - tau_m) (e^(-t/tau_s) - e^(-t/tau_m)).
    /// Holding the current at its start-of-step value overestimates the drive within a step by at most the
    /// factor 1 - b, so 0 &lt;= V_k - V(t) &lt;= (1 - b) V_k.
    /// </summary>
    [Fact]
    public void SingleSynapsePsp_MatchesTheClosedForms()
    {
        const float dt = 0.1f, w = 1.62f, tauS = 5f, tauM = 20f;
        const int s0 = 10;
        using var net = new SpikingNetwork(dt);
        var src = net.AddSpikeGenerator("src", 1, [0], [s0]);
        var cell = net.AddPopulation("cell", 1, n => new Passive(TauMem: tauM).CreateLayer(1, n, dt));
        net.Connect(src, cell, new ExpCurrent(Tau: tauS), Connectivity.OneToOne(), weight: w);
        var trace = net.MonitorState(cell, "V", [0]);
        net.RunSteps(1000);
        var v = trace.Trace(0);
        for (int n = 0; n <= s0; n++) Assert.Equal(0f, v[n]);
        double a = Math.Exp(-dt / (double)tauM), b = Math.Exp(-dt / (double)tauS);
        double peak = 0;
        for (int k = 0; s0 + 1 + k < v.Length; k++)
        {
            double discrete = w * (1 - a) * (Math.Pow(a, k + 1) - Math.Pow(b, k + 1)) / (a - b);
            double t = (k + 1) * (double)dt;
            double continuous = w * tauS / (tauS - tauM) * (Math.Exp(-t / tauS) - Math.Exp(-t / tauM));
            float got = v[s0 + 1 + k];
            Assert.True(Math.Abs(got - discrete) <= 1e-4 * w, $"k = {k}: V = {got}, discrete closed form {discrete}");
            Assert.True(got - continuous >= -1e-5 && got - continuous <= (1 - b) * got + 1e-5, $"k = {k}: V = {got}, continuous PSP {continuous}");
            peak = Math.Max(peak, got);
        }
        // The continuous PSP peaks at t* = ln(tau_m / tau_s) tau_m tau_s / (tau_m - tau_s) = 9.242 ms with
        // w (1/3) (e^(-t*/tau_m) - e^(-t*/tau_s)) = 0.2551 mV; the held-current scheme's peak is above it by less than 1 - b.
        double tStar = Math.Log(tauM / (double)tauS) * tauM * tauS / (tauM - tauS);
        double continuousPeak = w * tauS / (tauS - tauM) * (Math.Exp(-tStar / tauS) - Math.Exp(-tStar / tauM));
        Assert.Equal(0.2551, continuousPeak, 4);
        Assert.InRange(peak, continuousPeak, continuousPeak * (1 + (1 - b)));
    }

    /// <summary>A spike emitted in step s0 with a delay of d steps first changes the target's input in step s0 + d (DeltaCurrent: w / dt for exactly one step).</summary>
    [Theory]
    [InlineData(0.1f, 1)]
    [InlineData(0.2f, 2)]
    [InlineData(0.7f, 7)]
    [InlineData(2.0f, 20)]
    public void SharedDelay_DeliversAtExactlyTheRightStep(float delayMs, int d)
    {
        const float dt = 0.1f;
        const int s0 = 5;
        using var net = new SpikingNetwork(dt, maxDelay: 2f);
        var src = net.AddSpikeGenerator("src", 1, [0], [s0]);
        var cell = net.AddPopulation("cell", 1, n => new Counter().CreateLayer(1, n, dt));
        net.Connect(src, cell, new DeltaCurrent(), Connectivity.OneToOne(), weight: 0.5f, delay: delayMs);
        for (int step = 0; step < 40; step++)
        {
            net.RunSteps(1);
            float expected = step == s0 + d ? 0.5f / dt : 0f;
            Assert.Equal(expected, cell.LastInput[0]);
        }
    }

    [Fact]
    public void PerSynapseDelays_FromAList_EachArriveOnTime()
    {
        const float dt = 0.1f;
        using var net = new SpikingNetwork(dt, maxDelay: 5f);
        var src = net.AddSpikeGenerator("src", 2, [0, 1, 0], [3, 3, 20]);
        var cells = net.AddPopulation("cells", 3, n => new Counter().CreateLayer(1, n, dt));
        // 0 -> 0 after 1 step, 0 -> 1 after 5 steps, 1 -> 2 after 12 steps, 0 -> 2 after 50 steps.
        var proj = net.Connect(src, cells, new DeltaCurrent(), Connectivity.FromList([0, 0, 1, 0], [0, 1, 2, 2], [1f, 2f, 3f, 4f], [0.1f, 0.5f, 1.2f, 5f]));
        var arrivals = Enumerable.Range(0, 3).Select(_ => new System.Collections.Generic.List<(int Step, float Input)>()).ToArray();
        for (int step = 0; step < 80; step++)
        {
            net.RunSteps(1);
            for (int j = 0; j < 3; j++) if (cells.LastInput[j] != 0) arrivals[j].Add((step, cells.LastInput[j] * dt));
        }
        Assert.Equal([(4, 1f), (21, 1f)], arrivals[0]);
        Assert.Equal([(8, 2f), (25, 2f)], arrivals[1]);
        Assert.Equal([(15, 3f), (53, 4f), (70, 4f)], arrivals[2].Select(x => (x.Step, MathF.Round(x.Input, 4))).ToList());
        Assert.Equal(7, proj.Events);
    }

    [Fact]
    public void Delays_ShorterThanOneStep_LongerThanTheMaximum_OrBetweenSteps_AreRefusedByName()
    {
        using var net = new SpikingNetwork(0.1f, maxDelay: 1f);
        var src = net.AddPoissonGroup("src", 4, 10f);
        var cell = net.AddPopulation("cell", 4, n => new Counter().CreateLayer(1, n, 0.1f));
        var tooShort = Assert.Throws<ArgumentOutOfRangeException>(() => net.Connect(src, cell, new ExpCurrent(), Connectivity.OneToOne(), 1f, delay: 0.05f));
        Assert.Equal("delay", tooShort.ParamName);
        Assert.Contains("at least one time step", tooShort.Message);
        var tooLong = Assert.Throws<ArgumentOutOfRangeException>(() => net.Connect(src, cell, new ExpCurrent(), Connectivity.OneToOne(), 1f, delay: 1.5f));
        Assert.Equal("delay", tooLong.ParamName);
        Assert.Contains("raise maxDelay", tooLong.Message);
        Assert.Equal("delay", Assert.Throws<ArgumentException>(() => net.Connect(src, cell, new ExpCurrent(), Connectivity.OneToOne(), 1f, delay: 0.25f)).ParamName);
        Assert.Equal("delays", Assert.Throws<ArgumentOutOfRangeException>(() =>
            net.Connect(src, cell, new ExpCurrent(), Connectivity.FromList([0], [0], [1f], [0f]))).ParamName);
        Assert.Empty(net.Projections);
    }

    /// <summary>
    /// Conservation: every spike reaches each of its source's targets exactly once. 60 Poisson sources at 80 Hz
    /// (delay 3 steps) drive 50 perfect integrators through DeltaCurrent synapses of weight 1 (charge 1, dt = 0.5 ms,
    /// exact in binary), so after the run target j holds the number of spikes delivered to it, which must equal
    /// the count over recorded source spikes (old enough to have arrived) of synapses (i -&gt; j).
    /// </summary>
    [Fact]
    public void EachSpikeIsDeliveredOnceToEachTarget()
    {
        const float dt = 0.5f;
        using var net = new SpikingNetwork(dt, maxDelay: 5f, seed: 7);
        var src = net.AddPoissonGroup("src", 60, 80f);
        var cells = net.AddPopulation("cells", 50, n => new Counter().CreateLayer(1, n, dt));
        var proj = net.Connect(src, cells, new DeltaCurrent(), Connectivity.FixedProbability(0.3), weight: 1f, delay: 1.5f);
        var mon = net.MonitorSpikes(src);
        const int steps = 400;
        var stats = net.RunSteps(steps);
        var expected = new double[50];
        long events = 0;
        for (int k = 0; k < mon.Count; k++)
        {
            // A spike of step s is applied ([OnPre]) at the end of step s + 2 and integrated in step s + 3.
            int s = mon.Steps[k], i = mon.Neurons[k];
            for (int q = proj.Table.RowStart[i]; q < proj.Table.RowStart[i + 1]; q++)
            {
                if (s + 2 < steps) events++;
                if (s + 3 < steps) expected[proj.Table.Target[q]]++;
            }
        }
        Assert.True(mon.Count > 800, $"only {mon.Count} source spikes"); // 60 x 80 Hz x 0.2 s = 960 expected
        var v = new float[50];
        cells.GetState("V", v);
        for (int j = 0; j < 50; j++) Assert.Equal(expected[j], v[j]);
        Assert.Equal(events, proj.Events);
        Assert.Equal(events, stats.SynapticEvents);
    }

    /// <summary>A cell driven far above threshold fires, then is held at the reset for exactly the refractory period.</summary>
    [Fact]
    public void Refractory_HoldsTheResetValueAndSuppressesSpikes()
    {
        const float dt = 0.1f;
        using var net = new SpikingNetwork(dt);
        var drive = net.AddPoissonGroup("drive", 1, 10000f); // p = 1: a spike every step
        var cell = net.AddPopulation("cell", 1, n => new Lif(TauMem: 10f, Threshold: 1f, VReset: 0f).CreateLayer(1, n, dt), refractory: 2f);
        net.Connect(drive, cell, new DeltaCurrent(), Connectivity.OneToOne(), weight: 100f);
        var spikes = net.MonitorSpikes(cell);
        var v = net.MonitorState(cell, "V", [0]);
        net.RunSteps(200);
        var steps = spikes.Steps.ToArray();
        Assert.True(steps.Length >= 8);
        // Input 100/dt from step 1 on: the cell fires in step 1, then every 21 steps (20 held + 1 to charge).
        for (int k = 0; k < steps.Length; k++) Assert.Equal(1 + 21 * k, steps[k]);
        var trace = v.Trace(0);
        for (int s = steps[0]; s < steps[0] + 20; s++) Assert.Equal(0f, trace[s]);
        Assert.True(trace[steps[0] + 21] == 0f && trace[steps[0] + 20] == 0f);
        Assert.Equal("refractory", Assert.Throws<ArgumentException>(() =>
            net.AddPopulation("bad", 1, n => new Lif().CreateLayer(1, n, dt), refractory: 0.25f)).ParamName);
    }

    [Fact]
    public void RateMonitor_KeepsABoundedRingOfBins_AndTheWholeRunMean()
    {
        const float dt = 0.1f;
        using var net = new SpikingNetwork(dt, seed: 3);
        var src = net.AddPoissonGroup("src", 2000, 50f);
        var rate = net.MonitorRate(src, bin: 1f, capacity: 10);
        var spikes = net.MonitorSpikes(src, capacity: 100);
        var all = net.MonitorSpikes(src);
        net.RunSteps(1000);
        var bins = rate.RatesHz();
        Assert.Equal(10, bins.Length);                          // only the last 10 of 100 bins are kept
        Assert.Equal(src.TotalSpikes, rate.TotalSpikes);
        Assert.Equal(src.TotalSpikes / (2000 * (double)dt), rate.MeanRateHz, 1e-12 * rate.MeanRateHz);
        Assert.InRange(rate.MeanRateHz, 45, 55);                 // 10,000 expected spikes: 5 sigma = 2.5 Hz
        Assert.Equal(100, spikes.Count);
        Assert.Equal(src.TotalSpikes - 100, spikes.Dropped);
        // The kept bins are the last 10 ms (steps 900..999), 10 steps each, in order.
        for (int b = 0; b < 10; b++)
        {
            int count = 0;
            for (int k = 0; k < all.Count; k++) if (all.Steps[k] / 10 == 90 + b) count++;
            Assert.Equal(count, bins[b] * 2000 * (10 * (double)dt) / 1000, 1e-9);
        }
    }

    [Fact]
    public void Connect_RefusesAPortOrStateTheNeuronDoesNotHave()
    {
        using var net = new SpikingNetwork(0.1f);
        var src = net.AddPoissonGroup("src", 2, 10f);
        var cell = net.AddPopulation("cell", 2, n => new IF().CreateLayer(1, n, 0.1f));
        var port = Assert.Throws<ArgumentException>(() => net.Connect(src, cell, new WrongPort(), Connectivity.OneToOne(), 1f));
        Assert.Equal("port", port.ParamName);
        Assert.Contains("'drive'", port.Message);
        Assert.Equal("port", Assert.Throws<ArgumentException>(() => net.Connect(src, cell, new ExpCurrent(), Connectivity.OneToOne(), 1f, port: "ge")).ParamName);
        net.Connect(src, cell, new WrongPort(), Connectivity.OneToOne(), 1f, port: "input"); // redirected to the neuron's port
        var leaky = net.AddPopulation("leaky", 2, n => new Leaky().CreateLayer(1, n, 0.1f));          // its state is Mem, not V
        var conductance = Assert.Throws<ArgumentException>(() => net.Connect(src, leaky, new ExpConductance(), Connectivity.OneToOne(), 1f));
        Assert.Equal("synapse", conductance.ParamName);
        Assert.Contains("'V'", conductance.Message);
        net.Connect(src, cell, new ExpConductance(), Connectivity.OneToOne(), 1f);                         // IF has V
        var badLayer = Assert.Throws<ArgumentException>(() => net.AddPopulation("x", 3, n => new Lif().CreateLayer(1, n, 1f)));
        Assert.Equal("createLayer", badLayer.ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => net.AddPoissonGroup("src", 1, 1f)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => cell.SetState("W", new float[2])).ParamName);
    }

    /// <summary>A neuron with ports ge and gi fed by two projections (Brian2's ge/gi): each port receives its own synapses' current.</summary>
    [Fact]
    public void TwoPortNeuron_EachProjectionFeedsItsPort()
    {
        const float dt = 0.1f;
        using var net = new SpikingNetwork(dt);
        var src = net.AddSpikeGenerator("src", 2, [0, 1], [3, 3]);
        var two = net.AddPopulation("two", 1, n => new TwoPort(TauMem: 20f).CreateLayer(1, n, dt));
        var one = net.AddPopulation("one", 1, n => new Passive(TauMem: 20f).CreateLayer(1, n, dt));
        Assert.Equal(new[] { "ge", "gi" }, two.Ports);
        net.Connect(src.Range(0, 1), two, new ExpCurrent(Tau: 5f), Connectivity.OneToOne(), weight: 1f, port: "ge");
        net.Connect(src.Range(1, 1), two, new ExpCurrent(Tau: 5f), Connectivity.OneToOne(), weight: 0.25f, port: "gi");
        net.Connect(src.Range(0, 1), one, new ExpCurrent(Tau: 5f), Connectivity.OneToOne(), weight: 0.75f);
        float peak = 0;
        for (int step = 0; step < 200; step++)
        {
            net.RunSteps(1);
            peak = Math.Max(peak, two.GetState("V", 0));
            double decay = step >= 4 ? Math.Exp(-(step - 4) * dt / 5.0) : 0;
            Assert.Equal(decay, two.GetLastInput("ge")[0], 1e-6);
            Assert.Equal(0.25 * decay, two.GetLastInput("gi")[0], 1e-6);
            Assert.Equal(one.GetState("V", 0), two.GetState("V", 0), 1e-6);
        }
        Assert.InRange(peak, 0.75 * 0.2551 / 1.62, 0.75 * 0.2551 / 1.62 * 1.02); // the PSP peak of the PSP test, scaled to w = 0.75
    }

    [Fact]
    public void RunLoop_AllocatesNothingPerStep()
    {
        using var cuba = new Cuba.CubaNetwork(neurons: 1500, threads: 1);
        var rate = cuba.Network.MonitorRate(cuba.Cells);
        cuba.Network.RunSteps(300); // warm up (spike lists and rings are preallocated; JIT done)
        long bytes = SnnDsl.Testing.Allocations.Minimum(() => cuba.Network.RunSteps(300));
        Assert.True(bytes <= 256, $"RunSteps(300) allocated {bytes} bytes");   // the Stopwatch of the run, not per step
        Assert.True(rate.TotalSpikes > 0);
    }
}
