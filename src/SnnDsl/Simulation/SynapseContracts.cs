using System;
using System.Collections.Generic;

namespace SnnDsl.Simulation;

/// <summary>
/// A <see cref="SynapseAttribute"/> model. The generator implements this interface on each
/// <c>[Synapse]</c> record: <see cref="CreateTargets"/> builds the per-target state that a
/// projection of this synapse type keeps for every neuron of the target population.
/// </summary>
public interface ISynapseModel
{
    /// <summary>The time step in ms: the attribute's <c>Dt</c> (1 ms when absent) unless set with <c>with { Dt = ... }</c>.</summary>
    float Dt { get; }

    /// <summary>Creates the per-target state for <paramref name="targets"/> neurons, resolving every constant for <paramref name="dt"/> (ms).</summary>
    ISynapseTargets CreateTargets(int targets, float? dt = null);
}

/// <summary>Gives a synapse's <c>[Output]</c> the target neuron states it reads, by slot (the order of <see cref="ISynapseTargets.TargetStates"/>).</summary>
public interface ITargetStateReader
{
    /// <summary>The target state of slot <paramref name="slot"/> for the block being processed, indexed from the block's first neuron.</summary>
    ReadOnlySpan<float> Read(int slot);
}

/// <summary>
/// The per-target state of one projection's synapses (structure of arrays, one value per target
/// neuron and state), generated from a <c>[Synapse]</c> declaration. Within one time step the
/// engine calls, for each block of targets: <see cref="AddOutput"/> (the current into the target's
/// port, from the state at the start of the step), then the neuron update, then <see cref="Advance"/>
/// (the synapse's own dynamics over the step); then, for each arriving spike, <see cref="OnPre"/>.
/// </summary>
public interface ISynapseTargets
{
    /// <summary>The number of target neurons.</summary>
    int Count { get; }

    /// <summary>The time step in ms the constants were resolved for.</summary>
    float Dt { get; }

    /// <summary>The target neuron's input port the <c>[Output]</c> current is added to (e.g. <c>input</c>).</summary>
    string Port { get; }

    /// <summary>Names of the target neuron states the <c>[Output]</c> reads (e.g. <c>V</c> for a conductance), in slot order.</summary>
    IReadOnlyList<string> TargetStates { get; }

    /// <summary>Names of this synapse's own per-target states.</summary>
    IReadOnlyList<string> States { get; }

    /// <summary>The per-target values of the state <paramref name="name"/> (one of <see cref="States"/>).</summary>
    /// <exception cref="ArgumentException">The synapse has no state of that name.</exception>
    Span<float> State(string name);

    /// <summary>Sets every state to its initial value.</summary>
    void Reset();

    /// <summary>Applies the <c>[OnPre]</c> effect of one presynaptic spike of weight <paramref name="w"/> arriving at <paramref name="target"/>.</summary>
    void OnPre(int target, float w);

    /// <summary>Integrates the synapse state of targets <c>[start, start + count)</c> over one step.</summary>
    void Advance(int start, int count);

    /// <summary>
    /// Adds the <c>[Output]</c> current of targets <c>[start, start + count)</c> to <paramref name="current"/>
    /// (indexed from <paramref name="start"/>: current[0] belongs to target <paramref name="start"/>).
    /// </summary>
    void AddOutput(int start, int count, Span<float> current, ITargetStateReader target);
}
