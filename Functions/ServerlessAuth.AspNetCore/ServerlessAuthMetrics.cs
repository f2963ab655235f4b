using System.Diagnostics.Metrics;

namespace ServerlessAuth.AspNetCore;

/// <summary>
/// The package's instruments, on the <c>ServerlessAuth.AspNetCore</c> meter: <c>serverlessauth.aspnetcore.cache.hits</c>
/// (tag <c>answer</c>: <c>accepted</c>, <c>refused</c>), <c>serverlessauth.aspnetcore.cache.misses</c>,
/// <c>serverlessauth.aspnetcore.validate.calls</c> (tag <c>reason</c>: <c>miss</c>, <c>refresh</c>, <c>report</c>),
/// <c>serverlessauth.aspnetcore.validate.failures</c> (tag <c>error</c>), <c>serverlessauth.aspnetcore.uses.reported</c>
/// (uses answered from memory and then charged), <c>serverlessauth.aspnetcore.local.refusals</c> (tag <c>reason</c>:
/// refused without a call) and <c>serverlessauth.aspnetcore.jwt.validations</c> (tag <c>outcome</c>, local JWTs). No tag
/// holds a credential.
/// </summary>
internal sealed class ServerlessAuthMetrics
{
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _usesReported;
    private readonly Counter<long> _localRefusals;
    private readonly Counter<long> _jwt;

    public ServerlessAuthMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(ServerlessAuthDefaults.MeterName);
        _hits = meter.CreateCounter<long>("serverlessauth.aspnetcore.cache.hits", "{request}", "Requests answered from memory.");
        _misses = meter.CreateCounter<long>("serverlessauth.aspnetcore.cache.misses", "{request}", "Requests that waited for a call to ServerlessAuth.");
        _calls = meter.CreateCounter<long>("serverlessauth.aspnetcore.validate.calls", "{call}", "Calls to ServerlessAuth's validate.");
        _failures = meter.CreateCounter<long>("serverlessauth.aspnetcore.validate.failures", "{call}", "Calls to validate that failed (answered 503).");
        _usesReported = meter.CreateCounter<long>("serverlessauth.aspnetcore.uses.reported", "{use}", "Uses answered from memory, then charged to their credential.");
        _localRefusals = meter.CreateCounter<long>("serverlessauth.aspnetcore.local.refusals", "{request}", "Credentials refused without a call (shape, checksum).");
        _jwt = meter.CreateCounter<long>("serverlessauth.aspnetcore.jwt.validations", "{request}", "JWTs validated locally.");
    }

    public void CacheHit(bool accepted) => _hits.Add(1, new KeyValuePair<string, object?>("answer", accepted ? "accepted" : "refused"));

    public void CacheMiss() => _misses.Add(1);

    public void ValidateCalled(string reason) => _calls.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ValidateFailed(string error) => _failures.Add(1, new KeyValuePair<string, object?>("error", error));

    public void UsesReported(long uses)
    {
        if (uses > 0)
        {
            _usesReported.Add(uses);
        }
    }

    public void RefusedLocally(string reason) => _localRefusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void JwtValidated(string outcome) => _jwt.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
