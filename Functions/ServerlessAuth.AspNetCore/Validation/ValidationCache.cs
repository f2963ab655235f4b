using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ServerlessAuth.AspNetCore.Validation;

/// <summary>
/// ServerlessAuth's answers for the credentials this API sees, kept in memory so that most requests cost no call, while
/// revocation and rate limits stay bounded. One entry per credential, with its last answer and the uses admitted from it
/// that ServerlessAuth has not been told of yet.
/// </summary>
/// <remarks>
/// <para>
/// An accepted credential is accepted from memory for <see cref="ServerlessAuthAuthenticationOptions.CacheTtl"/> counted
/// from when its validation was <em>sent</em>, never past the credential's own expiry; a refused one is refused for
/// <see cref="ServerlessAuthAuthenticationOptions.NegativeCacheTtl"/>; a rate-limited one for the shorter of its
/// <c>Retry-After</c> and the TTL (so that a raised limit or a revocation is seen within the TTL too).
/// </para>
/// <para>
/// One call per credential at a time (single-flight): concurrent misses wait for the same call. Refresh ahead: an entry
/// used in the last fifth of its TTL is validated again in the background while it keeps being served.
/// </para>
/// <para>
/// Uses: every request admitted from memory is counted in its entry, and the count is charged to the credential by the
/// next <c>validate</c> call for it (<c>{"uses": n}</c>): the refresh, or a report started when the count reaches a tenth of
/// the budget the last answer showed left, or by <see cref="Sweep"/> for an entry that is no longer used. Once the count
/// reaches all of that budget, requests wait for ServerlessAuth's answer instead. A failed call keeps its uses for the next.
/// </para>
/// </remarks>
internal sealed class ValidationCache(ValidateClient client, ServerlessAuthScheme scheme, ServerlessAuthMetrics metrics, ILogger<ValidationCache> logger)
{
    /// <summary>An entry used after this share of its TTL is validated again in the background.</summary>
    private const double RefreshAfter = 0.8;

    /// <summary>Uses are reported early once they reach 1/<c>ReportShare</c> of the budget the last answer showed left.</summary>
    private const long ReportShare = 10;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    /// <summary>The answer for <paramref name="credential"/> (checked locally already): from memory when it can be.</summary>
    public async ValueTask<CredentialCheck> CheckAsync(string credential, CancellationToken cancellationToken)
    {
        while (true)
        {
            var entry = Find(credential);
            Task<ValidateAnswer>? joined = null;
            Task<ValidateAnswer>? started = null;
            lock (entry.Sync)
            {
                if (entry.Removed)
                {
                    continue;
                }

                var now = scheme.Time.GetUtcNow();
                if (entry.Answer is { } answer && now < entry.ExpiresAt)
                {
                    if (answer.Credential is null)
                    {
                        metrics.CacheHit(accepted: false);
                        return answer;
                    }

                    if (entry.Remaining is not { } left || entry.Pending < left)
                    {
                        entry.Pending++;
                        metrics.CacheHit(accepted: true);
                        if (entry.Flight is null && (now >= entry.RefreshAt || entry.Pending >= ReportAt(entry)))
                        {
                            Start(entry, credential, startersUse: false, now >= entry.RefreshAt ? "refresh" : "report");
                        }

                        return answer;
                    }

                    // Every use of the budget this API last saw is spent here: the next one waits for ServerlessAuth's word.
                }

                if (entry.Flight is { } flight)
                {
                    joined = flight;
                }
                else
                {
                    metrics.CacheMiss();
                    started = Start(entry, credential, startersUse: true, entry.Answer is null ? "miss" : "refresh");
                }
            }

            if (started is not null)
            {
                // This request's own use was in the call: its answer is the request's.
                return (await started.WaitAsync(cancellationToken)).Check;
            }

            var shared = await joined!.WaitAsync(cancellationToken);
            if (shared.Failed)
            {
                return shared.Check;
            }

            // Answered for another request: look again, and count this request's use as any cache hit.
        }
    }

    /// <summary>
    /// Reports the uses of entries due for a refresh or no longer served (they would otherwise wait for a request that
    /// may never come), and forgets expired entries with nothing to report. Run every
    /// <see cref="ServerlessAuthAuthenticationOptions.ReportInterval"/>. Answers the number of reports started.
    /// </summary>
    public int Sweep()
    {
        var now = scheme.Time.GetUtcNow();
        var reports = 0;
        foreach (var (credential, entry) in _entries)
        {
            lock (entry.Sync)
            {
                if (entry.Flight is not null)
                {
                    continue;
                }

                if (entry.Pending > 0)
                {
                    if (now >= entry.RefreshAt || now >= entry.ExpiresAt)
                    {
                        Start(entry, credential, startersUse: false, "report");
                        reports++;
                    }
                }
                else if (now >= entry.ExpiresAt)
                {
                    entry.Removed = true;
                    _entries.TryRemove(new KeyValuePair<string, Entry>(credential, entry));
                }
            }
        }

        return reports;
    }

    /// <summary>Reports every use not yet reported (at shutdown), waiting for the calls.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        for (var round = 0; round < 2; round++)
        {
            var flights = new List<Task<ValidateAnswer>>();
            foreach (var (credential, entry) in _entries)
            {
                lock (entry.Sync)
                {
                    if (entry.Flight is { } flight)
                    {
                        flights.Add(flight);
                    }
                    else if (entry.Pending > 0)
                    {
                        flights.Add(Start(entry, credential, startersUse: false, "report"));
                    }
                }
            }

            if (flights.Count == 0)
            {
                return;
            }

            await Task.WhenAll(flights).WaitAsync(cancellationToken);
        }
    }

    private Entry Find(string credential)
    {
        if (_entries.TryGetValue(credential, out var entry))
        {
            return entry;
        }

        // Full (a flood of distinct keys, each with a valid checksum): validate without remembering, one call each.
        return _entries.Count >= scheme.Options.MaxCacheEntries ? new Entry() : _entries.GetOrAdd(credential, static _ => new Entry());
    }

    private static long ReportAt(Entry entry) =>
        Math.Min(ValidateClient.MaxUses, entry.Remaining is { } left ? Math.Max(1, left / ReportShare) : long.MaxValue);

    /// <summary>
    /// Starts the entry's call (the caller holds its lock), charging its uses not yet reported and, when
    /// <paramref name="startersUse"/>, the use of the request starting it, which is then answered by the call.
    /// </summary>
    private Task<ValidateAnswer> Start(Entry entry, string credential, bool startersUse, string reason)
    {
        var uses = entry.Pending + (startersUse ? 1 : 0);
        var sent = (int)Math.Min(uses, ValidateClient.MaxUses);
        entry.Pending = uses - sent;
        var startedAt = scheme.Time.GetUtcNow();

        // On another thread: a call that fails synchronously must not complete while this thread still holds the lock
        // and has not stored the flight yet.
        var flight = Task.Run(() => FlyAsync(entry, credential, sent, startersUse ? 1 : 0, reason, startedAt));
        entry.Flight = flight;
        return flight;
    }

    private async Task<ValidateAnswer> FlyAsync(Entry entry, string credential, int uses, int startersUses, string reason, DateTimeOffset startedAt)
    {
        ValidateAnswer answer;
        try
        {
            // Not the first request's token: others may wait for this call, and its uses must be settled either way.
            answer = await client.ValidateAsync(credential, uses, reason, CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.ValidateCrashed(logger, e.GetType().Name, e);
            answer = new(Refusal.Unavailable(TimeSpan.FromSeconds(5)));
        }

        lock (entry.Sync)
        {
            entry.Flight = null;
            Apply(entry, answer, uses - startersUses, startedAt);
        }

        return answer;
    }

    private void Apply(Entry entry, ValidateAnswer answer, int hitsReported, DateTimeOffset startedAt)
    {
        var options = scheme.Options;
        if (answer.Failed)
        {
            // Nothing was learnt or charged: the hits go back to be reported by the next call (the starting request,
            // answered 503, was no use). The entry keeps serving until it expires; the next try waits an interval.
            entry.Pending += hitsReported;
            entry.RefreshAt = Max(entry.RefreshAt, scheme.Time.GetUtcNow() + options.ReportInterval);
            if (hitsReported > 0)
            {
                Log.UsesKept(logger, hitsReported);
            }

            return;
        }

        metrics.UsesReported(hitsReported);
        if (answer.Check.Credential is { } credential)
        {
            entry.Answer = answer.Check;
            entry.ExpiresAt = Min(startedAt + options.CacheTtl, credential.ExpiresAt);
            entry.RefreshAt = startedAt + (options.CacheTtl * RefreshAfter);
            entry.Remaining = answer.Remaining;
            return;
        }

        // Refused, or rate limited: the uses admitted meanwhile were of a credential now refused, or beyond the budget
        // (charged as far as it went: the over-admission bound); none is reported again.
        entry.Answer = answer.Check;
        entry.ExpiresAt = startedAt + (answer.ThrottledFor is { } throttled ? Min(throttled, options.CacheTtl) : options.NegativeCacheTtl);
        entry.Remaining = null;
        entry.Pending = 0;
        if (answer.ThrottledFor is not null)
        {
            Log.Throttled(logger, entry.ExpiresAt);
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>One credential's state. Every field is guarded by <see cref="Sync"/>.</summary>
    private sealed class Entry
    {
        public Lock Sync { get; } = new();

        /// <summary>The last answer, served until <see cref="ExpiresAt"/>; null before the first.</summary>
        public CredentialCheck? Answer { get; set; }

        public DateTimeOffset ExpiresAt { get; set; }

        public DateTimeOffset RefreshAt { get; set; }

        /// <summary>Uses admitted from memory and not yet reported.</summary>
        public long Pending { get; set; }

        /// <summary>The budget left as of the last answer; null when the credential is not rate limited.</summary>
        public long? Remaining { get; set; }

        /// <summary>The call in flight, if any.</summary>
        public Task<ValidateAnswer>? Flight { get; set; }

        /// <summary>Dropped from the cache: a request holding it looks again.</summary>
        public bool Removed { get; set; }
    }
}
