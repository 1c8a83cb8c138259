using System;
using System.Collections.Generic;

namespace SnnDsl.Plasticity;

/// <summary>
/// A <see cref="PlasticityAttribute"/> rule. The generator implements this interface on each
/// <c>[Plasticity]</c> record: <see cref="CreateLearner"/> builds the trace storage (one value per
/// presynaptic neuron and <c>[PreTrace]</c>, one per postsynaptic neuron and <c>[PostTrace]</c>)
/// and the event-driven weight updates of one projection.
/// </summary>
public interface IPlasticityRule
{
    /// <summary>The time step in ms: the attribute's <c>Dt</c> (1 ms when absent) unless set with <c>with { Dt = ... }</c>.</summary>
    float Dt { get; }

    /// <summary>Creates the traces for <paramref name="sources"/> presynaptic and <paramref name="targets"/> postsynaptic neurons, resolving every constant for <paramref name="dt"/> (ms).</summary>
    /// <param name="sources">Presynaptic neurons.</param>
    /// <param name="targets">Postsynaptic neurons.</param>
    /// <param name="dt">The time step in ms.</param>
    /// <param name="synapses">Synapses of the projection: sizes the [SynapseTrace] arrays (ignored by rules without them).</param>
    IPlasticityLearner CreateLearner(int sources, int targets, float? dt = null, int synapses = 0);
}

/// <summary>
/// The state and event-driven updates of one plasticity rule on one projection (generated from a
/// <c>[Plasticity]</c> declaration).
/// </summary>
/// <remarks>
/// <para>Within one time step the caller (normally <see cref="PlasticProjection"/>) calls
/// <see cref="Advance"/> once (every trace decays by one step, exactly for linear [Derivative]
/// traces: X &lt;- X e^(a Dt) + b (e^(a Dt) - 1) / a), then <see cref="OnPre"/> for every presynaptic
/// neuron that spiked in the step, in ascending order, then <see cref="OnPost"/> for every
/// postsynaptic neuron that spiked, in ascending order. So a spike at step t sees the other side's
/// traces decayed to step t, and a pre and a post spike in the same step pair as pre-before-post
/// (the post handler reads the pre trace already bumped by this step's pre spike).</para>
/// <para>[SynapseTrace] values (one per synapse) decay with the other traces in <see cref="Advance"/>,
/// so a rule with them costs O(synapses) per step (clock-driven, as Izhikevich's eligibility traces
/// are); rules without them stay O(neurons) per step plus O(spikes x fan-out).</para>
/// <para>Each handler runs its C# statements in order: the spiking neuron's own traces are updated
/// once per spike, and the returned weight is written to every synapse of that neuron (its
/// outgoing synapses for [OnPre], its incoming ones for [OnPost]). Pairing is therefore all-to-all
/// with additive traces, as Brian2's classic STDP example; a rule that assigns <c>X = 1</c> instead
/// of <c>X += 1</c> pairs with the nearest spike only.</para>
/// </remarks>
public interface IPlasticityLearner
{
    /// <summary>The number of presynaptic neurons.</summary>
    int Sources { get; }

    /// <summary>The number of postsynaptic neurons.</summary>
    int Targets { get; }

    /// <summary>The time step in ms the constants were resolved for.</summary>
    float Dt { get; }

    /// <summary>Names of the per-presynaptic-neuron traces.</summary>
    IReadOnlyList<string> PreTraces { get; }

    /// <summary>Names of the per-postsynaptic-neuron traces.</summary>
    IReadOnlyList<string> PostTraces { get; }

    /// <summary>The number of synapses ([SynapseTrace] arrays have this length).</summary>
    int Synapses { get; }

    /// <summary>Names of the per-synapse traces (e.g. an eligibility trace).</summary>
    IReadOnlyList<string> SynapseTraces { get; }

    /// <summary>True when the rule has an [OnReward] handler.</summary>
    bool HasOnReward { get; }

    /// <summary>True when the rule has an [OnPre] handler.</summary>
    bool HasOnPre { get; }

    /// <summary>True when the rule has an [OnPost] handler.</summary>
    bool HasOnPost { get; }

    /// <summary>The values of trace <paramref name="name"/>, one per neuron of its side.</summary>
    /// <exception cref="ArgumentException">No trace of that name.</exception>
    Span<float> Trace(string name);

    /// <summary>Sets every trace to its initial value.</summary>
    void Reset();

    /// <summary>Advances every trace by one time step (its [Derivative] or [Next] equation).</summary>
    void Advance();

    /// <summary>A spike of presynaptic neuron <paramref name="source"/>: updates its [PreTrace] values once, then each weight (and [SynapseTrace] value) of its outgoing synapses.</summary>
    /// <param name="source">The presynaptic neuron.</param>
    /// <param name="firstSynapse">The index of the first of those synapses (they are consecutive, as a CSR row); locates their [SynapseTrace] values.</param>
    /// <param name="targets">The postsynaptic neuron of each synapse.</param>
    /// <param name="weights">The weights of those synapses (same length), updated in place.</param>
    void OnPre(int source, int firstSynapse, ReadOnlySpan<int> targets, Span<float> weights);

    /// <summary>A spike of postsynaptic neuron <paramref name="target"/>: updates its [PostTrace] values once, then each weight of its incoming synapses.</summary>
    /// <param name="target">The postsynaptic neuron.</param>
    /// <param name="synapses">Indices into <paramref name="weights"/> of the incoming synapses.</param>
    /// <param name="sources">The presynaptic neuron of each of those synapses (same length).</param>
    /// <param name="weights">All weights of the projection, updated in place at <paramref name="synapses"/>.</param>
    void OnPost(int target, ReadOnlySpan<int> synapses, ReadOnlySpan<int> sources, Span<float> weights);

    /// <summary>Delivers a scalar reward: runs [OnReward] on every synapse (O(synapses); nothing without the handler).</summary>
    /// <param name="reward">The reward (or neuromodulator amount) delivered now.</param>
    /// <param name="weights">All weights of the projection, updated in place.</param>
    void Reward(float reward, Span<float> weights);
}
