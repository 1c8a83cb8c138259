using System;

namespace SnnDsl.Training;

/// <summary>
/// A neuron layer that can be trained by backpropagation through time with surrogate gradients.
/// The generator implements it on every single-input <c>[Neuron]</c> layer whose surrogate is built in.
/// </summary>
public interface ITrainableLayer : ISpikingLayer
{
    /// <summary>State variables per neuron.</summary>
    int StateCount { get; }

    /// <summary>Bytes the tape keeps per neuron and step.</summary>
    int TapeBytesPerNeuronStep { get; }

    /// <summary>A tape sized for this layer and up to <paramref name="maxSteps"/> steps (allocate once, reuse).</summary>
    NeuronTape CreateTape(int maxSteps);

    /// <summary>Like <see cref="ISpikingLayer.Run"/> (it advances the layer's state the same way) and records <paramref name="tape"/>.</summary>
    void Forward(int steps, ReadOnlySpan<float> input, Span<float> spikes, NeuronTape tape);

    /// <summary>
    /// The reverse-time adjoint pass over the recorded window. Given dL/dspikes
    /// <c>[T, batch, neurons]</c> (and optionally dL/d(pre-reset first state), e.g. for a membrane
    /// loss; pass an empty span otherwise), writes dL/dinput <c>[T, batch, neurons]</c>.
    /// <paramref name="input"/> and <paramref name="spikes"/> are those of the forward pass.
    /// </summary>
    void Backward(NeuronTape tape, ReadOnlySpan<float> input, ReadOnlySpan<float> spikes,
        ReadOnlySpan<float> gradSpikes, ReadOnlySpan<float> gradFirstState, Span<float> gradInput);
}
