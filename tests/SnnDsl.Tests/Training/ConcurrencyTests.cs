using System;
using System.Threading;
using System.Threading.Tasks;
using SnnDsl.Simulation;
using SnnDsl.Training;
using static SnnDsl.Training.Network;

namespace SnnDsl.Tests.Training;

/// <summary>
/// Issue 13: a call on a runner (or network, or worker pool) made while another call on it is running throws
/// InvalidOperationException instead of corrupting its buffers. Deterministic: the first call is held inside
/// (a loss or a progress callback that waits on a gate) while the second is made, so there is no timing race.
/// With one worker thread, the old code did not crash on these: it ran the second call over the first's buffers
/// and returned, so these tests failed there without taking the test host down.
/// </summary>
public class ConcurrencyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>A loss that runs <paramref name="inside"/> before scoring (on the thread running the chunk).</summary>
    private sealed class HookLoss(Action inside) : ILoss
    {
        private readonly CrossEntropyCountLoss _inner = new();
        public LossInput Input => _inner.Input;

        public double Evaluate(ReadOnlySpan<float> output, int steps, int batch, int classes, ReadOnlySpan<int> labels, Span<float> gradient, float scale)
        {
            inside();
            return _inner.Evaluate(output, steps, batch, classes, labels, gradient, scale);
        }

        public void Predict(ReadOnlySpan<float> output, int steps, int batch, int classes, Span<int> predictions) => _inner.Predict(output, steps, batch, classes, predictions);
    }

    private const int T = 4, B = 3, I = 5;

    private static (NetworkRunner Runner, float[] X, int[] Labels) Make()
    {
        Network net = Sequential(Dense(I, 4), NeuronLayer("TestLif", (b, n) => new TestLif(b, n)), Dense(4, 3), NeuronLayer("TestLif", (b, n) => new TestLif(b, n)));
        NetworkWeights w = net.Initialize(7);
        NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions(Threads: 1, ChunkSize: 4));
        float[] x = GemmTests.Random(T * B * I, 3, 0.3);
        return (runner, x, [0, 1, 2]);
    }

    [Fact]
    public async Task A_call_while_another_thread_is_inside_a_call_throws_and_leaves_that_call_intact()
    {
        var (runner, x, labels) = Make();
        using var _ = runner;
        double expected = runner.Evaluate(x, labels, new CrossEntropyCountLoss());

        using var entered = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        var held = new HookLoss(() =>
        {
            entered.Set();
            if (!release.Wait(Timeout)) throw new TimeoutException("The test never released the first call.");
        });
        Task<double> first = Task.Run(() => runner.Evaluate(x, labels, held));
        try
        {
            Assert.True(entered.Wait(Timeout), "The first call never reached the loss.");
            var calls = new (string Method, Action Call)[]
            {
                ("TrainStep", () => runner.TrainStep(x, labels, new CrossEntropyCountLoss())),
                ("Evaluate", () => runner.Evaluate(x, labels, new CrossEntropyCountLoss())),
                ("Forward", () => runner.Forward(x, B)),
                ("Forward", () => runner.Forward(x, B, 1, new float[T * B * 4])),
                ("Threads", () => runner.Threads = 2),
                ("Dispose", () => runner.Dispose()),
            };
            foreach (var (method, call) in calls)
            {
                var e = Assert.Throws<InvalidOperationException>(call);
                Assert.Equal($"NetworkRunner is not thread-safe: {method} was called while another call (Evaluate) on the same NetworkRunner is running on another thread; use one runner per thread.", e.Message);
            }
        }
        finally
        {
            release.Set();
        }

        Assert.Equal(expected, await first.WaitAsync(Timeout));
        Assert.Equal(1, runner.Threads);
        Assert.Equal(expected, runner.Evaluate(x, labels, new CrossEntropyCountLoss())); // free again, not disposed
    }

    [Fact]
    public void A_call_from_inside_a_call_on_the_same_thread_throws()
    {
        var (runner, x, labels) = Make();
        using var _ = runner;
        var reentrant = new HookLoss(() => runner.Forward(x, B));
        var e = Assert.Throws<InvalidOperationException>(() => runner.Evaluate(x, labels, reentrant));
        Assert.Equal("NetworkRunner is not re-entrant: Forward was called from inside Evaluate on the same NetworkRunner (from a loss or a layer factory); make the call after Evaluate returns.", e.Message);
        runner.Forward(x, B); // released after the failed call
    }

    [Fact]
    public void The_default_thread_count_is_the_core_count()
    {
        Assert.Equal(Environment.ProcessorCount, new RunnerOptions().Threads);
        Assert.Equal(Environment.ProcessorCount, new RunnerOptions(Threads: 0).Threads);
        Assert.Equal(Environment.ProcessorCount, (new RunnerOptions(Threads: 3) with { Threads = 0 }).Threads);
        Assert.Equal(3, new RunnerOptions(Threads: 3).Threads);
        Network net = Sequential(Dense(I, 3));
        NetworkWeights w = net.Initialize(1);
        using NetworkRunner runner = net.CreateRunner(w, T, 64, new RunnerOptions(ChunkSize: 1)); // 64 chunks: at most one thread per chunk
        Assert.Equal(Math.Min(Environment.ProcessorCount, 64), runner.Threads);
        using NetworkRunner runnerDefault = net.CreateRunner(w, T, 64); // no options at all
        Assert.Equal(Math.Min(Environment.ProcessorCount, runnerDefault.Chunks), runnerDefault.Threads);
    }

    [Fact]
    public void Threads_below_one_name_the_option_or_the_property()
    {
        Network net = Sequential(Dense(I, 3));
        NetworkWeights w = net.Initialize(1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.CreateRunner(w, T, B, new RunnerOptions(Threads: -1)));
        Assert.Equal("options.Threads", e.ParamName);
        using NetworkRunner runner = net.CreateRunner(w, T, B, new RunnerOptions());
        Assert.Equal("Threads", Assert.Throws<ArgumentOutOfRangeException>(() => runner.Threads = -1).ParamName);
    }

    [Fact]
    public async Task A_worker_pool_run_while_another_is_running_throws()
    {
        using var pool = new WorkerPool(1);
        using var entered = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        Task first = Task.Run(() => pool.Run(_ => { entered.Set(); release.Wait(Timeout); }));
        try
        {
            Assert.True(entered.Wait(Timeout));
            int ran = 0;
            var e = Assert.Throws<InvalidOperationException>(() => pool.Run(_ => ran++));
            Assert.StartsWith("WorkerPool is not thread-safe: Run was called while another call (Run)", e.Message);
            Assert.Equal(0, ran);
        }
        finally
        {
            release.Set();
        }

        await first.WaitAsync(Timeout);
        int after = 0;
        pool.Run(_ => after++);
        Assert.Equal(1, after);
    }

    private sealed class HookProgress(Action inside) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => inside();
    }

    [Fact]
    public async Task A_spiking_network_run_or_reset_during_a_run_throws()
    {
        using var net = new SpikingNetwork(0.1f);
        net.AddPoissonGroup("p", 10, 50f);
        var e = Assert.Throws<InvalidOperationException>(() => net.RunSteps(3, new HookProgress(() => net.Reset())));
        Assert.Equal("SpikingNetwork is not re-entrant: Reset was called from inside RunSteps on the same SpikingNetwork (from a progress report or a step hook); make the call after RunSteps returns.", e.Message);

        using var entered = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        Task<RunStats> first = Task.Run(() => net.RunSteps(5, new HookProgress(() => { entered.Set(); release.Wait(Timeout); })));
        try
        {
            Assert.True(entered.Wait(Timeout));
            Assert.StartsWith("SpikingNetwork is not thread-safe: RunSteps was called while another call (RunSteps)", Assert.Throws<InvalidOperationException>(() => net.Run(1f)).Message);
            Assert.StartsWith("SpikingNetwork is not thread-safe: Reset was called", Assert.Throws<InvalidOperationException>(() => net.Reset()).Message);
        }
        finally
        {
            release.Set();
        }

        Assert.Equal(5, (await first.WaitAsync(Timeout)).Steps);
        Assert.Equal(8, net.CurrentStep);
    }
}
