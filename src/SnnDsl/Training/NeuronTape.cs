using System;

namespace SnnDsl.Training;

/// <summary>
/// What a neuron layer's training forward pass keeps for its backward pass: the pre-reset state
/// of every neuron at every step (<c>[steps, states, batch, neurons]</c>) and the state and
/// <c>Spiked</c> at the start. The spikes themselves are not copied: the backward pass reads the
/// spike tensor the forward pass wrote, which the network keeps anyway as the next layer's input.
/// Memory kept per neuron-step: 4 bytes per state.
/// </summary>
/// <remarks>
/// A tape remembers the layer whose <c>Forward</c> recorded it (<see cref="RecordedBy"/>); a generated
/// layer's <c>Backward</c> refuses a tape recorded by another layer, even one of the same shape.
/// <see cref="Steps"/> never exceeds <see cref="MaxSteps"/>, so a backward pass never reads past the tape.
/// A tape is not thread-safe: one forward/backward pair uses it at a time.
/// </remarks>
public sealed class NeuronTape
{
    private int _steps;

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

    /// <summary>Steps recorded by the last forward pass, 0 to <see cref="MaxSteps"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or above <see cref="MaxSteps"/>.</exception>
    public int Steps
    {
        get => _steps;
        set
        {
            if ((uint)value > (uint)MaxSteps)
                throw new ArgumentOutOfRangeException(nameof(Steps), value, $"Steps must be between 0 and the tape's MaxSteps ({MaxSteps}).");
            _steps = value;
        }
    }

    /// <summary>The layer whose forward pass recorded the tape's contents (see <see cref="BeginRecording"/>), or null before any.</summary>
    public ITrainableLayer? RecordedBy { get; private set; }

    /// <summary>
    /// Called by a layer's <c>Forward</c> before it writes the tape: sets <see cref="Steps"/> and notes
    /// <paramref name="layer"/> as <see cref="RecordedBy"/>, so that another layer's <c>Backward</c> can refuse the tape.
    /// </summary>
    /// <param name="layer">The layer recording.</param>
    /// <param name="steps">The steps it is about to record, 0 to <see cref="MaxSteps"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is negative or above <see cref="MaxSteps"/>.</exception>
    public void BeginRecording(ITrainableLayer layer, int steps)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if ((uint)steps > (uint)MaxSteps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps must be between 0 and the tape's MaxSteps ({MaxSteps}).");
        _steps = steps;
        RecordedBy = layer;
    }

    /// <summary>Pre-reset state, <c>[MaxSteps, States, Size]</c>.</summary>
    public float[] Pre { get; }

    /// <summary>State at the start of the recorded window, <c>[States, Size]</c>.</summary>
    public float[] Start { get; }

    /// <summary><c>Spiked</c> at the start of the recorded window, <c>[Size]</c>.</summary>
    public float[] StartSpiked { get; }

    /// <summary>The pre-reset values of state <paramref name="state"/> at step <paramref name="step"/>, <c>[Size]</c>.</summary>
    public ReadOnlySpan<float> PreState(int step, int state) => Pre.AsSpan((step * States + state) * Size, Size);
}
