using System;

namespace SnnDsl.Training;

/// <summary>
/// What a neuron layer's training forward pass keeps for its backward pass: the pre-reset state
/// of every neuron at every step (<c>[steps, states, batch, neurons]</c>) and the state and
/// <c>Spiked</c> at the start. The spikes themselves are not copied: the backward pass reads the
/// spike tensor the forward pass wrote, which the network keeps anyway as the next layer's input.
/// Memory kept per neuron-step: 4 bytes per state.
/// </summary>
public sealed class NeuronTape
{
    /// <summary>Creates a tape for up to <paramref name="maxSteps"/> steps of a layer with <paramref name="states"/> states and <paramref name="size"/> neurons (batch x neurons).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is below 1, or the tape <c>[maxSteps, states, size]</c> would not fit in one array (the message gives the product).</exception>
    public NeuronTape(int maxSteps, int states, int size)
    {
        if (maxSteps < 1) throw new ArgumentOutOfRangeException(nameof(maxSteps), maxSteps, "A tape holds at least one step.");
        if (states < 1) throw new ArgumentOutOfRangeException(nameof(states), states, "A neuron has at least one state.");
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "A layer has at least one neuron.");
        MaxSteps = maxSteps;
        States = states;
        Size = size;
        Pre = new float[Kernels.ArraySize.Of(nameof(maxSteps), maxSteps, "The tape [maxSteps, states, batch x neurons]", "record fewer steps or use a smaller batch", 0, maxSteps, states, size)];
        Start = new float[Kernels.ArraySize.Of(nameof(states), states, "The start state [states, batch x neurons]", "use a smaller batch", 0, states, size)];
        StartSpiked = new float[size];
    }

    /// <summary>The most steps this tape can record.</summary>
    public int MaxSteps { get; }

    /// <summary>State variables per neuron.</summary>
    public int States { get; }

    /// <summary>Neurons in the layer (batch x neurons).</summary>
    public int Size { get; }

    /// <summary>Steps recorded by the last forward pass.</summary>
    public int Steps { get; set; }

    /// <summary>Pre-reset state, <c>[MaxSteps, States, Size]</c>.</summary>
    public float[] Pre { get; }

    /// <summary>State at the start of the recorded window, <c>[States, Size]</c>.</summary>
    public float[] Start { get; }

    /// <summary><c>Spiked</c> at the start of the recorded window, <c>[Size]</c>.</summary>
    public float[] StartSpiked { get; }

    /// <summary>The pre-reset values of state <paramref name="state"/> at step <paramref name="step"/>, <c>[Size]</c>.</summary>
    public ReadOnlySpan<float> PreState(int step, int state) => Pre.AsSpan((step * States + state) * Size, Size);
}
