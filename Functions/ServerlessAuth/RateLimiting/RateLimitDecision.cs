namespace ServerlessAuth.RateLimiting;

/// <summary>
/// The answer of a limiter for one request, with what the IETF <c>RateLimit-Policy</c> and <c>RateLimit</c> headers
/// say about it (draft-ietf-httpapi-ratelimit-headers).
/// </summary>
/// <param name="Admitted">False: answer 429 <c>rate_limited</c>.</param>
/// <param name="Policy">The policy's name in the headers: <c>hour</c> for credentials, <c>failures</c> for client addresses.</param>
/// <param name="Quota">The policy's quota (<c>q</c>).</param>
/// <param name="Window">The policy's window (<c>w</c>).</param>
/// <param name="Remaining">What is left (<c>r</c>) as this instance sees it.</param>
/// <param name="ResetAfter">Time until the quota is available again (<c>t</c>, and <c>Retry-After</c> when refused).</param>
internal readonly record struct RateLimitDecision(bool Admitted, string Policy, int Quota, TimeSpan Window, long Remaining, TimeSpan ResetAfter)
{
    public const string HourPolicy = "hour";
    public const string FailurePolicy = "failures";

    /// <summary><c>RateLimit-Policy</c>, e.g. <c>"hour";q=1000;w=3600</c>.</summary>
    public string PolicyHeader => $"\"{Policy}\";q={Quota};w={Seconds(Window)}";

    /// <summary><c>RateLimit</c>, e.g. <c>"hour";r=0;t=1234</c>.</summary>
    public string RateLimitHeader => $"\"{Policy}\";r={Math.Max(0, Remaining)};t={Seconds(ResetAfter)}";

    /// <summary><c>Retry-After</c> in whole seconds, rounded up so that a client retrying then is admitted.</summary>
    public string RetryAfterHeader => Math.Max(1, Seconds(ResetAfter)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static long Seconds(TimeSpan span) => span <= TimeSpan.Zero ? 0 : (span.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
}
