using System;
using System.Collections.Generic;
using System.IO;
using SnnDsl.Data;
using SnnDsl.Encoders;

namespace SnnDsl.Benchmarks;

/// <summary>The workloads this runner knows; issue 5 adds the neuron, layer and training workloads and their TorchSharp peers.</summary>
public static class Workloads
{
    public static List<Workload> All(BenchmarkOptions options)
    {
        var list = new List<Workload>();
        list.AddRange(Encoding(options));
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
