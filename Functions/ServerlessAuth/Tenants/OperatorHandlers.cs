using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Apps;
using ServerlessAuth.Audit;
using ServerlessAuth.Http;
using ServerlessAuth.Security;
using ServerlessAuth.Storage;

namespace ServerlessAuth.Tenants;

/// <summary>
/// Operators of a tenant, kept in sync by the provider's backend (the admin key) or by its owners and admins through a
/// key carrying <see cref="ControlPlaneScopes.Operators"/>. Roles are granted and changed only below the caller's own
/// role, except by an owner; permissions granted stay within the caller's effective permissions (those the operator
/// holds already may be kept); no operator adds to its own role or permissions. Anyone reads itself.
/// </summary>
internal sealed class OperatorHandlers(
    TenantStore store,
    TenantDirectory directory,
    ApiKeyRevoker revoker,
    AppRevoker appRevoker,
    TimeProvider time,
    ILogger<OperatorHandlers> logger)
{
    /// <summary>Attempts of a write that lost a race (another manager, a key being issued to the operator).</summary>
    private const int Attempts = 5;

    public async Task<Results<Ok<OperatorResponse>, Created<OperatorResponse>, ApiProblem>> PutAsync(
        Caller caller, TenantId tenantId, OperatorId id, PutOperatorRequest body, CancellationToken cancellationToken)
    {
        if (CheckManager(caller, tenantId, "manages operators") is { } denied)
        {
            return denied;
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

        if (!caller.CanHandleRole(role))
        {
            return ApiProblem.InsufficientScope(new HashSet<string>(), "An operator grants only roles below its own (an owner grants any).").WithField("role");
        }

        if (await store.GetAsync(tenantId, cancellationToken) is null)
        {
            return ApiProblem.NotFound();
        }

        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var now = time.GetUtcNow();
            var stored = await store.GetOperatorAsync(tenantId, id, cancellationToken);

            // An operator whose removal did not finish is gone already: putting it again creates a new one.
            var existing = stored is { Removing: false } ? stored : null;
            if (CheckChange(caller, id, existing, role, permissions!) is { } refused)
            {
                return refused;
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

                // A new operator of a reused id is a new generation: it inherits no key or app of the one before.
                Generation = existing?.Generation ?? Operator.NewGeneration(),
                ETag = stored?.ETag ?? default,
            };

            var outcome = stored is null
                ? await store.AddOperatorAsync(op, cancellationToken)
                : await store.ReplaceOperatorAsync(op, newFence: existing?.Generation is null, cancellationToken);
            if (outcome == WriteOutcome.Done)
            {
                directory.Forget(tenantId, id);
                Log.OperatorSaved(logger, tenantId.Value, id.Value, caller.Actor);
                var response = ToResponse(op);
                return existing is null
                    ? TypedResults.Created($"/api/v1/tenants/{tenantId.Value}/operators/{id.Value}", response)
                    : TypedResults.Ok(response);
            }
        }

        return ApiProblem.Conflict("The operator was changed concurrently; retry.");
    }

    public async Task<Results<Ok<OperatorResponse>, ApiProblem>> GetAsync(Caller caller, TenantId tenantId, OperatorId id, CancellationToken cancellationToken)
    {
        if (!caller.CanSee(tenantId))
        {
            return ApiProblem.NotFound();
        }

        // Reading oneself needs no scope; reading others is managing operators, and a member may not know who they are.
        if (!caller.IsSelf(id))
        {
            if (caller.Requires(ControlPlaneScopes.Operators) is { } scopeProblem)
            {
                return scopeProblem;
            }

            if (!caller.CanManage(tenantId))
            {
                return ApiProblem.NotFound();
            }
        }

        var op = await store.GetOperatorAsync(tenantId, id, cancellationToken);
        return op is null ? ApiProblem.NotFound() : TypedResults.Ok(ToResponse(op));
    }

    public async Task<Results<Ok<ListResponse<OperatorResponse>>, ApiProblem>> ListAsync(
        Caller caller, TenantId tenantId, int pageSize, string? storageToken, CancellationToken cancellationToken)
    {
        if (CheckManager(caller, tenantId, "lists operators") is { } denied)
        {
            return denied;
        }

        if (await store.GetAsync(tenantId, cancellationToken) is null)
        {
            return ApiProblem.NotFound();
        }

        var page = await store.ListOperatorsAsync(tenantId, pageSize, storageToken, cancellationToken);
        return TypedResults.Ok(new ListResponse<OperatorResponse> { Items = [.. page.Items.Select(ToResponse)], ContinuationToken = page.ContinuationToken });
    }

    /// <summary>
    /// Removes an operator and revokes every key it held and every app it registered (nothing is left to inherit its
    /// permissions). First the operator is marked as being removed and its grant fence deleted, in one transaction: from
    /// then on its keys and apps are refused, and no key or app granted to it can land (<see cref="TenantStore.GrantGuard"/>).
    /// Then its keys and apps are revoked, and the row is deleted, guarded by its ETag. Should it fail half way, the
    /// operator stays marked and a retry finishes the job.
    /// </summary>
    public async Task<Results<NoContent, ApiProblem>> DeleteAsync(Caller caller, TenantId tenantId, OperatorId id, CancellationToken cancellationToken)
    {
        if (CheckManager(caller, tenantId, "removes operators") is { } denied)
        {
            return denied;
        }

        var (revokedKeys, revokedApps, marked) = (new List<string>(), 0, false);
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var op = await store.GetOperatorAsync(tenantId, id, cancellationToken);
            if (op is null)
            {
                // Gone: missing from the start, or removed by a concurrent request while this one revoked.
                return attempt == 0 ? ApiProblem.NotFound() : TypedResults.NoContent();
            }

            if (!caller.CanHandleRole(op.Role))
            {
                return ApiProblem.InsufficientScope(new HashSet<string>(), "An operator removes only operators of a role below its own (an owner removes any).");
            }

            if (!op.Removing)
            {
                if (marked)
                {
                    return ApiProblem.Conflict("The operator was created again while it was being removed.");
                }

                marked = await store.MarkRemovingAsync(op, time.GetUtcNow(), cancellationToken) == WriteOutcome.Done;
                directory.Forget(tenantId, id);

                // Read again either way: the delete needs the row's new ETag, and a lost race needs a new look.
                continue;
            }

            marked = true;
            revokedKeys.AddRange(await revoker.RevokeAllOfOperatorAsync(tenantId, id, caller.Actor, cancellationToken));
            var (apps, appsDone) = await appRevoker.RevokeAllRegisteredByAsync(tenantId, id, caller.Actor, cancellationToken);
            revokedApps += apps;
            if (appsDone && await store.DeleteOperatorAsync(op, Removed(caller, tenantId, id, revokedKeys, revokedApps), cancellationToken) == WriteOutcome.Done)
            {
                directory.Forget(tenantId, id);
                Log.OperatorRemoved(logger, tenantId.Value, id.Value, caller.Actor, revokedKeys.Count, revokedApps);
                return TypedResults.NoContent();
            }

            Log.OperatorRemovalRaced(logger, tenantId.Value, id.Value);
        }

        return ApiProblem.Conflict("The operator kept changing while it was being removed; retry.");
    }

    /// <summary>The <c>operator.removed</c> event, written with the operator row's delete, with the keys its removal revoked.</summary>
    private AuditEvent Removed(Caller caller, TenantId tenantId, OperatorId id, List<string> revokedKeys, int revokedApps) => new()
    {
        TenantId = tenantId,
        At = time.GetUtcNow(),
        Type = AuditEventTypes.OperatorRemoved,
        Actor = caller.Actor,
        CredentialId = id.Value,
        Detail = $"{revokedKeys.Count} keys and {revokedApps} apps revoked",
        RelatedCredentialIds = [.. revokedKeys.Take(Webhooks.WebhookPayload.MaxListedKeys)],
    };

    /// <summary>The checks of the routes that only managers use: the tenant (404), the scope and the role (403).</summary>
    private static ApiProblem? CheckManager(Caller caller, TenantId tenantId, string what)
    {
        if (!caller.CanSee(tenantId))
        {
            return ApiProblem.NotFound();
        }

        return caller.Requires(ControlPlaneScopes.Operators)
            ?? (caller.CanManage(tenantId) ? null : ApiProblem.InsufficientScope(new HashSet<string>(), $"Only an owner or admin of the tenant {what}."));
    }

    /// <summary>
    /// Whether the caller may make <paramref name="existing"/> (null: a new operator) into one of <paramref name="role"/>
    /// with <paramref name="permissions"/>. Keeping a permission the operator holds already is not granting it, so a
    /// manager may update an operator who holds more than the manager's key carries; adding is bounded by that key.
    /// </summary>
    private static ApiProblem? CheckChange(Caller caller, OperatorId id, Operator? existing, OperatorRole role, IReadOnlySet<string> permissions)
    {
        if (existing is not null && !caller.CanHandleRole(existing.Role))
        {
            return ApiProblem.InsufficientScope(new HashSet<string>(), "An operator changes only operators of a role below its own (an owner changes any).");
        }

        var added = permissions.Except(existing?.Permissions ?? new HashSet<string>()).ToHashSet(StringComparer.Ordinal);
        if (caller.IsSelf(id) && (existing is null || role > existing.Role || added.Count > 0))
        {
            return ApiProblem.InsufficientScope(added, "An operator cannot raise its own role or add to its own permissions.").WithField(added.Count > 0 ? "permissions" : "role");
        }

        return caller.Ungranted(added) is { Count: > 0 } ungranted
            ? ApiProblem.InsufficientScope(ungranted, "An operator grants only permissions its key carries.").WithField("permissions")
            : null;
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
