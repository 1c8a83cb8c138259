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
    /// <paramref name="input"/> and <paramref name="spikes"/> are those of the forward pass, and
    /// <paramref name="tape"/> is the tape that forward pass recorded: generated layers refuse (ArgumentException
    /// naming <c>tape</c>) a tape recorded by another layer (<see cref="NeuronTape.RecordedBy"/>) or never recorded.
    /// </summary>
    void Backward(NeuronTape tape, ReadOnlySpan<float> input, ReadOnlySpan<float> spikes,
        ReadOnlySpan<float> gradSpikes, ReadOnlySpan<float> gradFirstState, Span<float> gradInput);

    /// <summary>
    /// <see cref="Backward(NeuronTape, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    /// for a window that is part of a longer run (truncated BPTT, recurrent networks stepped window by
    /// window): <paramref name="gradEndState"/> is dL/d(state after the window), <c>[states, batch, neurons]</c>
    /// or empty, and <paramref name="gradStartState"/> receives dL/d(state before the window), same shape, or is empty.
    /// </summary>
    void Backward(NeuronTape tape, ReadOnlySpan<float> input, ReadOnlySpan<float> spikes,
        ReadOnlySpan<float> gradSpikes, ReadOnlySpan<float> gradFirstState, ReadOnlySpan<float> gradEndState,
        Span<float> gradInput, Span<float> gradStartState);
}

/// <summary>
/// A layer with <c>[Learnable]</c> parameters. <see cref="Parameters"/> is one flat vector, in the
/// order of <see cref="ParameterNames"/>: a shared parameter takes one value, a per-neuron parameter
/// <c>Neurons</c> values. Backward adds into <see cref="ParameterGradients"/> (reduced over time and
/// batch, and over neurons for shared parameters); after changing <see cref="Parameters"/>, call
/// <see cref="ApplyParameters"/> so the constants derived from them are recomputed.
/// </summary>
public interface ILearnableLayer
{
    /// <summary>The learnable parameters, flattened.</summary>
    Span<float> Parameters { get; }

    /// <summary>dL/dParameters, same layout; Backward accumulates into it, the caller zeroes it.</summary>
    Span<float> ParameterGradients { get; }

    /// <summary>One entry per value of <see cref="Parameters"/>: the parameter's name, with <c>[n]</c> for per-neuron values.</summary>
    System.Collections.Generic.IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Recomputes everything derived from <see cref="Parameters"/> (decay factors, gains).</summary>
    /// <exception cref="InvalidOperationException">A parameter value is one the layer's constructor would refuse (generated
    /// layers: non-finite, a time constant not positive, an explicit integrator made unstable), typically after an optimizer step.</exception>
    void ApplyParameters();
}
