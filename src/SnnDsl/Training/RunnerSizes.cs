using System;
using SnnDsl.Kernels;
using SnnDsl.Layers;

namespace SnnDsl.Training;

/// <summary>
/// The sizes of a <see cref="NetworkRunner"/>'s buffers, checked before any is allocated: every buffer is a
/// product of steps, samples (the whole batch or one chunk) and a layer width, computed without overflow
/// and refused beyond <see cref="Array.MaxLength"/> with the runner's arguments named (an unchecked product
/// used to wrap, e.g. 65,536 steps x 65,536 samples x 1 output made a zero-length output buffer).
/// </summary>
internal static class RunnerSizes
{
    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming steps, maxBatch or options.ChunkSize when a buffer would not fit.</summary>
    public static void Check(Network network, NetworkWeights weights, int steps, int maxBatch, int chunkSize)
    {
        ArraySize.Of(nameof(maxBatch), maxBatch, "The runner's output [steps, maxBatch, outputs]", "lower steps or maxBatch", 0, steps, maxBatch, network.Outputs);
        const string chunkFix = "lower steps or options.ChunkSize (each chunk keeps every step of its samples)";
        int rows = ArraySize.Of(nameof(steps), steps, "A chunk's rows [steps, options.ChunkSize]", chunkFix, 0, steps, chunkSize);
        for (int l = 0; l <= network.Layers.Count; l++)
            ArraySize.Of(nameof(steps), steps, l == 0 ? "A chunk's input [steps, options.ChunkSize, inputs]" : $"The activations of layer {l - 1} ({network.Describe(l - 1)}) for a chunk [steps, options.ChunkSize, width]",
                chunkFix, 0, steps, chunkSize, network.Width(l));
        for (int l = 0; l < network.Layers.Count; l++) weights.Layers[l].CheckSizes(steps, chunkSize);
    }
}
