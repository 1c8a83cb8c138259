using System;
using System.Collections.Generic;

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
        _shape = [length];
    }

    /// <summary>
    /// Creates a zero parameter of shape <paramref name="shape"/> (row-major, e.g. <c>[inputs, outputs]</c>
    /// for a dense weight) named <paramref name="name"/>; its length is the product of the dimensions.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="shape"/> is empty, has a dimension below 1, or more elements than an array holds.</exception>
    public Parameter(string name, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0) throw new ArgumentException("A parameter has at least one dimension.", nameof(shape));
        long length = 1;
        foreach (int d in shape)
        {
            if (d < 1) throw new ArgumentException($"Expected every dimension of shape [{string.Join(", ", shape)}] to be at least 1.", nameof(shape));
            length *= d;
            if (length > Array.MaxLength) throw new ArgumentException($"Shape [{string.Join(", ", shape)}] has more elements than an array holds ({Array.MaxLength}).", nameof(shape));
        }

        Name = name;
        Value = new float[length];
        Grad = new float[length];
        _shape = (int[])shape.Clone();
    }

    private readonly int[] _shape;

    /// <summary>A name for messages and checkpoints, e.g. <c>"layer 0 weight"</c>.</summary>
    public string Name { get; }

    /// <summary>The values.</summary>
    public float[] Value { get; }

    /// <summary>The accumulated gradient dL/dValue.</summary>
    public float[] Grad { get; }

    /// <summary>The dimensions, row-major: <c>[Length]</c> for a parameter made with a length. Checkpoints store and check it.</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>Elements.</summary>
    public int Length => Value.Length;

    /// <summary>Sets the gradient to zero.</summary>
    public void ZeroGrad() => Array.Clear(Grad);
}
