using System;
using System.Collections.Generic;
using System.Linq;

namespace SnnDsl.Training;

/// <summary>Updates parameters from their accumulated gradients.</summary>
public interface IOptimizer
{
    /// <summary>The parameters this optimizer updates.</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Step size.</summary>
    float LearningRate { get; set; }

    /// <summary>Applies one update from the current gradients (it does not clear them).</summary>
    void Step();

    /// <summary>Sets every parameter's gradient to zero.</summary>
    void ZeroGrad();
}

/// <summary>
/// Adam (Kingma and Ba, 2015) exactly as PyTorch's <c>torch.optim.Adam</c> (non-fused, no amsgrad):
/// with <c>g = grad + WeightDecay * p</c> (L2, not AdamW),
/// <c>m = m + (1 - Beta1)(g - m)</c>, <c>v = Beta2 v + (1 - Beta2) g^2</c>,
/// <c>p -= (lr / (1 - Beta1^t)) * m / (sqrt(v) / sqrt(1 - Beta2^t) + Epsilon)</c>.
/// Bias corrections are computed in double precision, as PyTorch computes them in Python floats.
/// </summary>
public sealed class Adam : IOptimizer
{
    private readonly float[][] _m, _v;

    /// <summary>Creates Adam with PyTorch's defaults (lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay).</summary>
    /// <remarks>
    /// The settings are checked as PyTorch checks them, except that <paramref name="epsilon"/> must be
    /// positive (PyTorch allows 0, which divides 0 by 0 for a parameter whose gradients are all zero) and
    /// every setting must be finite.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="learningRate"/> or <paramref name="weightDecay"/> is negative or not finite, <paramref name="beta1"/>
    /// or <paramref name="beta2"/> is outside [0, 1), or <paramref name="epsilon"/> is not positive and finite.
    /// </exception>
    public Adam(IEnumerable<Parameter> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
        float epsilon = 1e-8f, float weightDecay = 0f)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckLearningRate(learningRate);
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "Expected 0 <= beta1 < 1.");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "Expected 0 <= beta2 < 1.");
        if (!(epsilon > 0) || !float.IsFinite(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Expected a finite epsilon > 0 (e.g. 1e-8).");
        OptimizerChecks.NonNegative(weightDecay, nameof(weightDecay));
        Parameters = parameters.ToArray();
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        _m = Parameters.Select(p => new float[p.Length]).ToArray();
        _v = Parameters.Select(p => new float[p.Length]).ToArray();
    }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    public float LearningRate { get => _learningRate; set => _learningRate = CheckLearningRate(value); }

    private float _learningRate;

    private static float CheckLearningRate(float value) => OptimizerChecks.NonNegative(value, "learningRate");

    /// <summary>Decay of the first moment.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public float Beta2 { get; }

    /// <summary>Added to the denominator.</summary>
    public float Epsilon { get; }

    /// <summary>L2 penalty added to the gradient.</summary>
    public float WeightDecay { get; }

    /// <summary>Steps taken so far (the bias corrections depend on it; <see cref="OptimizerCheckpoint"/> saves and restores it).</summary>
    public int StepCount { get; internal set; }

    /// <summary>The first moments m, one array per parameter (for <see cref="OptimizerCheckpoint"/>).</summary>
    internal float[][] FirstMoments => _m;

    /// <summary>The second moments v, one array per parameter (for <see cref="OptimizerCheckpoint"/>).</summary>
    internal float[][] SecondMoments => _v;

    /// <inheritdoc/>
    public void Step()
    {
        StepCount++;
        double bc1 = 1 - Math.Pow(Beta1, StepCount), bc2 = 1 - Math.Pow(Beta2, StepCount);
        float stepSize = (float)(LearningRate / bc1);
        float bc2Sqrt = (float)Math.Sqrt(bc2);
        float b1 = 1f - Beta1, b2 = 1f - Beta2;
        for (int i = 0; i < Parameters.Count; i++)
        {
            float[] p = Parameters[i].Value, g = Parameters[i].Grad, m = _m[i], v = _v[i];
            // SIMD body and scalar tail evaluate the same expression tree with correctly rounded operations
            // (no fused multiply-add), so every element gets the same bits wherever it falls.
            int j = 0, w = System.Numerics.Vector<float>.Count;
            if (System.Numerics.Vector.IsHardwareAccelerated)
            {
                var vb1 = new System.Numerics.Vector<float>(b1);
                var vb2 = new System.Numerics.Vector<float>(b2);
                var vBeta2 = new System.Numerics.Vector<float>(Beta2);
                var vDecay = new System.Numerics.Vector<float>(WeightDecay);
                var vBc2 = new System.Numerics.Vector<float>(bc2Sqrt);
                var vEps = new System.Numerics.Vector<float>(Epsilon);
                var vStep = new System.Numerics.Vector<float>(stepSize);
                for (; j + w <= p.Length; j += w)
                {
                    var pj = new System.Numerics.Vector<float>(p, j);
                    var grad = new System.Numerics.Vector<float>(g, j);
                    if (WeightDecay != 0f) grad += vDecay * pj;
                    var mj = new System.Numerics.Vector<float>(m, j);
                    mj += vb1 * (grad - mj);
                    var vj = vBeta2 * new System.Numerics.Vector<float>(v, j) + vb2 * grad * grad;
                    var denom = System.Numerics.Vector.SquareRoot(vj) / vBc2 + vEps;
                    (pj - vStep * (mj / denom)).CopyTo(p, j);
                    mj.CopyTo(m, j);
                    vj.CopyTo(v, j);
                }
            }

            for (; j < p.Length; j++)
            {
                float grad = WeightDecay == 0f ? g[j] : g[j] + WeightDecay * p[j];
                m[j] += b1 * (grad - m[j]);
                v[j] = Beta2 * v[j] + b2 * grad * grad;
                float denom = MathF.Sqrt(v[j]) / bc2Sqrt + Epsilon;
                p[j] -= stepSize * (m[j] / denom);
            }
        }
    }

    /// <inheritdoc/>
    public void ZeroGrad()
    {
        for (int i = 0; i < Parameters.Count; i++) Parameters[i].ZeroGrad();
    }
}

/// <summary>
/// Stochastic gradient descent as PyTorch's <c>torch.optim.SGD</c>: <c>g = grad + WeightDecay * p</c>;
/// with momentum, <c>buf = g</c> on the first step and <c>buf = Momentum buf + (1 - Dampening) g</c>
/// after, then <c>g = buf</c> (or <c>g + Momentum buf</c> with Nesterov); <c>p -= lr g</c>.
/// </summary>
public sealed class Sgd : IOptimizer
{
    private readonly float[][] _buffers;

    /// <summary>Creates SGD.</summary>
    /// <remarks>
    /// As PyTorch, the learning rate, momentum and weight decay must be at least 0; in addition every setting
    /// must be finite and <paramref name="dampening"/> must be in [0, 1] (1 - dampening scales the gradient
    /// into the momentum buffer; outside [0, 1] it would flip or amplify it).
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="learningRate"/>, <paramref name="momentum"/> or <paramref name="weightDecay"/> is negative or not finite,
    /// or <paramref name="dampening"/> is outside [0, 1].
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="nesterov"/> without momentum or with dampening.</exception>
    public Sgd(IEnumerable<Parameter> parameters, float learningRate, float momentum = 0f, float weightDecay = 0f,
        float dampening = 0f, bool nesterov = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        OptimizerChecks.NonNegative(learningRate, nameof(learningRate));
        OptimizerChecks.NonNegative(momentum, nameof(momentum));
        OptimizerChecks.NonNegative(weightDecay, nameof(weightDecay));
        if (!(dampening >= 0 && dampening <= 1)) throw new ArgumentOutOfRangeException(nameof(dampening), dampening, "Expected 0 <= dampening <= 1.");
        if (nesterov && (momentum <= 0 || dampening != 0)) throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening.", nameof(nesterov));
        Parameters = parameters.ToArray();
        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
        Dampening = dampening;
        Nesterov = nesterov;
        _buffers = Parameters.Select(p => momentum != 0 ? new float[p.Length] : Array.Empty<float>()).ToArray();
    }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    public float LearningRate { get => _learningRate; set => _learningRate = OptimizerChecks.NonNegative(value, "learningRate"); }

    private float _learningRate;

    /// <summary>Momentum factor (0: plain SGD).</summary>
    public float Momentum { get; }

    /// <summary>L2 penalty added to the gradient.</summary>
    public float WeightDecay { get; }

    /// <summary>Dampening of the momentum.</summary>
    public float Dampening { get; }

    /// <summary>Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <summary>Steps taken so far (the first step initialises the momentum buffers; <see cref="OptimizerCheckpoint"/> saves and restores it).</summary>
    public int StepCount { get; internal set; }

    /// <summary>The momentum buffers, one array per parameter (empty arrays without momentum), for <see cref="OptimizerCheckpoint"/>.</summary>
    internal float[][] MomentumBuffers => _buffers;

    /// <inheritdoc/>
    public void Step()
    {
        bool first = StepCount == 0;
        StepCount++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            float[] p = Parameters[i].Value, g = Parameters[i].Grad, buf = _buffers[i];
            for (int j = 0; j < p.Length; j++)
            {
                float d = WeightDecay == 0f ? g[j] : g[j] + WeightDecay * p[j];
                if (Momentum != 0f)
                {
                    buf[j] = first ? d : Momentum * buf[j] + (1f - Dampening) * d;
                    d = Nesterov ? d + Momentum * buf[j] : buf[j];
                }

                p[j] -= LearningRate * d;
            }
        }
    }

    /// <inheritdoc/>
    public void ZeroGrad()
    {
        for (int i = 0; i < Parameters.Count; i++) Parameters[i].ZeroGrad();
    }
}

/// <summary>Checks shared by the optimizers' settings.</summary>
internal static class OptimizerChecks
{
    /// <summary>Returns <paramref name="value"/> when it is finite and at least 0; otherwise throws naming <paramref name="name"/>.</summary>
    public static float NonNegative(float value, string name) =>
        value >= 0 && float.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(name, value, $"Expected a finite {name} >= 0.");
}

/// <summary>Gradient clipping by the global norm, as PyTorch's <c>clip_grad_norm_</c>.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Computes the L2 norm of all gradients together and, when it exceeds <paramref name="maxNorm"/>,
    /// scales every gradient by <c>maxNorm / (norm + 1e-6)</c>. Returns the norm before clipping.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is negative or NaN (a negative bound would flip every gradient; infinity means no clipping).</exception>
    public static double ClipGlobalNorm(IReadOnlyList<Parameter> parameters, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "Expected maxNorm >= 0 (positive infinity: no clipping).");
        double sum = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            foreach (float g in parameters[i].Grad) sum += (double)g * g;
        }

        double norm = Math.Sqrt(sum);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1)
        {
            float c = (float)coef;
            for (int i = 0; i < parameters.Count; i++)
            {
                float[] g = parameters[i].Grad;
                for (int j = 0; j < g.Length; j++) g[j] *= c;
            }
        }

        return norm;
    }
}
