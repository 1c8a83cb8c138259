// AotSimulation: SnnDsl compiled ahead of time (PublishAot). A model declared in this project and
// the zoo's Leaky are simulated with the generated fused Run, then a small spiking network is
// trained for a few epochs with the generated BPTT on synthetic data. Everything is deterministic,
// so the published native program prints the same lines as `dotnet run`.
//
// Usage: dotnet publish -c Release samples/AotSimulation && samples/AotSimulation/bin/Release/net10.0/linux-x64/publish/AotSimulation

using System;
using System.Linq;
using AotSimulation;
using SnnDsl.Encoders;
using SnnDsl.Data;
using SnnDsl.Neurons;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

// Under the CoreCLR host (dotnet run) the runtime lists its trusted platform assemblies; a NativeAOT executable has none.
Console.WriteLine($"AotSimulation: running {(AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is null ? "as a NativeAOT executable" : "on the JIT (dotnet run)")}");

// 1. Simulation: 1,000 adaptive LIF neurons (declared below) under a ramp of constant inputs, 200 steps of 0.5 ms.
const int Steps = 200, Neurons = 1000;
var layer = new AdaptiveLif().CreateLayer(batch: 1, neurons: Neurons);
var input = new float[Steps * Neurons];
for (int t = 0; t < Steps; t++)
    for (int n = 0; n < Neurons; n++) input[t * Neurons + n] = 1f + 2f * n / Neurons;
var spikes = new float[Steps * Neurons];
layer.Run(Steps, input, spikes);
int total = (int)spikes.Sum();
int lastNeuron = Enumerable.Range(0, Steps).Count(t => spikes[t * Neurons + Neurons - 1] > 0f);
Console.WriteLine($"AdaptiveLif ({AdaptiveLif.Layer.Integrator}): {total} spikes from {Neurons} neurons in {Steps} steps; the most driven neuron fired {lastNeuron} times");

// 2. Training: 16 inputs -> Dense(32) -> Leaky -> Dense(2) -> Leaky, two classes told apart by which half of the input is active.
const int Features = 16, Samples = 256, Batch = 32, T = 20;
var features = new float[Samples * Features];
var labels = new int[Samples];
var rng = new Random(7);
for (int i = 0; i < Samples; i++)
{
    labels[i] = i % 2;
    for (int f = 0; f < Features; f++)
        features[i * Features + f] = (f < Features / 2) == (labels[i] == 0) ? 0.6f + 0.4f * (float)rng.NextDouble() : 0.1f * (float)rng.NextDouble();
}
var net = Sequential(
    Dense(Features, 32), NeuronLayer("Leaky", (b, n) => new Leaky(Beta: 0.9f).CreateLayer(b, n)),
    Dense(32, 2), NeuronLayer("Leaky", (b, n) => new Leaky(Beta: 0.9f).CreateLayer(b, n)));
var weights = net.Initialize(seed: 1);
using var runner = net.CreateRunner(weights, T, Batch, new RunnerOptions(Threads: 1));
var trainer = new Trainer(runner, new Rate().CreateLayer(Batch, Features, seed: 1), new CrossEntropyCountLoss(),
    new Adam(weights.Parameters, learningRate: 5e-3f));
var batches = new Batcher(features, labels, Features, Batch, seed: 1);
for (int epoch = 0; epoch < 5; epoch++)
{
    var report = trainer.TrainEpoch(batches, epoch);
    Console.WriteLine($"epoch {epoch + 1}: loss {report.Loss:F4}, accuracy {report.Accuracy:P1}");
}
return 0;
