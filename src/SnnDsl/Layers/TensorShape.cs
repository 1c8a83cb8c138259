using System;

namespace SnnDsl.Layers;

/// <summary>
/// The shape of one sample at one time step as it flows between layers: <c>[Channels, Height, Width]</c>,
/// row-major (channel planes of rows). A flat feature vector of <c>n</c> values is <c>[n, 1, 1]</c>
/// (<see cref="Flat"/>); a 1-D signal of <c>L</c> samples on <c>C</c> channels is <c>[C, 1, L]</c>.
/// A chunk of a network's activations is time-major: <c>[T, samples, Channels, Height, Width]</c>.
/// </summary>
/// <param name="Channels">Channels (feature maps), at least 1.</param>
/// <param name="Height">Rows of each channel plane, at least 1.</param>
/// <param name="Width">Columns of each row, at least 1.</param>
public readonly record struct TensorShape(int Channels, int Height, int Width)
{
    /// <summary>A flat vector of <paramref name="features"/> values, <c>[features, 1, 1]</c>.</summary>
    public static TensorShape Flat(int features) => new(features, 1, 1);

    /// <summary>Values per sample and step, <c>Channels x Height x Width</c>.</summary>
    /// <exception cref="OverflowException">The product does not fit in an <see cref="int"/> (a valid shape, see <see cref="Validate"/>, never overflows).</exception>
    public int Size => checked(Channels * Height * Width);

    /// <summary>Whether this is a flat vector (<c>Height == Width == 1</c>).</summary>
    public bool IsFlat => Height == 1 && Width == 1;

    /// <summary>Values per channel plane, <c>Height x Width</c>.</summary>
    public int Plane => checked(Height * Width);

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming <paramref name="paramName"/> and <paramref name="what"/> when a
    /// dimension is below 1 or the size exceeds an array's length; returns the shape otherwise.
    /// </summary>
    public TensorShape Validate(string paramName, string what)
    {
        if (Channels < 1 || Height < 1 || Width < 1)
            throw new ArgumentException($"{what} has shape {this}; every dimension must be at least 1.", paramName);
        if ((long)Channels * Height * Width > Array.MaxLength)
            throw new ArgumentException($"{what} has shape {this}, {(long)Channels * Height * Width} values per sample, more than an array holds ({Array.MaxLength}).", paramName);
        return this;
    }

    /// <summary><c>[C, H, W]</c>, or <c>[n]</c> for a flat vector.</summary>
    public override string ToString() => IsFlat ? $"[{Channels}]" : $"[{Channels}, {Height}, {Width}]";
}
