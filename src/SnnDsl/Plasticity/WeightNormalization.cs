using System;
using SnnDsl.Simulation;

namespace SnnDsl.Plasticity;

/// <summary>Homeostatic weight normalisation (Diehl &amp; Cook 2015): the incoming weights of each postsynaptic neuron are scaled to a fixed sum.</summary>
public static class WeightNormalization
{
    /// <summary>
    /// Scales the weights onto each target of <paramref name="projection"/> so they sum to
    /// <paramref name="total"/> (targets whose incoming weights sum to 0 are left alone). Cost:
    /// one pass over the synapses.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">total is negative or not finite.</exception>
    public static void NormalizeIncoming(Projection projection, float total)
    {
        ArgumentNullException.ThrowIfNull(projection);
        if (!(total >= 0) || float.IsPositiveInfinity(total)) throw new ArgumentOutOfRangeException(nameof(total), total, "The target sum must be finite and at least 0.");
        projection.IncomingSynapses(out var start, out var synapses);
        var w = projection.Weights;
        for (int j = 0; j + 1 < start.Length; j++)
        {
            double sum = 0;
            for (int k = start[j]; k < start[j + 1]; k++) sum += w[synapses[k]];
            if (sum <= 0) continue;
            float scale = (float)(total / sum);
            for (int k = start[j]; k < start[j + 1]; k++) w[synapses[k]] *= scale;
        }
    }
}
