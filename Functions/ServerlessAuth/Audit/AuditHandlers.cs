using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessAuth.Http;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Audit;

/// <summary>
/// <c>GET /api/v1/tenants/{tenantId}/logs</c>: the tenant's audit and usage log, newest first (owners and admins,
/// through a key carrying <see cref="Security.ControlPlaneScopes.Logs"/>).
/// </summary>
internal sealed class AuditHandlers(AuditStore store, TenantStore tenants)
{
    public async Task<Results<Ok<ListResponse<LogEntryResponse>>, ApiProblem>> ListAsync(
        Caller caller, TenantId tenantId, LogQuery query, int pageSize, string? storageToken, CancellationToken cancellationToken)
    {
        if (!caller.CanSee(tenantId))
        {
            return ApiProblem.NotFound();
        }

        if (caller.Requires(Security.ControlPlaneScopes.Logs) is { } scopeProblem)
        {
            return scopeProblem;
        }

        if (!caller.CanManage(tenantId))
        {
            return ApiProblem.InsufficientScope(new HashSet<string>(), "Only an owner or admin of the tenant reads its log.");
        }

        if (await tenants.GetAsync(tenantId, cancellationToken) is null)
        {
            return ApiProblem.NotFound();
        }

        var page = await store.ListAsync(tenantId, query.From, query.To, query.Type, query.CredentialId, pageSize, storageToken, cancellationToken);
        return TypedResults.Ok(new ListResponse<LogEntryResponse>
        {
            Items = [.. page.Items.Select(e => new LogEntryResponse
            {
                At = e.At,
                Type = e.Type,
                Actor = e.Actor,
                CredentialId = e.CredentialId,
                Hint = e.Hint,
                Detail = e.Detail,
                Count = e.Count,
                RelatedCredentialId = e.RelatedCredentialId,
            })],
            ContinuationToken = page.ContinuationToken,
        });
    }
}

/// <summary>Filters of the log listing: time range (inclusive), event type, credential.</summary>
internal sealed record LogQuery(DateTimeOffset? From, DateTimeOffset? To, string? Type, string? CredentialId);
