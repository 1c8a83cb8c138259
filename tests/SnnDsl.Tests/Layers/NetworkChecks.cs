using System;
using System.Collections.Generic;
using SnnDsl.Testing;
using SnnDsl.Training;

namespace SnnDsl.Tests.Layers;

/// <summary>Whole-network checks shared by the layer tests: finite differences, thread-count bit identity, zero allocation.</summary>
internal static class NetworkChecks
{
    /// <summary>
    /// Runs one training step and compares every parameter's gradient (or the first <paramref name="perParameter"/>
    /// values of each) with central differences of the evaluated loss; returns how many values were compared.
    /// </summary>
    public static int GradientMatchesFiniteDifferences(Network net, NetworkWeights w, float[] x, int[] labels, ILoss loss,
        int steps, int chunkSize = 2, int perParameter = int.MaxValue, float h = 2e-3f, double relative = 2e-3, double absolute = 2e-4)
    {
        using NetworkRunner runner = net.CreateRunner(w, steps, labels.Length, new RunnerOptions(Threads: 1, ChunkSize: chunkSize));
        w.ZeroGrad();
        runner.TrainStep(x, labels, loss);
        int count = 0;
        foreach (Parameter p in w.Parameters)
        {
            int stride = Math.Max(1, p.Length / Math.Min(p.Length, perParameter));
            for (int i = 0; i < p.Length; i += stride)
            {
                float keep = p.Value[i];
                p.Value[i] = keep + h;
                double up = runner.Evaluate(x, labels, loss);
                p.Value[i] = keep - h;
                double down = runner.Evaluate(x, labels, loss);
                p.Value[i] = keep;
                double fd = (up - down) / (2 * h);
                Assert.True(Math.Abs(fd - p.Grad[i]) <= relative * Math.Abs(fd) + absolute, $"{p.Name}[{i}]: finite difference {fd}, backward {p.Grad[i]}");
                count++;
            }
        }

        return count;
    }

    /// <summary>The gradients of one training step with <paramref name="threads"/> threads, copied.</summary>
    public static List<float[]> Gradients(Network net, NetworkWeights w, float[] x, int[] labels, ILoss loss, int steps, int threads, int chunkSize)
    {
        using NetworkRunner runner = net.CreateRunner(w, steps, labels.Length, new RunnerOptions(Threads: threads, ChunkSize: chunkSize));
        w.ZeroGrad();
        runner.TrainStep(x, labels, loss);
        var grads = new List<float[]>();
        foreach (Parameter p in w.Parameters) grads.Add((float[])p.Grad.Clone());
        return grads;
    }

    /// <summary>Asserts that 1 and 2 threads give the same gradient bits, and that some gradient is not zero.</summary>
    public static void ThreadCountDoesNotChangeTheBits(Network net, NetworkWeights w, float[] x, int[] labels, ILoss loss, int steps, int chunkSize)
    {
        List<float[]> one = Gradients(net, w, x, labels, loss, steps, 1, chunkSize), two = Gradients(net, w, x, labels, loss, steps, 2, chunkSize);
        bool any = false;
        for (int k = 0; k < one.Count; k++)
        {
            for (int i = 0; i < one[k].Length; i++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(one[k][i]), BitConverter.SingleToInt32Bits(two[k][i]));
                any |= one[k][i] != 0f;
            }
        }

        Assert.True(any, "every gradient is zero: the test would not see a difference");
    }

    /// <summary>Asserts that a training step (forward, loss, backward, reduction, optimizer step) allocates nothing once warmed up.</summary>
    public static void TrainingStepAllocatesNothing(Network net, NetworkWeights w, float[] x, int[] labels, ILoss loss, int steps, int threads, int chunkSize)
    {
        using NetworkRunner runner = net.CreateRunner(w, steps, labels.Length, new RunnerOptions(Threads: threads, ChunkSize: chunkSize));
        var adam = new Adam(w.Parameters);
        Action step = () =>
        {
            adam.ZeroGrad();
            runner.TrainStep(x, labels, loss);
            adam.Step();
        };
        step();
        Assert.Equal(0, Allocations.Minimum(step));
    }
}
