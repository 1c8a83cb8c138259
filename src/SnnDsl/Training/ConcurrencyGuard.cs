using System;
using System.Threading;

namespace SnnDsl.Training;

/// <summary>
/// Detects a second call on an object that is not thread-safe while a first call is running, instead of
/// letting both corrupt shared buffers (or pinned pointers, or a worker pool). Each public entry point
/// does <c>using var _ = _guard.Enter(nameof(Method));</c>: entering takes the object with one
/// compare-exchange (no allocation), and a call that finds it taken throws
/// <see cref="InvalidOperationException"/> naming the type, the method and the running call.
/// </summary>
internal sealed class ConcurrencyGuard
{
    private readonly string _type;
    private readonly string _advice;
    private readonly string _callbacks;
    private int _thread;          // managed thread id of the running call, 0 when none
    private string? _running;     // the running call's method, for the message

    /// <param name="type">The guarded type's name, first word of the message.</param>
    /// <param name="advice">What to do instead, e.g. "use one runner per thread".</param>
    /// <param name="callbacks">The user code a call runs, from which a re-entrant call comes, e.g. "a loss".</param>
    public ConcurrencyGuard(string type, string advice, string callbacks)
    {
        _type = type;
        _advice = advice;
        _callbacks = callbacks;
    }

    /// <summary>Takes the object for <paramref name="method"/>; dispose the result to release it.</summary>
    /// <exception cref="InvalidOperationException">Another call is running, on another thread or (re-entrantly) on this one.</exception>
    public Scope Enter(string method)
    {
        int me = Environment.CurrentManagedThreadId;
        int other = Interlocked.CompareExchange(ref _thread, me, 0);
        if (other != 0) throw Busy(method, other == me);
        _running = method;
        return new Scope(this);
    }

    private InvalidOperationException Busy(string method, bool sameThread)
    {
        string running = Volatile.Read(ref _running) ?? "a call";
        return new InvalidOperationException(sameThread
            ? $"{_type} is not re-entrant: {method} was called from inside {running} on the same {_type} (from {_callbacks}); make the call after {running} returns."
            : $"{_type} is not thread-safe: {method} was called while another call ({running}) on the same {_type} is running on another thread; {_advice}.");
    }

    private void Exit()
    {
        Volatile.Write(ref _running, null);
        Volatile.Write(ref _thread, 0);
    }

    /// <summary>The taken object; disposing it releases the object (use with <c>using</c>, allocation-free).</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly ConcurrencyGuard? _guard;

        internal Scope(ConcurrencyGuard guard) => _guard = guard;

        /// <summary>Releases the object.</summary>
        public void Dispose() => _guard?.Exit();
    }
}
