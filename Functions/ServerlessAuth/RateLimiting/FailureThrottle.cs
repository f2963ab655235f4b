using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.Validation;

namespace ServerlessAuth.RateLimiting;

/// <summary>
/// Throttles repeated failed credentials from one client address without locking out the real holder: at most
/// <see cref="RateLimitingOptions.FailureLimit"/> failures per sliding <see cref="RateLimitingOptions.FailureWindow"/>
/// are answered 401; further failures answer 429 until the oldest leaves the window. Only failures are counted and
/// only failures are refused, so a valid credential from the same address still validates.
/// </summary>
/// <remarks>
/// In memory, per instance: with N instances behind a balancer an address gets up to N times the budget. That is
/// deliberate: the throttle sheds load and slows noisy clients at no storage cost, while guessing a key is defeated
/// by its 160 random bits, not by this count.
/// </remarks>
internal sealed class FailureThrottle(RateLimitMetrics metrics, TimeProvider time, IOptions<ServerlessAuthOptions> options, ILogger<FailureThrottle> logger)
{
    private readonly RateLimitingOptions _options = options.Value.RateLimiting;
    private readonly ConcurrentDictionary<string, RecentFailures> _clients = new(StringComparer.Ordinal);

    /// <summary>
    /// Counts a refused validation against its client's address. Null: answer the refusal as usual. Otherwise the
    /// address is over its budget: answer 429 with this decision (the failure is then not counted again).
    /// </summary>
    public RateLimitDecision? RecordFailure(ValidationOutcome outcome, ClientAddress client) =>

        // Failures of the secret only (401). A 403 means the secret matched: its holder is not guessing.
        outcome.Reason is RejectionReason.InvalidCredential or RejectionReason.Expired or RejectionReason.Revoked ? RecordFailure(client) : null;

    /// <summary>
    /// Counts a credential refused anywhere else (the control plane's caller, a client secret at the OAuth endpoints)
    /// against the same budget: one budget per address, wherever it presents credentials.
    /// </summary>
    public RateLimitDecision? RecordFailure(ClientAddress client)
    {
        if (_options.FailureLimit == 0)
        {
            return null;
        }

        var address = client.Resolve(_options.TrustForwardedFor);
        var now = time.GetUtcNow();
        var window = _options.FailureWindow;
        var failures = GetFailures(address, now);
        bool engaged;
        RateLimitDecision decision;
        lock (failures.Sync)
        {
            failures.DropOlderThan(now - window);
            if (failures.Count < _options.FailureLimit)
            {
                failures.Add(now);
                failures.Throttled = false;
                return null;
            }

            engaged = !failures.Throttled;
            failures.Throttled = true;
            decision = new RateLimitDecision(false, RateLimitDecision.FailurePolicy, _options.FailureLimit, window, 0, failures.Oldest + window - now);
        }

        if (engaged)
        {
            Log.FailureThrottleEngaged(logger, address, _options.FailureLimit, (int)window.TotalSeconds);
        }

        Log.FailureThrottled(logger, address);
        metrics.Refused(decision.Policy);
        return decision;
    }

    private RecentFailures GetFailures(string address, DateTimeOffset now)
    {
        if (_clients.TryGetValue(address, out var failures))
        {
            return failures;
        }

        if (_clients.Count >= _options.MaxTrackedClients)
        {
            Trim(now);
        }

        return _clients.GetOrAdd(address, _ => new RecentFailures());
    }

    private void Trim(DateTimeOffset now)
    {
        var cutoff = now - _options.FailureWindow;
        foreach (var (address, failures) in _clients)
        {
            lock (failures.Sync)
            {
                if (failures.Count == 0 || failures.Newest <= cutoff)
                {
                    _clients.TryRemove(address, out _);
                }
            }
        }

        // Still full of recent offenders: start over rather than grow.
        if (_clients.Count >= _options.MaxTrackedClients)
        {
            _clients.Clear();
        }
    }

    /// <summary>The times of one address's failures within the window, oldest first. Guarded by its own lock.</summary>
    private sealed class RecentFailures
    {
        /// <summary>Guards this client's failures.</summary>
        public Lock Sync { get; } = new();

        private readonly Queue<DateTimeOffset> _times = new();

        public int Count => _times.Count;

        public DateTimeOffset Oldest => _times.Peek();

        public DateTimeOffset Newest { get; private set; }

        /// <summary>Over budget since the last failure that was answered normally (to log the change once).</summary>
        public bool Throttled { get; set; }

        public void Add(DateTimeOffset at)
        {
            _times.Enqueue(at);
            Newest = at;
        }

        /// <summary>A failure leaves the window exactly one window after it happened.</summary>
        public void DropOlderThan(DateTimeOffset cutoff)
        {
            while (_times.Count > 0 && _times.Peek() <= cutoff)
            {
                _times.Dequeue();
            }
        }
    }
}
