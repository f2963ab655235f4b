using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace ServerlessAuth.Tokens;

/// <summary>The SHA-256 of a whole compact token: what <see cref="VerifiedTokenCache"/> is keyed by, never the token.</summary>
internal readonly record struct TokenDigest(ulong A, ulong B, ulong C, ulong D)
{
    public static TokenDigest Of(string token)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        Security.SecretDigest.Sha256OfUtf8(token, hash);

        return new TokenDigest(
            BinaryPrimitives.ReadUInt64LittleEndian(hash),
            BinaryPrimitives.ReadUInt64LittleEndian(hash[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(hash[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(hash[24..]));
    }
}

/// <summary>
/// Tokens whose signature and claims this instance verified a moment ago, so that a token presented again skips the
/// ES256 verification (the dominant cost of a JWT validation). Keyed by the SHA-256 of the whole compact token.
/// </summary>
/// <remarks>
/// Only the outcome of <see cref="JwtValidator.VerifyAsync"/> that never changes for a given token is cached: its
/// signature by one particular key, its header, <c>iss</c>, <c>aud</c> and claims. Everything that can change is
/// still checked on every use: the signing key must still be published in the ring (and be the very key that
/// verified the token), <c>exp</c>/<c>nbf</c> are judged against the clock, and the <c>jti</c>, the app and the
/// tenant are read as they are now. So a hit changes neither the revocation semantics nor their bound.
/// An entry lives until the token's <c>exp</c> or for <see cref="TokenOptions.VerifiedCacheTtl"/>, whichever is
/// sooner. At most <see cref="TokenOptions.VerifiedCacheMaxEntries"/> entries: a full cache first drops expired
/// entries, then a tenth of the capacity, soonest to expire first. Only verified tokens get in, so filling it takes
/// genuine tokens from the token endpoint.
/// </remarks>
internal sealed class VerifiedTokenCache(TimeProvider time, IOptions<ServerlessAuthOptions> options)
{
    private readonly ConcurrentDictionary<TokenDigest, Entry> _entries = new();
    private readonly Lock _evicting = new();
    private readonly TimeSpan _ttl = options.Value.Tokens.VerifiedCacheTtl;
    private readonly int _maxEntries = options.Value.Tokens.VerifiedCacheMaxEntries;

    public int Count => _entries.Count;

    /// <summary>The token verified earlier with exactly <paramref name="key"/>, if its entry is still alive.</summary>
    public bool TryGet(TokenDigest digest, StoredSigningKey key, out VerifiedToken token)
    {
        if (_entries.TryGetValue(digest, out var entry) && time.GetUtcNow() < entry.ExpiresAt && entry.Key == key)
        {
            token = entry.Token;
            return true;
        }

        token = null!;
        return false;
    }

    /// <summary>Remembers a token that <paramref name="key"/> has just verified.</summary>
    public void Add(TokenDigest digest, StoredSigningKey key, VerifiedToken token)
    {
        var now = time.GetUtcNow();
        var expiresAt = token.ExpiresAt < now + _ttl ? token.ExpiresAt : now + _ttl;
        if (expiresAt <= now)
        {
            return;
        }

        if (_entries.Count >= _maxEntries)
        {
            Evict(now);
        }

        _entries[digest] = new Entry(token, key, expiresAt);
    }

    private void Evict(DateTimeOffset now)
    {
        lock (_evicting)
        {
            if (_entries.Count < _maxEntries)
            {
                return;
            }

            foreach (var (digest, entry) in _entries)
            {
                if (entry.ExpiresAt <= now)
                {
                    _entries.TryRemove(digest, out _);
                }
            }

            var excess = _entries.Count - (_maxEntries - Math.Max(1, _maxEntries / 10));
            if (excess > 0)
            {
                foreach (var (digest, _) in _entries.OrderBy(e => e.Value.ExpiresAt).Take(excess).ToList())
                {
                    _entries.TryRemove(digest, out _);
                }
            }
        }
    }

    private sealed record Entry(VerifiedToken Token, StoredSigningKey Key, DateTimeOffset ExpiresAt);
}
