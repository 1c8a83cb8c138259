using System;

namespace SnnDsl.Training;

/// <summary>A trainable tensor and the gradient accumulated for it (same length, flat, row-major).</summary>
public sealed class Parameter
{
    /// <summary>Creates a zero parameter of <paramref name="length"/> elements named <paramref name="name"/>.</summary>
    public Parameter(string name, int length)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Name = name;
        Value = new float[length];
        Grad = new float[length];
    }

    /// <summary>A name for messages and checkpoints, e.g. <c>"layer 0 weight"</c>.</summary>
    public string Name { get; }

    /// <summary>The values.</summary>
    public float[] Value { get; }

    /// <summary>The accumulated gradient dL/dValue.</summary>
    public float[] Grad { get; }

    /// <summary>Elements.</summary>
    public int Length => Value.Length;

    /// <summary>Sets the gradient to zero.</summary>
    public void ZeroGrad() => Array.Clear(Grad);
}
