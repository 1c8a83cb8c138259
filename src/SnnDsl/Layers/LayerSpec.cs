using System;
using SnnDsl.Training;

namespace SnnDsl.Layers;

/// <summary>An immutable description of one layer of a network; a network is a list of them.</summary>
public abstract record LayerSpec
{
    private protected LayerSpec()
    {
    }

    /// <summary>A short description for messages, e.g. <c>"Dense 784->1000"</c>.</summary>
    public abstract string Describe(int inputs);
}

/// <summary>A fully connected layer <c>[.., Inputs] -> [.., Outputs]</c>; see <see cref="DenseLayer"/>.</summary>
/// <param name="Inputs">Inputs per sample and step.</param>
/// <param name="Outputs">Outputs per sample and step.</param>
/// <param name="Bias">Whether the layer has a bias.</param>
/// <param name="Init">How its parameters are initialised.</param>
/// <param name="Input">What the layer may assume about its input (spikes run the event-driven kernels).</param>
public sealed record DenseSpec(int Inputs, int Outputs, bool Bias = true, DenseInit Init = DenseInit.Uniform, DenseInput Input = DenseInput.Auto) : LayerSpec
{
    /// <inheritdoc/>
    public override string Describe(int inputs) => $"Dense {Inputs}->{Outputs}";
}

/// <summary>
/// A population of trainable neurons, one per feature of the previous layer. <paramref name="Create"/>
/// builds a layer for a batch and a neuron count, e.g. <c>(b, n) =&gt; new Lif().CreateLayer(b, n)</c>;
/// the runner calls it once per worker, so layers never share state.
/// </summary>
/// <param name="Name">The model's name, for messages.</param>
/// <param name="Create">Builds a layer of <c>(batch, neurons)</c>.</param>
public sealed record NeuronSpec(string Name, Func<int, int, ITrainableLayer> Create) : LayerSpec
{
    /// <inheritdoc/>
    public override string Describe(int inputs) => $"Neurons {Name} ({inputs})";
}

/// <summary>
/// A recurrent population: the neurons of <paramref name="Neuron"/>, whose input at step t is the
/// previous layer's output at t plus their own spikes at t - 1 through a square weight matrix
/// <c>[neurons, neurons]</c> (no bias). The runner steps it one time step at a time and backpropagates
/// through the recurrence (the neurons' state gradient is chained between steps).
/// </summary>
/// <param name="Neuron">The neurons.</param>
/// <param name="Init">How the recurrent weights are initialised.</param>
public sealed record RecurrentSpec(NeuronSpec Neuron, DenseInit Init = DenseInit.Uniform) : LayerSpec
{
    /// <inheritdoc/>
    public override string Describe(int inputs) => $"Recurrent {Neuron.Name} ({inputs})";
}
