using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Audit;
using ServerlessAuth.Http;
using ServerlessAuth.RateLimiting;

namespace ServerlessAuth.Validation;

/// <summary>
/// <c>POST /api/v1/validate</c>: is the presented credential good, and does it carry the required scopes. A good one
/// counts as its request's <c>uses</c> (default 1) against its hourly limit and in its usage counts; a failed one counts
/// against its client's failure budget.
/// </summary>
internal sealed class ValidateHandler(CredentialValidator validator, CredentialRateLimiter limiter, FailureThrottle failures, UsageRecorder usage, AuditEventCounter auditCounter, ServerlessAuthTelemetry telemetry, TimeProvider time)
{
    public async ValueTask<Results<RateLimitHeadersResult<JsonOk<ValidationResponse>>, ApiProblem>> ValidateAsync(
        string credential, IReadOnlySet<string> requiredScopes, int uses, ClientAddress client, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var outcome = await validator.ValidateAsync(credential, requiredScopes, cancellationToken);
        telemetry.RecordValidation(credential, outcome, time.GetElapsedTime(started));
        if (outcome.Principal is not { } principal)
        {
            // A refusal of a known API key, or of a token of ours, goes to its tenant's log (counted per interval);
            // unknown keys and forged tokens have no holder to tell and are counted by the metric only.
            if (outcome.Holder is { } holder)
            {
                auditCounter.Count(holder.Tenant, holder.CredentialId, holder.Hint, AuditEventTypes.ValidationFailed, outcome.Reason.ToString()!);
            }

            // Limits are applied after validation, so that a valid credential is never refused for its address.
            return ApiProblem.Refused(outcome, failures.RecordFailure(outcome, client));
        }

        // Only a validation that succeeds is a use: a 403 (scope, API access) does not spend the budget.
        var budget = await limiter.AcquireAsync(principal, uses, cancellationToken);
        if (budget is { Admitted: false } refused)
        {
            auditCounter.Count(principal.Tenant.Id, principal.CredentialId, principal.ApiKey?.Hint, AuditEventTypes.RateLimited, $"limit {refused.Quota} per hour");
            return ApiProblem.RateLimited(refused, $"The credential's rate limit of {refused.Quota} requests per hour is exhausted; retry later.");
        }

        if (principal.ApiKey is { } key)
        {
            usage.RecordUse(key, time.GetUtcNow(), uses);
        }

        var response = new ValidationResponse
        {
            Active = true,
            Kind = principal.Kind,
            TenantId = principal.Tenant.Id.Value,
            CredentialId = principal.CredentialId,
            Subject = principal.Subject,
            Scopes = principal.Scopes,
            ExpiresAt = principal.ExpiresAt,
            Role = principal.Operator?.RoleName,
            Stale = principal.ApiKey is null ? null : principal.Stale,
        };
        return new RateLimitHeadersResult<JsonOk<ValidationResponse>>(new(response, ServerlessAuthJsonContext.Default.ValidationResponse), budget);
    }
}
