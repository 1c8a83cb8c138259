using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.ExceptionServices;
using SnnDsl.Kernels;
using SnnDsl.Layers;

namespace SnnDsl.Training;

/// <summary>
/// Runs a <see cref="Network"/> with given <see cref="NetworkWeights"/> on batches of
/// <c>[T, batch, inputs]</c>: the forward pass over the whole window (keeping every layer's
/// activations and the neuron tapes), a loss, and the backward pass in reverse layer order.
/// Owns all buffers and its worker threads; after construction a training step allocates nothing,
/// whatever the thread count. Dispose it to stop the threads.
/// </summary>
/// <remarks>
/// <para>
/// Parallelism and determinism: the batch is cut into chunks of <see cref="RunnerOptions.ChunkSize"/>
/// samples, independent of the thread count. Each chunk runs the whole network on its own
/// (neuron layers of batch = chunk size; the last chunk is padded with zero input, and padded
/// samples get no loss and no gradient) and writes its weight gradients into its own buffers.
/// The buffers are then added to <see cref="Parameter.Grad"/> in chunk order, and the loss is
/// summed in chunk order, so every sum has the same order whatever the number of threads:
/// 1, 2 or 16 threads give bit-identical gradients.
/// </para>
/// <para>
/// Neuron layers are reset before every batch. Dense layers fed by spikes run event-driven.
/// </para>
/// <para>
/// Thread safety: a runner is not thread-safe. Its calls (<see cref="TrainStep"/>, <see cref="Evaluate"/>,
/// <see cref="Forward(ReadOnlySpan{float}, int)"/>, setting <see cref="Threads"/>, <see cref="Dispose"/>) share its
/// buffers and worker threads, so a call made while another call on the same runner is running (on another thread,
/// or re-entrantly from a loss) throws <see cref="InvalidOperationException"/> instead of corrupting them; the
/// running call is not disturbed. Reading <see cref="Output"/> or the other results during a call gives a mix of
/// two batches. Separate runners share nothing but the <see cref="NetworkWeights"/>: runners on separate threads
/// may run <see cref="Forward(ReadOnlySpan{float}, int)"/> and <see cref="Evaluate"/> on the same weights concurrently,
/// but <see cref="TrainStep"/> adds into the weights' gradients, so only one runner trains a set of weights at a time,
/// and nothing may change the weights (an optimizer step) while a runner reads them.
/// </para>
/// </remarks>
public sealed class NetworkRunner : IDisposable
{
    private readonly Network _net;
    private readonly NetworkWeights _weights;
    private readonly int _layers, _outputs;
    // The caller's input [T, rows, inputs], pinned for the duration of a call: the workers gather their chunks
    // straight from it (a span cannot cross into the worker threads, and a copy would be serial).
    private unsafe float* _inputData;
    private int _inputRows;
    private readonly int[] _labels;
    private readonly float[] _output, _membrane;
    private readonly float[][][] _chunkWeightGrad, _chunkBiasGrad, _chunkNeuronGrad; // [chunk][layer]
    private readonly WeightGradPart?[][] _parts;                   // [layer][chunk]: deferred event-driven weight gradients
    private readonly AlignedBuffer?[] _packed;                     // [layer]: weights packed once per batch, shared by the workers
    private readonly bool _hasDeferredWeightGrad;                  // some layer sums its weight gradient over the whole batch
    private readonly double[] _chunkLoss;
    private readonly Exception?[] _chunkError;
    private Worker[] _workers = [];
    private WorkerPool? _pool;
    private readonly Action<int> _body, _weightGradBody;
    private Exception? _weightGradError;
    private readonly ConcurrencyGuard _guard = new(nameof(NetworkRunner), "use one runner per thread", "a loss or a layer factory");

    // The current call, read by the workers.
    private int _batch;
    private bool _train;
    private ILoss? _loss;
    private float[]? _record, _recordMembrane;
    private int _recordLayer = -1;

    internal NetworkRunner(Network network, NetworkWeights weights, int steps, int maxBatch, RunnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(options);
        if (!ReferenceEquals(weights.Network, network)) throw new ArgumentException("The weights were made by another network.", nameof(weights));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ChunkSize, "options.ChunkSize");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Threads, "options.Threads");
        _net = network;
        _weights = weights;
        Steps = steps;
        MaxBatch = maxBatch;
        ChunkSize = Math.Min(options.ChunkSize, maxBatch);
        Chunks = (maxBatch + ChunkSize - 1) / ChunkSize;
        RunnerSizes.Check(network, weights, steps, maxBatch, ChunkSize); // every buffer's size, before any is allocated
        CheckFinite = options.CheckFinite;
        _layers = network.Layers.Count;
        _outputs = network.Outputs;
        _labels = new int[maxBatch];
        _output = new float[steps * maxBatch * _outputs];
        _membrane = new float[steps * maxBatch * _outputs];
        _chunkLoss = new double[Chunks];
        _chunkError = new Exception?[Chunks];
        _chunkWeightGrad = new float[Chunks][][];
        _chunkBiasGrad = new float[Chunks][][];
        _chunkNeuronGrad = new float[Chunks][][];
        // Dense layers wide enough for the packed kernels and fed by spikes (or maybe spikes) get weights packed
        // once per batch and a weight gradient summed over the whole batch by column panels (no per-chunk copy
        // of the weight gradient; a chunk whose input turns out not to be spikes falls back to its own buffer).
        _packed = new AlignedBuffer?[_layers];
        _parts = new WeightGradPart?[_layers][];
        for (int l = 0; l < _layers; l++)
        {
            _parts[l] = [];
            if (network.Layers[l] is DenseSpec spec && spec.Input != DenseInput.Analog && weights.Dense[l] is { UsesPackedKernels: true } d)
            {
                _packed[l] = new AlignedBuffer(d.PackedLength);
                _parts[l] = new WeightGradPart?[Chunks];
                for (int c = 0; c < Chunks; c++) _parts[l][c] = new WeightGradPart(d, steps * ChunkSize);
                _hasDeferredWeightGrad = true;
            }
        }

        for (int c = 0; c < Chunks; c++)
        {
            _chunkWeightGrad[c] = new float[_layers][];
            _chunkBiasGrad[c] = new float[_layers][];
            _chunkNeuronGrad[c] = new float[_layers][];
            for (int l = 0; l < _layers; l++)
            {
                DenseLayer? d = weights.Dense[l];
                // Deferred layers allocate their per-chunk buffer only if a chunk ever needs it (analog input).
                _chunkWeightGrad[c][l] = d is null || _packed[l] is not null ? [] : new float[d.Weight.Length];
                _chunkBiasGrad[c][l] = d?.Bias is null ? [] : new float[d.Outputs];
                _chunkNeuronGrad[c][l] = weights.NeuronParameters[l] is Parameter p ? new float[p.Length] : [];
            }
        }

        _body = RunWorker;
        _weightGradBody = RunWeightGradWorker;
        Threads = options.Threads;
    }

    private bool _disposed;

    /// <summary>Stops the worker threads (they are background threads, also stopped when the runner is collected).</summary>
    /// <exception cref="InvalidOperationException">A call on this runner is running (on another thread, or this call comes from inside it).</exception>
    public void Dispose()
    {
        using var _ = _guard.Enter(nameof(Dispose));
        _disposed = true;
        _pool?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops the worker threads of a runner that was not disposed.</summary>
    ~NetworkRunner() => _pool?.Dispose();

    /// <summary>Time steps per window.</summary>
    public int Steps { get; }

    /// <summary>Most samples per call.</summary>
    public int MaxBatch { get; }

    /// <summary>Samples per chunk (the parallel and reduction unit).</summary>
    public int ChunkSize { get; }

    /// <summary>Chunks of a full batch.</summary>
    public int Chunks { get; }

    /// <summary>Whether outputs and gradients are checked for NaN and infinity.</summary>
    public bool CheckFinite { get; set; }

    /// <summary>The network's output width (classes).</summary>
    public int NetworkOutputs => _outputs;

    /// <summary>The network this runner runs.</summary>
    public Network Network => _net;

    /// <summary>The weights this runner uses.</summary>
    public NetworkWeights Weights => _weights;

    /// <summary>Samples in the last call.</summary>
    public int Batch => _batch;

    /// <summary>Worker threads. Changing it allocates the new workers' buffers; results do not depend on it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    /// <exception cref="InvalidOperationException">Set while a call on this runner is running.</exception>
    public int Threads
    {
        get => _workers.Length;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value, nameof(Threads));
            using var _ = _guard.Enter(nameof(Threads));
            int n = Math.Min(value, Chunks);
            if (n == _workers.Length) return;
            var workers = new Worker[n];
            for (int w = 0; w < n; w++) workers[w] = w < _workers.Length ? _workers[w] : new Worker(this);
            _workers = workers;
            _pool?.Dispose();
            _pool = new WorkerPool(n);
        }
    }

    /// <summary>The last call's network output, <c>[T, Batch, outputs]</c>: the last layer's spikes (or values, for a dense last layer).</summary>
    public ReadOnlySpan<float> Output => _output.AsSpan(0, Steps * _batch * _outputs);

    /// <summary>The last call's output membrane, <c>[T, Batch, outputs]</c>: the pre-reset first state of a neuron last layer, or <see cref="Output"/> for a dense last layer.</summary>
    public ReadOnlySpan<float> OutputMembrane => _net.Layers[^1] is NeuronSpec or RecurrentSpec ? _membrane.AsSpan(0, Steps * _batch * _outputs) : Output;

    /// <summary>The output a loss reads: <see cref="Output"/> or <see cref="OutputMembrane"/>.</summary>
    public ReadOnlySpan<float> OutputFor(ILoss loss) => (loss ?? throw new ArgumentNullException(nameof(loss))).Input == LossInput.Membrane ? OutputMembrane : Output;

    /// <summary>
    /// Forward pass, loss and backward pass on <c>labels.Length</c> samples: <paramref name="input"/>
    /// is <c>[T, rows, inputs]</c> with <c>rows &gt;= labels.Length</c> (extra rows are ignored).
    /// Adds the gradient of the batch-mean loss to every <see cref="Parameter.Grad"/> (clear them
    /// first, e.g. with the optimizer's <c>ZeroGrad</c>) and returns the batch-mean loss.
    /// </summary>
    /// <exception cref="NonFiniteException">A layer produced NaN or infinity (with <see cref="CheckFinite"/>).</exception>
    /// <exception cref="InvalidOperationException">Another call on this runner is running (see the thread-safety remarks).</exception>
    public double TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, ILoss loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        using var _ = _guard.Enter(nameof(TrainStep));
        Run(input, labels.Length, labels, loss, train: true);
        ReduceGradients();
        return SumLoss();
    }

    /// <summary>Forward pass only on <paramref name="batch"/> samples; read <see cref="Output"/> afterwards.</summary>
    /// <exception cref="InvalidOperationException">Another call on this runner is running (see the thread-safety remarks).</exception>
    public void Forward(ReadOnlySpan<float> input, int batch)
    {
        using var _ = _guard.Enter(nameof(Forward));
        Run(input, batch, default, null, train: false);
    }

    /// <summary>
    /// Forward pass only, also copying the output of layer <paramref name="layer"/> (e.g. a hidden
    /// neuron layer's spikes, for a raster plot) into <paramref name="activations"/>,
    /// <c>[T, batch, width]</c> where width is <c>Network.Width(layer + 1)</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another call on this runner is running (see the thread-safety remarks).</exception>
    public void Forward(ReadOnlySpan<float> input, int batch, int layer, float[] activations)
    {
        ArgumentNullException.ThrowIfNull(activations);
        Forward(input, batch, layer, activations, null);
    }

    /// <summary>
    /// Forward pass only, also recording layer <paramref name="layer"/>: its output (a neuron layer's spikes) into
    /// <paramref name="activations"/> and, for a neuron or recurrent layer, its first state before the reset
    /// (the membrane, as <see cref="OutputMembrane"/> gives it for the last layer) into <paramref name="membrane"/>;
    /// both <c>[T, batch, width]</c> where width is <c>Network.Width(layer + 1)</c>, and either may be null (not recorded).
    /// The network's <see cref="Output"/> is filled as by <see cref="Forward(ReadOnlySpan{float}, int)"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not a layer index, or <paramref name="batch"/> is not 1 to <see cref="MaxBatch"/>.</exception>
    /// <exception cref="ArgumentException">A buffer has another length than <c>[T, batch, width]</c>, both are null, or <paramref name="membrane"/> is asked of a dense layer (it has no state).</exception>
    /// <exception cref="InvalidOperationException">Another call on this runner is running (see the thread-safety remarks).</exception>
    public void Forward(ReadOnlySpan<float> input, int batch, int layer, float[]? activations, float[]? membrane)
    {
        using var _ = _guard.Enter(nameof(Forward));
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, _layers);
        if (activations is null && membrane is null) throw new ArgumentException("Pass activations, membrane or both to record; to record nothing call Forward(input, batch).", nameof(activations));
        int width = _net.Width(layer + 1);
        if (activations is not null && activations.Length != (long)Steps * batch * width)
        {
            throw new ArgumentException($"Expected activations of shape [steps, batch, width] = [{Steps}, {batch}, {width}].", nameof(activations));
        }

        if (membrane is not null)
        {
            if (_net.Layers[layer] is not (NeuronSpec or RecurrentSpec))
            {
                throw new ArgumentException($"Layer {layer} ({_net.Describe(layer)}) is a dense layer and has no membrane; record a neuron or recurrent layer's membrane.", nameof(membrane));
            }

            if (membrane.Length != (long)Steps * batch * width)
            {
                throw new ArgumentException($"Expected membrane of shape [steps, batch, width] = [{Steps}, {batch}, {width}].", nameof(membrane));
            }
        }

        _record = activations;
        _recordMembrane = membrane;
        _recordLayer = layer;
        try
        {
            Run(input, batch, default, null, train: false);
        }
        finally
        {
            _record = null;
            _recordMembrane = null;
            _recordLayer = -1;
        }
    }

    /// <summary>Forward pass and the batch-mean loss, without gradients.</summary>
    /// <exception cref="InvalidOperationException">Another call on this runner is running (see the thread-safety remarks).</exception>
    public double Evaluate(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, ILoss loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        using var _ = _guard.Enter(nameof(Evaluate));
        Run(input, labels.Length, labels, loss, train: false);
        return SumLoss();
    }

    private double SumLoss()
    {
        double total = 0;
        int used = (_batch + ChunkSize - 1) / ChunkSize;
        for (int c = 0; c < used; c++) total += _chunkLoss[c];
        return total;
    }

    private unsafe void Run(ReadOnlySpan<float> input, int batch, ReadOnlySpan<int> labels, ILoss? loss, bool train)
    {
        if (batch < 1 || batch > MaxBatch) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"Expected 1 to {MaxBatch} samples.");
        int features = _net.Inputs;
        int rows = input.Length / (Steps * features);
        if (rows < batch || input.Length != rows * Steps * features)
        {
            throw new ArgumentException($"Expected input of shape [steps, rows, inputs] = [{Steps}, >= {batch}, {features}], got {input.Length} floats.", nameof(input));
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)_outputs) throw new ArgumentException($"labels[{i}] = {labels[i]} is not a class index in [0, {_outputs}).", nameof(labels));
        }

        labels.CopyTo(_labels);
        _batch = batch;
        _train = train;
        _loss = loss;
        Array.Clear(_chunkError);
        Array.Clear(_chunkLoss);
        for (int l = 0; l < _layers; l++)
        {
            if (_packed[l] is AlignedBuffer packed) _weights.Dense[l]!.PackWeights(packed.Span);
            foreach (WeightGradPart? part in _parts[l]) part!.Recorded = false;
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        fixed (float* data = input)
        {
            _inputData = data;
            _inputRows = rows;
            try
            {
                _pool!.Run(_body);
            }
            finally
            {
                _inputData = null;
            }
        }

        _loss = null;
        for (int c = 0; c < Chunks; c++)
        {
            if (_chunkError[c] is Exception e) ExceptionDispatchInfo.Capture(e).Throw();
        }
    }

    private void RunWorker(int w)
    {
        int used = (_batch + ChunkSize - 1) / ChunkSize;
        Worker worker = _workers[w];
        try
        {
            worker.LoadNeuronParameters();
        }
        catch (Exception e)
        {
            _chunkError[w] = e;
            return;
        }

        for (int c = w; c < used; c += _workers.Length)
        {
            try
            {
                worker.RunChunk(c);
            }
            catch (Exception e)
            {
                _chunkError[c] = e;
                return;
            }
        }
    }

    private void ReduceGradients()
    {
        int used = (_batch + ChunkSize - 1) / ChunkSize;
        for (int l = 0; l < _layers; l++)
        {
            if (_weights.NeuronParameters[l] is Parameter np)
            {
                for (int c = 0; c < used; c++) TensorPrimitives.Add(np.Grad, _chunkNeuronGrad[c][l], np.Grad);
                if (CheckFinite) CheckParameter(l, np.Grad, "neuron parameter gradient");
            }

            DenseLayer? d = _weights.Dense[l];
            if (d is null) continue;
            for (int c = 0; c < used; c++)
            {
                bool deferred = _parts[l].Length > 0 && _parts[l][c]!.Recorded;
                if (!deferred) TensorPrimitives.Add(d.Weight.Grad, _chunkWeightGrad[c][l], d.Weight.Grad);
                if (d.Bias is not null) TensorPrimitives.Add(d.Bias.Grad, _chunkBiasGrad[c][l], d.Bias.Grad);
            }
        }

        // The deferred event-driven weight gradients: column panels split between the workers.
        if (_hasDeferredWeightGrad)
        {
            _weightGradError = null;
            _pool!.Run(_weightGradBody);
            if (_weightGradError is Exception error) ExceptionDispatchInfo.Capture(error).Throw();
        }

        for (int l = 0; l < _layers; l++)
        {
            DenseLayer? d = _weights.Dense[l];
            if (d is null) continue;

            if (CheckFinite)
            {
                CheckParameter(l, d.Weight.Grad, "weight gradient");
                if (d.Bias is not null) CheckParameter(l, d.Bias.Grad, "bias gradient");
            }
        }
    }

    private void RunWeightGradWorker(int w)
    {
        try
        {
            for (int l = 0; l < _layers; l++)
            {
                if (_parts[l].Length == 0) continue;
                DenseLayer d = _weights.Dense[l]!;
                for (int p = w; p < d.Panels; p += _pool!.Workers) d.AccumulateWeightGradPanel(p, _parts[l], d.Weight.Grad);
            }
        }
        catch (Exception e)
        {
            _weightGradError = e;
        }
    }

    private void CheckParameter(int layer, ReadOnlySpan<float> grad, string what)
    {
        int i = FirstNonFinite(grad);
        if (i >= 0) throw new NonFiniteException(Pass.Backward, layer, _net.Describe(layer), -1, -1, i, grad[i], what);
    }

    /// <summary>Index of the first NaN or infinity, or -1.</summary>
    internal static int FirstNonFinite(ReadOnlySpan<float> x)
    {
        int i = 0, w = Vector<float>.Count;
        for (; i + w <= x.Length; i += w)
        {
            var v = new Vector<float>(x.Slice(i));
            if (!Vector.EqualsAll(v - v, Vector<float>.Zero)) break;
        }

        for (; i < x.Length; i++)
        {
            if (!float.IsFinite(x[i])) return i;
        }

        return -1;
    }

    /// <summary>One thread's layers and buffers; it runs whole chunks.</summary>
    private sealed class Worker
    {
        private readonly NetworkRunner _r;
        private readonly float[] _in;
        private readonly float[][] _act, _grad;     // [layer] -> [T, chunk, width(l + 1)]
        private readonly float[] _firstGrad;        // gradient of the first layer's input, when it is a neuron layer
        private readonly float[] _membrane, _zeros;  // [T, chunk, outputs]
        private readonly ITrainableLayer?[] _neurons;
        private readonly NeuronTape?[] _tapes;
        private readonly DenseWorkspace?[] _dense;
        private readonly Recurrence?[] _recurrent;   // per recurrent layer: one-step tapes and buffers
        private readonly bool[] _events;              // [layer]: the dense forward pass of this chunk ran event-driven

        public Worker(NetworkRunner runner)
        {
            _r = runner;
            Network net = runner._net;
            int steps = runner.Steps, cs = runner.ChunkSize, rows = steps * cs, layers = runner._layers;
            _in = new float[rows * net.Inputs];
            _act = new float[layers][];
            _grad = new float[layers][];
            _neurons = new ITrainableLayer?[layers];
            _tapes = new NeuronTape?[layers];
            _dense = new DenseWorkspace?[layers];
            _recurrent = new Recurrence?[layers];
            _events = new bool[layers];
            for (int l = 0; l < layers; l++)
            {
                int width = net.Width(l + 1);
                _act[l] = new float[rows * width];
                _grad[l] = new float[rows * width];
                switch (net.Layers[l] is RecurrentSpec rs ? rs.Neuron : net.Layers[l])
                {
                    case NeuronSpec n:
                        ITrainableLayer layer = n.Create(cs, width) ?? throw new InvalidOperationException($"Layer {l} ({n.Name}): the factory returned null.");
                        if (layer.Batch != cs || layer.Neurons != width)
                        {
                            throw new InvalidOperationException($"Layer {l} ({n.Name}): the factory was asked for [{cs}, {width}] and returned a layer of [{layer.Batch}, {layer.Neurons}].");
                        }

                        _neurons[l] = layer;
                        if (net.Layers[l] is RecurrentSpec)
                        {
                            _recurrent[l] = new Recurrence(layer, steps, cs, width);
                            _dense[l] = runner._weights.Dense[l]!.CreateWorkspace(cs);
                        }
                        else
                        {
                            _tapes[l] = layer.CreateTape(steps);
                        }
                        if (runner._weights.NeuronParameters[l] is Parameter p
                            && (layer is not ILearnableLayer learnable || learnable.Parameters.Length != p.Length))
                        {
                            throw new InvalidOperationException($"Layer {l} ({n.Name}): the factory's layer does not have the {p.Length} learnable parameters the weights hold.");
                        }

                        break;
                    default:
                        _dense[l] = runner._weights.Dense[l]!.CreateWorkspace(rows);
                        break;
                }
            }

            _firstGrad = net.Layers[0] is NeuronSpec or RecurrentSpec ? new float[rows * net.Inputs] : [];
            _membrane = new float[rows * runner._outputs];
            _zeros = new float[rows * runner._outputs];
        }

        /// <summary>Copies the shared learnable neuron parameters into this worker's layers.</summary>
        public void LoadNeuronParameters()
        {
            for (int l = 0; l < _neurons.Length; l++)
            {
                if (_r._weights.NeuronParameters[l] is Parameter p)
                {
                    var layer = (ILearnableLayer)_neurons[l]!;
                    p.Value.CopyTo(layer.Parameters);
                    layer.ApplyParameters();
                }
            }
        }

        public unsafe void RunChunk(int c)
        {
            NetworkRunner r = _r;
            Network net = r._net;
            int steps = r.Steps, cs = r.ChunkSize, batch = r._batch, rows = steps * cs;
            int first = c * cs, valid = Math.Min(cs, batch - first);

            // Gather the chunk's input, zero-padding missing samples.
            int f = net.Inputs;
            for (int t = 0; t < steps; t++)
            {
                new ReadOnlySpan<float>(r._inputData + ((long)t * r._inputRows + first) * f, valid * f).CopyTo(_in.AsSpan(t * cs * f));
                if (valid < cs) _in.AsSpan((t * cs + valid) * f, (cs - valid) * f).Clear();
            }

            // Forward.
            for (int l = 0; l < r._layers; l++)
            {
                ReadOnlySpan<float> x = l == 0 ? _in : _act[l - 1];
                if (_recurrent[l] is Recurrence rec)
                {
                    rec.Forward(x, _act[l], r._weights.Dense[l]!, _dense[l]!);
                }
                else if (_neurons[l] is ITrainableLayer n)
                {
                    n.Reset();
                    n.Forward(steps, x, _act[l], _tapes[l]!);
                }
                else
                {
                    var spec = (DenseSpec)net.Layers[l];
                    _events[l] = r._weights.Dense[l]!.Forward(x, rows, _act[l], _dense[l]!, spec.Input, r._packed[l]);
                }

                if (r.CheckFinite) Check(Pass.Forward, l, _act[l], net.Width(l + 1), first, valid, "output");
            }

            // Outputs, gathered into the runner's [T, batch, outputs].
            int last = r._layers - 1, o = r._outputs;
            bool neuronOut = _neurons[last] is not null;
            if (neuronOut)
            {
                for (int t = 0; t < steps; t++)
                    (_recurrent[last] is Recurrence rl ? rl.Tapes[t].PreState(0, 0) : _tapes[last]!.PreState(t, 0)).CopyTo(_membrane.AsSpan(t * cs * o, cs * o));
            }

            for (int t = 0; t < steps; t++)
            {
                _act[last].AsSpan(t * cs * o, valid * o).CopyTo(r._output.AsSpan((t * batch + first) * o));
                if (neuronOut) _membrane.AsSpan(t * cs * o, valid * o).CopyTo(r._membrane.AsSpan((t * batch + first) * o));
            }

            if (r._record is float[] record)
            {
                int width = net.Width(r._recordLayer + 1);
                for (int t = 0; t < steps; t++) _act[r._recordLayer].AsSpan(t * cs * width, valid * width).CopyTo(record.AsSpan((t * batch + first) * width));
            }

            if (r._recordMembrane is float[] recordMembrane)
            {
                int l = r._recordLayer, width = net.Width(l + 1);
                for (int t = 0; t < steps; t++)
                {
                    ReadOnlySpan<float> pre = _recurrent[l] is Recurrence rl ? rl.Tapes[t].PreState(0, 0) : _tapes[l]!.PreState(t, 0);
                    pre.Slice(0, valid * width).CopyTo(recordMembrane.AsSpan((t * batch + first) * width));
                }
            }

            ILoss? loss = r._loss;
            if (loss is null) return;
            bool membrane = loss.Input == LossInput.Membrane;
            ReadOnlySpan<float> scored = membrane && neuronOut ? _membrane : _act[last];
            r._chunkLoss[c] = loss.Evaluate(scored, steps, cs, o, r._labels.AsSpan(first, valid), _grad[last], 1f / batch);
            if (!r._train) return;

            // Backward, in reverse layer order.
            for (int l = last; l >= 0; l--)
            {
                ReadOnlySpan<float> x = l == 0 ? _in : _act[l - 1];
                Span<float> gx = l == 0 ? _firstGrad : _grad[l - 1];
                if (_neurons[l] is ITrainableLayer n)
                {
                    Span<float> pg = n is ILearnableLayer learnable && r._weights.NeuronParameters[l] is not null ? learnable.ParameterGradients : default;
                    pg.Clear();
                    if (_recurrent[l] is Recurrence rec)
                    {
                        float[] wg = r._chunkWeightGrad[c][l];
                        Array.Clear(wg);
                        rec.Backward(_act[l], _grad[l], l == last && membrane, gx, r._weights.Dense[l]!, _dense[l]!, wg);
                    }
                    else if (l == last && membrane) n.Backward(_tapes[l]!, x, _act[l], _zeros, _grad[l], gx);
                    else n.Backward(_tapes[l]!, x, _act[l], _grad[l], ReadOnlySpan<float>.Empty, gx);
                    pg.CopyTo(r._chunkNeuronGrad[c][l]);
                }
                else
                {
                    var spec = (DenseSpec)net.Layers[l];
                    DenseLayer d = r._weights.Dense[l]!;
                    float[] bg = r._chunkBiasGrad[c][l];
                    Array.Clear(bg);
                    if (r._parts[l].Length > 0 && _events[l])
                    {
                        d.BackwardDeferred(rows, _grad[l], l == 0 ? Span<float>.Empty : gx, _dense[l]!, bg, r._parts[l][c]!);
                    }
                    else
                    {
                        float[] wg = r._chunkWeightGrad[c][l].Length > 0 ? r._chunkWeightGrad[c][l] : (r._chunkWeightGrad[c][l] = new float[d.Weight.Length]);
                        Array.Clear(wg);
                        d.Backward(x, rows, _grad[l], l == 0 ? Span<float>.Empty : gx, _dense[l]!, wg, bg, spec.Input);
                    }
                }

                if (r.CheckFinite && (l > 0 || _neurons[l] is not null))
                {
                    Check(Pass.Backward, l, gx, net.Width(l), first, valid, "input gradient");
                }
            }
        }

        private void Check(Pass pass, int layer, ReadOnlySpan<float> x, int width, int first, int valid, string what)
        {
            // The backward pass runs backwards in time: its first non-finite value is at the latest step.
            int cs = _r.ChunkSize, steps = _r.Steps;
            for (int k = 0; k < steps; k++)
            {
                int t = pass == Pass.Forward ? k : steps - 1 - k;
                int i = FirstNonFinite(x.Slice(t * cs * width, valid * width));
                if (i >= 0)
                {
                    float v = x[t * cs * width + i];
                    throw new NonFiniteException(pass, layer, _r._net.Describe(layer), t, first + i / width, i % width, v, what);
                }
            }
        }
    }

    /// <summary>
    /// A recurrent neuron layer stepped one time step at a time: the input current at t is the previous
    /// layer's output at t plus the layer's spikes at t - 1 times the recurrent weights. Backward runs
    /// the steps in reverse, chaining the neurons' state gradient between one-step windows and sending
    /// each step's input gradient back through the recurrent weights to the previous step's spikes.
    /// </summary>
    private sealed class Recurrence
    {
        private readonly ITrainableLayer _layer;
        private readonly int _steps, _rows, _width, _states;
        private readonly float[] _current, _recurrentInput, _gradRecurrent, _gradSpikesStep, _gradEnd, _gradStart, _gradMembraneStep;

        public Recurrence(ITrainableLayer layer, int steps, int rows, int width)
        {
            _layer = layer;
            _steps = steps;
            _rows = rows;
            _width = width;
            _states = layer.StateCount;
            Tapes = new NeuronTape[steps];
            for (int t = 0; t < steps; t++) Tapes[t] = layer.CreateTape(1);
            _current = new float[steps * rows * width];
            _recurrentInput = new float[rows * width];
            _gradRecurrent = new float[rows * width];
            _gradSpikesStep = new float[rows * width];
            _gradMembraneStep = new float[rows * width];
            _gradEnd = new float[_states * rows * width];
            _gradStart = new float[_states * rows * width];
        }

        /// <summary>One one-step tape per time step.</summary>
        public NeuronTape[] Tapes { get; }

        public void Forward(ReadOnlySpan<float> input, Span<float> spikes, DenseLayer recurrent, DenseWorkspace workspace)
        {
            int n = _rows * _width;
            _layer.Reset();
            for (int t = 0; t < _steps; t++)
            {
                Span<float> current = _current.AsSpan(t * n, n);
                input.Slice(t * n, n).CopyTo(current);
                if (t > 0)
                {
                    recurrent.Forward(spikes.Slice((t - 1) * n, n), _rows, _recurrentInput, workspace, DenseInput.Auto);
                    System.Numerics.Tensors.TensorPrimitives.Add(current, _recurrentInput, current);
                }
                _layer.Forward(1, current, spikes.Slice(t * n, n), Tapes[t]);
            }
        }

        public void Backward(ReadOnlySpan<float> spikes, ReadOnlySpan<float> gradOutput, bool membrane, Span<float> gradInput,
            DenseLayer recurrent, DenseWorkspace workspace, Span<float> weightGrad)
        {
            int n = _rows * _width;
            Array.Clear(_gradRecurrent);
            for (int t = _steps - 1; t >= 0; t--)
            {
                // dL/dspikes at t: from the layer above (unless it reads the membrane) and through the recurrence at t + 1.
                if (membrane)
                {
                    _gradRecurrent.CopyTo(_gradSpikesStep, 0);
                    gradOutput.Slice(t * n, n).CopyTo(_gradMembraneStep);
                }
                else
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(gradOutput.Slice(t * n, n), _gradRecurrent, _gradSpikesStep);
                }

                Span<float> gin = gradInput.Slice(t * n, n);
                _layer.Backward(Tapes[t], _current.AsSpan(t * n, n), spikes.Slice(t * n, n), _gradSpikesStep,
                    membrane ? _gradMembraneStep : ReadOnlySpan<float>.Empty,
                    t == _steps - 1 ? ReadOnlySpan<float>.Empty : _gradEnd, gin, _gradStart);
                _gradStart.CopyTo(_gradEnd, 0);

                // The recurrent weights: dW += s[t-1]^T gin[t], and dL/ds[t-1] = gin[t] W^T.
                if (t > 0) recurrent.Backward(spikes.Slice((t - 1) * n, n), _rows, gin, _gradRecurrent, workspace, weightGrad, Span<float>.Empty, DenseInput.Auto);
                else Array.Clear(_gradRecurrent);
            }
        }
    }
}
