namespace SnnDsl.Encoders;

/// <summary>
/// Delta modulation, snnTorch 0.9 <c>spikegen.delta</c>: on a time series, an element fires +1
/// where x[t] - x[t-1] &gt;= Threshold and, with <see cref="OffSpike"/>, -1 where
/// x[t] - x[t-1] &lt;= -Threshold. The step before the first is 0 unless <see cref="Padding"/>,
/// which compares the first step with itself (so it never fires).
/// Example: [1, 2, 0, 2, 2.9], Threshold 1, OffSpike: [1, 1, -1, 1, 0].
/// </summary>
/// <param name="Threshold">The change that triggers a spike.</param>
/// <param name="Padding">Compare the first step with itself instead of with 0.</param>
/// <param name="OffSpike">Emit -1 for decreases of at least Threshold.</param>
[Encoder]
public partial record Delta(float Threshold = 0.1f, bool Padding = false, bool OffSpike = false)
{
    /// <summary>The previous step's input (0 before the first step).</summary>
    [State] public float Prev;

    /// <summary>Remembers the input for the next step.</summary>
    [Next(nameof(Prev))]
    public float Remember(float x) => x;

    private float Change(float x) => x - (Time == 0f && Padding ? x : Prev);

    /// <summary>+1, -1 (with OffSpike) or 0.</summary>
    [Emit]
    public float Spike(float x) => Change(x) >= Threshold ? 1f : (OffSpike && Change(x) <= -Threshold ? -1f : 0f);
}
