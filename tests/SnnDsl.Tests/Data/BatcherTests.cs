using System;
using System.Collections.Generic;
using System.Linq;
using SnnDsl.Data;

namespace SnnDsl.Tests.Data;

public sealed class BatcherTests
{
    // Expected permutations come from an independent Python implementation of the algorithm the
    // XML docs of Batcher.Permutation specify (SplitMix64 + Lemire + Durstenfeld).
    [Fact]
    public void Permutation_is_the_documented_one()
    {
        var p = new int[10];
        Batcher.Permutation(42, 0, p);
        Assert.Equal(new[] { 2, 3, 6, 4, 7, 9, 0, 8, 1, 5 }, p);
        Batcher.Permutation(42, 1, p);
        Assert.Equal(new[] { 6, 5, 2, 0, 4, 7, 8, 9, 3, 1 }, p);
        Batcher.Permutation(7, 0, p);
        Assert.Equal(new[] { 0, 8, 9, 4, 1, 3, 6, 7, 2, 5 }, p);
    }

    [Fact]
    public void SplitMix64_matches_the_reference_sequence_for_seed_0()
    {
        var r = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, r.Next());
        Assert.Equal(0x6E789E6AA1B965F4UL, r.Next());
        Assert.Equal(0x06C45D188009454FUL, r.Next());
    }

    [Fact]
    public void Same_seed_and_epoch_give_the_same_order_whatever_ran_before()
    {
        var (x, y) = Data(count: 1000, features: 3);
        var a = new Batcher(x, y, 3, batchSize: 64, seed: 123);
        var b = new Batcher(x, y, 3, batchSize: 64, seed: 123);

        List<int> a2 = Order(a, 2);
        Order(b, 0);
        Order(b, 5);
        Assert.Equal(a2, Order(b, 2));
        Assert.Equal(a2, Order(a, 2));
    }

    [Fact]
    public void Different_epochs_and_seeds_give_different_orders()
    {
        var (x, y) = Data(count: 1000, features: 3);
        var a = new Batcher(x, y, 3, batchSize: 64, seed: 123);
        var c = new Batcher(x, y, 3, batchSize: 64, seed: 124);

        List<int> e0 = Order(a, 0), e1 = Order(a, 1);
        Assert.NotEqual(e0, e1);
        Assert.NotEqual(e0, Order(c, 0));
        Assert.NotEqual(Enumerable.Range(0, 1000).ToList(), e0);
    }

    [Fact]
    public void Every_row_appears_once_per_epoch_with_a_shorter_last_batch()
    {
        var (x, y) = Data(count: 103, features: 5);
        var batcher = new Batcher(x, y, 5, batchSize: 10, seed: 9);
        Assert.Equal(11, batcher.BatchesPerEpoch);

        for (int epoch = 0; epoch < 3; epoch++)
        {
            var seen = new List<int>();
            var sizes = new List<int>();
            int expectedIndex = 0;
            foreach (Batch b in batcher.Epoch(epoch))
            {
                Assert.Equal(expectedIndex++, b.Index);
                sizes.Add(b.Size);
                Assert.Equal(b.Size * 5, b.Features.Length);
                for (int k = 0; k < b.Size; k++)
                {
                    int row = b.Rows[k];
                    seen.Add(row);
                    // Row r of the data holds features 100r+0..4 and label r % 7.
                    for (int f = 0; f < 5; f++) Assert.Equal(100f * row + f, b.Features[k * 5 + f]);
                    Assert.Equal(row % 7, b.Labels[k]);
                }
            }

            Assert.Equal(new[] { 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3 }, sizes);
            Assert.Equal(Enumerable.Range(0, 103), seen.Order());
        }
    }

    [Fact]
    public void DropLast_skips_the_partial_batch()
    {
        var (x, y) = Data(count: 103, features: 2);
        var batcher = new Batcher(x, y, 2, batchSize: 10, seed: 9, dropLast: true);
        Assert.Equal(10, batcher.BatchesPerEpoch);

        var seen = new List<int>();
        int batches = 0;
        foreach (Batch b in batcher.Epoch(0))
        {
            Assert.Equal(10, b.Size);
            batches++;
            for (int k = 0; k < b.Size; k++) seen.Add(b.Rows[k]);
        }

        Assert.Equal(10, batches);
        Assert.Equal(100, seen.Distinct().Count());
        // The dropped rows are the last three of the epoch's permutation.
        var p = new int[103];
        Batcher.Permutation(9, 0, p);
        Assert.Equal(p[..100], seen);
    }

    [Fact]
    public void Without_shuffle_rows_come_in_file_order_every_epoch()
    {
        var (x, y) = Data(count: 7, features: 1);
        var batcher = new Batcher(x, y, 1, batchSize: 3, shuffle: false);

        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5, 6 }, Order(batcher, 0));
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5, 6 }, Order(batcher, 4));
    }

    [Fact]
    public void Iterating_an_epoch_allocates_nothing_after_construction()
    {
        var (x, y) = Data(count: 2000, features: 784);
        var batcher = new Batcher(x, y, 784, batchSize: 128, seed: 1);
        float checksum = Drain(batcher, 0); // warm-up: JIT, static initialisation

        long allocated = SnnDsl.Testing.Allocations.Minimum(() =>
        {
            for (int epoch = 1; epoch <= 3; epoch++) checksum += Drain(batcher, epoch);
        });

        Assert.Equal(0, allocated);
        Assert.True(checksum > 0);
    }

    [Fact]
    public void Shapes_are_validated()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Batcher(new float[10], new int[3], 4, 2));
        Assert.Equal("features", ex.ParamName);
        Assert.Contains("[count, featureCount] = [3, 4] (12 floats, count from labels), got 10 floats", ex.Message);
        Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Batcher(new float[12], new int[3], 4, 0)).ParamName);
        var ok = new Batcher(new float[12], new int[3], 4, 2);
        Assert.Equal("epoch", Assert.Throws<ArgumentOutOfRangeException>(() => ok.Epoch(-1)).ParamName);
    }

    [Fact]
    public void Batches_the_bundled_mnist_subset()
    {
        MnistDataset d = MnistDataset.Load(RepoPaths.Mnist10k, MnistSplit.Test);
        var batcher = new Batcher(d, batchSize: 128, seed: 3);
        Assert.Equal(16, batcher.BatchesPerEpoch); // 2004 = 15 * 128 + 84
        int last = 0, total = 0;
        foreach (Batch b in batcher.Epoch(0))
        {
            last = b.Size;
            total += b.Size;
            int k = b.Size - 1;
            Assert.True(b.Features.Slice(k * 784, 784).SequenceEqual(d.Image(b.Rows[k])));
            Assert.Equal(d.Labels.Span[b.Rows[k]], b.Labels[k]);
        }

        Assert.Equal(84, last);
        Assert.Equal(2004, total);
    }

    private static float Drain(Batcher batcher, int epoch)
    {
        float s = 0;
        foreach (Batch b in batcher.Epoch(epoch)) s += b.Features[0] + b.Labels[0];
        return s;
    }

    private static List<int> Order(Batcher batcher, int epoch)
    {
        var rows = new List<int>();
        foreach (Batch b in batcher.Epoch(epoch))
        {
            foreach (int r in b.Rows) rows.Add(r);
        }

        return rows;
    }

    private static (float[] X, int[] Y) Data(int count, int features)
    {
        var x = new float[count * features];
        var y = new int[count];
        for (int r = 0; r < count; r++)
        {
            for (int f = 0; f < features; f++) x[r * features + f] = 100f * r + f;
            y[r] = r % 7;
        }

        return (x, y);
    }
}
