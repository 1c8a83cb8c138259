using System;
using System.Collections.Generic;
using System.Linq;
using SnnDsl.Training;

/// <summary>
/// Adam with two parameter groups, like PyTorch's <c>Adam([{params: dense}, {params: taus, lr: ...}])</c>:
/// the dense weights at <see cref="LearningRate"/> and the time constants (if any) at their own rate,
/// kept within [<see cref="MinTau"/>, <see cref="MaxTau"/>] ms after every step. <see cref="ZeroGrad"/>
/// clears every gradient of the network, so frozen time constants do not accumulate one.
/// </summary>
internal sealed class TwoRateAdam : IOptimizer
{
    private readonly Adam _dense;
    private readonly Adam? _taus;
    private readonly NetworkWeights _weights;

    public TwoRateAdam(NetworkWeights weights, float learningRate, IReadOnlyList<Parameter> taus, float tauLearningRate)
    {
        _weights = weights;
        var dense = weights.Parameters.Where(p => !weights.NeuronParameters.Contains(p)).ToArray();
        _dense = new Adam(dense, learningRate);
        _taus = taus.Count > 0 ? new Adam(taus, tauLearningRate) : null;
        Parameters = [.. dense, .. taus];
    }

    public const float MinTau = 1f, MaxTau = 2000f;

    public IReadOnlyList<Parameter> Parameters { get; }

    public float LearningRate { get => _dense.LearningRate; set => _dense.LearningRate = value; }

    public void Step()
    {
        _dense.Step();
        if (_taus is null) return;
        _taus.Step();
        foreach (Parameter p in _taus.Parameters)
            for (int i = 0; i < p.Length; i++) p.Value[i] = Math.Clamp(p.Value[i], MinTau, MaxTau);
    }

    public void ZeroGrad() => _weights.ZeroGrad();
}
