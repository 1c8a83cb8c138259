using System;
using SnnDsl.Training;

namespace SnnDsl.Tests.Training;

/// <summary>
/// A hand-written stand-in for a generated neuron layer, so the training stack is tested without
/// the generator: discrete LIF mem[t] = Beta mem[t-1] + x[t] - Threshold s[t-1], s[t] = H(mem[t] - Threshold)
/// (strict), backward with the fast-sigmoid surrogate 1/(Slope |v| + 1)^2 and the reset detached.
/// With <see cref="Smooth"/> the spike is the surrogate's integral v/(1 + Slope |v|) + 1/2 and there
/// is no reset, so the backward pass is the exact gradient of the forward pass (for finite differences).
/// With <c>learnBeta</c>, Beta is a shared learnable parameter (dL/dBeta = sum over t and neurons of dL/dmem[t] mem[t-1]).
/// </summary>
internal sealed class TestLif : ITrainableLayer, ILearnableLayer
{
    private readonly int batch, neurons;
    private readonly float threshold, slope, _initialBeta;
    private readonly bool learnBeta;
    private readonly float[] _mem, _spiked, _theta, _thetaGrad;
    private float _beta;

    public TestLif(int batch, int neurons, float beta = 0.9f, float threshold = 1f, float slope = 5f, bool smooth = false, bool learnBeta = false)
    {
        this.batch = batch;
        this.neurons = neurons;
        this.threshold = threshold;
        this.slope = slope;
        this.learnBeta = learnBeta;
        Smooth = smooth;
        _initialBeta = _beta = beta;
        _mem = new float[batch * neurons];
        _spiked = new float[batch * neurons];
        _theta = learnBeta ? [beta] : [];
        _thetaGrad = learnBeta ? [0f] : [];
    }

    public Span<float> Parameters => _theta;
    public Span<float> ParameterGradients => _thetaGrad;
    public System.Collections.Generic.IReadOnlyList<string> ParameterNames => learnBeta ? ["Beta"] : [];
    public void ApplyParameters() => _beta = learnBeta ? _theta[0] : _initialBeta;

    public bool Smooth { get; }
    public int Batch => batch;
    public int Neurons => neurons;
    public float Dt => 1f;
    public int StateCount => 1;
    public int TapeBytesPerNeuronStep => 4;

    public void Reset()
    {
        Array.Clear(_mem);
        Array.Clear(_spiked);
    }

    public NeuronTape CreateTape(int maxSteps) => new(maxSteps, 1, batch * neurons);

    public void Step(ReadOnlySpan<float> input, Span<float> spikes) => Run(1, input, spikes);

    public void Run(int steps, ReadOnlySpan<float> input, Span<float> spikes)
    {
        int n = batch * neurons;
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < n; i++)
            {
                float m = _beta * _mem[i] + input[t * n + i] - (Smooth ? 0f : threshold * _spiked[i]);
                _mem[i] = m;
                float v = m - threshold;
                float s = Smooth ? v / (1f + slope * MathF.Abs(v)) + 0.5f : (v > 0f ? 1f : 0f);
                spikes[t * n + i] = s;
                _spiked[i] = Smooth ? 0f : s;
            }
        }
    }

    public void Forward(int steps, ReadOnlySpan<float> input, Span<float> spikes, NeuronTape tape)
    {
        int n = batch * neurons;
        _mem.CopyTo(tape.Start, 0);
        _spiked.CopyTo(tape.StartSpiked, 0);
        tape.Steps = steps;
        for (int t = 0; t < steps; t++)
        {
            Run(1, input.Slice(t * n, n), spikes.Slice(t * n, n));
            _mem.CopyTo(tape.Pre, t * n);
        }
    }

    public void Backward(NeuronTape tape, ReadOnlySpan<float> input, ReadOnlySpan<float> spikes, ReadOnlySpan<float> gradSpikes,
        ReadOnlySpan<float> gradFirstState, Span<float> gradInput)
        => Backward(tape, input, spikes, gradSpikes, gradFirstState, ReadOnlySpan<float>.Empty, gradInput, Span<float>.Empty);

    public void Backward(NeuronTape tape, ReadOnlySpan<float> input, ReadOnlySpan<float> spikes, ReadOnlySpan<float> gradSpikes,
        ReadOnlySpan<float> gradFirstState, ReadOnlySpan<float> gradEndState, Span<float> gradInput, Span<float> gradStartState)
    {
        int n = batch * neurons;
        for (int i = 0; i < n; i++)
        {
            // The carried adjoint is dL/dmem after the step (no reset in this double); the end state's gradient seeds it.
            float carry = gradEndState.IsEmpty ? 0f : gradEndState[i] / _beta;
            for (int t = tape.Steps - 1; t >= 0; t--)
            {
                float v = tape.Pre[t * n + i] - threshold;
                float d = 1f / ((slope * MathF.Abs(v) + 1f) * (slope * MathF.Abs(v) + 1f));
                float g = gradSpikes[t * n + i] * d + _beta * carry;
                if (!gradFirstState.IsEmpty) g += gradFirstState[t * n + i];
                gradInput[t * n + i] = g;
                carry = g;
                if (learnBeta) _thetaGrad[0] += g * (t == 0 ? tape.Start[i] : tape.Pre[(t - 1) * n + i]);
            }
            if (!gradStartState.IsEmpty) gradStartState[i] = _beta * carry;
        }
    }
}
