using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace ServerlessAuth.Storage;

/// <summary>
/// The in-memory cache in front of every read on the validation path (keys by secret digest, tenants,
/// operators). Entries live for <see cref="CacheOptions.Ttl"/> unless the caller names another TTL (the tenant
/// directory uses <see cref="CacheOptions.DirectoryTtl"/>), absent entities for <see cref="CacheOptions.NegativeTtl"/>,
/// so a change made on another instance is seen within that bound.
/// </summary>
/// <remarks>
/// Concurrent misses of one entry share a single storage read. <see cref="Invalidate"/> drops the entry and any
/// read of it in flight, and a read of it that started before is not cached: a request that starts after a local
/// revocation returns always reads fresh state. An invalidation touches its own entry only: under load, when reads
/// are slow and keys are issued and revoked every second, a cache-wide invalidation would discard most reads in
/// flight and turn the cache off when it is needed most.
/// <para>
/// Refresh ahead: an entry used in the last fifth of its TTL is read again in the background while callers keep
/// getting it, so an entry in use is replaced before it expires and its callers never wait for storage, even when
/// storage is slow. No value is ever served past its TTL, so the bound on how stale an answer can be is unchanged. The
/// cost is at most one read per entry in use per four fifths of its TTL.
/// </para>
/// </remarks>
internal sealed class ReadThroughCache(TimeProvider time, IOptions<ServerlessAuthOptions> options)
{
    /// <summary>An entry used after this share of its TTL is read again in the background.</summary>
    private const double RefreshAfter = 0.8;

    /// <summary>Entries held before the first sweep.</summary>
    private const int MinSweep = 1024;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<object?>>> _flights = new(StringComparer.Ordinal);
    private readonly CacheOptions _options = options.Value.Cache;

    /// <summary>Orders invalidations against reads caching their value; taken on misses and writes, never on a hit.</summary>
    private readonly Lock _gate = new();

    /// <summary>Held by the one caller sweeping; others do not wait for it.</summary>
    private readonly Lock _sweeping = new();

    /// <summary>The number of entries (live or expired) at which the next <see cref="Trim"/> sweeps.</summary>
    private int _sweepAt = MinSweep;

    internal int Count => _entries.Count;

    public ValueTask<T?> GetAsync<T>(string key, Func<CancellationToken, Task<T?>> load, CancellationToken cancellationToken)
        where T : class => GetAsync(key, _options.Ttl, load, static (load, ct) => load(ct), cancellationToken);

    /// <summary>The entry <paramref name="key"/>, loaded on a miss and kept for <paramref name="ttl"/> (0: not kept).</summary>
    public ValueTask<T?> GetAsync<T>(string key, TimeSpan ttl, Func<CancellationToken, Task<T?>> load, CancellationToken cancellationToken)
        where T : class => GetAsync(key, ttl, load, static (load, ct) => load(ct), cancellationToken);

    /// <summary>
    /// As <see cref="GetAsync{T}(string, Func{CancellationToken, Task{T}}, CancellationToken)"/>, with what the read
    /// needs passed as <paramref name="state"/> to a static <paramref name="load"/>: a lambda capturing it would be
    /// allocated on every call, hits included. For the validation path.
    /// </summary>
    public ValueTask<T?> GetAsync<T, TState>(string key, TState state, Func<TState, CancellationToken, Task<T?>> load, CancellationToken cancellationToken)
        where T : class => GetAsync(key, _options.Ttl, state, load, cancellationToken);

    /// <summary>The entry <paramref name="key"/>, loaded on a miss by <paramref name="load"/>(<paramref name="state"/>) and kept for <paramref name="ttl"/> (0: not kept).</summary>
    public async ValueTask<T?> GetAsync<T, TState>(string key, TimeSpan ttl, TState state, Func<TState, CancellationToken, Task<T?>> load, CancellationToken cancellationToken)
        where T : class
    {
        if (_entries.TryGetValue(key, out var entry) && time.GetUtcNow() is var now && now < entry.ExpiresAt)
        {
            if (now >= entry.RefreshAt && !_flights.ContainsKey(key))
            {
                // In the last fifth of its life: read it again in the background, so that a key in use never waits
                // for storage. Its callers keep the entry they have until it expires; a failed refresh only means the
                // next caller after expiry reads it, as without refresh.
                _ = Fly(key, ttl, state, load).Value.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }

            return (T?)entry.Value;
        }

        return (T?)await Fly(key, ttl, state, load).Value.WaitAsync(cancellationToken);
    }

    /// <summary>The read of <paramref name="key"/> in flight, or a new one: concurrent callers share it.</summary>
    private Lazy<Task<object?>> Fly<T, TState>(string key, TimeSpan ttl, TState state, Func<TState, CancellationToken, Task<T?>> load)
        where T : class => _flights.GetOrAdd(key, k =>
        {
            Lazy<Task<object?>>? self = null;
            self = new Lazy<Task<object?>>(() => LoadAsync(k, ttl, ct => load(state, ct), self!));
            return self;
        });

    /// <summary>Forgets an entry after a local write, so this instance sees the change at once.</summary>
    public void Invalidate(string key)
    {
        // Under the lock that a completing read holds while it checks that it is still the key's flight and caches
        // its value: once this returns, no value read before it can be cached or served.
        lock (_gate)
        {
            _flights.TryRemove(key, out _);
            _entries.TryRemove(key, out _);
        }
    }

    private async Task<object?> LoadAsync<T>(string key, TimeSpan valueTtl, Func<CancellationToken, Task<T?>> load, Lazy<Task<object?>> flight)
        where T : class
    {
        try
        {
            // The shared read is not tied to the first caller's cancellation: the other callers wait on it too.
            // Its duration is bounded by the storage request timeout.
            var value = await load(CancellationToken.None);
            var ttl = value is null ? _options.NegativeTtl : valueTtl;
            if (ttl > TimeSpan.Zero)
            {
                Trim();
                var now = time.GetUtcNow();
                lock (_gate)
                {
                    if (_flights.TryGetValue(key, out var current) && current == flight)
                    {
                        _entries[key] = new Entry(value, now + ttl, now + (ttl * RefreshAfter));
                    }
                }
            }

            return value;
        }
        finally
        {
            // Only this flight: one started after an invalidation stays.
            _flights.TryRemove(new KeyValuePair<string, Lazy<Task<object?>>>(key, flight));
        }
    }

    /// <summary>
    /// Drops expired entries once the cache has doubled since the last sweep (amortized: each insert pays for about
    /// one entry of a sweep), so memory follows the entries in use rather than filling up to
    /// <see cref="CacheOptions.MaxEntries"/> with expired ones (under load, every new JWT leaves a "not revoked" entry).
    /// </summary>
    private void Trim()
    {
        if (_entries.Count < Math.Min(Volatile.Read(ref _sweepAt), _options.MaxEntries) || !_sweeping.TryEnter())
        {
            return;
        }

        try
        {
            Sweep();
        }
        finally
        {
            _sweeping.Exit();
        }
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            }
        }

        // Still full of live entries: start over rather than grow. Entries are cheap to reload.
        if (_entries.Count >= _options.MaxEntries)
        {
            _entries.Clear();
        }

        Volatile.Write(ref _sweepAt, Math.Max(MinSweep, 2 * _entries.Count));
    }

    private sealed record Entry(object? Value, DateTimeOffset ExpiresAt, DateTimeOffset RefreshAt);
}
