using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Audit;
using ServerlessAuth.Http;
using ServerlessAuth.Storage;

namespace ServerlessAuth.Tenants;

/// <summary>
/// Operators of a tenant, kept in sync by the provider's backend. Managers (owner, admin) change operators, but
/// never grant a role above their own or a permission they do not hold; members read only themselves.
/// </summary>
internal sealed class OperatorHandlers(
    TenantStore store,
    TenantDirectory directory,
    ApiKeyRevoker revoker,
    TimeProvider time,
    ILogger<OperatorHandlers> logger)
{
    public async Task<Results<Ok<OperatorResponse>, Created<OperatorResponse>, ApiProblem>> PutAsync(
        Caller caller, TenantId tenantId, OperatorId id, PutOperatorRequest body, CancellationToken cancellationToken)
    {
        if (!caller.CanSee(tenantId))
        {
            return ApiProblem.NotFound();
        }

        if (!caller.CanManage(tenantId))
        {
            return ApiProblem.InsufficientScope(new HashSet<string>(), "Only an owner or admin of the tenant manages operators.");
        }

        if (Fields.CheckName(body.DisplayName, "displayName") is { } nameProblem)
        {
            return nameProblem;
        }

        if (!TryParseRole(body.Role, out var role))
        {
            return ApiProblem.InvalidRequest("role must be 'owner', 'admin' or 'member'.", "role");
        }

        var (permissions, problem) = Fields.ReadScopes(body.Permissions, "permissions");
        if (problem is not null)
        {
            return problem;
        }

        if (caller.Operator is { } actor)
        {
            if (role > actor.Role)
            {
                return ApiProblem.InsufficientScope(new HashSet<string>(), "An operator cannot grant a role above its own.").WithField("role");
            }

            var ungranted = permissions!.Except(actor.Permissions).ToHashSet(StringComparer.Ordinal);
            if (ungranted.Count > 0)
            {
                return ApiProblem.InsufficientScope(ungranted, "An operator cannot grant permissions it does not hold.").WithField("permissions");
            }
        }

        if (await store.GetAsync(tenantId, cancellationToken) is null)
        {
            return ApiProblem.NotFound();
        }

        var now = time.GetUtcNow();
        var existing = await store.GetOperatorAsync(tenantId, id, cancellationToken);
        if (existing is not null && caller.Operator is { } manager && existing.Role > manager.Role)
        {
            return ApiProblem.InsufficientScope(new HashSet<string>(), "An operator cannot change an operator of a higher role.");
        }

        var op = new Operator
        {
            TenantId = tenantId,
            Id = id,
            DisplayName = body.DisplayName,
            Role = role,
            Permissions = permissions!,
            CreatedAt = existing?.CreatedAt ?? now,
            UpdatedAt = now,
            ETag = existing?.ETag ?? default,
        };

        var outcome = existing is null
            ? await store.AddOperatorAsync(op, cancellationToken)
            : await store.ReplaceOperatorAsync(op, cancellationToken);
        if (outcome != WriteOutcome.Done)
        {
            return ApiProblem.Conflict("The operator was changed concurrently; retry.");
        }

        directory.Forget(tenantId, id);
        Log.OperatorSaved(logger, tenantId.Value, id.Value, caller.Actor);
        var response = ToResponse(op);
        return existing is null
            ? TypedResults.Created($"/api/v1/tenants/{tenantId.Value}/operators/{id.Value}", response)
            : TypedResults.Ok(response);
    }

    public async Task<Results<Ok<OperatorResponse>, ApiProblem>> GetAsync(Caller caller, TenantId tenantId, OperatorId id, CancellationToken cancellationToken)
    {
        if (!caller.CanManage(tenantId) && !(caller.CanSee(tenantId) && caller.Operator?.Id == id))
        {
            return ApiProblem.NotFound();
        }

        var op = await store.GetOperatorAsync(tenantId, id, cancellationToken);
        return op is null ? ApiProblem.NotFound() : TypedResults.Ok(ToResponse(op));
    }

    public async Task<Results<Ok<ListResponse<OperatorResponse>>, ApiProblem>> ListAsync(
        Caller caller, TenantId tenantId, int pageSize, string? storageToken, CancellationToken cancellationToken)
    {
        if (!caller.CanSee(tenantId))
        {
            return ApiProblem.NotFound();
        }

        if (!caller.CanManage(tenantId))
        {
            return ApiProblem.InsufficientScope(new HashSet<string>(), "Only an owner or admin of the tenant lists its operators.");
        }

        if (await store.GetAsync(tenantId, cancellationToken) is null)
        {
            return ApiProblem.NotFound();
        }

        var page = await store.ListOperatorsAsync(tenantId, pageSize, storageToken, cancellationToken);
        return TypedResults.Ok(new ListResponse<OperatorResponse> { Items = [.. page.Items.Select(ToResponse)], ContinuationToken = page.ContinuationToken });
    }

    /// <summary>Removes an operator and revokes every key it held (permission inheritance: nothing is left to inherit).</summary>
    public async Task<Results<NoContent, ApiProblem>> DeleteAsync(Caller caller, TenantId tenantId, OperatorId id, CancellationToken cancellationToken)
    {
        if (!caller.CanSee(tenantId))
        {
            return ApiProblem.NotFound();
        }

        if (!caller.CanManage(tenantId))
        {
            return ApiProblem.InsufficientScope(new HashSet<string>(), "Only an owner or admin of the tenant removes operators.");
        }

        var op = await store.GetOperatorAsync(tenantId, id, cancellationToken);
        if (op is null)
        {
            return ApiProblem.NotFound();
        }

        if (caller.Operator is { } manager && op.Role > manager.Role)
        {
            return ApiProblem.InsufficientScope(new HashSet<string>(), "An operator cannot remove an operator of a higher role.");
        }

        // Keys first: should this fail half way, the operator still exists and a retry finishes the job.
        var revoked = await revoker.RevokeAllOfOperatorAsync(tenantId, id, caller.Actor, cancellationToken);
        var removed = new AuditEvent
        {
            TenantId = tenantId,
            At = time.GetUtcNow(),
            Type = AuditEventTypes.OperatorRemoved,
            Actor = caller.Actor,
            CredentialId = id.Value,
            Detail = $"{revoked.Count} keys revoked",
            RelatedCredentialIds = [.. revoked.Take(Webhooks.WebhookPayload.MaxListedKeys)],
        };
        if (await store.DeleteOperatorAsync(op, removed, cancellationToken) != WriteOutcome.Done)
        {
            return ApiProblem.Conflict("The operator was changed concurrently; retry.");
        }

        directory.Forget(tenantId, id);
        Log.OperatorRemoved(logger, tenantId.Value, id.Value, caller.Actor, revoked.Count);
        return TypedResults.NoContent();
    }

    internal static bool TryParseRole(string? value, out OperatorRole role)
    {
        role = value switch
        {
            "owner" => OperatorRole.Owner,
            "admin" => OperatorRole.Admin,
            "member" => OperatorRole.Member,
            _ => (OperatorRole)(-1),
        };
        return role >= 0;
    }

    private static OperatorResponse ToResponse(Operator op) => new()
    {
        Id = op.Id.Value,
        TenantId = op.TenantId.Value,
        DisplayName = op.DisplayName,
        Role = op.RoleName,
        Permissions = [.. op.Permissions],
        CreatedAt = op.CreatedAt,
        UpdatedAt = op.UpdatedAt,
    };
}
