using System.Diagnostics.Metrics;
using ServerlessAuth.Storage;

namespace ServerlessAuth.RateLimiting;

/// <summary>
/// The <c>serverlessauth.ratelimit.refused</c> counter (meter <c>ServerlessAuth</c>): requests answered 429, tagged
/// <c>policy</c> = <c>hour</c> (a credential's hourly limit) or <c>failures</c> (a client's failed validations).
/// </summary>
internal sealed class RateLimitMetrics
{
    public const string RefusedCounterName = "serverlessauth.ratelimit.refused";

    private readonly Counter<long> _refused;

    public RateLimitMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(StorageMetrics.MeterName);
        _refused = meter.CreateCounter<long>(RefusedCounterName, "{request}", "Requests refused with 429 by a rate limit.");
    }

    public void Refused(string policy) => _refused.Add(1, new KeyValuePair<string, object?>("policy", policy));
}
