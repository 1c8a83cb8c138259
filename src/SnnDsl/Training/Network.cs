using System;
using System.Collections.Generic;
using System.Linq;
using SnnDsl.Layers;

namespace SnnDsl.Training;

/// <summary>
/// An immutable feed-forward spiking network: a list of <see cref="LayerSpec"/> composed in order.
/// It holds no weights and no state; <see cref="Initialize"/> makes the weights
/// (<see cref="NetworkWeights"/>), and <see cref="CreateRunner"/> the buffers that run a batch.
/// </summary>
/// <example>
/// <code>
/// using static SnnDsl.Training.Network;
/// var net = Sequential(Dense(784, 1000), NeuronLayer("Lif", (b, n) => new Lif().CreateLayer(b, n)),
///                      Dense(1000, 10), NeuronLayer("Lif", (b, n) => new Lif().CreateLayer(b, n)));
/// NetworkWeights w = net.Initialize(seed: 1);
/// </code>
/// </example>
public sealed class Network
{
    private readonly LayerSpec[] _layers;
    private readonly int[] _widths;

    private Network(LayerSpec[] layers)
    {
        if (layers.Length == 0) throw new ArgumentException("A network has at least one layer.", nameof(layers));
        if (layers[0] is not DenseSpec first) throw new ArgumentException("The first layer must be a dense layer (it fixes the input width).", nameof(layers));
        _layers = layers;
        _widths = new int[layers.Length + 1];
        _widths[0] = first.Inputs;
        for (int i = 0; i < layers.Length; i++)
        {
            switch (layers[i])
            {
                case DenseSpec d:
                    if (d.Inputs != _widths[i]) throw new ArgumentException($"Layer {i} ({d.Describe(_widths[i])}) expects {d.Inputs} inputs, but layer {i - 1} gives {_widths[i]}.", nameof(layers));
                    if (d.Inputs < 1 || d.Outputs < 1) throw new ArgumentException($"Layer {i} has a non-positive size ({d.Inputs} inputs, {d.Outputs} outputs); give at least 1 of each.", nameof(layers));
                    Kernels.ArraySize.Of(nameof(layers), d, $"The weights of layer {i} [inputs, outputs]", "use fewer inputs or outputs", 0, d.Inputs, d.Outputs);
                    _widths[i + 1] = d.Outputs;
                    break;
                case NeuronSpec n:
                    ArgumentNullException.ThrowIfNull(n.Create);
                    _widths[i + 1] = _widths[i];
                    break;
                case RecurrentSpec r:
                    ArgumentNullException.ThrowIfNull(r.Neuron?.Create, nameof(layers));
                    Kernels.ArraySize.Of(nameof(layers), r, $"The recurrent weights of layer {i} [width, width]", "use a narrower layer", 0, _widths[i], _widths[i]);
                    _widths[i + 1] = _widths[i];
                    break;
                case null:
                    throw new ArgumentNullException(nameof(layers), $"Layer {i} is null.");
                default:
                    throw new ArgumentException($"Layer {i} is of an unsupported kind {layers[i].GetType().Name}.", nameof(layers));
            }
        }
    }

    /// <summary>Composes <paramref name="layers"/> in order.</summary>
    public static Network Sequential(params LayerSpec[] layers) => new((layers ?? throw new ArgumentNullException(nameof(layers))).ToArray());

    /// <summary>A dense layer spec; see <see cref="DenseSpec"/>.</summary>
    public static DenseSpec Dense(int inputs, int outputs, bool bias = true, DenseInit init = DenseInit.Uniform, DenseInput input = DenseInput.Auto)
        => new(inputs, outputs, bias, init, input);

    /// <summary>A neuron layer spec; see <see cref="NeuronSpec"/>.</summary>
    public static NeuronSpec NeuronLayer(string name, Func<int, int, ITrainableLayer> create) => new(name, create);

    /// <summary>A recurrent neuron layer spec; see <see cref="RecurrentSpec"/>.</summary>
    public static RecurrentSpec Recurrent(NeuronSpec neurons, DenseInit init = DenseInit.Uniform) => new(neurons, init);

    /// <summary>A new network with <paramref name="layer"/> appended (this one is unchanged).</summary>
    public Network Then(LayerSpec layer) => new([.. _layers, layer]);

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<LayerSpec> Layers => _layers;

    /// <summary>Input features per sample and step.</summary>
    public int Inputs => _widths[0];

    /// <summary>Outputs per sample and step (the last layer's width).</summary>
    public int Outputs => _widths[^1];

    /// <summary>The width of the input of layer <paramref name="layer"/> (layer count: the network's output width).</summary>
    public int Width(int layer) => _widths[layer];

    /// <summary>A description of layer <paramref name="index"/> for messages.</summary>
    public string Describe(int index) => _layers[index].Describe(_widths[index]);

    /// <summary>
    /// Fresh weights: each dense layer initialised by its spec from a seed derived from
    /// <paramref name="seed"/> and the layer index.
    /// </summary>
    public NetworkWeights Initialize(ulong seed)
    {
        var dense = new DenseLayer?[_layers.Length];
        var neurons = new Parameter?[_layers.Length];
        for (int i = 0; i < _layers.Length; i++)
        {
            if (_layers[i] is DenseSpec d)
            {
                var layer = new DenseLayer(d.Inputs, d.Outputs, d.Bias, $"layer {i}");
                layer.Initialize(d.Init, Data.SplitMix64.Mix(seed + (ulong)i * 0x9E3779B97F4A7C15UL));
                dense[i] = layer;
            }
            if (_layers[i] is RecurrentSpec rec)
            {
                int w = _widths[i + 1];
                var layer = new DenseLayer(w, w, bias: false, $"layer {i} recurrent");
                layer.Initialize(rec.Init, Data.SplitMix64.Mix(seed + (ulong)i * 0x9E3779B97F4A7C15UL));
                dense[i] = layer;
            }
            if (NeuronOf(_layers[i]) is NeuronSpec n && n.Create(1, _widths[i + 1]) is ILearnableLayer learnable && learnable.Parameters.Length > 0)
            {
                // The initial values come from the model's defaults (a per-neuron parameter has Neurons values, whatever the batch).
                var p = new Parameter($"layer {i} {n.Name} parameters", learnable.Parameters.Length);
                learnable.Parameters.CopyTo(p.Value);
                neurons[i] = p;
            }
        }

        return new NetworkWeights(this, dense, neurons);
    }

    /// <summary>The neurons of a neuron or recurrent layer spec; null for a dense one.</summary>
    internal static NeuronSpec? NeuronOf(LayerSpec spec) => spec switch { NeuronSpec n => n, RecurrentSpec r => r.Neuron, _ => null };

    /// <summary>Buffers to run batches of up to <paramref name="maxBatch"/> samples over <paramref name="steps"/> steps; see <see cref="NetworkRunner"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> or <paramref name="maxBatch"/> is not positive, or a buffer (e.g. the output <c>[steps, maxBatch, outputs]</c>, or a chunk's activations <c>[steps, ChunkSize, width]</c>) would not fit in one array; the message gives the product and the argument to lower.</exception>
    public NetworkRunner CreateRunner(NetworkWeights weights, int steps, int maxBatch, RunnerOptions? options = null)
        => new(this, weights, steps, maxBatch, options ?? new RunnerOptions());
}

/// <summary>The trainable state of a <see cref="Network"/>: one <see cref="DenseLayer"/> per dense layer.</summary>
public sealed class NetworkWeights
{
    internal NetworkWeights(Network network, DenseLayer?[] dense, Parameter?[] neurons)
    {
        Network = network;
        Dense = dense;
        NeuronParameters = neurons;
        var all = new List<Parameter>();
        for (int i = 0; i < dense.Length; i++)
        {
            if (dense[i] is DenseLayer d)
            {
                all.Add(d.Weight);
                if (d.Bias is not null) all.Add(d.Bias);
            }

            if (neurons[i] is Parameter p) all.Add(p);
        }

        Parameters = all.ToArray();
    }

    /// <summary>The network these weights belong to.</summary>
    public Network Network { get; }

    /// <summary>The dense layer at each layer index, or null where the layer is a neuron layer.</summary>
    public IReadOnlyList<DenseLayer?> Dense { get; }

    /// <summary>
    /// The learnable neuron parameters at each layer index (<see cref="ILearnableLayer.Parameters"/>,
    /// flattened), or null where the layer is dense or has none. The runner copies them into every
    /// worker's neuron layer before each batch and reduces their gradients like the weights'.
    /// </summary>
    public IReadOnlyList<Parameter?> NeuronParameters { get; }

    /// <summary>All parameters in layer order (weight, then bias; a neuron layer's learnable parameters), for optimizers.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad()
    {
        for (int i = 0; i < Parameters.Count; i++) Parameters[i].ZeroGrad();
    }
}

/// <summary>Options of a <see cref="NetworkRunner"/>.</summary>
/// <param name="Threads">
/// Worker threads (1 runs on the calling thread); 0, the default, means the machine's core count
/// (<see cref="Environment.ProcessorCount"/>), resolved when the options are made. The runner uses at most one per chunk.
/// </param>
/// <param name="ChunkSize">Samples per chunk: the unit of parallel work and of gradient reduction. Results depend on it, never on <paramref name="Threads"/>.</param>
/// <param name="CheckFinite">Check every layer's output and gradient for NaN and infinity and stop with a <see cref="NonFiniteException"/>.</param>
public sealed record RunnerOptions(int Threads = 0, int ChunkSize = 16, bool CheckFinite = true)
{
    private readonly int _threads = ResolveThreads(Threads);

    /// <summary>Worker threads: the value given, or <see cref="Environment.ProcessorCount"/> for 0 (the default). A negative value is kept and rejected by the runner.</summary>
    public int Threads { get => _threads; init => _threads = ResolveThreads(value); }

    private static int ResolveThreads(int threads) => threads == 0 ? Environment.ProcessorCount : threads;
}

/// <summary>Which pass found a non-finite value.</summary>
public enum Pass
{
    /// <summary>A layer's output in the forward pass.</summary>
    Forward,

    /// <summary>A gradient in the backward pass.</summary>
    Backward,
}

/// <summary>A layer produced NaN or infinity; the message names the layer, the pass and the time step.</summary>
public sealed class NonFiniteException : ArithmeticException
{
    internal NonFiniteException(Pass pass, int layer, string kind, int step, int sample, int unit, float value, string what)
        : base(step >= 0
            ? $"Non-finite value ({value}) in the {pass.ToString().ToLowerInvariant()} pass: layer {layer} ({kind}), {what} at time step {step}, sample {sample}, unit {unit}."
            : $"Non-finite value ({value}) in the {pass.ToString().ToLowerInvariant()} pass: layer {layer} ({kind}), {what}, element {unit}.")
    {
        Pass = pass;
        Layer = layer;
        LayerKind = kind;
        Step = step;
        Sample = sample;
    }

    /// <summary>The pass.</summary>
    public Pass Pass { get; }

    /// <summary>The layer index in the network.</summary>
    public int Layer { get; }

    /// <summary>The layer's description, e.g. <c>"Dense 784->1000"</c>.</summary>
    public string LayerKind { get; }

    /// <summary>The time step where the non-finite value first appeared (the earliest step in the forward pass, the latest in the backward pass, which runs backwards in time), or -1 for a parameter gradient.</summary>
    public int Step { get; }

    /// <summary>The sample (index in the batch), or -1 for a parameter gradient.</summary>
    public int Sample { get; }
}
