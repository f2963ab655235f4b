using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.Security;

namespace ServerlessAuth.Tokens;

/// <summary>
/// A signing key as a source stores it: its id, the P-256 private key as PKCS#8 PEM, and when it starts signing.
/// <see cref="SourceVersion"/> is the source's own handle (the Key Vault secret version, the table row).
/// </summary>
internal sealed record StoredSigningKey(string Kid, string PrivateKeyPem, DateTimeOffset CreatedAt, DateTimeOffset ActivatesAt, string SourceVersion = "")
{
    /// <summary>A new ES256 (P-256) key from the platform's CSPRNG.</summary>
    public static StoredSigningKey Create(DateTimeOffset now, DateTimeOffset activatesAt)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var kid = $"{now:yyyyMMdd}-{Base62.Random(10)}";
        return new StoredSigningKey(kid, ecdsa.ExportPkcs8PrivateKeyPem(), now, activatesAt);
    }
}

/// <summary>Where a key stands on the rotation timeline at a given moment.</summary>
internal enum SigningKeyState
{
    /// <summary>Published in the JWKS, not signing yet (caches are picking it up).</summary>
    Pending,

    /// <summary>Signs new tokens.</summary>
    Active,

    /// <summary>Signs nothing; published until every token it signed has expired (plus skew).</summary>
    Retired,
}

/// <summary>A loaded signing key with its place on the timeline.</summary>
internal sealed class SigningKey
{
    public SigningKey(StoredSigningKey stored, DateTimeOffset? retiresAt, DateTimeOffset? removeAt)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(stored.PrivateKeyPem);
        if (ecdsa.KeySize != 256)
        {
            ecdsa.Dispose();
            throw new InvalidDataException($"Signing key {stored.Kid} is not a P-256 key.");
        }

        Stored = stored;
        SecurityKey = new ECDsaSecurityKey(ecdsa) { KeyId = stored.Kid };
        RetiresAt = retiresAt;
        RemoveAt = removeAt;
    }

    public StoredSigningKey Stored { get; }

    public string Kid => Stored.Kid;

    public ECDsaSecurityKey SecurityKey { get; }

    public DateTimeOffset ActivatesAt => Stored.ActivatesAt;

    /// <summary>When its successor starts signing; null for the newest key.</summary>
    public DateTimeOffset? RetiresAt { get; }

    /// <summary>When it leaves the JWKS: retirement + longest token lifetime + clock skew; null for the newest key.</summary>
    public DateTimeOffset? RemoveAt { get; }

    public SigningKeyState StateAt(DateTimeOffset now) =>
        now < ActivatesAt ? SigningKeyState.Pending : RetiresAt is { } retires && now >= retires ? SigningKeyState.Retired : SigningKeyState.Active;

    public bool IsPublishedAt(DateTimeOffset now) => RemoveAt is not { } remove || now < remove;
}

/// <summary>The keys of the ring, ordered by activation, with their timeline computed.</summary>
internal sealed class KeyRingSnapshot
{
    public KeyRingSnapshot(IEnumerable<StoredSigningKey> stored, TimeSpan retention, DateTimeOffset loadedAt)
    {
        var ordered = stored.OrderBy(k => k.ActivatesAt).ThenBy(k => k.CreatedAt).ThenBy(k => k.Kid, StringComparer.Ordinal).ToList();
        var keys = new List<SigningKey>(ordered.Count);
        for (var i = 0; i < ordered.Count; i++)
        {
            DateTimeOffset? retiresAt = i + 1 < ordered.Count ? ordered[i + 1].ActivatesAt : null;
            keys.Add(new SigningKey(ordered[i], retiresAt, retiresAt + retention));
        }

        Keys = keys;
        LoadedAt = loadedAt;
    }

    public IReadOnlyList<SigningKey> Keys { get; }

    public DateTimeOffset LoadedAt { get; }

    /// <summary>The key that signs at <paramref name="now"/>: the newest one already active.</summary>
    public SigningKey? SignerAt(DateTimeOffset now) => Keys.LastOrDefault(k => k.ActivatesAt <= now);

    /// <summary>Keys in the JWKS at <paramref name="now"/>: pending, active, and retired ones still needed.</summary>
    public IEnumerable<SigningKey> PublishedAt(DateTimeOffset now) => Keys.Where(k => k.IsPublishedAt(now));

    public SigningKey? FindPublished(string kid, DateTimeOffset now) =>
        Keys.FirstOrDefault(k => string.Equals(k.Kid, kid, StringComparison.Ordinal) && k.IsPublishedAt(now));
}
