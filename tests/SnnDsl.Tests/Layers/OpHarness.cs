using System;
using System.Collections.Generic;
using SnnDsl.Layers;
using SnnDsl.Training;

namespace SnnDsl.Tests.Layers;

/// <summary>
/// Runs one op directly on a chunk, as the runner would (its own workspace and gradient shares), and checks its backward
/// pass against central finite differences of the scalar <c>L = sum(gradOutput[i] y[i])</c> (summed in double).
/// </summary>
internal sealed class OpHarness
{
    public OpHarness(LayerOp op, int steps, int samples, int valid = -1)
    {
        Op = op;
        Steps = steps;
        Samples = samples;
        Valid = valid < 0 ? samples : valid;
        Workspace = op.CreateWorkspace(steps, samples);
        Gradients = op.CreateGradients(steps, samples, 1);
    }

    public static OpHarness Build(LayerSpec spec, TensorShape input, int steps, int samples, ValueKind kind = ValueKind.Analog, ulong seed = 1, int valid = -1) =>
        new(spec.Build(new LayerBuildContext("layer 0", input, kind, seed)), steps, samples, valid);

    public LayerOp Op { get; }
    public int Steps { get; }
    public int Samples { get; }
    public int Valid { get; }
    public LayerWorkspace Workspace { get; }
    public LayerGradients? Gradients { get; }

    public LayerChunk Chunk => new(Steps, Samples, 0, Valid, true, 0, 0);
    public int InputLength => Steps * Samples * Op.InputShape.Size;
    public int OutputLength => Steps * Samples * Op.OutputShape.Size;

    public float[] Forward(float[] x)
    {
        var y = new float[OutputLength];
        Array.Fill(y, float.NaN); // the op overwrites it
        Op.Forward(Workspace, Chunk, x, y);
        return y;
    }

    /// <summary>Forward then backward; the input gradient (pre-filled with garbage: the op overwrites it) and the parameter gradients.</summary>
    public (float[] Dx, float[][] Dp) Backward(float[] x, float[] gradOutput)
    {
        float[] y = Forward(x);
        var dx = new float[InputLength];
        Array.Fill(dx, 1234.5f);
        Gradients?.Clear(0);
        Op.Backward(Workspace, Chunk, x, y, gradOutput, ReadOnlySpan<float>.Empty, dx, Gradients);
        var dp = new float[Op.Parameters.Count][];
        for (int i = 0; i < dp.Length; i++) dp[i] = Gradients![0, i].ToArray();
        return (dx, dp);
    }

    public double Loss(float[] x, float[] gradOutput)
    {
        float[] y = Forward(x);
        double s = 0;
        for (int i = 0; i < y.Length; i++) s += (double)gradOutput[i] * y[i];
        return s;
    }

    /// <summary>
    /// Central differences with step <paramref name="h"/> of every input and parameter element against the backward pass;
    /// returns how many were compared.
    /// </summary>
    public int CheckFiniteDifferences(float[] x, float[] gradOutput, float h, double relative, double absolute)
    {
        (float[] dx, float[][] dp) = Backward(x, gradOutput);
        int count = 0;
        for (int i = 0; i < x.Length; i++, count++) Compare(x, i, dx[i], $"input[{i}]");
        IReadOnlyList<Parameter> ps = Op.Parameters;
        for (int k = 0; k < ps.Count; k++)
        {
            for (int i = 0; i < ps[k].Length; i++, count++) Compare(ps[k].Value, i, dp[k][i], $"{ps[k].Name}[{i}]");
        }

        return count;

        void Compare(float[] target, int i, float backward, string what)
        {
            float keep = target[i];
            target[i] = keep + h;
            double up = Loss(x, gradOutput);
            target[i] = keep - h;
            double down = Loss(x, gradOutput);
            target[i] = keep;
            double fd = (up - down) / (2.0 * h);
            Assert.True(Math.Abs(fd - backward) <= relative * Math.Abs(fd) + absolute, $"{what}: finite difference {fd}, backward {backward}");
        }
    }

    public static float[] Random(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    public static float[] Spikes(int n, int seed, double density)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rng.NextDouble() < density ? 1f : 0f;
        return a;
    }

    /// <summary>Distinct values k/20 - 1 in a random order, so no two inputs are closer than 0.05 (no max-pooling near-ties for small steps).</summary>
    public static float[] Distinct(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = i / 20f - 1f;
        rng.Shuffle(a);
        return a;
    }
}
