using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using ServerlessAuth.Audit;
using ServerlessAuth.Http;
using ServerlessAuth.Lifecycle;
using ServerlessAuth.Security;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.ApiKeys;

/// <summary>
/// API keys of a tenant: issue (the secret is in that response only), list, read, revoke, rotate; every route needs
/// the <see cref="ControlPlaneScopes.Keys"/> scope. A key acts as its operator, so keys are issued and rotated for
/// oneself only (the admin key excepted), within the caller's effective permissions. Managers list, read and revoke
/// every key of their tenant; a member only its own, and another's key answers 404 as if it did not exist.
/// </summary>
internal sealed class ApiKeyHandlers(
    ApiKeyStore keys,
    TenantStore tenants,
    ApiKeyFormat format,
    ApiKeyRevoker revoker,
    LifecycleSchedule schedule,
    TimeProvider time,
    ILogger<ApiKeyHandlers> logger)
{
    /// <summary>Shortest lifetime a key may be given: anything shorter is almost certainly a clock or unit mistake.</summary>
    public static readonly TimeSpan MinLifetime = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Attempts of a write that lost a race (with the key's removal or rotation, or its operator's removal): each reads
    /// again and checks again.
    /// </summary>
    private const int Attempts = 5;

    public async Task<Results<Created<ApiKeyResponse>, ApiProblem>> IssueAsync(Caller caller, TenantId tenantId, CreateApiKeyRequest body, CancellationToken cancellationToken)
    {
        if (!caller.CanSee(tenantId))
        {
            return ApiProblem.NotFound();
        }

        if (caller.Requires(ControlPlaneScopes.Keys) is { } scopeProblem)
        {
            return scopeProblem;
        }

        if (!OperatorId.TryParse(body.OperatorId, out var operatorId))
        {
            return ApiProblem.InvalidRequest("operatorId is not a valid operator id.", "operatorId");
        }

        // A key acts as its operator: an operator obtaining one for another would act as that operator.
        if (!caller.IsAdmin && !caller.IsSelf(operatorId))
        {
            return ApiProblem.InsufficientScope(new HashSet<string>(), "An operator issues keys for itself only.").WithField("operatorId");
        }

        if (Fields.CheckName(body.Name, "name") is { } nameProblem)
        {
            return nameProblem;
        }

        var (scopes, scopesProblem) = Fields.ReadScopes(body.Scopes, "scopes");
        if (scopesProblem is not null)
        {
            return scopesProblem;
        }

        // Nor more than the caller may do itself: a narrow key does not mint a broader one.
        if (caller.Ungranted(scopes!) is { Count: > 0 } beyondCaller)
        {
            return ApiProblem.InsufficientScope(beyondCaller, "Every scope of a key must be within the permissions of the key that issues it.").WithField("scopes");
        }

        var tenant = await tenants.GetAsync(tenantId, cancellationToken);
        if (tenant is null)
        {
            return ApiProblem.NotFound();
        }

        if (Fields.CheckRange(body.RateLimitPerHour, 1, caller.IsAdmin ? TenantHandlers.MaxRateLimitPerHour : tenant.RateLimitPerHour, "rateLimitPerHour") is { } rateProblem)
        {
            return rateProblem;
        }

        var now = time.GetUtcNow();
        var (expiresAt, expiryProblem) = Expiry(body.ExpiresAt, tenant, now);
        if (expiryProblem is not null)
        {
            return expiryProblem;
        }

        var secret = format.Create(tenantId);
        var id = ApiKeyId.New();
        var key = new ApiKey
        {
            TenantId = tenantId,
            Id = id,
            OperatorId = operatorId,
            Name = body.Name,
            Scopes = scopes!,
            Status = ApiKeyStatus.Active,
            Hint = format.Hint(secret),
            SecretDigest = SecretDigest.Compute(secret),
            CreatedAt = now,
            ExpiresAt = expiresAt,
            RateLimitPerHour = body.RateLimitPerHour,
            RateLimitId = id.Value,
        };

        var tracked = false;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            // Read fresh; its grant fence in the key's transaction makes the key land only if the operator was not being
            // removed (nor created again) meanwhile.
            var read = await tenants.GetOperatorAsync(tenantId, operatorId, cancellationToken);
            if (read is null || read.Removing)
            {
                return ApiProblem.InvalidRequest("operatorId names no operator of this tenant.", "operatorId");
            }

            if (scopes!.Except(read.Permissions).ToHashSet(StringComparer.Ordinal) is { Count: > 0 } ungranted)
            {
                return ApiProblem.InsufficientScope(ungranted, "Every scope of a key must be a permission of its operator.").WithField("scopes");
            }

            if (await tenants.WithGenerationAsync(read, cancellationToken) is not { } op)
            {
                return ApiProblem.InvalidRequest("operatorId names no operator of this tenant.", "operatorId");
            }

            var stamped = key with { OperatorGeneration = op.Generation };
            if (!tracked)
            {
                // Indexed before it exists, so that the lifecycle job always finds it (see LifecycleSchedule); only once
                // the request is known to be good, so that a refused one changes nothing.
                await schedule.TrackAsync(key, tenant, cancellationToken);
                tracked = true;
            }

            // Both rows, the audit event and the operator's fence in one transaction: if it fails, the secret is never shown.
            var audit = new AuditEvent { TenantId = tenantId, At = now, Type = AuditEventTypes.KeyIssued, Actor = caller.Actor, CredentialId = key.Id.Value, Hint = key.Hint };
            if (await keys.AddAsync(stamped, audit, TenantStore.GrantGuard(op, now), cancellationToken) == WriteOutcome.Done)
            {
                Log.ApiKeyIssued(logger, tenantId.Value, key.Id.Value, key.Hint, operatorId.Value, caller.Actor);
                return TypedResults.Created($"/api/v1/tenants/{tenantId.Value}/keys/{key.Id.Value}", ToResponse(stamped, tenant, now, secret));
            }

            Log.GrantRaced(logger, tenantId.Value, operatorId.Value, key.Id.Value);
        }

        return ApiProblem.Conflict("The key's operator kept changing while the key was issued; retry.");
    }

    public async Task<Results<Ok<ListResponse<ApiKeyResponse>>, ApiProblem>> ListAsync(
        Caller caller, TenantId tenantId, OperatorId? operatorFilter, ApiKeyStatus? status, int pageSize, string? storageToken, CancellationToken cancellationToken)
    {
        if (!caller.CanSee(tenantId))
        {
            return ApiProblem.NotFound();
        }

        if (caller.Requires(ControlPlaneScopes.Keys) is { } scopeProblem)
        {
            return scopeProblem;
        }

        if (!caller.CanManage(tenantId))
        {
            // A member sees its own keys only.
            if (operatorFilter is { } requested && requested != caller.Operator!.Id)
            {
                return ApiProblem.InsufficientScope(new HashSet<string>(), "A member lists its own keys only.").WithField("operatorId");
            }

            operatorFilter = caller.Operator!.Id;
        }

        var tenant = await tenants.GetAsync(tenantId, cancellationToken);
        if (tenant is null)
        {
            return ApiProblem.NotFound();
        }

        var now = time.GetUtcNow();
        var page = await keys.ListAsync(tenantId, operatorFilter, status, now, pageSize, storageToken, cancellationToken);
        return TypedResults.Ok(new ListResponse<ApiKeyResponse>
        {
            Items = [.. page.Items.Select(k => ToResponse(k, tenant, now))],
            ContinuationToken = page.ContinuationToken,
        });
    }

    public async Task<Results<Ok<ApiKeyResponse>, ApiProblem>> GetAsync(Caller caller, TenantId tenantId, ApiKeyId id, CancellationToken cancellationToken)
    {
        var (key, problem) = await FindVisibleAsync(caller, tenantId, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var tenant = await tenants.GetAsync(tenantId, cancellationToken);
        return tenant is null ? ApiProblem.NotFound() : TypedResults.Ok(ToResponse(key!, tenant, time.GetUtcNow()));
    }

    /// <summary>Revokes a key. Idempotent: revoking a revoked key answers 200 with it as it stands.</summary>
    public async Task<Results<Ok<ApiKeyResponse>, ApiProblem>> RevokeAsync(Caller caller, TenantId tenantId, ApiKeyId id, CancellationToken cancellationToken)
    {
        var (_, problem) = await FindVisibleAsync(caller, tenantId, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var tenant = await tenants.GetAsync(tenantId, cancellationToken);
        var revoked = await revoker.RevokeAsync(tenantId, id, caller.Actor, cancellationToken);
        return revoked is null || tenant is null ? ApiProblem.NotFound() : TypedResults.Ok(ToResponse(revoked, tenant, time.GetUtcNow()));
    }

    /// <summary>Longest overlap of a rotation: seven days.</summary>
    public const int MaxOverlapSeconds = 604_800;

    /// <summary>
    /// Rotates one's own key: a new secret (shown once) with the same name, owner, limits and hourly budget, and the
    /// scopes the old key had as far as its operator still holds them and the calling key carries them; the old key
    /// keeps working until the overlap ends. Both happen in one transaction, so there is never a moment with no working
    /// key. Another operator's key: 403 to a manager (who can see it), 404 to a member (who cannot).
    /// </summary>
    public async Task<Results<Created<ApiKeyResponse>, ApiProblem>> RotateAsync(
        Caller caller, TenantId tenantId, ApiKeyId id, RotateApiKeyRequest body, CancellationToken cancellationToken)
    {
        if (Fields.CheckRange(body.OverlapSeconds, 0, MaxOverlapSeconds, "overlapSeconds") is { } overlapProblem)
        {
            return overlapProblem;
        }

        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var (previous, problem) = await FindVisibleAsync(caller, tenantId, id, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }

            if (!caller.IsAdmin && !caller.IsSelf(previous!.OperatorId))
            {
                // The replacement's secret would act as that operator.
                return ApiProblem.InsufficientScope(new HashSet<string>(), "An operator rotates its own keys only.");
            }

            var now = time.GetUtcNow();
            var tenant = await tenants.GetAsync(tenantId, cancellationToken);
            var read = await tenants.GetOperatorAsync(tenantId, previous!.OperatorId, cancellationToken);
            if (tenant is null)
            {
                return ApiProblem.NotFound();
            }

            // A key whose operator is gone (or being removed, or was created again since) is revoked, whatever its row says.
            var status = read is not null && read.Backs(previous.OperatorGeneration) ? previous.EffectiveStatus(now) : ApiKeyStatus.Revoked;
            if (status != ApiKeyStatus.Active)
            {
                return ApiProblem.Conflict($"Only an active key can be rotated; this one is {status.ToString().ToLowerInvariant()}.");
            }

            if (previous.RotatedTo is not null)
            {
                return ApiProblem.Conflict($"This key was rotated already, to {previous.RotatedTo}; rotate that one.");
            }

            var (expiresAt, expiryProblem) = Expiry(body.ExpiresAt, tenant, now);
            if (expiryProblem is not null)
            {
                return expiryProblem;
            }

            if (await tenants.WithGenerationAsync(read!, cancellationToken) is not { } op)
            {
                return ApiProblem.Conflict("Only an active key can be rotated; this one is revoked.");
            }

            // The new key can do what the old one did, as far as its operator still may and the calling key may.
            var scopes = previous.Scopes.Where(op.Permissions.Contains).Except(caller.Ungranted(previous.Scopes)).ToHashSet(StringComparer.Ordinal);
            var secret = format.Create(tenantId);
            var next = previous with
            {
                Id = ApiKeyId.New(),
                Scopes = scopes,
                Status = ApiKeyStatus.Active,
                Hint = format.Hint(secret),
                SecretDigest = SecretDigest.Compute(secret),
                CreatedAt = now,
                ExpiresAt = expiresAt,
                LastUsedAt = null,
                RotatedFrom = previous.Id.Value,
                RotatedTo = null,

                // The hourly budget is the rotation chain's: a rotated key spends what its predecessor had left.
                RateLimitId = previous.BudgetId,
                OperatorGeneration = op.Generation,
                ETag = default,
            };
            var overlapEnd = now.AddSeconds(body.OverlapSeconds ?? 0);
            var ending = previous with { ExpiresAt = overlapEnd < previous.ExpiresAt ? overlapEnd : previous.ExpiresAt, RotatedTo = next.Id.Value };
            var audit = new AuditEvent
            {
                TenantId = tenantId,
                At = now,
                Type = AuditEventTypes.KeyRotated,
                Actor = caller.Actor,
                CredentialId = previous.Id.Value,
                Hint = previous.Hint,
                RelatedCredentialId = next.Id.Value,
                Detail = $"overlap {body.OverlapSeconds ?? 0} s",
            };

            await schedule.TrackAsync(next, tenant, cancellationToken);
            await schedule.TrackExpiryAsync(ending, cancellationToken);
            var outcome = await keys.RotateAsync(ending, next, audit, TenantStore.GrantGuard(op, now), cancellationToken);
            if (outcome == WriteOutcome.Done)
            {
                revoker.Forget(ending);
                Log.ApiKeyRotated(logger, tenantId.Value, previous.Id.Value, next.Id.Value, caller.Actor);
                var response = ToResponse(next, tenant, now, secret, ending.ExpiresAt);
                return TypedResults.Created($"/api/v1/tenants/{tenantId.Value}/keys/{next.Id.Value}", response);
            }

            Log.ApiKeyWriteConflict(logger, tenantId.Value, id.Value);
        }

        return ApiProblem.Conflict("The key or its operator is being changed concurrently; retry.");
    }

    /// <summary>
    /// The key, if the caller may see it: the tenant's (404 otherwise), the keys scope (403), then one's own key, or
    /// any key of the tenant for a manager; another operator's key answers 404 to a member, exactly as a missing one.
    /// </summary>
    private async Task<(ApiKey? Key, ApiProblem? Problem)> FindVisibleAsync(Caller caller, TenantId tenantId, ApiKeyId id, CancellationToken cancellationToken)
    {
        if (!caller.CanSee(tenantId))
        {
            return (null, ApiProblem.NotFound());
        }

        if (caller.Requires(ControlPlaneScopes.Keys) is { } scopeProblem)
        {
            return (null, scopeProblem);
        }

        var key = await keys.GetAsync(tenantId, id, cancellationToken);
        return key is null || !(caller.CanManage(tenantId) || caller.IsSelf(key.OperatorId)) ? (null, ApiProblem.NotFound()) : (key, null);
    }

    /// <summary>A new key's expiry: the one asked for, else the tenant's default; within 5 minutes and the tenant's maximum.</summary>
    private static (DateTimeOffset ExpiresAt, ApiProblem? Problem) Expiry(DateTimeOffset? requested, Tenant tenant, DateTimeOffset now)
    {
        var expiresAt = requested ?? now.AddDays(Math.Min(tenant.DefaultKeyLifetimeDays, tenant.MaxKeyLifetimeDays));
        return expiresAt < now + MinLifetime || expiresAt > now.AddDays(tenant.MaxKeyLifetimeDays)
            ? (expiresAt, ApiProblem.InvalidRequest($"expiresAt must be between 5 minutes and {tenant.MaxKeyLifetimeDays} days from now (the tenant's maximum key lifetime).", "expiresAt"))
            : (expiresAt, null);
    }

    internal static ApiKeyResponse ToResponse(ApiKey k, Tenant tenant, DateTimeOffset now, string? secret = null, DateTimeOffset? previousKeyExpiresAt = null) => new()
    {
        Id = k.Id.Value,
        Key = secret,
        TenantId = k.TenantId.Value,
        OperatorId = k.OperatorId.Value,
        Name = k.Name,
        Hint = k.Hint,
        Status = k.EffectiveStatus(now).ToString().ToLowerInvariant(),
        Scopes = [.. k.Scopes],
        CreatedAt = k.CreatedAt,
        ExpiresAt = k.ExpiresAt,
        LastUsedAt = k.LastUsedAt,
        RevokedAt = k.RevokedAt,
        Stale = k.EffectiveStatus(now) == ApiKeyStatus.Active && k.IsStale(now, tenant.StaleAfterDays),
        RateLimitPerHour = k.RateLimitPerHour,
        RotatedFrom = k.RotatedFrom,
        RotatedTo = k.RotatedTo,
        PreviousKeyExpiresAt = previousKeyExpiresAt,
    };
}
