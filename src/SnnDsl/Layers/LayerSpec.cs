using System;
using SnnDsl.Training;

namespace SnnDsl.Layers;

/// <summary>
/// An immutable description of one layer of a network; a network is a list of them (<see cref="Network"/>). A spec
/// knows the shape it gives for a given input (<see cref="OutputShape"/>) and builds the layer with its parameters
/// (<see cref="Build"/>, a <see cref="LayerOp"/>). Derive from it (and from <see cref="LayerOp"/>) to add a layer of your own.
/// </summary>
public abstract record LayerSpec
{
    /// <summary>For derived specs.</summary>
    protected LayerSpec()
    {
    }

    /// <summary>A short description for messages, e.g. <c>"Dense 784->1000"</c>, for a flat input of <paramref name="inputs"/> values.</summary>
    public string Describe(int inputs) => Describe(TensorShape.Flat(inputs));

    /// <summary>A short description for messages, e.g. <c>"Conv2d 1->12 5x5"</c>, given the layer's input shape.</summary>
    public abstract string Describe(TensorShape input);

    /// <summary>
    /// The shape of the layer's output for an input of shape <paramref name="input"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The layer cannot take that input; the message says what it expects and what it got (the network adds the layer's index).</exception>
    public abstract TensorShape OutputShape(TensorShape input);

    /// <summary>
    /// Whether the output is spikes or analog values, given the input's kind. The default says analog: override it in a
    /// layer whose output is exactly 0 or 1 (neurons) or passes spikes on unchanged (max pooling, flattening).
    /// </summary>
    public virtual ValueKind OutputKind(ValueKind input) => ValueKind.Analog;

    /// <summary>Builds the layer and its initial parameters for the input <c>context.Input</c> (one of the shapes <see cref="OutputShape"/> accepts).</summary>
    public abstract LayerOp Build(LayerBuildContext context);
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
    public override string Describe(TensorShape input) => $"Dense {Inputs}->{Outputs}";

    /// <summary>A flat vector of <see cref="Outputs"/>; the input must hold <see cref="Inputs"/> values per sample and step (any shape, read row-major, as a flatten would).</summary>
    public override TensorShape OutputShape(TensorShape input)
    {
        if (Inputs < 1 || Outputs < 1) throw new ArgumentException($"has a non-positive size ({Inputs} inputs, {Outputs} outputs); give at least 1 of each.");
        if (input.Size != Inputs) throw new ArgumentException($"expects {Inputs} inputs per sample and step, but gets {input.Size}.");
        Kernels.ArraySize.Of("layers", this, "Its weights [inputs, outputs]", "use fewer inputs or outputs", 0, Inputs, Outputs);
        return TensorShape.Flat(Outputs);
    }

    /// <inheritdoc/>
    public override LayerOp Build(LayerBuildContext context) => new DenseOp(this, context);
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
    public override string Describe(TensorShape input) => $"Neurons {Name} ({(input.IsFlat ? input.Size.ToString(System.Globalization.CultureInfo.InvariantCulture) : input.ToString())})";

    /// <summary>The input's shape: one neuron per value.</summary>
    public override TensorShape OutputShape(TensorShape input)
    {
        if (Create is null) throw new ArgumentException("has no factory (Create is null).");
        return input;
    }

    /// <summary>Spikes.</summary>
    public override ValueKind OutputKind(ValueKind input) => ValueKind.Spikes;

    /// <inheritdoc/>
    public override LayerOp Build(LayerBuildContext context) => new NeuronOp(this, context);
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
    public override string Describe(TensorShape input) => $"Recurrent {Neuron?.Name} ({input.Size})";

    /// <summary>The input's shape: one neuron per value.</summary>
    public override TensorShape OutputShape(TensorShape input)
    {
        if (Neuron?.Create is null) throw new ArgumentException("has no neuron factory (Neuron or Neuron.Create is null).");
        Kernels.ArraySize.Of("layers", this, "Its recurrent weights [width, width]", "use a narrower layer", 0, input.Size, input.Size);
        return input;
    }

    /// <summary>Spikes.</summary>
    public override ValueKind OutputKind(ValueKind input) => ValueKind.Spikes;

    /// <inheritdoc/>
    public override LayerOp Build(LayerBuildContext context) => new RecurrentOp(this, context);
}
