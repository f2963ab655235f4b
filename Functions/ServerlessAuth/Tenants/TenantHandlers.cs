using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.Http;
using ServerlessAuth.Lifecycle;
using ServerlessAuth.Storage;
using ServerlessAuth.Validation;

namespace ServerlessAuth.Tenants;

/// <summary>
/// Tenants: create (admin key), read (any operator of the tenant, no scope needed), update (managers through a key
/// carrying <see cref="Security.ControlPlaneScopes.Tenant"/>; commercial fields admin only).
/// </summary>
internal sealed partial class TenantHandlers(
    TenantStore store,
    TenantDirectory directory,
    ApiAccessPolicy access,
    LifecycleSchedule schedule,
    TimeProvider time,
    IOptions<ServerlessAuthOptions> options,
    ILogger<TenantHandlers> logger)
{
    public const int MaxDays = 3650;
    public const int MaxRateLimitPerHour = 1_000_000;
    public const int MinTokenLifetimeMinutes = 5;

    private readonly TenantDefaultsOptions _defaults = options.Value.TenantDefaults;
    private readonly int _maxTokenLifetimeMinutes = (int)options.Value.Tokens.MaxLifetime.TotalMinutes;
    private readonly int _defaultTokenLifetimeMinutes = (int)options.Value.Tokens.DefaultLifetime.TotalMinutes;

    public async Task<Results<Created<TenantResponse>, ApiProblem>> CreateAsync(Caller caller, CreateTenantRequest body, CancellationToken cancellationToken)
    {
        if (!caller.IsAdmin)
        {
            return ApiProblem.InsufficientScope(new HashSet<string>(), "Only the deployment admin key creates tenants.");
        }

        TenantId id;
        if (body.Id is null)
        {
            id = TenantId.New();
        }
        else if (!TenantId.TryParse(body.Id, out id))
        {
            return ApiProblem.InvalidRequest("id must be 3 to 32 characters of lowercase letters, digits and inner hyphens.", "id");
        }

        var now = time.GetUtcNow();
        var tenant = new Tenant
        {
            Id = id,
            Name = body.Name,
            Plan = body.Plan ?? _defaults.Plan,
            ApiEnabled = body.ApiEnabled ?? true,
            RateLimitPerHour = body.RateLimitPerHour ?? _defaults.RateLimitPerHour,
            StaleAfterDays = body.StaleAfterDays ?? _defaults.StaleAfterDays,
            AutoRevokeStale = body.AutoRevokeStale ?? false,
            DefaultKeyLifetimeDays = body.DefaultKeyLifetimeDays ?? Math.Min(_defaults.DefaultKeyLifetimeDays, body.MaxKeyLifetimeDays ?? int.MaxValue),
            MaxKeyLifetimeDays = body.MaxKeyLifetimeDays ?? Math.Max(_defaults.MaxKeyLifetimeDays, body.DefaultKeyLifetimeDays ?? 0),
            ExpiringSoonDays = body.ExpiringSoonDays ?? _defaults.ExpiringSoonDays,
            TokenLifetimeMinutes = body.TokenLifetimeMinutes ?? _defaultTokenLifetimeMinutes,
            CreatedAt = now,
            UpdatedAt = now,
        };

        if (Check(tenant) is { } problem)
        {
            return problem;
        }

        if (await store.AddAsync(tenant, cancellationToken) == WriteOutcome.Conflict)
        {
            return ApiProblem.Conflict($"A tenant with id '{id.Value}' exists already.").WithField("id");
        }

        directory.Forget(id);
        Log.TenantCreated(logger, id.Value, caller.Actor);
        return TypedResults.Created($"/api/v1/tenants/{id.Value}", ToResponse(tenant));
    }

    public async Task<Results<Ok<TenantResponse>, ApiProblem>> GetAsync(Caller caller, TenantId id, CancellationToken cancellationToken)
    {
        var tenant = caller.CanSee(id) ? await store.GetAsync(id, cancellationToken) : null;
        return tenant is null ? ApiProblem.NotFound() : TypedResults.Ok(ToResponse(tenant));
    }

    public async Task<Results<Ok<TenantResponse>, ApiProblem>> UpdateAsync(Caller caller, TenantId id, UpdateTenantRequest body, CancellationToken cancellationToken)
    {
        if (!caller.CanSee(id))
        {
            return ApiProblem.NotFound();
        }

        if (caller.Requires(Security.ControlPlaneScopes.Tenant) is { } scopeProblem)
        {
            return scopeProblem;
        }

        if (!caller.CanManage(id))
        {
            return ApiProblem.InsufficientScope(new HashSet<string>(), "Only an owner or admin of the tenant changes its settings.");
        }

        if (!caller.IsAdmin && (body.Plan is not null || body.ApiEnabled is not null || body.RateLimitPerHour is not null))
        {
            var field = body.Plan is not null ? "plan" : body.ApiEnabled is not null ? "apiEnabled" : "rateLimitPerHour";
            return ApiProblem.InsufficientScope(new HashSet<string>(), $"{field} is set by the provider (admin key) only.").WithField(field);
        }

        // Optimistic concurrency: re-read and re-apply when another writer got there first.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var current = await store.GetAsync(id, cancellationToken);
            if (current is null)
            {
                return ApiProblem.NotFound();
            }

            var updated = current with
            {
                Name = body.Name ?? current.Name,
                Plan = body.Plan ?? current.Plan,
                ApiEnabled = body.ApiEnabled ?? current.ApiEnabled,
                RateLimitPerHour = body.RateLimitPerHour ?? current.RateLimitPerHour,
                StaleAfterDays = body.StaleAfterDays ?? current.StaleAfterDays,
                AutoRevokeStale = body.AutoRevokeStale ?? current.AutoRevokeStale,
                DefaultKeyLifetimeDays = body.DefaultKeyLifetimeDays ?? current.DefaultKeyLifetimeDays,
                MaxKeyLifetimeDays = body.MaxKeyLifetimeDays ?? current.MaxKeyLifetimeDays,
                ExpiringSoonDays = body.ExpiringSoonDays ?? current.ExpiringSoonDays,
                TokenLifetimeMinutes = body.TokenLifetimeMinutes ?? current.TokenLifetimeMinutes,
                UpdatedAt = time.GetUtcNow(),
            };

            if (Check(updated) is { } problem)
            {
                return problem;
            }

            if (updated.StaleAfterDays < current.StaleAfterDays)
            {
                // Indexed before the change, like every lifecycle entry: the job re-indexes the keys at their new dates.
                await schedule.TrackStalePolicyAsync(id, cancellationToken);
            }

            var outcome = await store.ReplaceAsync(updated, cancellationToken);
            if (outcome == WriteOutcome.NotFound)
            {
                return ApiProblem.NotFound();
            }

            if (outcome == WriteOutcome.Done)
            {
                directory.Forget(id);
                Log.TenantUpdated(logger, id.Value, caller.Actor);
                return TypedResults.Ok(ToResponse(updated));
            }
        }

        return ApiProblem.Conflict("The tenant is being changed concurrently; retry.");
    }

    internal TenantResponse ToResponse(Tenant t) => new()
    {
        Id = t.Id.Value,
        Name = t.Name,
        Plan = t.Plan,
        ApiEnabled = t.ApiEnabled,
        ApiAccess = access.Allows(t),
        RateLimitPerHour = t.RateLimitPerHour,
        StaleAfterDays = t.StaleAfterDays,
        AutoRevokeStale = t.AutoRevokeStale,
        DefaultKeyLifetimeDays = t.DefaultKeyLifetimeDays,
        MaxKeyLifetimeDays = t.MaxKeyLifetimeDays,
        ExpiringSoonDays = t.ExpiringSoonDays,
        TokenLifetimeMinutes = t.TokenLifetimeMinutes,
        CreatedAt = t.CreatedAt,
        UpdatedAt = t.UpdatedAt,
    };

    private ApiProblem? Check(Tenant t)
    {
        if (Fields.CheckName(t.Name, "name") is { } name)
        {
            return name;
        }

        if (!PlanFormat().IsMatch(t.Plan))
        {
            return ApiProblem.InvalidRequest("plan must be 1 to 32 characters of lowercase letters, digits and hyphens.", "plan");
        }

        return Fields.CheckRange(t.RateLimitPerHour, 1, MaxRateLimitPerHour, "rateLimitPerHour")
            ?? Fields.CheckRange(t.StaleAfterDays, 1, MaxDays, "staleAfterDays")
            ?? Fields.CheckRange(t.MaxKeyLifetimeDays, 1, MaxDays, "maxKeyLifetimeDays")
            ?? Fields.CheckRange(t.DefaultKeyLifetimeDays, 1, t.MaxKeyLifetimeDays, "defaultKeyLifetimeDays")
            ?? Fields.CheckRange(t.ExpiringSoonDays, 0, 365, "expiringSoonDays")
            ?? Fields.CheckRange(t.TokenLifetimeMinutes, MinTokenLifetimeMinutes, _maxTokenLifetimeMinutes, "tokenLifetimeMinutes");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex PlanFormat();
}
