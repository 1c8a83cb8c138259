using System;
using SnnDsl.Layers;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

namespace SnnDsl.Tests.Training;

/// <summary>
/// Buffer sizes are products of user-given counts; each is checked in wide arithmetic against Array.MaxLength
/// before anything is allocated, and refused by the argument's name with the product in the message
/// (instead of a wrapped length, a bare OverflowException or an OutOfMemoryException).
/// </summary>
public class SizeTests
{
    private static void AllocatesLittle(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 16L << 20);
    }

    /// <summary>65,536 steps x 65,536 samples x 1 output is 2^32 floats, which an int product wrapped to 0: the runner was made with a zero-length output.</summary>
    [Fact]
    public void Runner_whose_output_wraps_to_zero_length_is_refused_naming_maxBatch()
    {
        var net = Sequential(Dense(1, 1));
        var w = net.Initialize(1);
        AllocatesLittle(() =>
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.CreateRunner(w, steps: 65_536, maxBatch: 65_536));
            Assert.Equal("maxBatch", e.ParamName);
            Assert.Contains("[steps, maxBatch, outputs] = 65536 x 65536 x 1 = 4294967296 elements", e.Message);
            Assert.Contains(Array.MaxLength.ToString(), e.Message);
        });
    }

    [Fact]
    public void Runner_whose_chunk_activations_overflow_is_refused_naming_steps()
    {
        var net = Sequential(Dense(3000, 1));
        var w = net.Initialize(1);
        AllocatesLittle(() =>
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.CreateRunner(w, steps: 1_000_000, maxBatch: 1));
            Assert.Equal("steps", e.ParamName);
            Assert.Contains("1000000 x 1 x 3000 = 3000000000 elements", e.Message);
            Assert.Contains("options.ChunkSize", e.Message);
        });
    }

    [Fact]
    public void Dense_weights_beyond_one_array_are_refused_at_composition_and_by_the_layer()
    {
        AllocatesLittle(() =>
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => Sequential(Dense(100_000, 100_000)));
            Assert.Equal("layers", e.ParamName);
            Assert.Contains("Layer 0 (Dense 100000->100000), fed [100000] by the network's input: Its weights [inputs, outputs] = 100000 x 100000 = 10000000000 elements", e.Message);
            var d = Assert.Throws<ArgumentOutOfRangeException>(() => new DenseLayer(100_000, 100_000));
            Assert.Equal("outputs", d.ParamName);
            Assert.Contains("100000 x 100000 = 10000000000 elements", d.Message);
            // 46,341 x 46,341 overflows an int product.
            Assert.Contains("2147488281 elements", Assert.Throws<ArgumentOutOfRangeException>(() => new DenseLayer(46_341, 46_341)).Message);
            var r = Assert.Throws<ArgumentOutOfRangeException>(() => Sequential(Dense(2, 50_000), Recurrent(NeuronLayer("n", (b, n) => throw new InvalidOperationException()))));
            Assert.Contains("Layer 1 (Recurrent n (50000)), fed [50000] by layer 0: Its recurrent weights [width, width] = 50000 x 50000", r.Message);
        });
    }

    [Fact]
    public void Workspaces_and_tapes_beyond_one_array_are_refused_by_name()
    {
        var layer = new DenseLayer(10, 10);
        AllocatesLittle(() =>
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => layer.CreateWorkspace(int.MaxValue));
            Assert.Equal("maxRows", e.ParamName);
            Assert.Contains($"{int.MaxValue}", e.Message);
            var t = Assert.Throws<ArgumentOutOfRangeException>(() => new NeuronTape(100_000, 3, 100_000));
            Assert.Equal("maxSteps", t.ParamName);
            Assert.Contains("100000 x 3 x 100000 = 30000000000 elements", t.Message);
        });
    }
}
