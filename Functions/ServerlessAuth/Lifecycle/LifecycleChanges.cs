namespace ServerlessAuth.Lifecycle;

/// <summary>What processing one lifecycle index entry changed (several for a stale key revoked by policy).</summary>
[Flags]
internal enum LifecycleChanges
{
    None = 0,
    Expired = 1,
    ExpiringSoon = 2,
    FlaggedStale = 4,
    AutoRevoked = 8,
    Purged = 16,
    AppExpired = 32,
    AppSecretExpired = 64,
}
