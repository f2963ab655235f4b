using System.Net;
using ServerlessAuth.Http;

namespace ServerlessAuth.Tests.Hardening;

/// <summary>
/// What the README and SPEC say the API keys of one tenant should look like, as plain in-memory state: the model the
/// property test compares every answer of the real host with.
/// </summary>
/// <remarks>
/// Rules modelled: a key is revoked from its first revocation on (terminal, idempotent, also for an expired key),
/// else expired from its <c>expiresAt</c> on (exactly at it); a rotation makes a new key and ends the old one at
/// <c>min(now + overlap, its expiry)</c>, and only an active key not rotated before can be rotated (409 otherwise); a
/// lifecycle run deletes every ended key whose end lies <see cref="Retention"/> or more before the run (after which
/// it is unknown: 401 <c>invalid_credential</c> and 404 on the control plane).
/// </remarks>
public sealed class CredentialModel
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    private readonly List<ModelKey> _keys = [];

    public IReadOnlyList<ModelKey> Keys => _keys;

    public ModelKey? Pick(int index) => _keys.Count == 0 ? null : _keys[index % _keys.Count];

    public ModelKey Add(string id, string secret, DateTimeOffset now, DateTimeOffset expiresAt, ModelKey? rotatedFrom = null)
    {
        var key = new ModelKey
        {
            Label = "k" + _keys.Count,
            Id = id,
            Secret = secret,
            CreatedAt = now,
            ExpiresAt = expiresAt,
            IssuedExpiresAt = expiresAt,
            RotatedFrom = rotatedFrom,
        };
        _keys.Add(key);
        return key;
    }

    /// <summary>The answer of <c>POST /api/v1/validate</c> for the key's secret.</summary>
    public static (HttpStatusCode Status, string? Code) Validation(ModelKey key, DateTimeOffset now) =>
        key.Purged ? (HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential)
        : key.StateAt(now) switch
        {
            KeyState.Active => (HttpStatusCode.OK, null),
            KeyState.Expired => (HttpStatusCode.Unauthorized, ProblemCodes.CredentialExpired),
            _ => (HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked),
        };

    /// <summary>Admin revocation: 404 once deleted, else 200 (the first revocation time stays).</summary>
    public static HttpStatusCode Revoke(ModelKey key, DateTimeOffset now)
    {
        if (key.Purged)
        {
            return HttpStatusCode.NotFound;
        }

        key.RevokedAt ??= now;
        return HttpStatusCode.OK;
    }

    /// <summary>Whether a rotation is allowed: 201, or 409 (not active, or rotated already), or 404 (deleted).</summary>
    public static HttpStatusCode CanRotate(ModelKey key, DateTimeOffset now) =>
        key.Purged ? HttpStatusCode.NotFound
        : key.StateAt(now) != KeyState.Active || key.RotatedTo is not null ? HttpStatusCode.Conflict
        : HttpStatusCode.Created;

    public ModelKey Rotate(ModelKey old, string newId, string newSecret, DateTimeOffset now, int overlapSeconds, DateTimeOffset newExpiresAt)
    {
        var overlapEnd = now.AddSeconds(overlapSeconds);
        old.ExpiresAt = overlapEnd < old.ExpiresAt ? overlapEnd : old.ExpiresAt;
        var next = Add(newId, newSecret, now, newExpiresAt, old);
        old.RotatedTo = next;
        return next;
    }

    /// <summary>A lifecycle run at <paramref name="now"/>: deletes what ended at least the retention period ago.</summary>
    public void RunLifecycle(DateTimeOffset now)
    {
        foreach (var key in _keys.Where(k => !k.Purged && k.EndedAt(now) is { } ended && ended + Retention <= now))
        {
            key.Purged = true;
        }
    }

    /// <summary>The keys a listing shows (with <paramref name="status"/> as seen now, or all), as id → status.</summary>
    public Dictionary<string, string> Listing(DateTimeOffset now, string? status) =>
        _keys.Where(k => !k.Purged && (status is null || k.StateName(now) == status)).ToDictionary(k => k.Id, k => k.StateName(now));

    /// <summary>Instants after <paramref name="now"/> at which something changes: expiries, overlap ends, purge dates.</summary>
    public IReadOnlyList<DateTimeOffset> Boundaries(DateTimeOffset now) =>
        [.. _keys.Where(k => !k.Purged)
            .SelectMany(k => new[] { k.RevokedAt is null ? k.ExpiresAt : (DateTimeOffset?)null, (k.RevokedAt ?? k.ExpiresAt) + Retention })
            .OfType<DateTimeOffset>()
            .Where(t => t > now)
            .Distinct()
            .Order()];
}

public enum KeyState
{
    Active,
    Expired,
    Revoked,
}

/// <summary>One API key of the model.</summary>
public sealed class ModelKey
{
    public required string Label { get; init; }
    public required string Id { get; init; }
    public required string Secret { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; set; }

    /// <summary>The expiry given at issue (a rotation may end the key earlier).</summary>
    public DateTimeOffset IssuedExpiresAt { get; init; }
    public DateTimeOffset? RevokedAt { get; set; }
    public ModelKey? RotatedFrom { get; init; }
    public ModelKey? RotatedTo { get; set; }
    public bool Purged { get; set; }

    public KeyState StateAt(DateTimeOffset now) =>
        RevokedAt is not null ? KeyState.Revoked : now >= ExpiresAt ? KeyState.Expired : KeyState.Active;

    public string StateName(DateTimeOffset now) => StateAt(now).ToString().ToLowerInvariant();

    /// <summary>When the key stopped working, if it has.</summary>
    public DateTimeOffset? EndedAt(DateTimeOffset now) => RevokedAt ?? (now >= ExpiresAt ? ExpiresAt : null);

    public override string ToString() => Label + (RotatedFrom is null ? "" : $" (rotated from {RotatedFrom.Label})");
}
