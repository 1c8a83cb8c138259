using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using SnnDsl.Training;

namespace SnnDsl.Layers;

/// <summary>How a <see cref="ResidualSpec"/> joins its main branch <c>A</c> with its shortcut <c>S</c>, element by element.</summary>
public enum ResidualJoin
{
    /// <summary><c>A + S</c>: the Spiking ResNet shortcut on analog values (before the block's neurons), or SEW-ResNet's ADD on spikes (the sum counts 0, 1 or 2 and is analog).</summary>
    Add,

    /// <summary><c>A AND S = A S</c> on spikes (SEW-ResNet's AND); the output is spikes.</summary>
    And,

    /// <summary><c>(NOT A) AND S = (1 - A) S</c> on spikes (SEW-ResNet's IAND); the output is spikes.</summary>
    IAnd,
}

/// <summary>
/// A residual block: the input goes through the <see cref="Main"/> branch (a chain of layers) and through the
/// <see cref="Shortcut"/> branch (identity when empty, else a chain, e.g. a strided 1x1 convolution to match the shape),
/// and the two outputs are joined element by element by <see cref="Join"/>. Both branches must give the same shape.
/// </summary>
/// <remarks>
/// <para>
/// Spiking ResNet (Hu et al. 2018; Zheng et al. 2021): <c>Residual([conv, bn, neurons, conv, bn])</c> followed by a neuron
/// layer adds the shortcut to the analog input current of the block's last neurons. SEW-ResNet (Fang et al. 2021):
/// <c>Residual([conv, bn, neurons, conv, bn, neurons], join: ...)</c> joins spikes with spikes: <see cref="ResidualJoin.Add"/>
/// (the paper's best), <see cref="ResidualJoin.And"/> or <see cref="ResidualJoin.IAnd"/>.
/// </para>
/// <para>
/// The block is one layer of its network (one index, one description); its branches' layers are built with the names
/// <c>"layer i main k"</c> and <c>"layer i shortcut k"</c> (those name their parameters), and its parameters are the main
/// branch's, then the shortcut's, in order. Blocks nest.
/// </para>
/// </remarks>
public sealed record ResidualSpec : LayerSpec
{
    /// <summary>A block of <paramref name="main"/> and <paramref name="shortcut"/> (empty or null: identity) joined by <paramref name="join"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="main"/> is empty or a layer is null.</exception>
    public ResidualSpec(IEnumerable<LayerSpec> main, IEnumerable<LayerSpec>? shortcut = null, ResidualJoin join = ResidualJoin.Add)
    {
        ArgumentNullException.ThrowIfNull(main);
        Main = main.ToArray();
        Shortcut = shortcut?.ToArray() ?? [];
        if (Main.Count == 0) throw new ArgumentException("A residual block has at least one layer in its main branch.", nameof(main));
        if (Main.Any(l => l is null)) throw new ArgumentException("A layer of the main branch is null.", nameof(main));
        if (Shortcut.Any(l => l is null)) throw new ArgumentException("A layer of the shortcut is null.", nameof(shortcut));
        if (!Enum.IsDefined(join)) throw new ArgumentOutOfRangeException(nameof(join), join, "Expected Add, And or IAnd.");
        Join = join;
    }

    /// <summary>The main branch, in order.</summary>
    public IReadOnlyList<LayerSpec> Main { get; }

    /// <summary>The shortcut branch, in order; empty for the identity.</summary>
    public IReadOnlyList<LayerSpec> Shortcut { get; }

    /// <summary>How the branches are joined.</summary>
    public ResidualJoin Join { get; }

    /// <inheritdoc/>
    public override string Describe(TensorShape input) =>
        $"Residual {Join} [{string.Join(", ", Main.Select(l => l.GetType().Name.Replace("Spec", "", StringComparison.Ordinal)))}]" +
        (Shortcut.Count == 0 ? "" : $" + [{string.Join(", ", Shortcut.Select(l => l.GetType().Name.Replace("Spec", "", StringComparison.Ordinal)))}]");

    /// <inheritdoc/>
    public override TensorShape OutputShape(TensorShape input)
    {
        TensorShape a = Chain(Main, "main", input), s = Chain(Shortcut, "shortcut", input);
        if (a != s) throw new ArgumentException($"the main branch gives {a} but the shortcut gives {s}; the join needs equal shapes (give the shortcut a layer that maps {input} to {a}).");
        return a;
    }

    /// <inheritdoc/>
    public override ValueKind OutputKind(ValueKind input) => Join switch
    {
        ResidualJoin.Add => ValueKind.Analog,
        _ => Kind(Main, input) == ValueKind.Spikes && Kind(Shortcut, input) == ValueKind.Spikes ? ValueKind.Spikes : ValueKind.Analog,
    };

    /// <inheritdoc/>
    public override LayerOp Build(LayerBuildContext context) => new ResidualOp(this, context);

    internal static TensorShape Chain(IReadOnlyList<LayerSpec> layers, string branch, TensorShape input)
    {
        for (int k = 0; k < layers.Count; k++)
        {
            try
            {
                input = layers[k].OutputShape(input).Validate("layers", "its output");
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{branch} {k} ({layers[k].Describe(input)}), fed {input}: {e.Message.Split(" (Parameter '")[0]}");
            }
        }

        return input;
    }

    internal static ValueKind Kind(IReadOnlyList<LayerSpec> layers, ValueKind input)
    {
        foreach (LayerSpec l in layers) input = l.OutputKind(input);
        return input;
    }
}

/// <summary>The op of a <see cref="ResidualSpec"/>: runs its branches' ops on the chunk and joins their outputs.</summary>
public sealed class ResidualOp : LayerOp
{
    private readonly ResidualJoin _join;
    private readonly LayerOp[] _main, _shortcut;
    private readonly Parameter[] _parameters;

    /// <summary>Builds the branches' layers (named <c>context.Name + " main k"</c> and <c>" shortcut k"</c>).</summary>
    public ResidualOp(ResidualSpec spec, LayerBuildContext context)
        : base(context.Input, spec.OutputShape(context.Input), spec.Describe(context.Input))
    {
        _join = spec.Join;
        _main = BuildChain(spec.Main, "main", context);
        _shortcut = BuildChain(spec.Shortcut, "shortcut", context);
        _parameters = [.. _main.SelectMany(o => o.Parameters), .. _shortcut.SelectMany(o => o.Parameters)];
    }

    private static LayerOp[] BuildChain(IReadOnlyList<LayerSpec> specs, string branch, LayerBuildContext context)
    {
        var ops = new LayerOp[specs.Count];
        TensorShape shape = context.Input;
        ValueKind kind = context.InputKind;
        for (int k = 0; k < specs.Count; k++)
        {
            ops[k] = specs[k].Build(context.Nested(branch, k, shape, kind));
            shape = ops[k].OutputShape;
            kind = specs[k].OutputKind(kind);
        }

        return ops;
    }

    /// <summary>The main branch's layers.</summary>
    public IReadOnlyList<LayerOp> Main => _main;

    /// <summary>The shortcut's layers (empty: identity).</summary>
    public IReadOnlyList<LayerOp> Shortcut => _shortcut;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override void CheckSizes(int steps, int samples)
    {
        foreach (LayerOp op in _main) op.CheckSizes(steps, samples);
        foreach (LayerOp op in _shortcut) op.CheckSizes(steps, samples);
        foreach (LayerOp op in _main.Concat(_shortcut))
            Kernels.ArraySize.Of(nameof(steps), steps, $"The activations of {op.Description} in a residual block [steps, options.ChunkSize, size]",
                "lower steps or options.ChunkSize", 0, steps, samples, op.OutputShape.Size);
    }

    /// <inheritdoc/>
    public override LayerWorkspace CreateWorkspace(int steps, int samples) => new Workspace(this, steps, samples);

    /// <inheritdoc/>
    public override LayerGradients? CreateGradients(int steps, int samples, int chunks) =>
        _parameters.Length == 0 ? null : new Gradients(
            _main.Select(o => o.CreateGradients(steps, samples, chunks)).ToArray(),
            _shortcut.Select(o => o.CreateGradients(steps, samples, chunks)).ToArray(), chunks);

    /// <inheritdoc/>
    public override void Forward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, Span<float> output)
    {
        var ws = (Workspace)workspace;
        int n = chunk.Rows * OutputShape.Size;
        ReadOnlySpan<float> a = ForwardChain(_main, ws.MainWs, ws.MainAct, chunk, input);
        ReadOnlySpan<float> s = _shortcut.Length == 0 ? input : ForwardChain(_shortcut, ws.ShortWs, ws.ShortAct, chunk, input);
        a = a.Slice(0, n);
        s = s.Slice(0, n);
        output = output.Slice(0, n);
        switch (_join)
        {
            case ResidualJoin.Add: TensorPrimitives.Add(a, s, output); break;
            case ResidualJoin.And: TensorPrimitives.Multiply(a, s, output); break;
            default: // (1 - a) s = s - a s
                TensorPrimitives.Multiply(a, s, output);
                TensorPrimitives.Subtract(s, output, output);
                break;
        }
    }

    private static ReadOnlySpan<float> ForwardChain(LayerOp[] ops, LayerWorkspace[] ws, float[][] act, in LayerChunk chunk, ReadOnlySpan<float> input)
    {
        for (int k = 0; k < ops.Length; k++)
        {
            ops[k].Forward(ws[k], chunk, k == 0 ? input : act[k - 1], act[k]);
        }

        return act[^1];
    }

    /// <inheritdoc/>
    public override void Backward(LayerWorkspace workspace, in LayerChunk chunk, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradMembrane, Span<float> gradInput, LayerGradients? gradients)
    {
        var ws = (Workspace)workspace;
        var g = (Gradients?)gradients;
        int n = chunk.Rows * OutputShape.Size;
        gradOutput = gradOutput.Slice(0, n);
        ReadOnlySpan<float> a = ws.MainAct[^1].AsSpan(0, n);
        ReadOnlySpan<float> s = (_shortcut.Length == 0 ? input : ws.ShortAct[^1]).Slice(0, n);
        Span<float> ga = ws.GradA.AsSpan(0, n), gs = ws.GradS.AsSpan(0, n);
        switch (_join)
        {
            case ResidualJoin.Add:
                gradOutput.CopyTo(ga);
                gradOutput.CopyTo(gs);
                break;
            case ResidualJoin.And: // d(a s) = s da + a ds
                TensorPrimitives.Multiply(gradOutput, s, ga);
                TensorPrimitives.Multiply(gradOutput, a, gs);
                break;
            default: // d((1 - a) s) = -s da + (1 - a) ds
                TensorPrimitives.Multiply(gradOutput, s, ga);
                TensorPrimitives.Negate(ga, ga);
                TensorPrimitives.Multiply(gradOutput, a, gs);
                TensorPrimitives.Subtract(gradOutput, gs, gs);
                break;
        }

        // The main branch writes dL/dinput into gradInput (or nowhere when it is empty); the shortcut adds to it.
        bool want = !gradInput.IsEmpty;
        int inputLength = chunk.Rows * InputShape.Size;
        BackwardChain(_main, ws.MainWs, ws.MainAct, ws.MainGrad, g?.Main, chunk, input, ws.GradA, want ? gradInput : Span<float>.Empty);
        if (_shortcut.Length == 0)
        {
            if (want) TensorPrimitives.Add(gradInput.Slice(0, inputLength), gs, gradInput.Slice(0, inputLength));
        }
        else
        {
            Span<float> gsIn = want ? ws.GradShortcutInput.AsSpan(0, inputLength) : Span<float>.Empty;
            BackwardChain(_shortcut, ws.ShortWs, ws.ShortAct, ws.ShortGrad, g?.Shortcut, chunk, input, ws.GradS, gsIn);
            if (want) TensorPrimitives.Add(gradInput.Slice(0, inputLength), gsIn, gradInput.Slice(0, inputLength));
        }
    }

    private static void BackwardChain(LayerOp[] ops, LayerWorkspace[] ws, float[][] act, float[][] grad, LayerGradients?[]? gradients,
        in LayerChunk chunk, ReadOnlySpan<float> input, float[] gradLast, Span<float> gradInput)
    {
        for (int k = ops.Length - 1; k >= 0; k--)
        {
            LayerGradients? gk = gradients?[k];
            gk?.Clear(chunk.Index);
            ops[k].Backward(ws[k], chunk, k == 0 ? input : act[k - 1], act[k], k == ops.Length - 1 ? gradLast : grad[k],
                ReadOnlySpan<float>.Empty, k == 0 ? gradInput : grad[k - 1], gk);
        }
    }

    /// <inheritdoc/>
    public override void ReduceGradients(LayerGradients? gradients, int chunks, LayerWorkers workers)
    {
        if (gradients is not Gradients g) return;
        for (int k = 0; k < _main.Length; k++) _main[k].ReduceGradients(g.Main[k], chunks, workers);
        for (int k = 0; k < _shortcut.Length; k++) _shortcut[k].ReduceGradients(g.Shortcut[k], chunks, workers);
    }

    private sealed class Workspace : LayerWorkspace
    {
        public Workspace(ResidualOp op, int steps, int samples)
        {
            int rows = steps * samples;
            MainWs = op._main.Select(o => o.CreateWorkspace(steps, samples)).ToArray();
            ShortWs = op._shortcut.Select(o => o.CreateWorkspace(steps, samples)).ToArray();
            MainAct = op._main.Select(o => new float[rows * o.OutputShape.Size]).ToArray();
            ShortAct = op._shortcut.Select(o => new float[rows * o.OutputShape.Size]).ToArray();
            // grad[k] is dL/d(output of layer k) for k below the last (the last one's comes from the join).
            MainGrad = op._main.Select(o => new float[rows * o.OutputShape.Size]).ToArray();
            ShortGrad = op._shortcut.Select(o => new float[rows * o.OutputShape.Size]).ToArray();
            GradA = new float[rows * op.OutputShape.Size];
            GradS = new float[rows * op.OutputShape.Size];
            GradShortcutInput = op._shortcut.Length == 0 ? [] : new float[rows * op.InputShape.Size];
        }

        public LayerWorkspace[] MainWs { get; }
        public LayerWorkspace[] ShortWs { get; }
        public float[][] MainAct { get; }
        public float[][] ShortAct { get; }
        public float[][] MainGrad { get; }
        public float[][] ShortGrad { get; }
        public float[] GradA { get; }
        public float[] GradS { get; }
        public float[] GradShortcutInput { get; }

        public override void BeginBatch(bool training)
        {
            foreach (LayerWorkspace w in MainWs) w.BeginBatch(training);
            foreach (LayerWorkspace w in ShortWs) w.BeginBatch(training);
        }
    }

    /// <summary>The branches' gradients; the runner clears share c of this object, the block clears its layers' shares itself.</summary>
    private sealed class Gradients(LayerGradients?[] main, LayerGradients?[] shortcut, int chunks) : LayerGradients(chunks, 0)
    {
        public LayerGradients?[] Main { get; } = main;
        public LayerGradients?[] Shortcut { get; } = shortcut;
    }
}
