using System.Diagnostics.Metrics;

namespace ServerlessAuth.Validation;

/// <summary>
/// <c>serverlessauth.validations</c> (meter <c>ServerlessAuth</c>): every answer of <c>POST /api/v1/validate</c>, tagged
/// <c>kind</c> (<c>apiKey</c>, <c>jwt</c>) and <c>outcome</c> (<c>active</c> or the rejection reason), for dashboards
/// and alerts without a log line per request.
/// </summary>
internal sealed class ValidationMetrics
{
    public const string CounterName = "serverlessauth.validations";

    private readonly Counter<long> _validations;

    public ValidationMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Storage.StorageMetrics.MeterName);
        _validations = meter.CreateCounter<long>(CounterName, "{validation}", "Validations by credential kind and outcome.");
    }

    public void Record(string credential, ValidationOutcome outcome) =>
        _validations.Add(
            1,
            new KeyValuePair<string, object?>("kind", credential.Contains('.', StringComparison.Ordinal) ? "jwt" : "apiKey"),
            new KeyValuePair<string, object?>("outcome", outcome.Reason?.ToString() ?? "active"));
}
