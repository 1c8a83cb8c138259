// NeuronTraces: three neurons from the SnnDsl zoo under a step current.
//
// Each neuron is a one-neuron layer built by the generated CreateLayer and advanced with Step,
// one time step at a time, so the membrane potential can be recorded after every step.
// The program prints the spike times and writes an SVG with one panel per neuron.
//
// Usage: dotnet run --project samples/NeuronTraces [-- output.svg]
// The default output is out/neuron-traces.svg under samples/NeuronTraces (the run's working directory).

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using NeuronTraces;
using SnnDsl;
using SnnDsl.Neurons;

const float Dt = 0.1f;          // ms, for every neuron
const float DurationMs = 200f;
const float StartMs = 20f;      // the step current switches on here

string output = args.Length > 0 ? args[0] : Path.Combine("out", "neuron-traces.svg");

// LIF: tau dV/dt = -V + I, threshold 1, reset to 0. I = 1.5 drives V towards 1.5, so it fires
// every tau ln 3 = 10.99 ms (plus the reset step).
var lif = new Lif(TauMem: 10f, Threshold: 1f, VReset: 0f);
var lifLayer = lif.CreateLayer(batch: 1, neurons: 1, dt: Dt);

// Izhikevich (2003) with the paper's regular-spiking and fast-spiking parameters, I = 10.
var rs = Izhikevich.RegularSpiking;
var rsLayer = rs.CreateLayer(batch: 1, neurons: 1, dt: Dt);
var fs = Izhikevich.FastSpiking;
var fsLayer = fs.CreateLayer(batch: 1, neurons: 1, dt: Dt);

var traces = new[]
{
    Simulate(lifLayer, () => lifLayer.V[0], amplitude: 1.5f) with
    {
        Title = "Leaky integrate-and-fire",
        Details = $"Lif: TauMem 10 ms, threshold 1, reset to 0; integrator {Lif.Layer.Integrator}",
        VLabel = "V (threshold units)",
        ILabel = "input",
        Threshold = lif.Threshold,
        ThresholdLabel = "threshold 1",
        Color = "#1f5fa8",
    },
    Simulate(rsLayer, () => rsLayer.V[0], amplitude: 10f) with
    {
        Title = "Izhikevich, regular spiking",
        Details = $"Izhikevich.RegularSpiking: a 0.02, b 0.2, c -65 mV, d 8; integrator {Izhikevich.Layer.Integrator}",
        VLabel = "v (mV)",
        ILabel = "I",
        Threshold = rs.VPeak,
        ThresholdLabel = "peak 30 mV",
        Color = "#b8422e",
    },
    Simulate(fsLayer, () => fsLayer.V[0], amplitude: 10f) with
    {
        Title = "Izhikevich, fast spiking",
        Details = $"Izhikevich.FastSpiking: a 0.1, b 0.2, c -65 mV, d 2; integrator {Izhikevich.Layer.Integrator}",
        VLabel = "v (mV)",
        ILabel = "I",
        Threshold = fs.VPeak,
        ThresholdLabel = "peak 30 mV",
        Color = "#2b8a3e",
    },
};

var inv = CultureInfo.InvariantCulture;
Console.WriteLine(string.Create(inv, $"Step current from {StartMs:0} ms, {DurationMs:0} ms simulated at dt = {Dt} ms."));
foreach (var trace in traces)
{
    Console.WriteLine();
    Console.WriteLine(string.Create(inv, $"{trace.Title} (input {trace.Amplitude:0.##}): {trace.Spikes.Count} spikes at (ms)"));
    foreach (var line in trace.Spikes.Select(t => t.ToString("F2", inv).PadLeft(7)).Chunk(10))
        Console.WriteLine(" " + string.Concat(line));
}

string? folder = Path.GetDirectoryName(Path.GetFullPath(output));
if (folder is not null) Directory.CreateDirectory(folder);
File.WriteAllText(output, TracePlot.Render(traces, DurationMs,
    "Membrane potential under a step current",
    string.Create(inv, $"Generated SnnDsl layers, one Step per {Dt} ms; the current switches on at {StartMs:0} ms."),
    "Each sample is the state after its step, reset included; the marks show the spikes."));
Console.WriteLine();
Console.WriteLine($"Wrote {output}");

// Steps a one-neuron layer through the protocol: input 0 before StartMs, `amplitude` from then on,
// held over each step. Sample k is the state at time k Dt; a spike in the step ending at t is
// reported at t.
static Trace Simulate(ISpikingLayer layer, Func<float> readV, float amplitude)
{
    int steps = (int)MathF.Round(DurationMs / layer.Dt);
    int startStep = (int)MathF.Round(StartMs / layer.Dt);
    var time = new float[steps + 1];
    var v = new float[steps + 1];
    var spikeTimes = new List<float>();
    Span<float> input = stackalloc float[1];
    Span<float> spikes = stackalloc float[1];

    layer.Reset();
    v[0] = readV();
    for (int k = 0; k < steps; k++)
    {
        input[0] = k >= startStep ? amplitude : 0f;
        layer.Step(input, spikes);
        time[k + 1] = (k + 1) * layer.Dt;
        v[k + 1] = readV();
        if (spikes[0] != 0f) spikeTimes.Add(time[k + 1]);
    }
    return new Trace(time, v, spikeTimes, StartMs, amplitude);
}
