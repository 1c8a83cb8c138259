using System;

namespace SnnDsl.Tests.Training;

/// <summary>The small separable classification set the trainer, evaluator and optimizer-checkpoint tests share.</summary>
internal static class ToyClasses
{
    /// <summary>Classes in the set.</summary>
    public const int Classes = 4;

    /// <summary>Features per sample.</summary>
    public const int Features = 16;

    /// <summary><paramref name="count"/> samples: class k lights features 4k..4k+3 (0.8 to 1.0); the rest sit at 0 to 0.2.</summary>
    public static (float[] X, int[] Y) Data(int count, int seed)
    {
        var rng = new Random(seed);
        var x = new float[count * Features];
        var y = new int[count];
        for (int i = 0; i < count; i++)
        {
            y[i] = rng.Next(Classes);
            for (int f = 0; f < Features; f++) x[i * Features + f] = (float)(f / 4 == y[i] ? 0.8 + 0.2 * rng.NextDouble() : 0.2 * rng.NextDouble());
        }

        return (x, y);
    }
}
