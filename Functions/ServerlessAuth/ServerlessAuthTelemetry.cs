using System.Diagnostics;
using System.Diagnostics.Metrics;
using ServerlessAuth.Lifecycle;
using ServerlessAuth.Validation;

namespace ServerlessAuth;

/// <summary>
/// Traces and metrics of ServerlessAuth, through <c>System.Diagnostics</c> so that both hosts export them with
/// OpenTelemetry or Application Insights: the activity source and the meter are both named <c>ServerlessAuth</c>.
/// </summary>
/// <remarks>
/// Instruments: <c>serverlessauth.validations</c> (tags <c>kind</c>, <c>outcome</c>),
/// <c>serverlessauth.validation.duration</c> (ms, tag <c>kind</c>), <c>serverlessauth.tokens.issued</c>,
/// <c>serverlessauth.lifecycle.changes</c> (tag <c>change</c>), <c>serverlessauth.storage.requests</c> (tag <c>kind</c>,
/// see <c>StorageMetrics</c>) and <c>serverlessauth.ratelimit.refused</c> (tag <c>policy</c>). No tag ever holds a
/// secret, a digest, a token or a tenant's data.
/// </remarks>
internal sealed class ServerlessAuthTelemetry
{
    public const string Name = "ServerlessAuth";
    public const string ValidationsCounter = "serverlessauth.validations";

    /// <summary>One activity per API request (named after the route), parent of the Azure SDK's storage spans.</summary>
    public static readonly ActivitySource Source = new(Name);

    private readonly Counter<long> _validations;
    private readonly Histogram<double> _validationDuration;
    private readonly Counter<long> _tokensIssued;
    private readonly Counter<long> _lifecycleChanges;

    public ServerlessAuthTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _validations = meter.CreateCounter<long>(ValidationsCounter, "{validation}", "Validations by credential kind and outcome.");
        _validationDuration = meter.CreateHistogram<double>("serverlessauth.validation.duration", "ms", "Time to decide a validation, storage included.");
        _tokensIssued = meter.CreateCounter<long>("serverlessauth.tokens.issued", "{token}", "Access tokens issued.");
        _lifecycleChanges = meter.CreateCounter<long>("serverlessauth.lifecycle.changes", "{change}", "Changes made by lifecycle runs.");
    }

    public void RecordValidation(string credential, ValidationOutcome outcome, TimeSpan elapsed)
    {
        var kind = new KeyValuePair<string, object?>("kind", Tokens.CompactJws.IsJwtShaped(credential) ? "jwt" : "apiKey");
        _validations.Add(1, kind, new KeyValuePair<string, object?>("outcome", outcome.Reason?.ToString() ?? "active"));
        _validationDuration.Record(elapsed.TotalMilliseconds, kind);
    }

    public void RecordTokenIssued() => _tokensIssued.Add(1);

    public void RecordLifecycleRun(LifecycleReport report)
    {
        Add("expired", report.Expired);
        Add("expiringSoon", report.ExpiringSoon);
        Add("stale", report.FlaggedStale);
        Add("autoRevoked", report.AutoRevoked);
        Add("purged", report.Purged);
        Add("failed", report.Failures.Count);

        void Add(string change, int count)
        {
            if (count > 0)
            {
                _lifecycleChanges.Add(count, new KeyValuePair<string, object?>("change", change));
            }
        }
    }
}
