using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using System.Threading;
using SnnDsl.Training;

namespace SnnDsl.Layers;

/// <summary>What a layer's values are, as far as the layers after it may assume.</summary>
public enum ValueKind
{
    /// <summary>Any real values (currents, pixel intensities, batch-normalised values, spike counts).</summary>
    Analog,

    /// <summary>Spikes: every value is exactly 0 or 1. Layers reading spikes run event-driven kernels (additions only).</summary>
    Spikes,
}

/// <summary>What <see cref="LayerSpec.Build"/> receives: where the layer sits in its network and what it is fed.</summary>
/// <param name="Name">The layer's name in messages and parameter names, e.g. <c>"layer 3"</c> or <c>"layer 4 main 0"</c> inside a residual block.</param>
/// <param name="Input">The shape of one sample at one step of the layer's input.</param>
/// <param name="InputKind">Whether the input is spikes (choose the event-driven kernels) or analog values.</param>
/// <param name="Seed">The seed for the layer's initial parameters, already derived from the network seed and the layer's position.</param>
public sealed record LayerBuildContext(string Name, TensorShape Input, ValueKind InputKind, ulong Seed)
{
    /// <summary>The context of a layer nested in this one (a residual block's branches): named <c>Name + " " + suffix</c>, with its own seed.</summary>
    public LayerBuildContext Nested(string suffix, int index, TensorShape input, ValueKind inputKind) =>
        new($"{Name} {suffix} {index}", input, inputKind, Data.SplitMix64.Mix(Seed + (ulong)(index + 1) * 0xD1B54A32D192ED03UL + (ulong)suffix.Length));
}

/// <summary>
/// One chunk of samples as a layer sees it: the chunk's input and output are time-major <c>[Steps, Samples, shape]</c>,
/// of which the first <see cref="ValidSamples"/> samples are real and the rest are zero padding (they get no loss and no gradient).
/// </summary>
/// <param name="Steps">Time steps of the window.</param>
/// <param name="Samples">Samples per step in the chunk's buffers (the runner's chunk size).</param>
/// <param name="FirstSample">The index in the batch of the chunk's first sample (key per-sample randomness by <c>FirstSample + s</c>, never by worker or chunk, so results do not depend on the thread count).</param>
/// <param name="ValidSamples">Real samples, 1 to <see cref="Samples"/>.</param>
/// <param name="Training">Whether this is a training step (dropout drops, batch norm uses the chunk's statistics) rather than evaluation or prediction.</param>
/// <param name="TrainingStep">How many training steps the runner made before this call: a key for randomness that must change from batch to batch (dropout masks).</param>
/// <param name="Index">The chunk's index in the batch (the share of <see cref="LayerGradients"/> to write).</param>
public readonly record struct LayerChunk(int Steps, int Samples, int FirstSample, int ValidSamples, bool Training, long TrainingStep, int Index)
{
    /// <summary>Rows of the chunk's buffers, <c>Steps x Samples</c>.</summary>
    public int Rows => Steps * Samples;
}

/// <summary>
/// One worker thread's scratch for one layer: buffers, tapes, neuron layers. Made once by <see cref="LayerOp.CreateWorkspace"/>
/// (all sizes are known then), used by one thread at a time, and never resized while training.
/// </summary>
public abstract class LayerWorkspace
{
    /// <summary>A workspace that holds nothing, for layers that need no scratch.</summary>
    public static LayerWorkspace Empty { get; } = new EmptyWorkspace();

    /// <summary>
    /// Called on the worker's thread at the start of every runner call, before the worker runs any chunk: copy shared
    /// values that change between batches (learnable neuron parameters, packed weights) into the workspace.
    /// </summary>
    /// <param name="training">Whether the call is a training step.</param>
    public virtual void BeginBatch(bool training)
    {
    }

    private sealed class EmptyWorkspace : LayerWorkspace
    {
    }
}

/// <summary>
/// A runner's gradient buffers for one layer: one share per chunk, reduced into <see cref="Parameter.Grad"/> by
/// <see cref="LayerOp.ReduceGradients"/> in chunk order (so the sum does not depend on the thread count). Made once per
/// runner by <see cref="LayerOp.CreateGradients"/>. The default holds one buffer per chunk and parameter; a layer may
/// derive to keep something else (a deferred weight gradient, a chunk's batch statistics) and the state its reduction needs.
/// </summary>
public class LayerGradients
{
    private readonly float[][][] _buffers; // [chunk][parameter]

    /// <summary>For each of <paramref name="chunks"/> chunks, one zero buffer per parameter, each of the parameter's length.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunks"/> is below 1.</exception>
    public LayerGradients(IReadOnlyList<Parameter> parameters, int chunks)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunks);
        _buffers = new float[chunks][][];
        for (int c = 0; c < chunks; c++)
        {
            _buffers[c] = new float[parameters.Count][];
            for (int i = 0; i < parameters.Count; i++) _buffers[c][i] = new float[parameters[i].Length];
        }
    }

    /// <summary>
    /// For each of <paramref name="chunks"/> chunks, <paramref name="parameters"/> empty buffers, for a derived class to
    /// fill with <see cref="SetBuffer"/> (e.g. only when a chunk needs one).
    /// </summary>
    protected LayerGradients(int chunks, int parameters)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunks);
        ArgumentOutOfRangeException.ThrowIfNegative(parameters);
        _buffers = new float[chunks][][];
        for (int c = 0; c < chunks; c++)
        {
            _buffers[c] = new float[parameters][];
            for (int i = 0; i < parameters; i++) _buffers[c][i] = [];
        }
    }

    /// <summary>Chunks.</summary>
    public int Chunks => _buffers.Length;

    /// <summary>Chunk <paramref name="chunk"/>'s gradient of parameter <paramref name="parameter"/> (in <see cref="LayerOp.Parameters"/> order).</summary>
    public Span<float> this[int chunk, int parameter] => _buffers[chunk][parameter];

    /// <summary>Replaces a buffer (a derived class allocating on first use).</summary>
    protected void SetBuffer(int chunk, int parameter, float[] buffer) => _buffers[chunk][parameter] = buffer;

    /// <summary>The buffer as an array (a derived class checking whether it was allocated).</summary>
    protected float[] Buffer(int chunk, int parameter) => _buffers[chunk][parameter];

    /// <summary>Zeroes chunk <paramref name="chunk"/>'s share; the runner calls it before the chunk's backward pass.</summary>
    public virtual void Clear(int chunk)
    {
        foreach (float[] b in _buffers[chunk]) Array.Clear(b);
    }
}

/// <summary>
/// The runner's worker threads, lent to <see cref="LayerOp.ReduceGradients"/> for reductions that are worth splitting
/// (e.g. a weight gradient by column panels). Split work by a fixed rule (panel <c>p</c> to worker <c>p mod Count</c>),
/// never by who finishes first, and let each output element be written by one worker, so the result does not depend on
/// <see cref="Count"/>.
/// </summary>
public sealed class LayerWorkers
{
    private readonly WorkerPool _pool;
    private readonly Action<int> _wrapped;
    private Action<int>? _body;
    private Exception? _error;

    internal LayerWorkers(WorkerPool pool)
    {
        _pool = pool;
        _wrapped = w =>
        {
            try
            {
                _body!(w);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
        };
    }

    /// <summary>Workers, at least 1.</summary>
    public int Count => _pool.Workers;

    /// <summary>
    /// Runs <c>body(w)</c> for every worker index <c>w</c> in <c>[0, Count)</c> at once (index 0 on the calling thread)
    /// and waits for all; rethrows the first exception a body threw. Keep the delegate in a field: a new lambda per call allocates.
    /// </summary>
    public void Run(Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        _body = body;
        _error = null;
        try
        {
            _pool.Run(_wrapped);
        }
        finally
        {
            _body = null;
        }

        if (_error is Exception e) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e).Throw();
    }
}

/// <summary>
/// A layer of a network with its parameters, made by <see cref="LayerSpec.Build"/>: the contract between a layer and the
/// <see cref="NetworkRunner"/>. The runner only orchestrates: it cuts a batch into chunks of samples, gives each worker
/// thread its own <see cref="LayerWorkspace"/> per layer, runs <see cref="Forward"/> layer by layer and
/// <see cref="Backward"/> in reverse on each chunk's time-major buffers <c>[T, samples, shape]</c>, and reduces each
/// chunk's <see cref="LayerGradients"/> through <see cref="ReduceGradients"/> in chunk order.
/// </summary>
/// <remarks>
/// <para>
/// Rules for an implementation (the runner's determinism and zero-allocation guarantees rest on them): size every buffer
/// in <see cref="CreateWorkspace"/> and <see cref="CreateGradients"/> (forward and backward allocate nothing); read shared
/// state (the parameters) but write only the workspace, the output and gradient spans, and the chunk's gradients; keep the
/// order of every sum fixed (never depending on the thread or the chunk's neighbours); accumulate into
/// <see cref="LayerGradients"/> (the runner clears them). A layer object is shared by every runner on the same
/// <see cref="NetworkWeights"/>, so it keeps no per-call state of its own.
/// </para>
/// <para>
/// Layers declared outside SnnDsl implement this class and a <see cref="LayerSpec"/> that builds it; the runner treats them
/// exactly like the built-in ones.
/// </para>
/// </remarks>
public abstract class LayerOp
{
    /// <summary>Sets the shapes and the description.</summary>
    /// <exception cref="ArgumentException">A shape has a dimension below 1.</exception>
    protected LayerOp(TensorShape inputShape, TensorShape outputShape, string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        InputShape = inputShape.Validate(nameof(inputShape), description + "'s input");
        OutputShape = outputShape.Validate(nameof(outputShape), description + "'s output");
        Description = description;
    }

    /// <summary>The shape of one sample at one step of the input.</summary>
    public TensorShape InputShape { get; }

    /// <summary>The shape of one sample at one step of the output.</summary>
    public TensorShape OutputShape { get; }

    /// <summary>A short description for messages, e.g. <c>"Conv2d 1->12 5x5"</c>.</summary>
    public string Description { get; }

    /// <summary>The layer's trainable parameters, in a fixed order (checkpoints store them in it). Empty by default.</summary>
    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>
    /// Whether the layer has a membrane: the first state of its neurons before the reset, which a loss may read
    /// (<see cref="LossInput.Membrane"/>) and a forward pass may record; see <see cref="Membrane"/>.
    /// </summary>
    public virtual bool HasMembrane => false;

    /// <summary>
    /// Throws an <see cref="ArgumentOutOfRangeException"/> naming <c>steps</c> or <c>options.ChunkSize</c> when a buffer the
    /// layer would allocate for a chunk of <paramref name="samples"/> samples over <paramref name="steps"/> steps does not fit
    /// in one array. The runner calls it for every layer before it allocates anything. Does nothing by default.
    /// </summary>
    public virtual void CheckSizes(int steps, int samples)
    {
    }

    /// <summary>One worker's scratch for chunks of <paramref name="samples"/> samples over <paramref name="steps"/> steps.</summary>
    public abstract LayerWorkspace CreateWorkspace(int steps, int samples);

    /// <summary>
    /// A runner's gradient buffers for <paramref name="chunks"/> chunks of <paramref name="samples"/> samples over
    /// <paramref name="steps"/> steps; null for a layer without parameters. Default: one buffer per chunk and parameter.
    /// </summary>
    public virtual LayerGradients? CreateGradients(int steps, int samples, int chunks) => Parameters.Count == 0 ? null : new LayerGradients(Parameters, chunks);

    /// <summary>
    /// The forward pass over one chunk: <paramref name="input"/> is <c>[T, samples, InputShape]</c> and
    /// <paramref name="output"/> <c>[T, samples, OutputShape]</c> (overwrite it). A layer with state starts the chunk
    /// from its initial state.
    /// </summary>
    public abstract void Forward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, Span<float> output);

    /// <summary>
    /// The backward pass over the chunk the last <see cref="Forward"/> on this workspace ran: given dL/doutput
    /// <paramref name="gradOutput"/> (and, for a layer with a membrane read by the loss, dL/dmembrane in
    /// <paramref name="gradMembrane"/>, else empty), write dL/dinput into <paramref name="gradInput"/> (overwrite; it is empty
    /// when nobody needs it, e.g. for the first layer) and add the parameter gradients into <paramref name="gradients"/>.
    /// <paramref name="input"/> and <paramref name="output"/> are the forward pass's.
    /// </summary>
    public abstract void Backward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradMembrane, Span<float> gradInput, LayerGradients? gradients);

    /// <summary>
    /// Adds the chunks' gradients into <see cref="Parameter.Grad"/> after a training step, in chunk order. The default
    /// adds buffer <c>[c, i]</c> of chunks <c>c = 0, 1, ..</c> into <c>Parameters[i].Grad</c>. A layer that keeps its
    /// gradients in another form (or statistics to fold in, such as batch norm's running averages) overrides it, and may
    /// use <paramref name="workers"/> to split the work.
    /// </summary>
    /// <param name="gradients">What <see cref="CreateGradients"/> made for this runner (null when it returned null).</param>
    /// <param name="chunks">The chunks that ran (0 to <paramref name="chunks"/> - 1).</param>
    /// <param name="workers">The runner's threads.</param>
    public virtual void ReduceGradients(LayerGradients? gradients, int chunks, LayerWorkers workers)
    {
        if (gradients is null) return;
        IReadOnlyList<Parameter> parameters = Parameters;
        for (int i = 0; i < parameters.Count; i++)
        {
            float[] grad = parameters[i].Grad;
            for (int c = 0; c < chunks; c++) TensorPrimitives.Add(grad, gradients[c, i], grad);
        }
    }

    /// <summary>
    /// The membrane (first state before the reset) the last <see cref="Forward"/> on <paramref name="workspace"/> recorded at
    /// step <paramref name="step"/>, <c>[samples, OutputShape]</c>. Only for a layer with <see cref="HasMembrane"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">The layer has no membrane.</exception>
    public virtual ReadOnlySpan<float> Membrane(LayerWorkspace workspace, int step) =>
        throw new NotSupportedException($"{Description} has no membrane; record the membrane of a neuron layer.");

    /// <inheritdoc/>
    public override string ToString() => $"{Description}: {InputShape} -> {OutputShape}";
}
