using System;
using SnnDsl.Simulation;

namespace SnnDsl.Plasticity;

/// <summary>
/// Applies a plasticity rule to a <see cref="Projection"/>, event-driven: each step it decays the
/// traces (<see cref="IPlasticityLearner.Advance"/>, cost proportional to the neurons), then runs
/// [OnPre] on the outgoing row of every presynaptic neuron that spiked and [OnPost] on the
/// incoming column of every postsynaptic neuron that spiked (cost proportional to spikes times
/// fan-out/fan-in, never to all synapses). Works on dense and sparse projections alike (CSR rows,
/// CSC view for columns).
/// </summary>
/// <remarks>
/// Timing: pairing uses the steps in which the neurons emitted their spikes; axonal delays of the
/// projection do not shift the STDP window (no dendritic or axonal delay in the rule). The update
/// runs after the step's delivery, serially, so weights are bit-identical for any thread count.
/// </remarks>
public sealed class PlasticProjection : IProjectionObserver
{
    private readonly int[] _inSynapses;
    private readonly int[] _inStart;
    private readonly int[] _inSources;

    /// <summary>Creates the traces of <paramref name="rule"/> for <paramref name="projection"/> and attaches them as its observer.</summary>
    /// <exception cref="InvalidOperationException">The projection already has an observer.</exception>
    public PlasticProjection(Projection projection, IPlasticityRule rule)
    {
        ArgumentNullException.ThrowIfNull(projection);
        ArgumentNullException.ThrowIfNull(rule);
        if (projection.Observer is not null) throw new InvalidOperationException("The projection already has an observer; a projection takes one plasticity rule.");
        Projection = projection;
        Learner = rule.CreateLearner(projection.Source.Count, projection.Target.Size, projection.Synapses.Dt, projection.Count);
        projection.IncomingSynapses(out var start, out var synapses);
        _inStart = start.ToArray();
        _inSynapses = synapses.ToArray();
        // Source of each synapse, in CSC order, so [OnPost] reads presynaptic traces without a search.
        var sourceOf = new int[projection.Count];
        var rows = projection.Table.RowStart;
        for (int s = 0; s < projection.Table.Sources; s++)
            for (int q = rows[s]; q < rows[s + 1]; q++) sourceOf[q] = s;
        _inSources = new int[_inSynapses.Length];
        for (int k = 0; k < _inSynapses.Length; k++) _inSources[k] = sourceOf[_inSynapses[k]];
        projection.Observer = this;
    }

    /// <summary>The projection whose weights learn.</summary>
    public Projection Projection { get; }

    /// <summary>The rule's traces.</summary>
    public IPlasticityLearner Learner { get; }

    /// <summary>False freezes weights and traces (e.g. while labelling or testing); default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Synaptic weight updates done ([OnPre] plus [OnPost] synapse visits).</summary>
    public long Updates { get; private set; }

    /// <summary>
    /// Delivers a scalar reward to every synapse ([OnReward], e.g. w += reward x eligibility). Izhikevich's
    /// (2007) dw/dt = c d is this call made every step with reward = d Dt, d the dopamine level. No effect
    /// while <see cref="Enabled"/> is false or for rules without [OnReward].
    /// </summary>
    public void Reward(float reward)
    {
        if (!Enabled || !Learner.HasOnReward) return;
        Learner.Reward(reward, Projection.Weights);
        Updates += Projection.Count;
    }

    /// <summary>Sets every trace to its initial value (weights are kept).</summary>
    public void ResetTraces() => Learner.Reset();

    /// <inheritdoc/>
    public void OnStep(Projection projection, long step, ReadOnlySpan<int> preSpikes, ReadOnlySpan<int> postSpikes)
    {
        if (!Enabled) return;
        Learner.Advance();
        var weights = Projection.Weights.AsSpan();
        long updates = 0;
        if (Learner.HasOnPre)
        {
            var rows = Projection.Table.RowStart;
            var targets = Projection.Table.Target;
            foreach (int s in preSpikes)
            {
                int a = rows[s], n = rows[s + 1] - a;
                Learner.OnPre(s, a, targets.AsSpan(a, n), weights.Slice(a, n));
                updates += n;
            }
        }
        if (Learner.HasOnPost)
        {
            foreach (int t in postSpikes)
            {
                int a = _inStart[t], n = _inStart[t + 1] - a;
                Learner.OnPost(t, _inSynapses.AsSpan(a, n), _inSources.AsSpan(a, n), weights);
                updates += n;
            }
        }
        Updates += updates;
    }
}

/// <summary>Attaches plasticity rules to projections.</summary>
public static class PlasticityExtensions
{
    /// <summary>Makes the weights of <paramref name="projection"/> learn with <paramref name="rule"/> (e.g. <c>new StdpAdditive()</c>).</summary>
    public static PlasticProjection Learn(this Projection projection, IPlasticityRule rule) => new(projection, rule);
}
