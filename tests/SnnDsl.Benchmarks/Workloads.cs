using System;
using System.Collections.Generic;
using System.IO;
using SnnDsl.Data;
using SnnDsl.Encoders;
using SnnDsl.Kernels;
using SnnDsl.Layers;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

namespace SnnDsl.Benchmarks;

/// <summary>The workloads this runner knows; issue 5 adds the neuron, layer and training workloads and their TorchSharp peers.</summary>
public static class Workloads
{
    public static List<Workload> All(BenchmarkOptions options)
    {
        var list = new List<Workload>();
        list.AddRange(Neurons(options));
        list.Add(Training(options));
        list.Add(ConvTraining(options));
        list.Add(Matrix(options));
        list.AddRange(Encoding(options));
        list.AddRange(CubaWorkloads.All(options));
        list.AddRange(PlasticityWorkloads.All(options));
        list.AddRange(GeneratorWorkloads.All(options));
        return list;
    }

    /// <summary>The bundled MNIST subset (or --data DIR): the repository is found by walking up to SnnDsl.sln.</summary>
    public static string DataDirectory(BenchmarkOptions options)
    {
        if (options.DataDirectory is { } given) return given;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SnnDsl.sln")))
                return Path.Combine(dir.FullName, "samples", "data", "mnist-10k");
        }
        throw new DirectoryNotFoundException("Could not find the repository root (SnnDsl.sln) above " + AppContext.BaseDirectory + "; pass --data DIR.");
    }

    private static double? s_bandwidth;
    private static readonly Dictionary<int, double> s_peak = new();

    private static double Bandwidth(int threads) => s_bandwidth ??= Machine.TriadBandwidth(threads);

    private static double Peak(int threads)
    {
        if (!s_peak.TryGetValue(threads, out double peak)) s_peak[threads] = peak = Machine.FmaPeak(threads);
        return peak;
    }

    private static float[] Uniform(int count, int seed, float scale)
    {
        var rng = new System.Random(seed);
        var x = new float[count];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * scale);
        return x;
    }

    /// <summary>
    /// W0: one LIF layer (snnTorch Leaky, beta 0.95, threshold 1, reset by subtraction), input [T = 100, N = 65,536]
    /// uniform in [0, 0.2] (seed 1), forward over all steps. W0b: the same forward recording the tape, plus
    /// the backward of sum(spikes * g) with respect to the input (fast sigmoid, slope 25).
    /// The bandwidth floor counts the bytes that must move: 4 to read the current and 1 to write the spike per neuron-step.
    /// </summary>
    private static IEnumerable<Workload> Neurons(BenchmarkOptions options)
    {
        const int steps = 100, neurons = 65_536;
        double neuronSteps = (double)steps * neurons;
        var input = Uniform(steps * neurons, 1, 0.2f);
        var spikes = new float[steps * neurons];
        var layer = new BenchLif().CreateLayer(1, neurons);
        yield return new Workload("W0", "snndsl", () => { layer.Reset(); layer.Run(steps, input, spikes); },
            new Dictionary<string, double> { ["neuron_steps"] = neuronSteps },
            ms =>
            {
                double bw = Bandwidth(options.Threads);
                double floorMs = neuronSteps * 5 / bw * 1000;
                // What the same bytes cost without the neuron: copying the input into the spike buffer (read 4, write 4
                // bytes per neuron-step, one thread) — the memory-bound limit of a kernel that writes float spikes.
                double copyMs = Runner.Median(Runner.Time(() => input.AsSpan().CopyTo(spikes), options.Iterations, options.Warmup));
                return new Dictionary<string, double>
                {
                    ["neuron_steps_per_s"] = neuronSteps / (ms / 1000),
                    ["bandwidth_floor_ms"] = floorMs,
                    ["bandwidth_fraction"] = floorMs / ms,
                    ["triad_gb_per_s"] = bw / 1e9,
                    ["float_copy_ms"] = copyMs,
                };
            }, Threads: 1);

        var trainable = new BenchLif().CreateLayer(1, neurons);
        var tape = trainable.CreateTape(steps);
        var g = Uniform(steps * neurons, 2, 1f);
        var gin = new float[steps * neurons];
        yield return new Workload("W0b", "snndsl", () =>
        {
            trainable.Reset();
            trainable.Forward(steps, input, spikes, tape);
            trainable.Backward(tape, input, spikes, g, System.ReadOnlySpan<float>.Empty, gin);
        }, new Dictionary<string, double> { ["neuron_steps"] = neuronSteps, ["bptt_bytes_per_neuron_step"] = trainable.TapeBytesPerNeuronStep }, Threads: 1);
    }

    /// <summary>
    /// W1: 784 -> Dense(1000) -> LIF -> Dense(10) -> LIF, batch 128, T = 25, Bernoulli input p = 0.13 (seed 0),
    /// cross-entropy on output spike counts against random labels, Adam lr 5e-4. The timed action is one training
    /// step (zero grad, forward, backward, optimizer step); inference is timed after it.
    /// </summary>
    private static Workload Training(BenchmarkOptions options)
    {
        const int batch = 128, steps = 25, inputs = 784;
        var rng = new System.Random(0);
        var x = new float[steps * batch * inputs];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() < 0.13 ? 1f : 0f;
        var labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.Next(10);
        var net = Sequential(
            Dense(inputs, 1000), NeuronLayer("BenchLif", (b, n) => new BenchLif().CreateLayer(b, n)),
            Dense(1000, 10), NeuronLayer("BenchLif", (b, n) => new BenchLif().CreateLayer(b, n)));
        var weights = net.Initialize(seed: 1);
        var runner = net.CreateRunner(weights, steps, batch, new RunnerOptions(Threads: options.Threads));
        var adam = new Adam(weights.Parameters, 5e-4f);
        var loss = new CrossEntropyCountLoss();
        void TrainStep()
        {
            weights.ZeroGrad();
            runner.TrainStep(x, labels, loss);
            adam.Step();
        }
        int tapeBytes = new BenchLif().CreateLayer(1, 1).TapeBytesPerNeuronStep;
        return new Workload("W1", "snndsl", TrainStep, null, trainMs =>
        {
            var infer = Runner.Time(() => runner.Forward(x, batch), options.Iterations, options.Warmup);
            for (int i = 0; i < 3; i++) TrainStep();
            long before = System.GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < 10; i++) TrainStep();
            long allocated = (System.GC.GetTotalAllocatedBytes(precise: true) - before) / 10;
            return new Dictionary<string, double>
            {
                ["train_ms_median"] = trainMs,
                ["infer_ms_median"] = Runner.Median(infer),
                ["alloc_bytes_per_step"] = allocated,
                // The tape keeps the pre-reset membrane; the spikes stay in the layer activations (float) for the next layer's backward.
                ["bptt_bytes_per_neuron_step"] = tapeBytes + sizeof(float),
            };
        });
    }

    /// <summary>
    /// W2: snnTorch tutorial 6's convolutional network, Conv2d(1,12,5) -> MaxPool2d(2) -> LIF -> Conv2d(12,64,5) ->
    /// MaxPool2d(2) -> LIF -> Flatten -> Dense(1024,10) -> LIF, on [1, 28, 28] Bernoulli input spikes p = 0.13 (seed 0),
    /// batch 128, T = 25, W1's LIF and surrogate, cross-entropy on output spike counts against random labels, Adam lr 5e-4.
    /// The input is declared spikes, so the first convolution runs event-driven; the second reads the first LIF's spikes
    /// through max pooling (spikes stay spikes) and is event-driven too. Timed like W1.
    /// </summary>
    private static Workload ConvTraining(BenchmarkOptions options)
    {
        const int batch = 128, steps = 25, pixels = 28 * 28;
        var rng = new System.Random(0);
        var x = new float[steps * batch * pixels];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() < 0.13 ? 1f : 0f;
        var labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.Next(10);
        NeuronSpec Lif() => NeuronLayer("BenchLif", (b, n) => new BenchLif().CreateLayer(b, n));
        var net = Sequential(new TensorShape(1, 28, 28), ValueKind.Spikes,
            Conv2d(1, 12, 5), MaxPool2d(2), Lif(),
            Conv2d(12, 64, 5), MaxPool2d(2), Lif(),
            Flatten(), Dense(64 * 4 * 4, 10), Lif());
        var weights = net.Initialize(seed: 1);
        var runner = net.CreateRunner(weights, steps, batch, new RunnerOptions(Threads: options.Threads));
        var adam = new Adam(weights.Parameters, 5e-4f);
        var loss = new CrossEntropyCountLoss();
        void TrainStep()
        {
            weights.ZeroGrad();
            runner.TrainStep(x, labels, loss);
            adam.Step();
        }

        return new Workload("W2", "snndsl", TrainStep, null, trainMs =>
        {
            var infer = Runner.Time(() => runner.Forward(x, batch), options.Iterations, options.Warmup);
            for (int i = 0; i < 3; i++) TrainStep();
            long before = System.GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < 5; i++) TrainStep();
            long allocated = (System.GC.GetTotalAllocatedBytes(precise: true) - before) / 5;
            return new Dictionary<string, double>
            {
                ["train_ms_median"] = trainMs,
                ["infer_ms_median"] = Runner.Median(infer),
                ["alloc_bytes_per_step"] = allocated,
            };
        });
    }

    /// <summary>
    /// GEMM: the dense product [3200 x 784] x [784 x 1000] (the W1 first layer on analog input) on --threads threads, as
    /// GFLOP/s and fraction of the FMA peak of as many threads; also the two forms backward uses, timed the same way:
    /// <c>gflops_tn</c> for X^T dY (A transposed through strides) and <c>gflops_nt</c> for dY W^T (W transposed first,
    /// as the dense layer does, the transpose included in the time).
    /// </summary>
    private static Workload Matrix(BenchmarkOptions options)
    {
        const int m = 3200, k = 784, n = 1000;
        var a = Uniform(m * k, 3, 1f);
        var b = Uniform(k * n, 4, 1f);
        var dy = Uniform(m * n, 5, 1f);
        var c = new float[m * n];
        var dw = new float[k * n];
        var dx = new float[m * k];
        var bt = new float[n * k];
        double flops = 2.0 * m * n * k;
        int threads = options.Threads;
        return new Workload("GEMM", "snndsl", () => Gemm.MultiplyParallel(m, n, k, a, k, 1, b, n, c, n, accumulate: false, threads), null, ms =>
        {
            double peak = Peak(threads);
            double gflops = flops / (ms / 1000) / 1e9;
            // X^T dY: [784 x 3200] x [3200 x 1000], A = X read through strides.
            double tn = Runner.Median(Runner.Time(() => Gemm.MultiplyParallel(k, n, m, a, 1, k, dy, n, dw, n, accumulate: false, threads), options.Iterations, options.Warmup));
            // dY W^T: [3200 x 1000] x [1000 x 784].
            double nt = Runner.Median(Runner.Time(() =>
            {
                // Tiled transpose (32 x 32), as the dense layer does before dY W^T.
                for (int i0 = 0; i0 < k; i0 += 32)
                    for (int j0 = 0; j0 < n; j0 += 32)
                        for (int i = i0; i < Math.Min(k, i0 + 32); i++)
                            for (int j = j0; j < Math.Min(n, j0 + 32); j++) bt[j * k + i] = b[i * n + j];
                Gemm.MultiplyParallel(m, k, n, dy, n, 1, bt, k, dx, k, accumulate: false, threads);
            }, options.Iterations, options.Warmup));
            return new Dictionary<string, double>
            {
                ["gflops"] = gflops, ["peak_gflops"] = peak / 1e9, ["peak_fraction"] = gflops * 1e9 / peak,
                ["gflops_tn"] = flops / (tn / 1000) / 1e9, ["gflops_nt"] = flops / (nt / 1000) / 1e9,
            };
        }, Threads: threads);
    }

    /// <summary>Encoding a batch of 128 MNIST test images for 25 steps: rate (Bernoulli) and latency codes.</summary>
    private static IEnumerable<Workload> Encoding(BenchmarkOptions options)
    {
        const int batch = 128, steps = 25;
        var test = MnistDataset.Load(DataDirectory(options), MnistSplit.Test);
        var images = test.Pixels.Slice(0, batch * test.Features).ToArray();
        var spikes = new float[steps * batch * test.Features];
        double elementSteps = (double)steps * batch * test.Features;

        var rate = new Rate().CreateLayer(batch, test.Features, seed: 1);
        yield return new Workload("encode-rate-mnist128x25", "snndsl", () => rate.Encode(images, steps, spikes),
            new Dictionary<string, double> { ["element_steps"] = elementSteps });

        var latency = new Latency(Normalize: true, Linear: true).CreateLayer(batch, test.Features);
        yield return new Workload("encode-latency-mnist128x25", "snndsl", () => latency.Encode(images, steps, spikes),
            new Dictionary<string, double> { ["element_steps"] = elementSteps });
    }
}
