using System;
using System.Collections.Generic;
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
    private readonly LayerOp[] _ops;
    private readonly int _layers, _outputs;
    // The caller's input [T, rows, inputs], pinned for the duration of a call: the workers gather their chunks
    // straight from it (a span cannot cross into the worker threads, and a copy would be serial).
    private unsafe float* _inputData;
    private int _inputRows;
    private readonly int[] _labels;
    private readonly float[] _output, _membrane;
    private readonly LayerGradients?[] _gradients;                 // [layer]: the chunks' gradient shares
    private readonly double[] _chunkLoss;
    private readonly Exception?[] _chunkError;
    private Worker[] _workers = [];
    private WorkerPool? _pool;
    private LayerWorkers? _layerWorkers;
    private readonly Action<int> _body;
    private long _trainingSteps;
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
        _ops = [.. weights.Layers];
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
        _gradients = new LayerGradients?[_layers];
        for (int l = 0; l < _layers; l++) _gradients[l] = _ops[l].CreateGradients(steps, ChunkSize, Chunks);
        _body = RunWorker;
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
            _layerWorkers = new LayerWorkers(_pool);
        }
    }

    /// <summary>The last call's network output, <c>[T, Batch, outputs]</c>: the last layer's spikes (or values, for a dense last layer).</summary>
    public ReadOnlySpan<float> Output => _output.AsSpan(0, Steps * _batch * _outputs);

    /// <summary>The last call's output membrane, <c>[T, Batch, outputs]</c>: the pre-reset first state of a neuron last layer, or <see cref="Output"/> for a dense last layer.</summary>
    public ReadOnlySpan<float> OutputMembrane => _ops[^1].HasMembrane ? _membrane.AsSpan(0, Steps * _batch * _outputs) : Output;

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
        _trainingSteps++;
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
            if (!_ops[layer].HasMembrane)
            {
                throw new ArgumentException($"Layer {layer} ({_net.Describe(layer)}) has no membrane (it is not a neuron layer); record a neuron or recurrent layer's membrane.", nameof(membrane));
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
        if (_net.InputKind == ValueKind.Spikes)
        {
            for (int t = 0; t < Steps; t++) CheckSpikes(input.Slice(t * rows * features, batch * features), t, features);
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
            worker.BeginBatch(_train);
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

    /// <summary>Refuses a value other than 0 or 1 in the input of a network declared to take spikes.</summary>
    private static void CheckSpikes(ReadOnlySpan<float> x, int step, int features)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            if (v != 0f && v != 1f)
                throw new ArgumentException($"The network takes spikes (ValueKind.Spikes), but input holds {v} at time step {step}, sample {i / features}, feature {i % features}; pass 0 or 1, or declare the input ValueKind.Analog.", "input");
        }
    }

    private void ReduceGradients()
    {
        int used = (_batch + ChunkSize - 1) / ChunkSize;
        for (int l = 0; l < _layers; l++)
        {
            _ops[l].ReduceGradients(_gradients[l], used, _layerWorkers!);
            if (!CheckFinite) continue;
            IReadOnlyList<Parameter> parameters = _ops[l].Parameters;
            for (int i = 0; i < parameters.Count; i++) CheckParameter(l, parameters[i]);
        }
    }

    private void CheckParameter(int layer, Parameter p)
    {
        int i = FirstNonFinite(p.Grad);
        if (i >= 0) throw new NonFiniteException(Pass.Backward, layer, _net.Describe(layer), -1, -1, i, p.Grad[i], $"gradient of {p.Name}");
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

    /// <summary>One thread's layer workspaces and buffers; it runs whole chunks.</summary>
    private sealed class Worker
    {
        private readonly NetworkRunner _r;
        private readonly float[] _in;
        private readonly float[][] _act, _grad;     // [layer] -> [T, chunk, size(l + 1)]
        private readonly float[] _membrane, _zeros;  // [T, chunk, outputs]
        private readonly LayerWorkspace[] _ws;

        public Worker(NetworkRunner runner)
        {
            _r = runner;
            Network net = runner._net;
            int steps = runner.Steps, cs = runner.ChunkSize, rows = steps * cs, layers = runner._layers;
            _in = new float[rows * net.Inputs];
            _act = new float[layers][];
            _grad = new float[layers][];
            _ws = new LayerWorkspace[layers];
            for (int l = 0; l < layers; l++)
            {
                int width = net.Width(l + 1);
                _act[l] = new float[rows * width];
                _grad[l] = new float[rows * width];
                _ws[l] = runner._ops[l].CreateWorkspace(steps, cs) ?? throw new InvalidOperationException($"Layer {l} ({net.Describe(l)}): CreateWorkspace returned null.");
            }

            _membrane = new float[rows * runner._outputs];
            _zeros = new float[rows * runner._outputs];
        }

        /// <summary>Lets every layer copy what changed since the last call (learnable parameters, packed weights) into this worker's workspaces.</summary>
        public void BeginBatch(bool training)
        {
            foreach (LayerWorkspace ws in _ws) ws.BeginBatch(training);
        }

        public unsafe void RunChunk(int c)
        {
            NetworkRunner r = _r;
            Network net = r._net;
            LayerOp[] ops = r._ops;
            int steps = r.Steps, cs = r.ChunkSize, batch = r._batch;
            int first = c * cs, valid = Math.Min(cs, batch - first);
            var chunk = new LayerChunk(steps, cs, first, valid, r._train, r._trainingSteps, c);

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
                ops[l].Forward(_ws[l], chunk, x, _act[l]);
                if (r.CheckFinite) Check(Pass.Forward, l, _act[l], net.Width(l + 1), first, valid, "output");
            }

            // Outputs, gathered into the runner's [T, batch, outputs].
            int last = r._layers - 1, o = r._outputs;
            bool neuronOut = ops[last].HasMembrane;
            if (neuronOut)
            {
                for (int t = 0; t < steps; t++) ops[last].Membrane(_ws[last], t).Slice(0, cs * o).CopyTo(_membrane.AsSpan(t * cs * o, cs * o));
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
                for (int t = 0; t < steps; t++) ops[l].Membrane(_ws[l], t).Slice(0, valid * width).CopyTo(recordMembrane.AsSpan((t * batch + first) * width));
            }

            ILoss? loss = r._loss;
            if (loss is null) return;
            bool membrane = loss.Input == LossInput.Membrane;
            ReadOnlySpan<float> scored = membrane && neuronOut ? _membrane : _act[last];
            r._chunkLoss[c] = loss.Evaluate(scored, steps, cs, o, r._labels.AsSpan(first, valid), _grad[last], 1f / batch);
            if (!r._train) return;

            // Backward, in reverse layer order. A loss on the last layer's membrane sends its gradient there, and none to the spikes.
            for (int l = last; l >= 0; l--)
            {
                ReadOnlySpan<float> x = l == 0 ? _in : _act[l - 1];
                Span<float> gx = l == 0 ? Span<float>.Empty : _grad[l - 1];
                bool toMembrane = l == last && membrane && neuronOut;
                r._gradients[l]?.Clear(c);
                ops[l].Backward(_ws[l], chunk, x, _act[l], toMembrane ? _zeros : _grad[l], toMembrane ? _grad[l] : ReadOnlySpan<float>.Empty, gx, r._gradients[l]);
                if (r.CheckFinite && l > 0) Check(Pass.Backward, l, gx, net.Width(l), first, valid, "input gradient");
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
}
