using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using SnnDsl.Kernels;
using SnnDsl.Training;

namespace SnnDsl.Layers;

/// <summary>
/// The op of a <see cref="DenseSpec"/>: a <see cref="DenseLayer"/> applied to every sample and step of a chunk at once
/// (<c>[T x samples, inputs] -> [T x samples, outputs]</c>). Its weight gradient protocol lives here: when the layer is wide
/// enough for the packed kernels and its input may be spikes, each worker packs the weights once per batch, a chunk whose
/// forward pass ran event-driven records its active rows and packed output gradient instead of a weight-gradient buffer,
/// and <see cref="ReduceGradients"/> sums those records over the whole batch by column panels on all the runner's threads.
/// </summary>
public sealed class DenseOp : LayerOp
{
    private readonly DenseSpec _spec;
    private readonly Parameter[] _parameters;

    /// <summary>
    /// Builds the layer of <paramref name="spec"/> and initialises it from <c>context.Seed</c>. Its input shape is
    /// <c>context.Input</c>, of any shape holding <see cref="DenseSpec.Inputs"/> values (read row-major, as a flatten would).
    /// </summary>
    /// <exception cref="ArgumentException"><c>context.Input</c> does not hold <see cref="DenseSpec.Inputs"/> values.</exception>
    public DenseOp(DenseSpec spec, LayerBuildContext context)
        : base(InputOf(spec, context), TensorShape.Flat(spec.Outputs), spec.Describe(context.Input))
    {
        _spec = spec;
        Layer = new DenseLayer(spec.Inputs, spec.Outputs, spec.Bias, context.Name);
        Layer.Initialize(spec.Init, context.Seed);
        _parameters = Layer.Bias is null ? [Layer.Weight] : [Layer.Weight, Layer.Bias];
    }

    /// <summary>The layer: its weights <c>[inputs, outputs]</c> and bias.</summary>
    public DenseLayer Layer { get; }

    /// <summary>The input shape the network gives (e.g. an unflattened <c>[64, 4, 4]</c>), checked against the spec.</summary>
    private static TensorShape InputOf(DenseSpec spec, LayerBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(context);
        spec.OutputShape(context.Input);
        return context.Input;
    }

    /// <summary>Whether the weight gradient of event-driven chunks is deferred to <see cref="ReduceGradients"/> (packed kernels, input maybe spikes).</summary>
    private bool Deferred => _spec.Input != DenseInput.Analog && Layer.UsesPackedKernels;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    private const string ChunkFix = "lower steps or options.ChunkSize (each chunk keeps every step of its samples)";

    /// <inheritdoc/>
    public override void CheckSizes(int steps, int samples)
    {
        int rows = ArraySize.Of(nameof(steps), steps, "A chunk's rows [steps, options.ChunkSize]", ChunkFix, 0, steps, samples);
        DenseWorkspace.CheckSize(Layer, rows, nameof(steps), steps, ChunkFix);
        if (Deferred) WeightGradPart.CheckSize(Layer, rows, nameof(steps), steps, ChunkFix);
    }

    /// <inheritdoc/>
    public override LayerWorkspace CreateWorkspace(int steps, int samples) => new Workspace(this, Layer.CreateWorkspace(steps * samples));

    /// <inheritdoc/>
    public override LayerGradients CreateGradients(int steps, int samples, int chunks) => new Gradients(this, steps * samples, chunks);

    /// <inheritdoc/>
    public override void Forward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, Span<float> output)
    {
        var ws = (Workspace)workspace;
        ws.Events = Layer.Forward(input, chunk.Rows, output, ws.Dense, _spec.Input, Deferred ? ws.Dense.PackedWeights : null);
    }

    /// <inheritdoc/>
    public override void Backward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradMembrane, Span<float> gradInput, LayerGradients? gradients)
    {
        var ws = (Workspace)workspace;
        var g = (Gradients)gradients!;
        int c = chunk.Index;
        Span<float> bias = Layer.Bias is null ? Span<float>.Empty : g[c, 1];
        if (Deferred && ws.Events)
        {
            Layer.BackwardDeferred(chunk.Rows, gradOutput, gradInput, ws.Dense, bias, g.Parts[c]);
        }
        else
        {
            Layer.Backward(input, chunk.Rows, gradOutput, gradInput, ws.Dense, g.WeightBuffer(c), bias, _spec.Input);
        }
    }

    /// <inheritdoc/>
    public override void ReduceGradients(LayerGradients? gradients, int chunks, LayerWorkers workers)
    {
        var g = (Gradients)gradients!;
        bool anyDeferred = false;
        for (int c = 0; c < chunks; c++)
        {
            bool deferred = Deferred && g.Parts[c].Recorded;
            anyDeferred |= deferred;
            if (!deferred) TensorPrimitives.Add(Layer.Weight.Grad, g[c, 0], Layer.Weight.Grad);
            if (Layer.Bias is not null) TensorPrimitives.Add(Layer.Bias.Grad, g[c, 1], Layer.Bias.Grad);
        }

        // The deferred event-driven weight gradients: column panels split between the workers (panel p to worker p mod n).
        if (anyDeferred)
        {
            g.Used = chunks;
            g.Workers = workers.Count;
            workers.Run(g.PanelBody);
        }
    }

    private sealed class Workspace(DenseOp op, DenseWorkspace dense) : LayerWorkspace
    {
        public DenseWorkspace Dense { get; } = dense;

        /// <summary>Whether this worker's last forward pass ran the event-driven kernel.</summary>
        public bool Events { get; set; }

        public override void BeginBatch(bool training)
        {
            if (op.Deferred) op.Layer.PackWeights(Dense.PackedWeights!.Span);
        }
    }

    private sealed class Gradients : LayerGradients
    {
        private readonly DenseOp _op;

        public Gradients(DenseOp op, int rows, int chunks) : base(chunks, op._parameters.Length)
        {
            _op = op;
            Parts = new WeightGradPart[op.Deferred ? chunks : 0];
            for (int c = 0; c < chunks; c++)
            {
                // A deferred layer allocates a chunk's weight-gradient buffer only if the chunk ever needs it (analog input).
                if (!op.Deferred) SetBuffer(c, 0, new float[op.Layer.Weight.Length]);
                else Parts[c] = new WeightGradPart(op.Layer, rows);
                if (op.Layer.Bias is not null) SetBuffer(c, 1, new float[op.Layer.Outputs]);
            }

            PanelBody = w =>
            {
                DenseLayer d = _op.Layer;
                for (int p = w; p < d.Panels; p += Workers) d.AccumulateWeightGradPanel(p, Parts.AsSpan(0, Used), d.Weight.Grad);
            };
        }

        public WeightGradPart[] Parts { get; }

        public int Used { get; set; }

        public int Workers { get; set; } = 1;

        public Action<int> PanelBody { get; }

        public float[] WeightBuffer(int chunk)
        {
            float[] b = Buffer(chunk, 0);
            if (b.Length == 0) SetBuffer(chunk, 0, b = new float[_op.Layer.Weight.Length]);
            return b;
        }

        public override void Clear(int chunk)
        {
            base.Clear(chunk);
            if (Parts.Length > 0) Parts[chunk].Recorded = false;
        }
    }
}

/// <summary>
/// The op of a <see cref="NeuronSpec"/>: one trainable neuron layer per worker (made by the spec's factory for the chunk's
/// samples), run over the whole window with a tape, and backpropagated through time by the layer's generated
/// <see cref="ITrainableLayer.Backward(NeuronTape, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>.
/// Learnable neuron parameters (<see cref="ILearnableLayer"/>) are one shared <see cref="Parameter"/>, copied into every
/// worker's layer at the start of each batch.
/// </summary>
public sealed class NeuronOp : LayerOp
{
    private readonly NeuronSpec _spec;
    private readonly string _name;
    private readonly Parameter[] _parameters;

    /// <summary>Builds the op; the learnable parameters start from the model's defaults.</summary>
    public NeuronOp(NeuronSpec spec, LayerBuildContext context)
        : base(context.Input, context.Input, spec.Describe(context.Input))
    {
        _spec = spec;
        _name = context.Name;
        Learnable = NeuronParameters.Create(spec, context);
        _parameters = Learnable is null ? [] : [Learnable];
    }

    /// <summary>The learnable neuron parameters (<see cref="ILearnableLayer.Parameters"/>, flattened), or null when the model has none.</summary>
    public Parameter? Learnable { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override bool HasMembrane => true;

    /// <inheritdoc/>
    public override LayerWorkspace CreateWorkspace(int steps, int samples)
    {
        ITrainableLayer layer = NeuronParameters.CreateLayer(_spec, _name, samples, OutputShape.Size, Learnable);
        return new Workspace(layer, layer.CreateTape(steps), Learnable, steps * samples * OutputShape.Size);
    }

    /// <inheritdoc/>
    public override void Forward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, Span<float> output)
    {
        var ws = (Workspace)workspace;
        ws.Layer.Reset();
        ws.Layer.Forward(chunk.Steps, input, output, ws.Tape);
    }

    /// <inheritdoc/>
    public override void Backward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradMembrane, Span<float> gradInput, LayerGradients? gradients)
    {
        var ws = (Workspace)workspace;
        Span<float> pg = Learnable is not null ? ((ILearnableLayer)ws.Layer).ParameterGradients : default;
        pg.Clear();
        ws.Layer.Backward(ws.Tape, input, output, gradOutput, gradMembrane, gradInput.IsEmpty ? ws.GradInput : gradInput);
        if (Learnable is not null) TensorPrimitives.Add(gradients![chunk.Index, 0], pg, gradients[chunk.Index, 0]);
    }

    /// <inheritdoc/>
    public override ReadOnlySpan<float> Membrane(LayerWorkspace workspace, int step) => ((Workspace)workspace).Tape.PreState(step, 0);

    private sealed class Workspace(ITrainableLayer layer, NeuronTape tape, Parameter? learnable, int inputLength) : LayerWorkspace
    {
        public ITrainableLayer Layer { get; } = layer;
        public NeuronTape Tape { get; } = tape;
        public float[] GradInput { get; } = new float[inputLength];

        public override void BeginBatch(bool training) => NeuronParameters.Load(Layer, learnable);
    }
}

/// <summary>
/// The op of a <see cref="RecurrentSpec"/>: a neuron layer whose input at step t is the previous layer's output at t plus
/// its own spikes at t - 1 through square weights <c>[neurons, neurons]</c> (no bias), stepped one time step at a time and
/// backpropagated through the recurrence. Parameters: the recurrent weights, then the learnable neuron parameters.
/// </summary>
public sealed class RecurrentOp : LayerOp
{
    private readonly RecurrentSpec _spec;
    private readonly string _name;
    private readonly Parameter[] _parameters;

    /// <summary>Builds the op and initialises the recurrent weights from <c>context.Seed</c>.</summary>
    public RecurrentOp(RecurrentSpec spec, LayerBuildContext context)
        : base(context.Input, context.Input, spec.Describe(context.Input))
    {
        _spec = spec;
        _name = context.Name;
        int w = context.Input.Size;
        Recurrent = new DenseLayer(w, w, bias: false, $"{context.Name} recurrent");
        Recurrent.Initialize(spec.Init, context.Seed);
        Learnable = NeuronParameters.Create(spec.Neuron, context);
        _parameters = Learnable is null ? [Recurrent.Weight] : [Recurrent.Weight, Learnable];
    }

    /// <summary>The recurrent weights <c>[neurons, neurons]</c>.</summary>
    public DenseLayer Recurrent { get; }

    /// <summary>The learnable neuron parameters, or null when the model has none.</summary>
    public Parameter? Learnable { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override bool HasMembrane => true;

    /// <inheritdoc/>
    public override void CheckSizes(int steps, int samples) =>
        DenseWorkspace.CheckSize(Recurrent, samples, "options.ChunkSize", samples, "lower options.ChunkSize");

    /// <inheritdoc/>
    public override LayerWorkspace CreateWorkspace(int steps, int samples)
    {
        int width = OutputShape.Size;
        ITrainableLayer layer = NeuronParameters.CreateLayer(_spec.Neuron, _name, samples, width, Learnable);
        return new Workspace(layer, new Recurrence(layer, steps, samples, width), Recurrent.CreateWorkspace(samples), Learnable, steps * samples * width);
    }

    /// <inheritdoc/>
    public override void Forward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, Span<float> output)
    {
        var ws = (Workspace)workspace;
        ws.Recurrence.Forward(input, output, Recurrent, ws.Dense);
    }

    /// <inheritdoc/>
    public override void Backward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradMembrane, Span<float> gradInput, LayerGradients? gradients)
    {
        var ws = (Workspace)workspace;
        Span<float> pg = Learnable is not null ? ((ILearnableLayer)ws.Layer).ParameterGradients : default;
        pg.Clear();
        bool membrane = !gradMembrane.IsEmpty;
        ws.Recurrence.Backward(output, membrane ? gradMembrane : gradOutput, membrane, gradInput.IsEmpty ? ws.GradInput : gradInput,
            Recurrent, ws.Dense, gradients![chunk.Index, 0]);
        if (Learnable is not null) TensorPrimitives.Add(gradients[chunk.Index, 1], pg, gradients[chunk.Index, 1]);
    }

    /// <inheritdoc/>
    public override ReadOnlySpan<float> Membrane(LayerWorkspace workspace, int step) => ((Workspace)workspace).Recurrence.Tapes[step].PreState(0, 0);

    private sealed class Workspace(ITrainableLayer layer, Recurrence recurrence, DenseWorkspace dense, Parameter? learnable, int inputLength) : LayerWorkspace
    {
        public ITrainableLayer Layer { get; } = layer;
        public Recurrence Recurrence { get; } = recurrence;
        public DenseWorkspace Dense { get; } = dense;
        public float[] GradInput { get; } = new float[inputLength];

        public override void BeginBatch(bool training) => NeuronParameters.Load(Layer, learnable);
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
                    TensorPrimitives.Add(current, _recurrentInput, current);
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
                    TensorPrimitives.Add(gradOutput.Slice(t * n, n), _gradRecurrent, _gradSpikesStep);
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

/// <summary>The learnable-parameter plumbing shared by the neuron and recurrent ops.</summary>
internal static class NeuronParameters
{
    /// <summary>The shared parameter of a neuron spec's learnable values (from the model's defaults), or null when it has none.</summary>
    public static Parameter? Create(NeuronSpec spec, LayerBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(spec.Create, nameof(spec));
        // The initial values come from the model's defaults (a per-neuron parameter has Neurons values, whatever the batch).
        if (spec.Create(1, context.Input.Size) is not ILearnableLayer learnable || learnable.Parameters.Length == 0) return null;
        var p = new Parameter($"{context.Name} {spec.Name} parameters", learnable.Parameters.Length);
        learnable.Parameters.CopyTo(p.Value);
        return p;
    }

    /// <summary>A worker's layer from the spec's factory, checked against the size asked and the shared parameters.</summary>
    public static ITrainableLayer CreateLayer(NeuronSpec spec, string name, int samples, int width, Parameter? learnable)
    {
        string label = char.ToUpperInvariant(name[0]) + name[1..];
        ITrainableLayer layer = spec.Create(samples, width) ?? throw new InvalidOperationException($"{label} ({spec.Name}): the factory returned null.");
        if (layer.Batch != samples || layer.Neurons != width)
        {
            throw new InvalidOperationException($"{label} ({spec.Name}): the factory was asked for [{samples}, {width}] and returned a layer of [{layer.Batch}, {layer.Neurons}].");
        }

        if (learnable is not null && (layer is not ILearnableLayer l || l.Parameters.Length != learnable.Length))
        {
            throw new InvalidOperationException($"{label} ({spec.Name}): the factory's layer does not have the {learnable.Length} learnable parameters the weights hold.");
        }

        return layer;
    }

    /// <summary>Copies the shared learnable parameters into a worker's layer and recomputes its derived constants.</summary>
    public static void Load(ITrainableLayer layer, Parameter? learnable)
    {
        if (learnable is null) return;
        var l = (ILearnableLayer)layer;
        learnable.Value.CopyTo(l.Parameters);
        l.ApplyParameters();
    }
}
