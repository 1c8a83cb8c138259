using System;
using System.Linq;
using Cuba;
using SnnDsl.Simulation;
using Xunit.Abstractions;

namespace SnnDsl.Simulation.Tests;

/// <summary>The CUBA network of samples/Cuba: determinism across thread counts and the asynchronous irregular regime.</summary>
public sealed class CubaTests(ITestOutputHelper output)
{
    /// <summary>3,000 cells = 3 blocks, so 1, 2 and 3 threads split the blocks differently; every spike and every bit of V must agree.</summary>
    [Fact]
    public void ResultsAreBitIdenticalForAnyThreadCount()
    {
        (int[] Steps, int[] Neurons, float[] V, long Events) Run(int threads)
        {
            using var cuba = new CubaNetwork(neurons: 3000, threads: threads, seed: 11);
            var spikes = cuba.Network.MonitorSpikes(cuba.Cells);
            var stats = cuba.Network.Run(300f);
            var v = new float[3000];
            cuba.Cells.GetState("V", v);
            return (spikes.Steps.ToArray(), spikes.Neurons.ToArray(), v, stats.SynapticEvents);
        }
        var one = Run(1);
        Assert.True(one.Steps.Length > 1000, $"only {one.Steps.Length} spikes");
        foreach (int threads in new[] { 2, 3 })
        {
            var other = Run(threads);
            Assert.Equal(one.Steps, other.Steps);
            Assert.Equal(one.Neurons, other.Neurons);
            Assert.Equal(one.V.Select(BitConverter.SingleToInt32Bits), other.V.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(one.Events, other.Events);
        }
    }

    /// <summary>
    /// The full network (4,000 cells, p = 0.02, 1 s at dt = 0.1 ms, about 0.5 s of wall time) after the
    /// initial transient (the uniform V0 in [Vr, Vt] with El above Vt makes every cell fire once in the
    /// first ~50 ms). Bounds, derived from the parameters:
    /// <list type="bullet">
    /// <item>Rate. Each cell receives K_E = 64 excitatory and K_I = 16 inhibitory inputs, so at rate nu the mean
    /// synaptic drive is nu (K_E we taue + K_I wi taui) = nu (64 * 1.62 * 5 + 16 * (-9) * 10) mV ms = -0.9216 mV per Hz:
    /// the network is inhibition-dominated. Upper bound: the rate of an uncoupled cell, which has the largest mean
    /// drive, 1 / (taum ln((El - Vr) / (El - Vt)) + t_ref) = 1 / (20 ln 11 + 5) ms = 18.88 Hz. Lower bound: below
    /// nu* = (El - Vt) / 0.9216 mV/Hz = 1.085 Hz the mean potential El - 0.9216 nu would sit above threshold and every
    /// cell would fire regularly near 18.9 Hz, contradicting nu &lt; 1.085 Hz; so the self-consistent rate lies in
    /// (1.085, 18.88) Hz, where the mean potential is subthreshold and firing is driven by fluctuations.</item>
    /// <item>Irregular: fluctuation-driven firing has a broad ISI distribution. A mean-driven cell fires like a clock
    /// (CV = 0; the uncoupled cell here), a Poisson process has CV = 1, and bursts push the CV above 1. We require the mean
    /// per-cell CV in [0.4, 1.2] and, to show the test can fail, that the same measure over the first 60 ms (the
    /// regular, mean-driven transient) is far below it.</item>
    /// <item>Asynchronous: for independent cells the spike count of the population in 1 ms bins has a Fano factor
    /// (variance / mean) near 1 (Poisson superposition); synchrony makes it grow with N (a fully synchronous volley
    /// of 4,000 cells has a Fano factor in the thousands). We require F &lt; 5 after the transient, and check that the
    /// same measure over the first 60 ms, where the cells fire their first, mean-driven volley together, breaks that bound.</item>
    /// </list>
    /// </summary>
    [Fact]
    public void Cuba_IsInTheAsynchronousIrregularRegime()
    {
        using var cuba = new CubaNetwork(neurons: 4000, threads: 2, seed: 1);
        Assert.InRange(cuba.Network.SynapseCount, 320_000 - 5 * 566, 320_000 + 5 * 566); // 16e6 pairs x 0.02, sd 566
        var spikes = cuba.Network.MonitorSpikes(cuba.Cells);
        var rate = cuba.Network.MonitorRate(cuba.Cells, bin: 1f);
        cuba.Network.Run(1000f);
        const long transient = 2000; // 200 ms
        var bins = rate.RatesHz();
        double lateRate = bins.Skip(200).Average();
        double cv = spikes.MeanIsiCv(3, out int cvCells, fromStep: transient);
        double fano = Fano(bins.Skip(200));
        double transientFano = Fano(bins.Take(60));
        double earlyCv = EarlyCv(spikes, 600);
        output.WriteLine($"rate after 200 ms {lateRate:0.00} Hz (whole run {rate.MeanRateHz:0.00} Hz), ISI CV {cv:0.000} over {cvCells} cells, Fano {fano:0.00}; transient Fano {transientFano:0.0}, transient CV {earlyCv:0.000}");

        Assert.InRange(lateRate, 1.085, 18.88);
        Assert.InRange(cv, 0.4, 1.2);
        Assert.True(cvCells > 1000, $"only {cvCells} cells fired 3+ times after the transient");
        Assert.True(fano < 5, $"population Fano factor {fano:0.00}: synchronous");
        Assert.True(transientFano > 5, $"the transient's Fano factor {transientFano:0.0} should show its synchronous volley");
        Assert.True(earlyCv < 0.4, $"the transient's CV {earlyCv:0.000} should show its regular firing");
        Assert.True(spikes.Steps.ToArray().Count(s => s >= 9000) > 1000, "activity must be self-sustained to the end");

        static double Fano(System.Collections.Generic.IEnumerable<double> ratesHz)
        {
            var counts = ratesHz.Select(r => r * 4000 / 1000.0).ToArray(); // spikes per 1 ms bin
            double mean = counts.Average();
            return counts.Select(c => (c - mean) * (c - mean)).Sum() / (counts.Length - 1) / mean;
        }

        static double EarlyCv(SpikeMonitor m, int untilStep)
        {
            // CV of the first two intervals' pooled lengths over cells that fired 3 times before untilStep: the
            // transient is a volley of nearly clock-like firing, so its intervals hardly vary.
            var byCell = new System.Collections.Generic.Dictionary<int, System.Collections.Generic.List<int>>();
            for (int k = 0; k < m.Count && m.Steps[k] < untilStep; k++)
            {
                if (!byCell.TryGetValue(m.Neurons[k], out var l)) byCell[m.Neurons[k]] = l = new();
                l.Add(m.Steps[k]);
            }
            var cvs = byCell.Values.Where(l => l.Count >= 3).Select(l =>
            {
                var isi = l.Zip(l.Skip(1), (a, b) => (double)(b - a)).ToArray();
                double mu = isi.Average();
                return Math.Sqrt(isi.Select(x => (x - mu) * (x - mu)).Sum() / isi.Length) / mu;
            }).ToArray();
            return cvs.Length == 0 ? 0 : cvs.Average();
        }
    }
}
