using System.Collections.Concurrent;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Audit;

/// <summary>
/// Counts frequent events (validation failures of a known credential, rate-limit refusals) in memory and writes one
/// audit event per credential, type and reason per flush interval, with the count: the log shows them without a
/// storage write per request. Flushed by the usage flusher; a failed flush keeps the counts for the next one.
/// </summary>
internal sealed class AuditEventCounter(AuditStore audit, TimeProvider time)
{
    private readonly ConcurrentDictionary<(TenantId Tenant, string CredentialId, string Type, string Detail), Tally> _pending = new();

    public void Count(TenantId tenant, string credentialId, string? hint, string type, string detail)
    {
        var now = time.GetUtcNow();
        _pending.AddOrUpdate(
            (tenant, credentialId, type, detail),
            _ => new Tally(1, now, hint),
            (_, tally) => tally with { Count = tally.Count + 1 });
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var key in _pending.Keys)
        {
            if (!_pending.TryRemove(key, out var tally))
            {
                continue;
            }

            try
            {
                await audit.AddAsync(new AuditEvent
                {
                    TenantId = key.Tenant,
                    At = tally.Since,
                    Type = key.Type,
                    Actor = "validation",
                    CredentialId = key.CredentialId,
                    Hint = tally.Hint,
                    Detail = key.Detail,
                    Count = tally.Count,
                }, cancellationToken);
            }
            catch (Exception e) when (ServiceUnavailableException.IsDependencyFault(e, cancellationToken))
            {
                _pending.AddOrUpdate(key, tally, (_, newer) => newer with { Count = newer.Count + tally.Count, Since = tally.Since });
                throw;
            }
        }
    }

    private sealed record Tally(long Count, DateTimeOffset Since, string? Hint);
}
