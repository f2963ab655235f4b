using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ServerlessAuth.Audit;
using ServerlessAuth.Lifecycle;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.ApiKeys;

/// <summary>
/// Coalesces key usage in memory: last-used time and per-day counts. <see cref="FlushAsync"/> (run every
/// <see cref="UsageOptions.FlushInterval"/> and at shutdown) writes at most one last-used merge and one daily-count
/// update per key, whatever the number of validations in between; a validation never waits for a storage write.
/// </summary>
/// <remarks>
/// Each instance writes only its own increments, so counts add up across instances and nothing is counted twice.
/// Last-used is a merge of one property (it can never undo a revocation); with several instances it may lag the
/// true last use by at most one interval. A failed flush keeps the usage for the next one: nothing is lost short of
/// the process dying between flushes.
/// </remarks>
internal sealed class UsageRecorder(
    ApiKeyStore keys,
    AuditStore audit,
    AuditRetention retention,
    LifecycleSchedule schedule,
    TenantDirectory directory,
    ILogger<UsageRecorder> logger)
{
    private readonly ConcurrentDictionary<(TenantId Tenant, ApiKeyId Key), Pending> _pending = new();

    public int PendingCount => _pending.Count;

    /// <summary>
    /// Records <paramref name="uses"/> uses of <paramref name="key"/> (as last read from storage) at <paramref name="at"/>:
    /// one successful validation, or the uses it reported (<c>uses</c> of <c>validate</c>).
    /// </summary>
    public void RecordUse(ApiKey key, DateTimeOffset at, int uses = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(uses, 1);
        var pending = _pending.GetOrAdd((key.TenantId, key.Id), _ => new Pending(key));
        pending.Add(at, uses);
    }

    /// <summary>Writes what was recorded since the last flush; answers the number of keys written.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        var written = 0;
        foreach (var ((tenantId, keyId), _) in _pending)
        {
            if (!_pending.TryRemove((tenantId, keyId), out var pending))
            {
                continue;
            }

            var (key, lastUsed, counts) = pending.Drain();
            try
            {
                if (counts.Count == 0)
                {
                    continue;
                }

                var tenant = await directory.GetTenantAsync(tenantId, cancellationToken);
                if (tenant is not null && (key.LastUsedAt is not { } before || DueStore.Day(before) != DueStore.Day(lastUsed)))
                {
                    await schedule.TrackUseAsync(key, lastUsed, tenant, cancellationToken);
                }

                if (!await WriteAsync(tenantId, keyId, key, lastUsed, counts, cancellationToken))
                {
                    // Purged meanwhile: its usage goes with it.
                    continue;
                }

                written++;
            }
            catch (Exception e)
            {
                // Put it back (merging with anything recorded meanwhile) for the next flush; also when the flush was
                // cancelled, so that what is pending is known (and kept, if the host goes on).
                _pending.GetOrAdd((tenantId, keyId), _ => new Pending(key)).Merge(lastUsed, counts);
                if (ServiceUnavailableException.IsDependencyFault(e, cancellationToken))
                {
                    Log.UsageFlushFailed(logger, _pending.Count, e);
                }

                throw;
            }
        }

        return written;
    }

    /// <summary>
    /// Last-used and the daily counters in one transaction (all in the tenant's partition): one write per key per
    /// flush. A counter changed by another instance meanwhile makes the transaction fail; it is read again and retried.
    /// </summary>
    private async Task<bool> WriteAsync(
        TenantId tenantId, ApiKeyId keyId, ApiKey key, DateTimeOffset lastUsed, IReadOnlyDictionary<string, long> counts, CancellationToken cancellationToken)
    {
        await retention.TrackAsync(tenantId, cancellationToken);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var actions = new List<Azure.Data.Tables.TableTransactionAction>();
            foreach (var (day, count) in counts)
            {
                var row = new AuditEvent
                {
                    TenantId = tenantId,
                    At = DueStore.ParseDay(day),
                    Type = AuditEventTypes.UsageDaily,
                    Actor = "validation",
                    CredentialId = keyId.Value,
                    Hint = key.Hint,
                    OnceKey = "usage|" + keyId.Value,
                };
                var (current, etag) = await audit.GetCountAsync(row, cancellationToken);
                actions.Add(AuditStore.SetCountAction(row, current + count, etag));
            }

            var outcome = await keys.RecordUseAsync(tenantId, keyId, key.SecretDigest, lastUsed, actions, cancellationToken);
            if (outcome != WriteOutcome.Conflict)
            {
                return outcome == WriteOutcome.Done;
            }
        }

        throw new ServiceUnavailableException("The usage counters kept changing; the usage is kept for the next flush.");
    }

    private sealed class Pending(ApiKey key)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
        private DateTimeOffset _lastUsed;

        // The day key of the last use, formatted once a day rather than on every use.
        private long _dayNumber = -1;
        private string _day = "";

        public void Add(DateTimeOffset at, int uses)
        {
            lock (_gate)
            {
                _lastUsed = at > _lastUsed ? at : _lastUsed;
                var dayNumber = at.UtcTicks / TimeSpan.TicksPerDay;
                if (dayNumber != _dayNumber)
                {
                    (_dayNumber, _day) = (dayNumber, DueStore.Day(at));
                }

                _counts[_day] = _counts.GetValueOrDefault(_day) + uses;
            }
        }

        public void Merge(DateTimeOffset lastUsed, IReadOnlyDictionary<string, long> counts)
        {
            lock (_gate)
            {
                _lastUsed = lastUsed > _lastUsed ? lastUsed : _lastUsed;
                foreach (var (day, count) in counts)
                {
                    _counts[day] = _counts.GetValueOrDefault(day) + count;
                }
            }
        }

        public (ApiKey Key, DateTimeOffset LastUsed, IReadOnlyDictionary<string, long> Counts) Drain()
        {
            lock (_gate)
            {
                var counts = new Dictionary<string, long>(_counts, StringComparer.Ordinal);
                _counts.Clear();
                return (key, _lastUsed, counts);
            }
        }
    }
}
