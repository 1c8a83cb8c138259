using System;
using System.Threading;

namespace SnnDsl.Training;

/// <summary>
/// A fixed set of background threads that run one body per worker index and wait for all of
/// them: <c>Run(body)</c> calls <c>body(0)</c> on the calling thread and <c>body(1..n-1)</c> on the
/// pool's threads. Unlike <c>Parallel.For</c> it allocates nothing per run. The body must not throw
/// (callers catch and record their exceptions). Not re-entrant: its owner (a runner, a network) runs it
/// from one thread at a time behind its own <see cref="ConcurrencyGuard"/>; a second concurrent
/// <see cref="Run"/> would corrupt the pending count, so it throws instead (a last line of defence).
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly ManualResetEventSlim _done = new(false);
    private Action<int>? _body;
    private int _pending;
    private volatile bool _stop;
    private readonly ConcurrencyGuard _guard = new(nameof(WorkerPool), "its owner must run it from one thread at a time", "a worker body");

    public WorkerPool(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        Workers = workers;
        _threads = new Thread[workers - 1];
        _start = new SemaphoreSlim[workers - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _start[i] = new SemaphoreSlim(0);
            int index = i + 1;
            _threads[i] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"SnnDsl worker {index}" };
            _threads[i].Start();
        }
    }

    public int Workers { get; }

    public void Run(Action<int> body)
    {
        ObjectDisposedException.ThrowIf(_stop, this);
        using var _ = _guard.Enter(nameof(Run));
        if (Workers == 1)
        {
            body(0);
            return;
        }

        _body = body;
        _pending = Workers - 1;
        _done.Reset();
        for (int i = 0; i < _start.Length; i++) _start[i].Release();
        body(0);
        _done.Wait();
        _body = null;
    }

    private void Loop(int index)
    {
        SemaphoreSlim start = _start[index - 1];
        while (true)
        {
            start.Wait();
            if (_stop) return;
            _body!(index);
            if (Interlocked.Decrement(ref _pending) == 0) _done.Set();
        }
    }

    public void Dispose()
    {
        if (_stop) return;
        _stop = true;
        for (int i = 0; i < _start.Length; i++) _start[i].Release();
    }
}
