using Azure.Data.Tables;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using ServerlessAuth.Audit;
using ServerlessAuth.Http;
using ServerlessAuth.Lifecycle;
using ServerlessAuth.Security;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Apps;

/// <summary>
/// App registrations of a tenant (the Kinabase flow): create (the first App Secret is in that response only), list,
/// read, revoke; add and remove secrets. Apps belong to the tenant, so only its managers (owner, admin) through a key
/// carrying <see cref="ControlPlaneScopes.Apps"/>, or the deployment admin, handle them. An app's scopes, and the scopes
/// of an app that gets a new secret (the secret acts as the app), stay within the caller's effective permissions; an
/// app follows its registrant's permissions live (<see cref="App.CurrentScopes"/>).
/// </summary>
internal sealed class AppHandlers(
    AppStore store,
    AppDirectory directory,
    AppRevoker revoker,
    TenantStore tenants,
    LifecycleSchedule schedule,
    TimeProvider time,
    ILogger<AppHandlers> logger)
{
    private const int Attempts = 3;

    public async Task<Results<Created<AppResponse>, ApiProblem>> CreateAsync(Caller caller, TenantId tenantId, CreateAppRequest body, CancellationToken cancellationToken)
    {
        if (CheckAccess(caller, tenantId, "registers apps") is { } denied)
        {
            return denied;
        }

        if ((Fields.CheckName(body.Name, "name") ?? CheckDescription(body.Description)) is { } fieldProblem)
        {
            return fieldProblem;
        }

        var (scopes, scopeProblem) = Fields.ReadScopes(body.Scopes, "scopes");
        if (scopeProblem is not null)
        {
            return scopeProblem;
        }

        // An operator grants an app only what its key may do; the admin key may grant anything.
        if (caller.Ungranted(scopes!) is { Count: > 0 } ungranted)
        {
            return ApiProblem.InsufficientScope(ungranted, "Every scope of an app must be within the permissions of the key that registers it.").WithField("scopes");
        }

        var tenant = await tenants.GetAsync(tenantId, cancellationToken);
        if (tenant is null)
        {
            return ApiProblem.NotFound();
        }

        var now = time.GetUtcNow();
        var (expiresAt, expiryProblem) = SecretExpiry(body.SecretExpiresAt, tenant, now, "secretExpiresAt");
        if (expiryProblem is not null)
        {
            return expiryProblem;
        }

        if (body.ExpiresAt is { } appExpiresAt && appExpiresAt < now + ApiKeys.ApiKeyHandlers.MinLifetime)
        {
            return ApiProblem.InvalidRequest("expiresAt must be at least 5 minutes from now (omit it for an app that does not expire).", "expiresAt");
        }

        var secretText = AppSecretFormat.Create();
        var secret = new AppSecret { Id = AppSecretId.New(), Digest = SecretDigest.Compute(secretText), CreatedAt = now, ExpiresAt = expiresAt };
        var app = new App
        {
            TenantId = tenantId,
            Id = AppId.New(),
            Name = body.Name,
            Description = body.Description,
            Scopes = scopes!,
            Status = AppStatus.Active,
            Secrets = [secret],
            CreatedAt = now,
            CreatedBy = caller.Actor,
            RegisteredBy = caller.Operator?.Id,
            ExpiresAt = body.ExpiresAt,
        };

        // Indexed before it exists, so that the lifecycle job always finds it (see LifecycleSchedule).
        await schedule.TrackAppAsync(app, tenant, cancellationToken);
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            // The registrant, read fresh, with its grant fence in the app's transaction: an app registered while its
            // operator is removed fails as a key does (the removal revokes the apps it finds).
            TableTransactionAction? guard = null;
            var registered = app;
            if (caller.Operator is { } registrant)
            {
                var read = await tenants.GetOperatorAsync(tenantId, registrant.Id, cancellationToken);
                var beyond = scopes!.Except(read?.Permissions ?? new HashSet<string>()).ToHashSet(StringComparer.Ordinal);
                if (read is null || read.Removing || beyond.Count > 0 || await tenants.WithGenerationAsync(read, cancellationToken) is not { } op)
                {
                    return ApiProblem.InsufficientScope(beyond, "Every scope of an app must be a permission of the operator who registers it.").WithField("scopes");
                }

                registered = app with { RegistrantGeneration = op.Generation };
                guard = TenantStore.GrantGuard(op, now);
            }

            if (await store.AddAsync(registered, Event(app, AuditEventTypes.AppCreated, now, caller, secret.Id), guard, cancellationToken) == WriteOutcome.Done)
            {
                directory.Forget(tenantId, app.Id);
                Log.AppCreated(logger, tenantId.Value, app.Id.Value, secret.Id.Value, caller.Actor);
                var response = ToResponse(registered, now, secretText, secret.Id);
                return TypedResults.Created($"/api/v1/tenants/{tenantId.Value}/apps/{app.Id.Value}", response);
            }

            Log.GrantRaced(logger, tenantId.Value, caller.Operator?.Id.Value ?? "admin", app.Id.Value);
        }

        return ApiProblem.Conflict("The app could not be stored (its registering operator was being removed, or its id was taken); retry.");
    }

    public async Task<Results<Ok<ListResponse<AppResponse>>, ApiProblem>> ListAsync(
        Caller caller, TenantId tenantId, int pageSize, string? storageToken, CancellationToken cancellationToken)
    {
        if (CheckAccess(caller, tenantId, "lists apps") is { } denied)
        {
            return denied;
        }

        if (await tenants.GetAsync(tenantId, cancellationToken) is null)
        {
            return ApiProblem.NotFound();
        }

        var now = time.GetUtcNow();
        var page = await store.ListAsync(tenantId, pageSize, storageToken, cancellationToken);
        return TypedResults.Ok(new ListResponse<AppResponse> { Items = [.. page.Items.Select(a => ToResponse(a, now))], ContinuationToken = page.ContinuationToken });
    }

    public async Task<Results<Ok<AppResponse>, ApiProblem>> GetAsync(Caller caller, TenantId tenantId, AppId id, CancellationToken cancellationToken)
    {
        if (CheckAccess(caller, tenantId) is { } denied)
        {
            return denied;
        }

        var app = await store.GetAsync(tenantId, id, cancellationToken);
        return app is null ? ApiProblem.NotFound() : TypedResults.Ok(ToResponse(app, time.GetUtcNow()));
    }

    /// <summary>
    /// Revokes an app: its secrets stop working at the token endpoint and its tokens stop validating. Idempotent:
    /// revoking a revoked app answers 200 with it as it stands.
    /// </summary>
    public async Task<Results<Ok<AppResponse>, ApiProblem>> RevokeAsync(Caller caller, TenantId tenantId, AppId id, CancellationToken cancellationToken)
    {
        if (CheckAccess(caller, tenantId) is { } denied)
        {
            return denied;
        }

        var (app, raced) = await revoker.RevokeAsync(tenantId, id, caller.Actor, detail: null, cancellationToken);
        return raced ? ApiProblem.Conflict("The app is being changed concurrently; retry.")
            : app is null ? ApiProblem.NotFound()
            : TypedResults.Ok(ToResponse(app, time.GetUtcNow()));
    }

    /// <summary>
    /// Adds a secret (shown in this response only). At most two are active, so rotation never leaves zero. A secret acts
    /// as the app, so the caller must be able to grant every scope of the app itself.
    /// </summary>
    public async Task<Results<Created<AppSecretResponse>, ApiProblem>> AddSecretAsync(
        Caller caller, TenantId tenantId, AppId id, AddAppSecretRequest? body, CancellationToken cancellationToken)
    {
        if (CheckAccess(caller, tenantId) is { } denied)
        {
            return denied;
        }

        var tenant = await tenants.GetAsync(tenantId, cancellationToken);
        if (tenant is null)
        {
            return ApiProblem.NotFound();
        }

        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var app = await store.GetAsync(tenantId, id, cancellationToken);
            if (app is null)
            {
                return ApiProblem.NotFound();
            }

            if (caller.Ungranted(app.Scopes) is { Count: > 0 } ungranted)
            {
                return ApiProblem.InsufficientScope(ungranted, "A new secret acts as the app: every scope of the app must be within the permissions of the key that adds it.");
            }

            var now = time.GetUtcNow();
            if (app.EffectiveStatus(now) != AppStatus.Active)
            {
                return ApiProblem.Conflict($"The app is {app.EffectiveStatus(now).ToString().ToLowerInvariant()}; register a new app.");
            }

            var active = app.ActiveSecrets(now).ToList();
            if (active.Count >= App.MaxActiveSecrets)
            {
                return ApiProblem.Conflict($"An app has at most {App.MaxActiveSecrets} active secrets; delete one first.");
            }

            var (expiresAt, expiryProblem) = SecretExpiry(body?.ExpiresAt, tenant, now, "expiresAt");
            if (expiryProblem is not null)
            {
                return expiryProblem;
            }

            var secretText = AppSecretFormat.Create();
            var secret = new AppSecret { Id = AppSecretId.New(), Digest = SecretDigest.Compute(secretText), CreatedAt = now, ExpiresAt = expiresAt };

            // Expired secrets are dropped on the way: they can never authenticate again.
            await schedule.TrackAppSecretAsync(app, secret, tenant, cancellationToken);
            var outcome = await store.ReplaceAsync(
                app with { Secrets = [.. active, secret] }, Event(app, AuditEventTypes.AppSecretAdded, now, caller, secret.Id), cancellationToken);
            if (outcome == WriteOutcome.NotFound)
            {
                return ApiProblem.NotFound();
            }

            if (outcome == WriteOutcome.Done)
            {
                directory.Forget(tenantId, id);
                Log.AppSecretAdded(logger, tenantId.Value, id.Value, secret.Id.Value, caller.Actor);
                var response = ToResponse(secret, now, secretText, id);
                return TypedResults.Created($"/api/v1/tenants/{tenantId.Value}/apps/{id.Value}", response);
            }

            Log.AppWriteConflict(logger, tenantId.Value, id.Value);
        }

        return ApiProblem.Conflict("The app is being changed concurrently; retry.");
    }

    /// <summary>Removes a secret at once. The last active secret of an active app stays: add its successor first.</summary>
    public async Task<Results<NoContent, ApiProblem>> DeleteSecretAsync(
        Caller caller, TenantId tenantId, AppId id, AppSecretId secretId, CancellationToken cancellationToken)
    {
        if (CheckAccess(caller, tenantId) is { } denied)
        {
            return denied;
        }

        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var app = await store.GetAsync(tenantId, id, cancellationToken);
            var secret = app?.Secrets.FirstOrDefault(s => s.Id == secretId);
            if (app is null || secret is null)
            {
                return ApiProblem.NotFound();
            }

            var now = time.GetUtcNow();
            if (app.EffectiveStatus(now) == AppStatus.Active && secret.IsActive(now) && app.ActiveSecrets(now).Count() == 1)
            {
                return ApiProblem.Conflict("This is the app's only active secret: add another first (rotation never leaves zero), or revoke the app.");
            }

            var outcome = await store.ReplaceAsync(
                app with { Secrets = [.. app.Secrets.Where(s => s.Id != secretId)] }, Event(app, AuditEventTypes.AppSecretRemoved, now, caller, secretId), cancellationToken);
            if (outcome == WriteOutcome.NotFound)
            {
                return ApiProblem.NotFound();
            }

            if (outcome == WriteOutcome.Done)
            {
                directory.Forget(tenantId, id);
                Log.AppSecretDeleted(logger, tenantId.Value, id.Value, secretId.Value, caller.Actor);
                return TypedResults.NoContent();
            }

            Log.AppWriteConflict(logger, tenantId.Value, id.Value);
        }

        return ApiProblem.Conflict("The app is being changed concurrently; retry.");
    }

    /// <summary>
    /// The checks every app route makes first: the tenant (404), the apps scope (403), then the role: a member gets 403
    /// on the tenant-wide routes (<paramref name="what"/> names the route) and 404 on an app's own routes, as if the
    /// app did not exist.
    /// </summary>
    private static ApiProblem? CheckAccess(Caller caller, TenantId tenantId, string? what = null)
    {
        if (!caller.CanSee(tenantId))
        {
            return ApiProblem.NotFound();
        }

        if (caller.Requires(ControlPlaneScopes.Apps) is { } scopeProblem)
        {
            return scopeProblem;
        }

        return caller.CanManage(tenantId) ? null
            : what is null ? ApiProblem.NotFound()
            : ApiProblem.InsufficientScope(new HashSet<string>(), $"Only an owner or admin of the tenant {what}.");
    }

    private static AuditEvent Event(App app, string type, DateTimeOffset at, Caller caller, AppSecretId? secret = null) => new()
    {
        TenantId = app.TenantId,
        At = at,
        Type = type,
        Actor = caller.Actor,
        CredentialId = app.Id.Value,
        RelatedCredentialId = secret?.Value,
    };

    private static ApiProblem? CheckDescription(string? value) =>
        string.IsNullOrWhiteSpace(value) || value.Length > App.MaxDescriptionLength || value.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t')
            ? ApiProblem.InvalidRequest($"description must be 1 to {App.MaxDescriptionLength} characters without control characters.", "description")
            : null;

    private static (DateTimeOffset ExpiresAt, ApiProblem? Problem) SecretExpiry(DateTimeOffset? requested, Tenant tenant, DateTimeOffset now, string field)
    {
        var latest = now.AddDays(tenant.MaxKeyLifetimeDays);
        var expiresAt = requested ?? latest;
        return expiresAt < now + ApiKeys.ApiKeyHandlers.MinLifetime || expiresAt > latest
            ? (default, ApiProblem.InvalidRequest($"{field} must be between 5 minutes and {tenant.MaxKeyLifetimeDays} days from now (the tenant's maximum key lifetime).", field))
            : (expiresAt, null);
    }

    private static AppResponse ToResponse(App a, DateTimeOffset now, string? secret = null, AppSecretId? secretId = null) => new()
    {
        AppId = a.Id.Value,
        AppSecret = secret,
        SecretId = secretId?.Value,
        TenantId = a.TenantId.Value,
        Name = a.Name,
        Description = a.Description,
        Scopes = [.. a.Scopes],
        Status = a.EffectiveStatus(now).ToString().ToLowerInvariant(),
        CreatedAt = a.CreatedAt,
        ExpiresAt = a.ExpiresAt,
        RevokedAt = a.RevokedAt,
        Secrets = [.. a.Secrets.Select(s => ToResponse(s, now))],
    };

    private static AppSecretResponse ToResponse(AppSecret s, DateTimeOffset now, string? secret = null, AppId? appId = null) => new()
    {
        SecretId = s.Id.Value,
        AppSecret = secret,
        AppId = appId?.Value,
        Status = s.IsActive(now) ? "active" : "expired",
        CreatedAt = s.CreatedAt,
        ExpiresAt = s.ExpiresAt,
        LastUsedAt = s.LastUsedAt,
    };
}
