using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Cuba;
using SnnDsl.Simulation;

// CUBA (Vogels & Abbott 2005; Brette et al. 2007; Brian2 examples/CUBA.py).
// Usage: dotnet run -c Release --project samples/Cuba -- [--neurons N] [--duration MS] [--threads N] [--seed S] [--out FILE.svg] [--json]
int neurons = 4000, threads = 1; // --threads N: identical results; pays off for large N on idle cores (one barrier per 0.1 ms step)
float duration = 1000f;
ulong seed = 1;
bool json = false;
string output = Path.Combine("out", "cuba-raster.svg");
for (int a = 0; a < args.Length; a++)
{
    string Next() => a + 1 < args.Length ? args[++a] : throw new ArgumentException($"{args[a]} needs a value.");
    switch (args[a])
    {
        case "--neurons": neurons = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--duration": duration = float.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--seed": seed = ulong.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--out": output = Next(); break;
        case "--json": json = true; break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[a]}'. Usage: [--neurons N] [--duration MS] [--threads N] [--seed S] [--out FILE.svg] [--json]");
            return 2;
    }
}

var build = Stopwatch.StartNew();
using var cuba = new CubaNetwork(neurons, threads, seed);
var net = cuba.Network;
var spikes = net.MonitorSpikes(cuba.Cells);
var rate = net.MonitorRate(cuba.Cells, bin: 1f);
double buildSeconds = build.Elapsed.TotalSeconds;

Console.WriteLine($"CUBA: {neurons:N0} LIF neurons ({cuba.Excitatory:N0} excitatory), p = {cuba.P:0.####}, {net.SynapseCount:N0} synapses, dt = {net.Dt} ms, {duration} ms, {threads} thread(s).");
var stats = net.Run(duration, new Progress(duration));
double meanRate = rate.MeanRateHz;
double cv = spikes.MeanIsiCv(minSpikes: 3, out int cvNeurons);
Console.WriteLine($"{stats.Spikes:N0} spikes: mean rate {meanRate:0.00} Hz, ISI CV {cv:0.000} (over {cvNeurons:N0} neurons with 3+ spikes).");
var bins = rate.RatesHz();
long skip = (long)Math.Round(200 / net.Dt);
double late = 0; for (int b = 200; b < bins.Length; b++) late += bins[b];
late /= Math.Max(1, bins.Length - 200);
double lateCv = spikes.MeanIsiCv(3, out int lateN, skip);
double m = 0, v = 0; int nb = 0;
for (int b = 200; b < bins.Length; b++) { double c = bins[b] * neurons / 1000.0; m += c; v += c * c; nb++; }
m /= Math.Max(1, nb); v = v / Math.Max(1, nb) - m * m;
Console.WriteLine($"after 200 ms: rate {late:0.00} Hz, ISI CV {lateCv:0.000} ({lateN} neurons), population count Fano factor (1 ms bins) {v / m:0.00}");
Console.WriteLine($"{stats.SynapticEvents:N0} synaptic events; simulated in {stats.WallSeconds:0.000} s, built in {buildSeconds:0.000} s ({stats.SynapticEvents / stats.WallSeconds / 1e6:0.0} M events/s).");
CubaRaster.Write(output, spikes, rate, cuba, duration);
Console.WriteLine($"Wrote {output}");
if (json)
{
    var ci = CultureInfo.InvariantCulture;
    Console.WriteLine(string.Create(ci, $"{{\"neurons\": {neurons}, \"synapses\": {net.SynapseCount}, \"spikes\": {stats.Spikes}, \"rate_hz\": {meanRate:0.###}, \"cv_isi\": {cv:0.###}, \"sim_seconds\": {stats.WallSeconds:0.###}, \"build_seconds\": {buildSeconds:0.###}, \"synaptic_events\": {stats.SynapticEvents}, \"duration_ms\": {duration}, \"dt_ms\": {net.Dt}, \"threads\": {threads}}}"));
}
return 0;

/// <summary>Progress on stderr for long runs (large N).</summary>
internal sealed class Progress(float duration) : IProgress<RunProgress>
{
    public void Report(RunProgress p)
    {
        if (p.Step < p.Steps) Console.Error.WriteLine($"  {p.SimulatedMs:0} / {duration} ms simulated, {p.WallSeconds:0.0} s, {p.Spikes:N0} spikes");
    }
}
