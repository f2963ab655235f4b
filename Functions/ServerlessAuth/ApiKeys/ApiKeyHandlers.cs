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
/// API keys of a tenant: issue (the secret is in that response only), list, read, revoke. Managers handle every
/// key of their tenant; a member only its own, and another's key answers 404 as if it did not exist.
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

    public async Task<Results<Created<ApiKeyResponse>, ApiProblem>> IssueAsync(Caller caller, TenantId tenantId, CreateApiKeyRequest body, CancellationToken cancellationToken)
    {
        if (!caller.CanSee(tenantId))
        {
            return ApiProblem.NotFound();
        }

        if (!OperatorId.TryParse(body.OperatorId, out var operatorId))
        {
            return ApiProblem.InvalidRequest("operatorId is not a valid operator id.", "operatorId");
        }

        if (!caller.CanManageKeysOf(tenantId, operatorId))
        {
            return ApiProblem.InsufficientScope(new HashSet<string>(), "A member issues keys for itself only.").WithField("operatorId");
        }

        if (Fields.CheckName(body.Name, "name") is { } nameProblem)
        {
            return nameProblem;
        }

        var (scopes, scopeProblem) = Fields.ReadScopes(body.Scopes, "scopes");
        if (scopeProblem is not null)
        {
            return scopeProblem;
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

        var op = await tenants.GetOperatorAsync(tenantId, operatorId, cancellationToken);
        if (op is null)
        {
            return ApiProblem.InvalidRequest("operatorId names no operator of this tenant.", "operatorId");
        }

        // A key never carries more than its operator may do.
        var ungranted = scopes!.Except(op.Permissions).ToHashSet(StringComparer.Ordinal);
        if (ungranted.Count > 0)
        {
            return ApiProblem.InsufficientScope(ungranted, "Every scope of a key must be a permission of its operator.").WithField("scopes");
        }

        var secret = format.Create(tenantId);
        var key = new ApiKey
        {
            TenantId = tenantId,
            Id = ApiKeyId.New(),
            OperatorId = operatorId,
            Name = body.Name,
            Scopes = scopes,
            Status = ApiKeyStatus.Active,
            Hint = format.Hint(secret),
            SecretDigest = SecretDigest.Compute(secret),
            CreatedAt = now,
            ExpiresAt = expiresAt,
            RateLimitPerHour = body.RateLimitPerHour,
        };

        // Both rows and the audit event are written in one transaction: if it fails, the secret is never shown.
        var audit = new AuditEvent { TenantId = tenantId, At = now, Type = AuditEventTypes.KeyIssued, Actor = caller.Actor, CredentialId = key.Id.Value, Hint = key.Hint };
        await schedule.TrackAsync(key, tenant, cancellationToken);
        if (await keys.AddAsync(key, audit, cancellationToken) != WriteOutcome.Done)
        {
            return ApiProblem.Conflict("Key id collision; retry.");
        }

        Log.ApiKeyIssued(logger, tenantId.Value, key.Id.Value, key.Hint, operatorId.Value, caller.Actor);
        return TypedResults.Created($"/api/v1/tenants/{tenantId.Value}/keys/{key.Id.Value}", ToResponse(key, tenant, now, secret));
    }

    public async Task<Results<Ok<ListResponse<ApiKeyResponse>>, ApiProblem>> ListAsync(
        Caller caller, TenantId tenantId, OperatorId? operatorFilter, ApiKeyStatus? status, int pageSize, string? storageToken, CancellationToken cancellationToken)
    {
        if (!caller.CanSee(tenantId))
        {
            return ApiProblem.NotFound();
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
        var key = caller.CanSee(tenantId) ? await keys.GetAsync(tenantId, id, cancellationToken) : null;
        if (key is null || !caller.CanManageKeysOf(tenantId, key.OperatorId))
        {
            return ApiProblem.NotFound();
        }

        var tenant = await tenants.GetAsync(tenantId, cancellationToken);
        return tenant is null ? ApiProblem.NotFound() : TypedResults.Ok(ToResponse(key, tenant, time.GetUtcNow()));
    }

    /// <summary>Revokes a key. Idempotent: revoking a revoked key answers 200 with it as it stands.</summary>
    public async Task<Results<Ok<ApiKeyResponse>, ApiProblem>> RevokeAsync(Caller caller, TenantId tenantId, ApiKeyId id, CancellationToken cancellationToken)
    {
        var key = caller.CanSee(tenantId) ? await keys.GetAsync(tenantId, id, cancellationToken) : null;
        if (key is null || !caller.CanManageKeysOf(tenantId, key.OperatorId))
        {
            return ApiProblem.NotFound();
        }

        var tenant = await tenants.GetAsync(tenantId, cancellationToken);
        var revoked = await revoker.RevokeAsync(tenantId, id, caller.Actor, cancellationToken);
        return revoked is null || tenant is null ? ApiProblem.NotFound() : TypedResults.Ok(ToResponse(revoked, tenant, time.GetUtcNow()));
    }

    /// <summary>Longest overlap of a rotation: seven days.</summary>
    public const int MaxOverlapSeconds = 604_800;

    /// <summary>
    /// Rotates a key: a new secret (shown once) with the same name, owner, scopes and limits; the old key keeps
    /// working until the overlap ends. Both happen in one transaction, so there is never a moment with no working key.
    /// </summary>
    public async Task<Results<Created<ApiKeyResponse>, ApiProblem>> RotateAsync(
        Caller caller, TenantId tenantId, ApiKeyId id, RotateApiKeyRequest body, CancellationToken cancellationToken)
    {
        if (Fields.CheckRange(body.OverlapSeconds, 0, MaxOverlapSeconds, "overlapSeconds") is { } overlapProblem)
        {
            return overlapProblem;
        }

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var previous = caller.CanSee(tenantId) ? await keys.GetAsync(tenantId, id, cancellationToken) : null;
            if (previous is null || !caller.CanManageKeysOf(tenantId, previous.OperatorId))
            {
                return ApiProblem.NotFound();
            }

            var now = time.GetUtcNow();
            if (previous.EffectiveStatus(now) != ApiKeyStatus.Active)
            {
                return ApiProblem.Conflict($"Only an active key can be rotated; this one is {previous.EffectiveStatus(now).ToString().ToLowerInvariant()}.");
            }

            if (previous.RotatedTo is not null)
            {
                return ApiProblem.Conflict($"This key was rotated already, to {previous.RotatedTo}; rotate that one.");
            }

            var tenant = await tenants.GetAsync(tenantId, cancellationToken);
            var op = await tenants.GetOperatorAsync(tenantId, previous.OperatorId, cancellationToken);
            if (tenant is null || op is null)
            {
                return ApiProblem.NotFound();
            }

            var (expiresAt, expiryProblem) = Expiry(body.ExpiresAt, tenant, now);
            if (expiryProblem is not null)
            {
                return expiryProblem;
            }

            var secret = format.Create(tenantId);
            var next = previous with
            {
                Id = ApiKeyId.New(),

                // Scopes carry over as far as the operator still holds them: the new key can do what the old one did.
                Scopes = previous.Scopes.Where(op.Permissions.Contains).ToHashSet(StringComparer.Ordinal),
                Status = ApiKeyStatus.Active,
                Hint = format.Hint(secret),
                SecretDigest = SecretDigest.Compute(secret),
                CreatedAt = now,
                ExpiresAt = expiresAt,
                LastUsedAt = null,
                RotatedFrom = previous.Id.Value,
                RotatedTo = null,
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
            var outcome = await keys.RotateAsync(ending, next, audit, cancellationToken);
            if (outcome == WriteOutcome.Done)
            {
                revoker.Forget(ending);
                Log.ApiKeyRotated(logger, tenantId.Value, previous.Id.Value, next.Id.Value, caller.Actor);
                var response = ToResponse(next, tenant, now, secret, ending.ExpiresAt);
                return TypedResults.Created($"/api/v1/tenants/{tenantId.Value}/keys/{next.Id.Value}", response);
            }

            Log.ApiKeyWriteConflict(logger, tenantId.Value, id.Value);
        }

        return ApiProblem.Conflict("The key is being changed concurrently; retry.");
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
