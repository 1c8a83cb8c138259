using System;

namespace SnnDsl;

/// <summary>
/// The built-ins every neuron model can read in its equations. The generator implements this
/// interface on each <see cref="NeuronAttribute"/> record, so a model instance doubles as a
/// scalar reference implementation of one neuron: set its state fields and <see cref="Spiked"/>,
/// then call its equation members.
/// </summary>
public interface INeuronModel
{
    /// <summary>The time step in ms: the attribute's <c>Dt</c> (1 ms when absent) unless set with <c>with { Dt = ... }</c>.</summary>
    float Dt { get; }

    /// <summary>The previous step's spike of this neuron: 0 or 1. No gradient flows through it unless the model asks.</summary>
    float Spiked { get; }
}

/// <summary>A population of neurons with a single input port, stored as <c>[batch, neurons]</c> row-major arrays.</summary>
public interface ISpikingLayer
{
    /// <summary>Number of independent samples simulated side by side.</summary>
    int Batch { get; }

    /// <summary>Neurons per sample.</summary>
    int Neurons { get; }

    /// <summary>The time step in ms this layer was built with.</summary>
    float Dt { get; }

    /// <summary>Sets every state to its initial value and clears <c>Spiked</c>.</summary>
    void Reset();

    /// <summary>Advances one step: <paramref name="input"/> and <paramref name="spikes"/> are <c>[batch, neurons]</c>.</summary>
    void Step(ReadOnlySpan<float> input, Span<float> spikes);

    /// <summary>Advances <paramref name="steps"/> steps fused over time: <paramref name="input"/> and <paramref name="spikes"/> are <c>[steps, batch, neurons]</c>.</summary>
    void Run(int steps, ReadOnlySpan<float> input, Span<float> spikes);
}

/// <summary>
/// An encoder turning real values into spike trains. Encoding is a pure function of the input, the
/// parameters, <see cref="Seed"/> and <see cref="FirstSample"/>: every call starts from the initial
/// state at time step 0.
/// </summary>
public interface ISpikeEncoder
{
    /// <summary>The most samples per call (a call may pass fewer: the short last batch of an epoch).</summary>
    int Batch { get; }

    /// <summary>Input values per sample.</summary>
    int Features { get; }

    /// <summary>Output channels per sample: <see cref="Features"/> times the population size of population codes.</summary>
    int Outputs { get; }

    /// <summary>The seed of the <c>[Uniform]</c> draws.</summary>
    ulong Seed { get; set; }

    /// <summary>The global index of the batch's first sample: draws depend on it, so a sample gets the same spikes in any batch split.</summary>
    long FirstSample { get; set; }

    /// <summary>
    /// Encodes a held input <c>[batch, features]</c> into <paramref name="spikes"/> <c>[steps, batch, outputs]</c>, where batch is
    /// from 1 to <see cref="Batch"/> (read from the input's length): a sample gets the same spikes in a short batch as in a full one
    /// at the same global index. <see cref="SnnDsl.Training.Trainer"/> and <see cref="SnnDsl.Training.Evaluator"/> pass the short
    /// last batch of an epoch as it is, so an implementation must accept it.
    /// </summary>
    void Encode(ReadOnlySpan<float> input, int steps, Span<float> spikes);

    /// <summary>Encodes a time series <c>[steps, batch, features]</c> into <paramref name="spikes"/> <c>[steps, batch, outputs]</c>, batch from 1 to <see cref="Batch"/>.</summary>
    void Run(int steps, ReadOnlySpan<float> input, Span<float> spikes);
}
