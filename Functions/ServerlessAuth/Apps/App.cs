using System.Buffers.Text;
using System.Security.Cryptography;
using Azure;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Apps;

/// <summary>Status of an app registration. Revocation and expiry are terminal.</summary>
internal enum AppStatus
{
    Active,
    Expired,
    Revoked,
}

/// <summary>
/// An app registration (a machine client of a tenant) as stored: never a secret, only the digests of its
/// secrets (at most <see cref="MaxActiveSecrets"/> active at once, so that rotation never leaves zero).
/// </summary>
internal sealed record App
{
    public const int MaxActiveSecrets = 2;
    public const int MaxDescriptionLength = 500;

    public required TenantId TenantId { get; init; }
    public required AppId Id { get; init; }
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required IReadOnlySet<string> Scopes { get; init; }
    public required AppStatus Status { get; init; }
    public required IReadOnlyList<AppSecret> Secrets { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Who registered it, as audit lines name callers (<c>admin</c>, <c>operator:{id}</c>).</summary>
    public required string CreatedBy { get; init; }

    /// <summary>
    /// The operator who registered it, whose current permissions bound what it may do; null when the admin key did
    /// (and on apps stored before this existed), which bounds it by its own scopes only.
    /// </summary>
    public OperatorId? RegisteredBy { get; init; }

    /// <summary>The <see cref="Operator.Generation"/> of <see cref="RegisteredBy"/> when it registered the app.</summary>
    public string? RegistrantGeneration { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    public string? RevokedBy { get; init; }

    /// <summary>When the registration itself ends (null: it does not; its secrets expire on their own).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    public ETag ETag { get; init; }

    public IEnumerable<AppSecret> ActiveSecrets(DateTimeOffset now) => Secrets.Where(s => s.IsActive(now));

    /// <summary>
    /// What the app may do now: its scopes as far as its registrant (<paramref name="registrant"/>, as read now) still
    /// holds them, since an operator who loses a permission takes it from every credential it made. Null when the
    /// registrant is gone (removed, or replaced by a new operator of the same id): the app then counts as revoked.
    /// Without allocation when nothing is taken away.
    /// </summary>
    public IReadOnlySet<string>? CurrentScopes(Operator? registrant) =>
        RegisteredBy is null ? Scopes
        : registrant is null || !registrant.Backs(RegistrantGeneration) ? null
        : Security.Scopes.Effective(Scopes, registrant.Permissions);

    /// <summary>
    /// The status at <paramref name="now"/>: an app past its expiry is expired whether or not the lifecycle job has
    /// marked it yet, so enforcement never waits for the job.
    /// </summary>
    public AppStatus EffectiveStatus(DateTimeOffset now) =>
        Status == AppStatus.Active && ExpiresAt <= now ? AppStatus.Expired : Status;

    /// <summary>When the app ended (revoked or expired), for the purge after the retention period.</summary>
    public DateTimeOffset? EndedAt(DateTimeOffset now) => EffectiveStatus(now) switch
    {
        AppStatus.Revoked => RevokedAt ?? now,
        AppStatus.Expired => ExpiresAt ?? now,
        _ => null,
    };
}

/// <summary>One App Secret as stored: its id, the SHA-256 of the secret, its expiry.</summary>
internal sealed record AppSecret
{
    public required AppSecretId Id { get; init; }

    /// <summary>SHA-256 of the secret text; never serialized to a response or a log.</summary>
    public required string Digest { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public DateTimeOffset? LastUsedAt { get; init; }

    public bool IsActive(DateTimeOffset now) => now < ExpiresAt;
}

/// <summary>The App Secret format: 64 random bytes, standard base64 (88 characters, ending in <c>==</c>).</summary>
internal static class AppSecretFormat
{
    public const int RandomBytes = 64;
    public const int Length = 88;

    public static string Create() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(RandomBytes));

    /// <summary>Shape check without I/O: anything that cannot be one of our secrets is refused before storage.</summary>
    public static bool IsWellFormed(string? secret) =>
        secret is { Length: Length } && secret.EndsWith("==", StringComparison.Ordinal) && Base64.IsValid(secret, out var decoded) && decoded == RandomBytes;
}
