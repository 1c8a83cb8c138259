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
    private readonly TensorShape[] _shapes;
    private readonly ValueKind[] _kinds;

    private Network(TensorShape? input, ValueKind inputKind, LayerSpec[] layers)
    {
        if (layers.Length == 0) throw new ArgumentException("A network has at least one layer.", nameof(layers));
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i] is null) throw new ArgumentNullException(nameof(layers), $"Layer {i} is null.");
        }

        if (input is null)
        {
            if (layers[0] is not DenseSpec first)
                throw new ArgumentException($"The first layer must be a dense layer (it fixes the input width), or give the input's shape: Sequential(new TensorShape(channels, height, width), layers...).", nameof(layers));
            input = TensorShape.Flat(first.Inputs);
            if (first.Inputs < 1) throw new ArgumentException($"Layer 0 has a non-positive size ({first.Inputs} inputs, {first.Outputs} outputs); give at least 1 of each.", nameof(layers));
        }

        _layers = layers;
        _shapes = new TensorShape[layers.Length + 1];
        _kinds = new ValueKind[layers.Length + 1];
        _shapes[0] = input.Value.Validate(nameof(input), "The network's input");
        _kinds[0] = inputKind;
        for (int i = 0; i < layers.Length; i++)
        {
            TensorShape output;
            try
            {
                output = layers[i].OutputShape(_shapes[i]);
                output.Validate(nameof(layers), "Its output");
            }
            catch (ArgumentException e)
            {
                string from = i == 0 ? "the network's input" : $"layer {i - 1}";
                string message = $"Layer {i} ({layers[i].Describe(_shapes[i])}), fed {_shapes[i]} by {from}: {Bare(e)}";
                if (e is ArgumentOutOfRangeException) throw new ArgumentOutOfRangeException(nameof(layers), message);
                throw new ArgumentException(message, nameof(layers), e);
            }

            _shapes[i + 1] = output;
            _kinds[i + 1] = layers[i].OutputKind(_kinds[i]);
        }
    }

    /// <summary>An exception's message without the " (Parameter 'x')" and "Actual value was" lines the runtime appends.</summary>
    private static string Bare(ArgumentException e)
    {
        string m = e.Message;
        int cut = m.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (cut >= 0) m = m[..cut];
        cut = m.IndexOf(Environment.NewLine + "Actual value was", StringComparison.Ordinal);
        return cut >= 0 ? m[..cut] : m;
    }

    /// <summary>Composes <paramref name="layers"/> in order; the first must be a dense layer (it fixes the input width).</summary>
    public static Network Sequential(params LayerSpec[] layers) => new(null, ValueKind.Analog, (layers ?? throw new ArgumentNullException(nameof(layers))).ToArray());

    /// <summary>
    /// Composes <paramref name="layers"/> in order on inputs of shape <paramref name="input"/> per sample and step
    /// (e.g. <c>new TensorShape(1, 28, 28)</c> for images), fed analog values (currents, pixel intensities).
    /// </summary>
    public static Network Sequential(TensorShape input, params LayerSpec[] layers) => Sequential(input, ValueKind.Analog, layers);

    /// <summary>
    /// Composes <paramref name="layers"/> in order on inputs of shape <paramref name="input"/> whose values are
    /// <paramref name="inputKind"/>: <see cref="ValueKind.Spikes"/> (checked to be 0 or 1 on every call) lets the first
    /// layer run its event-driven kernels.
    /// </summary>
    public static Network Sequential(TensorShape input, ValueKind inputKind, params LayerSpec[] layers) =>
        new(input, inputKind, (layers ?? throw new ArgumentNullException(nameof(layers))).ToArray());

    /// <summary>A dense layer spec; see <see cref="DenseSpec"/>.</summary>
    public static DenseSpec Dense(int inputs, int outputs, bool bias = true, DenseInit init = DenseInit.Uniform, DenseInput input = DenseInput.Auto)
        => new(inputs, outputs, bias, init, input);

    /// <summary>A neuron layer spec; see <see cref="NeuronSpec"/>.</summary>
    public static NeuronSpec NeuronLayer(string name, Func<int, int, ITrainableLayer> create) => new(name, create);

    /// <summary>A recurrent neuron layer spec; see <see cref="RecurrentSpec"/>.</summary>
    public static RecurrentSpec Recurrent(NeuronSpec neurons, DenseInit init = DenseInit.Uniform) => new(neurons, init);

    /// <summary>A residual block with an identity shortcut joined by addition (Spiking ResNet); see <see cref="ResidualSpec"/>.</summary>
    public static ResidualSpec Residual(params LayerSpec[] main) => new(main);

    /// <summary>A residual block whose shortcut is <paramref name="shortcut"/> (empty: identity), joined by <paramref name="join"/>; see <see cref="ResidualSpec"/>.</summary>
    public static ResidualSpec Residual(LayerSpec[] main, LayerSpec[] shortcut, ResidualJoin join = ResidualJoin.Add) => new(main, shortcut, join);

    /// <summary>A SEW-ResNet block (Fang et al. 2021): <paramref name="main"/> ends with neurons and its spikes are joined with the block's input spikes by <paramref name="join"/>.</summary>
    public static ResidualSpec SewResidual(ResidualJoin join, params LayerSpec[] main) => new(main, null, join);

    /// <summary>
    /// A 2-D convolution spec with a square <paramref name="kernel"/> (the same stride, padding and dilation along both
    /// axes); see <see cref="Conv2dSpec"/>. Fed spikes it runs event-driven. For a rectangular kernel use the overload
    /// taking <c>(height, width)</c> pairs, or <c>with { KernelWidth = .. }</c> on the spec.
    /// </summary>
    /// <example><c>Conv2d(1, 12, 5)</c> is snnTorch's <c>nn.Conv2d(1, 12, 5)</c>.</example>
    public static Conv2dSpec Conv2d(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, DenseInit init = DenseInit.Uniform)
        => new(inChannels, outChannels, kernel, kernel, stride, stride, padding, padding, dilation, dilation, groups, bias, init);

    /// <summary>
    /// A 2-D convolution spec with a rectangular kernel: every size is a <c>(height, width)</c> pair; a null stride is
    /// <c>(1, 1)</c>, a null padding <c>(0, 0)</c> and a null dilation <c>(1, 1)</c>. See <see cref="Conv2dSpec"/>.
    /// </summary>
    /// <example><c>Conv2d(8, 8, (3, 1), padding: (1, 0))</c>.</example>
    public static Conv2dSpec Conv2d(int inChannels, int outChannels, (int Height, int Width) kernel, (int Height, int Width)? stride = null,
        (int Height, int Width)? padding = null, (int Height, int Width)? dilation = null, int groups = 1, bool bias = true, DenseInit init = DenseInit.Uniform)
    {
        (int sh, int sw) = stride ?? (1, 1);
        (int ph, int pw) = padding ?? (0, 0);
        (int dh, int dw) = dilation ?? (1, 1);
        return new(inChannels, outChannels, kernel.Height, kernel.Width, sh, sw, ph, pw, dh, dw, groups, bias, init);
    }

    /// <summary>
    /// A 1-D convolution spec over signals <c>[inChannels, 1, length]</c> per sample and step (declare the network's input
    /// as <c>new TensorShape(channels, 1, length)</c>); see <see cref="Conv1dSpec"/>.
    /// </summary>
    public static Conv1dSpec Conv1d(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, DenseInit init = DenseInit.Uniform)
        => new(inChannels, outChannels, kernel, stride, padding, dilation, groups, bias, init);

    /// <summary>
    /// A 2-D max-pooling spec with a square window; the stride defaults to the window (libtorch's default). See
    /// <see cref="MaxPool2dSpec"/>; for a rectangular window use the spec's constructor.
    /// </summary>
    public static MaxPool2dSpec MaxPool2d(int kernel, int? stride = null, int padding = 0) => new(kernel, kernel, stride, stride, padding, padding);

    /// <summary>
    /// A 2-D average-pooling spec with a square window; the stride defaults to the window, and padded cells count in
    /// the divisor unless <paramref name="countIncludePad"/> is false (libtorch's defaults). See <see cref="AvgPool2dSpec"/>.
    /// </summary>
    public static AvgPool2dSpec AvgPool2d(int kernel, int? stride = null, int padding = 0, bool countIncludePad = true) =>
        new(kernel, kernel, stride, stride, padding, padding, countIncludePad);

    /// <summary>A flattening spec, <c>[C, H, W]</c> to <c>[C H W]</c> row-major; see <see cref="FlattenSpec"/>.</summary>
    public static FlattenSpec Flatten() => new();

    /// <summary>A new network with <paramref name="layer"/> appended (this one is unchanged).</summary>
    public Network Then(LayerSpec layer) => new(_shapes[0], _kinds[0], [.. _layers, layer]);

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<LayerSpec> Layers => _layers;

    /// <summary>Input features per sample and step (the size of <see cref="InputShape"/>).</summary>
    public int Inputs => _shapes[0].Size;

    /// <summary>Outputs per sample and step (the last layer's size).</summary>
    public int Outputs => _shapes[^1].Size;

    /// <summary>The shape of one sample at one step of the network's input.</summary>
    public TensorShape InputShape => _shapes[0];

    /// <summary>What the network's input is: analog values, or spikes (checked on every call).</summary>
    public ValueKind InputKind => _kinds[0];

    /// <summary>The shape of one sample at one step of the network's output.</summary>
    public TensorShape OutputShape => _shapes[^1];

    /// <summary>The size of the input of layer <paramref name="layer"/> (layer count: the network's output size).</summary>
    public int Width(int layer) => _shapes[layer].Size;

    /// <summary>The shape of the input of layer <paramref name="layer"/> (layer count: the network's output shape).</summary>
    public TensorShape Shape(int layer) => _shapes[layer];

    /// <summary>What the input of layer <paramref name="layer"/> is (layer count: the network's output).</summary>
    public ValueKind Kind(int layer) => _kinds[layer];

    /// <summary>A description of layer <paramref name="index"/> for messages.</summary>
    public string Describe(int index) => _layers[index].Describe(_shapes[index]);

    /// <summary>
    /// Fresh weights: every layer built by its spec (<see cref="LayerSpec.Build"/>), its parameters initialised from a seed
    /// derived from <paramref name="seed"/> and the layer index.
    /// </summary>
    public NetworkWeights Initialize(ulong seed)
    {
        var ops = new LayerOp[_layers.Length];
        for (int i = 0; i < _layers.Length; i++)
        {
            var context = new LayerBuildContext($"layer {i}", _shapes[i], _kinds[i], Data.SplitMix64.Mix(seed + (ulong)i * 0x9E3779B97F4A7C15UL));
            LayerOp op = _layers[i].Build(context) ?? throw new InvalidOperationException($"Layer {i} ({Describe(i)}): Build returned null.");
            if (op.InputShape != _shapes[i] || op.OutputShape != _shapes[i + 1])
            {
                throw new InvalidOperationException($"Layer {i} ({Describe(i)}): its spec promised {_shapes[i]} -> {_shapes[i + 1]} but Build made a layer of {op.InputShape} -> {op.OutputShape}.");
            }

            ops[i] = op;
        }

        return new NetworkWeights(this, ops);
    }

    /// <summary>Buffers to run batches of up to <paramref name="maxBatch"/> samples over <paramref name="steps"/> steps; see <see cref="NetworkRunner"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> or <paramref name="maxBatch"/> is not positive, or a buffer (e.g. the output <c>[steps, maxBatch, outputs]</c>, or a chunk's activations <c>[steps, ChunkSize, width]</c>) would not fit in one array; the message gives the product and the argument to lower.</exception>
    public NetworkRunner CreateRunner(NetworkWeights weights, int steps, int maxBatch, RunnerOptions? options = null)
        => new(this, weights, steps, maxBatch, options ?? new RunnerOptions());
}

/// <summary>The trainable state of a <see cref="Network"/>: one built layer (<see cref="LayerOp"/>) per spec, with its parameters.</summary>
public sealed class NetworkWeights
{
    internal NetworkWeights(Network network, LayerOp[] layers)
    {
        Network = network;
        Layers = layers;
        var dense = new DenseLayer?[layers.Length];
        var neurons = new Parameter?[layers.Length];
        var all = new List<Parameter>();
        for (int i = 0; i < layers.Length; i++)
        {
            switch (layers[i])
            {
                case DenseOp d: dense[i] = d.Layer; break;
                case RecurrentOp r: dense[i] = r.Recurrent; neurons[i] = r.Learnable; break;
                case NeuronOp n: neurons[i] = n.Learnable; break;
            }

            all.AddRange(layers[i].Parameters);
        }

        Dense = dense;
        NeuronParameters = neurons;
        Parameters = all.ToArray();
    }

    /// <summary>The network these weights belong to.</summary>
    public Network Network { get; }

    /// <summary>The built layers, one per spec of the network, in order.</summary>
    public IReadOnlyList<LayerOp> Layers { get; }

    /// <summary>The dense layer at each layer index (a recurrent layer's recurrent weights), or null where the layer is of another kind.</summary>
    public IReadOnlyList<DenseLayer?> Dense { get; }

    /// <summary>
    /// The learnable neuron parameters at each layer index (<see cref="ILearnableLayer.Parameters"/>, flattened), or null
    /// where the layer is not a neuron or recurrent layer or has none. The runner copies them into every worker's neuron
    /// layer before each batch and reduces their gradients like the weights'.
    /// </summary>
    public IReadOnlyList<Parameter?> NeuronParameters { get; }

    /// <summary>All parameters in layer order (each layer's <see cref="LayerOp.Parameters"/>: a dense layer's weight, then bias; a neuron layer's learnable parameters), for optimizers and checkpoints.</summary>
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
