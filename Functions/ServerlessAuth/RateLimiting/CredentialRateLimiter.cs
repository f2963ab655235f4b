using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.Storage;
using ServerlessAuth.Validation;

namespace ServerlessAuth.RateLimiting;

/// <summary>
/// The hourly budget of each credential, shared by every instance: a fixed window aligned on the UTC hour, a shared
/// counter per credential in Table Storage, and slices of the budget that each instance claims from that counter
/// with optimistic concurrency and then spends from memory.
/// </summary>
/// <remarks>
/// Exact on the upper side: a request is admitted only from a slice that a conditional write reserved, so all
/// instances together never admit more than the limit in a window. An instance that stops receiving requests keeps
/// its unspent slice, which no one else can use: that is the under-admission bound (see <c>README.md</c>). Slices are
/// <see cref="RateLimitingOptions.ClaimFraction"/> of the remaining budget, so they shrink near the limit.
/// A storage fault while a slice is needed is answered 503 (<see cref="ServiceUnavailableException"/>): the limiter
/// never admits a request it could not count.
/// </remarks>
internal sealed class CredentialRateLimiter(
    RateLimitStore store,
    RateLimitMetrics metrics,
    TimeProvider time,
    IOptions<ServerlessAuthOptions> options,
    ILogger<CredentialRateLimiter> logger)
{
    /// <summary>The window of every credential limit: one hour, as <c>rateLimitPerHour</c> says.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);

    // A lost race means another instance's claim succeeded, and a window has few claims (slices shrink
    // geometrically: about 30 for a limit of 100, 120 for a million), so a claimer cannot lose for long. The cap
    // only keeps one request from spinning if that reasoning fails; it is then answered 503.
    private const int MaxClaimAttempts = 50;

    private readonly RateLimitingOptions _options = options.Value.RateLimiting;
    private readonly long _claimPerMillion = (long)Math.Round(options.Value.RateLimiting.ClaimFraction * 1_000_000);
    private readonly ConcurrentDictionary<string, CredentialWindow> _windows = new(StringComparer.Ordinal);

    /// <summary>
    /// Counts <paramref name="uses"/> uses of a validated credential against its limit: the key's own
    /// <c>rateLimitPerHour</c>, else its tenant's. Null when rate limiting is switched off.
    /// </summary>
    public ValueTask<RateLimitDecision?> AcquireAsync(CredentialPrincipal principal, int uses, CancellationToken cancellationToken)
    {
        // A key's budget is its rotation chain's (a rotated key spends what the key it replaced had left); an app's is
        // shared by all its tokens (keyed by the app, not the jti). Otherwise each rotation, or each fresh token, would
        // bring a fresh budget.
        var key = new RateLimitKey(principal.Tenant.Id, principal.ApiKey is { } apiKey ? apiKey.BudgetId : "app:" + principal.Subject);
        var limit = principal.ApiKey?.RateLimitPerHour ?? principal.Tenant.RateLimitPerHour;
        return AcquireAsync(key, limit, uses, principal.ApiKey?.Hint, cancellationToken);
    }

    /// <summary>
    /// Counts one use of <paramref name="key"/> against <paramref name="limit"/> uses per hour (for callers other than
    /// <c>validate</c>, such as the token endpoint). Usually answered from memory. Null when rate limiting is off.
    /// </summary>
    public ValueTask<RateLimitDecision?> AcquireAsync(RateLimitKey key, int limit, string? hint, CancellationToken cancellationToken) =>
        AcquireAsync(key, limit, 1, hint, cancellationToken);

    /// <summary>
    /// Counts <paramref name="uses"/> uses of <paramref name="key"/> against <paramref name="limit"/> uses per hour.
    /// Admitted when all of them fit in the window's budget. When fewer are left, the uses that are left are spent and
    /// the answer is refused: the uses reported already happened (a resource server answered them from its cache), so
    /// they exhaust the budget rather than leave it for later requests; and no more than the limit is ever counted.
    /// </summary>
    public ValueTask<RateLimitDecision?> AcquireAsync(RateLimitKey key, int limit, int uses, string? hint, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(uses, 1);
        if (!_options.Enabled)
        {
            return ValueTask.FromResult<RateLimitDecision?>(null);
        }

        var now = time.GetUtcNow();
        var state = GetWindow(key, now);
        long needed = uses;
        lock (state.Sync)
        {
            state.Roll(WindowStartOf(now), limit);
            if (state.TryTake(now, ref needed, out var decision))
            {
                return ValueTask.FromResult<RateLimitDecision?>(Counted(decision, key, hint));
            }
        }

        return ClaimThenTakeAsync(key, state, limit, needed, hint, cancellationToken);
    }

    /// <summary>
    /// Forgets a credential's counter, here and in storage. The lifecycle job calls it when it purges a credential;
    /// nothing else needs cleaning up, since a credential's one row is reused by every window.
    /// </summary>
    public async Task ForgetAsync(RateLimitKey key, CancellationToken cancellationToken)
    {
        _windows.TryRemove(key.ToString(), out _);
        await store.DeleteAsync(key, cancellationToken);
    }

    /// <summary>The start of the fixed window holding <paramref name="now"/>: the UTC hour.</summary>
    public static DateTimeOffset WindowStartOf(DateTimeOffset now) =>
        new(now.UtcTicks - (now.UtcTicks % Window.Ticks), TimeSpan.Zero);

    /// <summary>Claims slices until <paramref name="needed"/> more uses are taken, or the window is found exhausted.</summary>
    private async ValueTask<RateLimitDecision?> ClaimThenTakeAsync(
        RateLimitKey key, CredentialWindow state, int limit, long needed, string? hint, CancellationToken cancellationToken)
    {
        // One claim at a time per credential and instance: requests arriving meanwhile wait and spend its slice.
        await state.Gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                RateLimitCounter? known;
                DateTimeOffset windowStart;
                long generation;
                var now = time.GetUtcNow();
                lock (state.Sync)
                {
                    state.Roll(WindowStartOf(now), limit);
                    if (state.TryTake(now, ref needed, out var decision))
                    {
                        return Counted(decision, key, hint);
                    }

                    (known, windowStart, generation) = (state.Counter, state.WindowStart, state.Generation);
                }

                if (attempt == MaxClaimAttempts)
                {
                    Log.RateLimitContended(logger, key.Tenant.Value, key.CredentialId, MaxClaimAttempts);
                    throw new ServiceUnavailableException("The rate-limit counter is too contended to claim from.");
                }

                var claim = await ClaimAsync(key, known, windowStart, limit, needed, cancellationToken);
                lock (state.Sync)
                {
                    if (state.Apply(claim, generation))
                    {
                        Log.RateLimitReached(logger, key.Tenant.Value, key.CredentialId, hint, limit, state.WindowStart + Window);
                    }
                }
            }
        }
        finally
        {
            state.Gate.Release();
        }
    }

    /// <summary>
    /// One attempt to reserve a slice of the window's budget in the shared counter: a point read unless the counter's
    /// last known state (and ETag) is at hand, then one conditional write. No write once the budget is all claimed. The
    /// slice covers at least the <paramref name="needed"/> uses of the request waiting for it, as far as the budget goes.
    /// </summary>
    private async Task<Claim> ClaimAsync(RateLimitKey key, RateLimitCounter? known, DateTimeOffset windowStart, int limit, long needed, CancellationToken cancellationToken)
    {
        var current = known ?? await store.GetAsync(key, cancellationToken);
        if (current is null)
        {
            var first = new RateLimitCounter { Key = key, WindowStart = windowStart, Claimed = SliceOf(limit, 0, needed), Limit = limit };
            var (added, etag) = await store.AddAsync(first, cancellationToken);
            return added == WriteOutcome.Done ? new Claim(first with { ETag = etag }, first.Claimed) : Claim.Retry;
        }

        // A counter of an earlier window starts over. One of a later window (this instance's clock is behind
        // another's) is counted against as it is: windows only move forward, so no window is ever charged twice.
        var counter = current.WindowStart < windowStart ? current with { WindowStart = windowStart, Claimed = 0 } : current;
        if (counter.Claimed >= limit)
        {
            return new Claim(counter, 0);
        }

        var slice = SliceOf(limit, counter.Claimed, needed);
        var next = counter with { Claimed = counter.Claimed + slice, Limit = limit };
        var (replaced, newEtag) = await store.ReplaceAsync(next, cancellationToken);
        if (replaced != WriteOutcome.Done)
        {
            Log.RateLimitClaimConflict(logger, key.Tenant.Value, key.CredentialId);
            return Claim.Retry;
        }

        return new Claim(next with { ETag = newEtag }, slice);
    }

    /// <summary>
    /// max(1, ⌈fraction × remaining⌉, <paramref name="needed"/>), never more than what remains (so the claims of a window
    /// never add up to more than the limit), in integers so that slice sizes never depend on rounding noise.
    /// </summary>
    private long SliceOf(int limit, long claimed, long needed)
    {
        var remaining = limit - claimed;
        var slice = ((remaining * _claimPerMillion) + 999_999) / 1_000_000;
        return Math.Clamp(Math.Max(slice, needed), 1, remaining);
    }

    private RateLimitDecision? Counted(RateLimitDecision decision, RateLimitKey key, string? hint)
    {
        if (!decision.Admitted)
        {
            metrics.Refused(decision.Policy);
            Log.RateLimited(logger, key.Tenant.Value, key.CredentialId, hint);
        }

        return decision;
    }

    private CredentialWindow GetWindow(RateLimitKey key, DateTimeOffset now)
    {
        var id = key.ToString();
        if (_windows.TryGetValue(id, out var state))
        {
            return state;
        }

        if (_windows.Count >= _options.MaxTrackedCredentials)
        {
            Trim(now);
        }

        return _windows.GetOrAdd(id, _ => new CredentialWindow());
    }

    private void Trim(DateTimeOffset now)
    {
        // Dropping a state gives up its unspent slice (fewer admissions, never more) and costs one read later.
        var current = WindowStartOf(now);
        foreach (var (id, state) in _windows)
        {
            lock (state.Sync)
            {
                if (state.WindowStart < current)
                {
                    _windows.TryRemove(id, out _);
                }
            }
        }

        if (_windows.Count >= _options.MaxTrackedCredentials)
        {
            _windows.Clear();
        }
    }

    /// <summary>The outcome of one claim attempt: a counter state and the slice won (0: the budget is all claimed).</summary>
    private sealed record Claim(RateLimitCounter? Counter, long Slice)
    {
        /// <summary>Another instance wrote first: read the counter again and retry.</summary>
        public static readonly Claim Retry = new(null, 0);
    }

    /// <summary>One credential's window as this instance sees it. Guarded by its own lock; claims by <see cref="Gate"/>.</summary>
    private sealed class CredentialWindow
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>Guards the fields below; every validation of the credential takes it, briefly.</summary>
        public Lock Sync { get; } = new();

        public DateTimeOffset WindowStart { get; private set; } = DateTimeOffset.MinValue;

        /// <summary>Changes whenever the local slice is given up, so that a claim in flight for older terms is not spent.</summary>
        public long Generation { get; private set; }

        /// <summary>The counter's last known state and ETag: the next claim writes without reading first.</summary>
        public RateLimitCounter? Counter { get; private set; }

        private int _limit;
        private long _local;
        private long _claimed;
        private bool _exhausted;

        /// <summary>Starts a new window, or gives up the slice when the limit changed (a changed limit is re-read).</summary>
        public void Roll(DateTimeOffset windowStart, int limit)
        {
            if (windowStart > WindowStart)
            {
                WindowStart = windowStart;
                _claimed = 0;
            }
            else if (limit == _limit)
            {
                return;
            }

            _limit = limit;
            _local = 0;
            _exhausted = false;
            Generation++;
        }

        /// <summary>
        /// Takes what it can of <paramref name="needed"/> uses from the local slice and answers from memory when that is
        /// all of them (admitted) or when the window is exhausted (refused, whatever was taken staying spent). False when
        /// uses are still needed and a claim may bring them.
        /// </summary>
        public bool TryTake(DateTimeOffset now, ref long needed, out RateLimitDecision decision)
        {
            var taken = Math.Min(_local, needed);
            _local -= taken;
            needed -= taken;
            if (_exhausted || needed == 0)
            {
                var admitted = needed == 0;

                // What is left as this instance sees it: the unclaimed budget plus its own unspent slice.
                var remaining = admitted ? _limit - _claimed + _local : 0;
                decision = new RateLimitDecision(admitted, RateLimitDecision.HourPolicy, _limit, Window, remaining, WindowStart + Window - now);
                return true;
            }

            decision = default;
            return false;
        }

        /// <summary>Takes in a claim's outcome; true when it found the window exhausted.</summary>
        public bool Apply(Claim claim, long generation)
        {
            if (claim.Counter is not { } counter)
            {
                Counter = null;
                return false;
            }

            Counter = counter;
            if (generation != Generation || counter.WindowStart < WindowStart)
            {
                // The terms changed while the claim was in flight: its slice is given up, never spent twice.
                return false;
            }

            WindowStart = counter.WindowStart;
            _claimed = counter.Claimed;
            _local += claim.Slice;
            _exhausted = claim.Slice == 0;
            return _exhausted;
        }
    }
}
