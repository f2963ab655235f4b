using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.Storage;

namespace ServerlessAuth.Tokens;

/// <summary>What a rotation request did.</summary>
internal enum RotationOutcome
{
    /// <summary>A new key was published; it signs after the publication delay.</summary>
    Rotated,

    /// <summary>A published key is still waiting to sign: that rotation is in progress, nothing was added.</summary>
    AlreadyPending,

    /// <summary>The signing key is younger than the rotation interval (scheduled rotation only).</summary>
    NotDue,

    /// <summary>The ring holds the most keys it may publish; retired keys must expire first.</summary>
    RingFull,
}

/// <summary>
/// The JWT signing keys of this instance: loaded from the <see cref="ISigningKeySource"/>, kept in memory, and
/// re-read every <see cref="TokenOptions.KeyRefreshInterval"/>.
/// </summary>
/// <remarks>
/// Timeline of a rotation at time T (defaults in brackets):
/// <list type="bullet">
/// <item>T: the new key is saved and published in the JWKS; the current key keeps signing.</item>
/// <item>T + <see cref="TokenOptions.KeyPublicationDelay"/> [1 h] (at least the JWKS max-age plus the refresh interval,
/// so every cache and every instance has it): the new key signs; the old one is retired.</item>
/// <item>T + delay + <see cref="TokenOptions.MaxLifetime"/> [24 h] + <see cref="TokenOptions.ClockSkew"/>: every token the
/// old key signed has expired; it leaves the JWKS, and the next rotation drops it from the source.</item>
/// </list>
/// Signing needs a ring no older than the refresh interval: if the source cannot be read, issuance answers 503 rather
/// than sign with a key that might not be the one every instance publishes. Validation and the JWKS carry on from
/// the last ring loaded.
/// </remarks>
internal sealed class SigningKeyRing(ISigningKeySource source, TimeProvider time, IOptions<ServerlessAuthOptions> options, ILogger<SigningKeyRing> logger) : IDisposable
{
    /// <summary>Most keys published at once; also bounds what the Key Vault source writes into one secret's tags.</summary>
    public const int MaxPublishedKeys = 5;

    public const string KeyVaultSourceName = "keyVault";
    public const string DevelopmentSourceName = "development";

    /// <summary>Least time between two reloads forced by an unknown <c>kid</c>, and between retries after a fault.</summary>
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(30);

    private readonly TokenOptions _options = options.Value.Tokens;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private KeyRingSnapshot? _current;
    private long _nextAttemptTicks;

    public string SourceName => source.Name;

    /// <summary>The dependency named in a 503: the vault, or storage for the development source.</summary>
    private string Dependency => source.Name == KeyVaultSourceName ? KeyVaultSourceName : "storage";

    private TimeSpan Retention => _options.MaxLifetime + _options.ClockSkew;

    /// <summary>The key that signs now, from a ring at most one refresh interval old (a fault is thrown, answered 503).</summary>
    public async Task<SigningKey> GetSignerAsync(CancellationToken cancellationToken)
    {
        var ring = Volatile.Read(ref _current);
        if (ring is null || time.GetUtcNow() - ring.LoadedAt >= _options.KeyRefreshInterval)
        {
            ring = await ReloadAsync(ring, cancellationToken);
        }

        return ring.SignerAt(time.GetUtcNow())
            ?? throw new ServiceUnavailableException("No signing key is active yet.") { Dependency = Dependency };
    }

    /// <summary>The keys to publish now (JWKS), from the last ring loaded if the source is failing.</summary>
    public async Task<IReadOnlyList<SigningKey>> GetPublishedAsync(CancellationToken cancellationToken)
    {
        var ring = await GetForReadingAsync(force: false, cancellationToken);
        return [.. ring.PublishedAt(time.GetUtcNow())];
    }

    /// <summary>
    /// The published key with this <c>kid</c>, for validation. An unknown kid may be a key another instance just
    /// added: the ring is reloaded then, at most once per 30 seconds.
    /// </summary>
    public async ValueTask<SigningKey?> FindAsync(string kid, CancellationToken cancellationToken)
    {
        var ring = await GetForReadingAsync(force: false, cancellationToken);
        var key = ring.FindPublished(kid, time.GetUtcNow());
        if (key is not null || time.GetUtcNow() < Volatile.Read(ref _current)!.LoadedAt + RetryInterval)
        {
            return key;
        }

        ring = await GetForReadingAsync(force: true, cancellationToken);
        return ring.FindPublished(kid, time.GetUtcNow());
    }

    /// <summary>The ring as it stands, for the admin route and the health check.</summary>
    public async Task<KeyRingSnapshot> DescribeAsync(CancellationToken cancellationToken) => await GetForReadingAsync(force: false, cancellationToken);

    /// <summary>Rotates now (admin), unless a rotation is already in progress.</summary>
    public Task<(RotationOutcome Outcome, KeyRingSnapshot Ring)> RotateAsync(CancellationToken cancellationToken) => RotateCoreAsync(onlyIfDue: false, cancellationToken);

    /// <summary>Rotates when the signing key is older than <see cref="TokenOptions.KeyRotationInterval"/> (lifecycle job).</summary>
    public Task<(RotationOutcome Outcome, KeyRingSnapshot Ring)> RotateIfDueAsync(CancellationToken cancellationToken) => RotateCoreAsync(onlyIfDue: true, cancellationToken);

    private async Task<(RotationOutcome Outcome, KeyRingSnapshot Ring)> RotateCoreAsync(bool onlyIfDue, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var ring = await LoadLockedAsync(cancellationToken);
            var now = time.GetUtcNow();
            var newest = ring.Keys[^1];
            if (newest.ActivatesAt > now)
            {
                return (RotationOutcome.AlreadyPending, ring);
            }

            if (onlyIfDue && now - newest.ActivatesAt < _options.KeyRotationInterval)
            {
                return (RotationOutcome.NotDue, ring);
            }

            // Every key whose removal time is still ahead stays; the newest is retired by the new key, so all of its
            // tokens are covered by the retention that starts when the new key activates.
            var keep = ring.Keys.Where(k => k.IsPublishedAt(now)).Select(k => k.Stored).ToList();
            if (keep.Count >= MaxPublishedKeys)
            {
                return (RotationOutcome.RingFull, ring);
            }

            var key = StoredSigningKey.Create(now, now + _options.KeyPublicationDelay);
            await source.SaveAsync(key, keep, cancellationToken);
            ring = await LoadLockedAsync(cancellationToken);
            Log.SigningKeyRotated(logger, key.Kid, key.ActivatesAt, newest.Kid, source.Name);
            return (RotationOutcome.Rotated, ring);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async ValueTask<KeyRingSnapshot> GetForReadingAsync(bool force, CancellationToken cancellationToken)
    {
        var ring = Volatile.Read(ref _current);
        var now = time.GetUtcNow();
        var stale = ring is null || force || now - ring.LoadedAt >= _options.KeyRefreshInterval;
        if (!stale || (ring is not null && now.UtcTicks < Interlocked.Read(ref _nextAttemptTicks)))
        {
            return ring!;
        }

        try
        {
            return await ReloadAsync(ring, cancellationToken);
        }
        catch (Exception e) when (ring is not null && ServiceUnavailableException.IsDependencyFault(e, cancellationToken))
        {
            // Validation carries on with the public keys already loaded; the source is retried a little later.
            Interlocked.Exchange(ref _nextAttemptTicks, (now + RetryInterval).UtcTicks);
            Log.SigningKeyRefreshFailed(logger, source.Name, e);
            return ring;
        }
    }

    private async Task<KeyRingSnapshot> ReloadAsync(KeyRingSnapshot? seen, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Another caller reloaded while this one waited: use its ring.
            var current = Volatile.Read(ref _current);
            return current is not null && !ReferenceEquals(current, seen) ? current : await LoadLockedAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<KeyRingSnapshot> LoadLockedAsync(CancellationToken cancellationToken)
    {
        var stored = await source.LoadAsync(cancellationToken);
        if (stored.Count == 0)
        {
            // The very first key signs at once: no token and no cache can be missing it yet.
            var now = time.GetUtcNow();
            var first = StoredSigningKey.Create(now, now);
            await source.SaveAsync(first, [], cancellationToken);
            Log.SigningKeyCreated(logger, first.Kid, source.Name);
            stored = await source.LoadAsync(cancellationToken);
            if (stored.Count == 0)
            {
                throw new ServiceUnavailableException("The signing key just created could not be read back.") { Dependency = Dependency };
            }
        }

        var ring = new KeyRingSnapshot(stored, Retention, time.GetUtcNow());
        Volatile.Write(ref _current, ring);
        Interlocked.Exchange(ref _nextAttemptTicks, 0);
        return ring;
    }
}
