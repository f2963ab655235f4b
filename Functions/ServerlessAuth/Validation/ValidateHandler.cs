using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Http;

namespace ServerlessAuth.Validation;

/// <summary><c>POST /api/v1/validate</c>: is the presented credential good, and does it carry the required scopes.</summary>
internal sealed class ValidateHandler(CredentialValidator validator, UsageRecorder usage, TimeProvider time)
{
    public async Task<Results<Ok<ValidationResponse>, ApiProblem>> ValidateAsync(string credential, IReadOnlySet<string> requiredScopes, CancellationToken cancellationToken)
    {
        var outcome = await validator.ValidateAsync(credential, requiredScopes, cancellationToken);
        if (outcome.Principal is not { } principal)
        {
            return ApiProblem.Rejected(outcome);
        }

        if (principal.ApiKey is { } key)
        {
            usage.RecordUse(key, time.GetUtcNow());
        }

        return TypedResults.Ok(new ValidationResponse
        {
            Active = true,
            Kind = principal.Kind,
            TenantId = principal.Tenant.Id.Value,
            CredentialId = principal.CredentialId,
            Subject = principal.Subject,
            Scopes = [.. principal.Scopes.Order(StringComparer.Ordinal)],
            ExpiresAt = principal.ExpiresAt,
            Role = principal.Operator?.Role.ToString().ToLowerInvariant(),
            Stale = principal.ApiKey is null ? null : principal.Stale,
        });
    }
}
