using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using SnnDsl.Data;
using SnnDsl.Encoders;
using SnnDsl.Neurons;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

// MNIST with a 784 -> 1000 -> 10 network of snnTorch Leaky neurons (tutorial 5's shape), rate-encoded
// input over T = 25 steps, batch 128, Adam, cross-entropy on output spike counts.
// Usage: dotnet run -c Release --project samples/MnistTraining -- [--epochs N] [--data DIR] [--threads N] [--json] [--out DIR]
var options = Options.Parse(args);
string dataDir = options.Data ?? FindBundledData();
var train = MnistDataset.Load(dataDir, MnistSplit.Train);
var test = MnistDataset.Load(dataDir, MnistSplit.Test);
if (!options.Json)
    Console.WriteLine($"MNIST from {dataDir}: {train.Count} training and {test.Count} test images of {train.Rows}x{train.Columns}; T = {options.Steps}, batch {options.Batch}, {options.Threads} thread(s).");

var net = Sequential(
    Dense(train.Features, 1000),
    NeuronLayer("Leaky", (b, n) => new Leaky(Beta: 0.95f).CreateLayer(b, n)),
    Dense(1000, 10),
    NeuronLayer("Leaky", (b, n) => new Leaky(Beta: 0.95f).CreateLayer(b, n)));
var weights = net.Initialize(seed: options.Seed);
using var runner = net.CreateRunner(weights, options.Steps, options.Batch, new RunnerOptions(Threads: options.Threads));
var encoder = new Rate().CreateLayer(options.Batch, train.Features, seed: options.Seed);
var loss = new CrossEntropyCountLoss();
var trainer = new Trainer(runner, encoder, loss, new Adam(weights.Parameters, learningRate: 5e-4f, beta1: 0.9f, beta2: 0.999f));
var trainBatches = new Batcher(train, options.Batch, seed: options.Seed);
var testBatches = new Batcher(test, options.Batch, shuffle: false);

var clock = Stopwatch.StartNew();
EpochReport last = default, evaluation = default;
for (int epoch = 0; epoch < options.Epochs; epoch++)
{
    encoder.Seed = SnnDsl.Kernels.SnnRandom.SeedForEpoch(options.Seed, epoch);
    last = trainer.TrainEpoch(trainBatches, epoch, report =>
    {
        if (!options.Json) Progress.Draw(report, options.Epochs);
    });
    encoder.Seed = options.Seed;
    evaluation = trainer.Evaluate(testBatches);
    if (!options.Json)
    {
        Progress.Clear();
        Console.WriteLine($"epoch {epoch + 1}/{options.Epochs}: train loss {last.Loss:F4}, train accuracy {last.Accuracy:P2} ({last.Samples / last.Seconds:F0} samples/s); test accuracy {evaluation.Accuracy:P2}");
    }
}
double trainSeconds = clock.Elapsed.TotalSeconds;

Directory.CreateDirectory(options.Out);
string checkpoint = Path.Combine(options.Out, "mnist-snn.ckpt");
Checkpoint.Save(weights, checkpoint);
string raster = Path.Combine(options.Out, "mnist-raster.svg");
Raster.Write(raster, net, weights, test, index: 0, options.Steps, encoder.Seed);
if (!options.Json)
{
    Console.WriteLine($"Wrote {checkpoint} and {raster}.");
    Console.WriteLine($"Test accuracy {evaluation.Accuracy:P2} after {options.Epochs} epoch(s), {trainSeconds:F1} s.");
}
else
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{{\"test_accuracy\": {evaluation.Accuracy:0.####}, \"train_accuracy\": {last.Accuracy:0.####}, \"train_loss\": {last.Loss:0.####}, \"epochs\": {options.Epochs}, \"train_seconds\": {trainSeconds:0.##}, \"threads\": {options.Threads}, \"steps\": {options.Steps}, \"batch\": {options.Batch}}}"));
}
return 0;

static string FindBundledData()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        string candidate = Path.Combine(dir.FullName, "samples", "data", "mnist-10k");
        if (Directory.Exists(candidate)) return candidate;
    }
    throw new DirectoryNotFoundException("The bundled MNIST subset (samples/data/mnist-10k) was not found; pass --data DIR.");
}

/// <summary>Command-line options.</summary>
internal sealed record Options(int Epochs, string? Data, int Threads, bool Json, string Out, int Steps, int Batch, ulong Seed)
{
    public static Options Parse(string[] args)
    {
        int epochs = 5, threads = Environment.ProcessorCount, steps = 25, batch = 128;
        string? data = null;
        string output = "out";
        bool json = false;
        ulong seed = 1;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--epochs": epochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--data": data = Next(); break;
                case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--json": json = true; break;
                case "--out": output = Next(); break;
                case "--steps": steps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--batch": batch = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": seed = ulong.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'. Options: --epochs N --data DIR --threads N --json --out DIR --steps T --batch B --seed S.");
            }
        }
        return new Options(epochs, data, Math.Max(1, threads), json, output, steps, batch, seed);
    }
}
