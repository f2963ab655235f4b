using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using ServerlessAuth.Http;
using ServerlessAuth.Security;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Webhooks;

/// <summary>
/// A tenant's webhook endpoints (at most <see cref="WebhookStore.MaxEndpoints"/>): create (the signing secret is in
/// that response only), list, read, update, delete, send a test event, rotate the secret with an overlap, and read or
/// redeliver from the delivery log. The admin key and the tenant's owners and admins only (<see cref="Authorize"/>).
/// </summary>
internal sealed class WebhookHandlers(
    WebhookStore store,
    WebhookQueue queue,
    WebhookOutbox outbox,
    WebhookSecretProtector protector,
    WebhookAddressPolicy policy,
    TenantStore tenants,
    TimeProvider time,
    ILogger<WebhookHandlers> logger)
{
    private const int Attempts = 5;
    private const int MaxEventTypes = 20;
    private const int MaxOverlapSeconds = 604_800;
    private const int DefaultOverlapSeconds = 86_400;

    /// <summary>
    /// The one authorization rule of every webhook route, in the order of every control-plane route: another tenant's
    /// endpoints answer 404 (as missing ones do); a key without <c>serverlessauth:webhooks</c>, and a member, get 403.
    /// </summary>
    public static ApiProblem? Authorize(Caller caller, TenantId tenant) =>
        !caller.CanSee(tenant) ? ApiProblem.NotFound()
        : caller.Requires(ControlPlaneScopes.Webhooks)
            ?? (caller.CanManage(tenant) ? null : ApiProblem.InsufficientScope(new HashSet<string>(), "Only the admin key or an owner or admin of the tenant manages its webhooks."));

    public async Task<Results<Created<WebhookResponse>, ApiProblem>> CreateAsync(Caller caller, TenantId tenantId, CreateWebhookRequest body, CancellationToken cancellationToken)
    {
        if (Authorize(caller, tenantId) is { } denied)
        {
            return denied;
        }

        var (url, urlProblem) = policy.CheckUrl(body.Url);
        if (urlProblem is not null)
        {
            return ApiProblem.InvalidRequest(urlProblem, "url");
        }

        if (CheckDescription(body.Description) is { } descriptionProblem)
        {
            return descriptionProblem;
        }

        var (types, typesProblem) = ReadEventTypes(body.EventTypes);
        if (typesProblem is not null)
        {
            return typesProblem;
        }

        if (await tenants.GetAsync(tenantId, cancellationToken) is null)
        {
            return ApiProblem.NotFound();
        }

        var now = time.GetUtcNow();
        var id = WebhookId.New();
        var secret = WebhookSignature.NewSecret();
        var endpoint = new WebhookEndpoint
        {
            TenantId = tenantId,
            Id = id,
            Url = url!.AbsoluteUri,
            Description = string.IsNullOrEmpty(body.Description) ? null : body.Description,
            EventTypes = types!,
            Enabled = body.Enabled ?? true,
            CreatedAt = now,
            UpdatedAt = now,
            SecretCipher = await protector.ProtectAsync(secret, tenantId, id, cancellationToken),
        };
        // The count is guarded by an ETag: a creation racing another is tried again, never past the limit.
        WriteOutcome? outcome = WriteOutcome.Conflict;
        for (var attempt = 0; attempt < Attempts && outcome == WriteOutcome.Conflict; attempt++)
        {
            outcome = await store.AddEndpointAsync(endpoint, cancellationToken);
        }

        switch (outcome)
        {
            case null:
                return ApiProblem.Conflict($"The tenant has {WebhookStore.MaxEndpoints} webhook endpoints already; delete one first.");
            case not WriteOutcome.Done:
                return ApiProblem.Conflict("The tenant's webhooks were changed concurrently; retry.");
        }

        outbox.Forget(tenantId);
        Log.WebhookCreated(logger, tenantId.Value, id.Value, url.Host, caller.Actor);
        return TypedResults.Created($"/api/v1/tenants/{tenantId.Value}/webhooks/{id.Value}", ToResponse(endpoint, secret));
    }

    public async Task<Results<Ok<ListResponse<WebhookResponse>>, ApiProblem>> ListAsync(Caller caller, TenantId tenantId, CancellationToken cancellationToken)
    {
        if (Authorize(caller, tenantId) is { } denied)
        {
            return denied;
        }

        if (await tenants.GetAsync(tenantId, cancellationToken) is null)
        {
            return ApiProblem.NotFound();
        }

        var endpoints = await store.ListEndpointsAsync(tenantId, cancellationToken);
        return TypedResults.Ok(new ListResponse<WebhookResponse> { Items = [.. endpoints.Select(e => ToResponse(e))] });
    }

    public async Task<Results<Ok<WebhookResponse>, ApiProblem>> GetAsync(Caller caller, TenantId tenantId, WebhookId id, CancellationToken cancellationToken)
    {
        var (endpoint, problem) = await FindAsync(caller, tenantId, id, cancellationToken);
        return problem ?? (Results<Ok<WebhookResponse>, ApiProblem>)TypedResults.Ok(ToResponse(endpoint!));
    }

    public async Task<Results<Ok<WebhookResponse>, ApiProblem>> UpdateAsync(Caller caller, TenantId tenantId, WebhookId id, UpdateWebhookRequest body, CancellationToken cancellationToken)
    {
        if (Authorize(caller, tenantId) is { } denied)
        {
            return denied;
        }

        Uri? url = null;
        if (body.Url is not null)
        {
            var (checkedUrl, urlProblem) = policy.CheckUrl(body.Url);
            if (urlProblem is not null)
            {
                return ApiProblem.InvalidRequest(urlProblem, "url");
            }

            url = checkedUrl;
        }

        ImmutableSortedSet<string>? types = null;
        if (body.EventTypes is not null)
        {
            var (read, typesProblem) = ReadEventTypes(body.EventTypes);
            if (typesProblem is not null)
            {
                return typesProblem;
            }

            types = read;
        }

        if (CheckDescription(body.Description) is { } descriptionProblem)
        {
            return descriptionProblem;
        }

        var (endpoint, problem) = await FindAsync(caller, tenantId, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var enabled = body.Enabled ?? endpoint!.Enabled;
        var updated = endpoint! with
        {
            Url = url?.AbsoluteUri ?? endpoint.Url,
            Description = body.Description is null ? endpoint.Description : body.Description.Length == 0 ? null : body.Description,
            EventTypes = types ?? endpoint.EventTypes,
            Enabled = enabled,

            // Enabled again by a caller: a fresh start. Disabled by a caller: no service reason to show.
            DisabledReason = body.Enabled is null ? endpoint.DisabledReason : null,
            FailingSince = body.Enabled == true && !endpoint.Enabled ? null : endpoint.FailingSince,
            UpdatedAt = time.GetUtcNow(),
        };
        if (await store.ReplaceEndpointAsync(updated, cancellationToken, isWitness: true) != WriteOutcome.Done)
        {
            return ApiProblem.Conflict("The endpoint was changed concurrently; retry.");
        }

        outbox.Forget(tenantId);
        Log.WebhookUpdated(logger, tenantId.Value, id.Value, updated.Enabled, caller.Actor);
        return TypedResults.Ok(ToResponse(updated));
    }

    public async Task<Results<NoContent, ApiProblem>> DeleteAsync(Caller caller, TenantId tenantId, WebhookId id, CancellationToken cancellationToken)
    {
        var (endpoint, problem) = await FindAsync(caller, tenantId, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (await store.DeleteEndpointAsync(endpoint!, cancellationToken) == WriteOutcome.Conflict)
        {
            return ApiProblem.Conflict("The endpoint was changed concurrently; retry.");
        }

        outbox.Forget(tenantId);
        Log.WebhookDeleted(logger, tenantId.Value, id.Value, caller.Actor);
        return TypedResults.NoContent();
    }

    /// <summary>Queues a <c>webhook.test</c> event for this endpoint only, whatever types it subscribes to.</summary>
    public async Task<Results<Accepted<WebhookQueuedResponse>, ApiProblem>> TestAsync(Caller caller, TenantId tenantId, WebhookId id, CancellationToken cancellationToken)
    {
        var (endpoint, problem) = await FindAsync(caller, tenantId, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (!endpoint!.Enabled)
        {
            return ApiProblem.Conflict("The endpoint is disabled; enable it first (PATCH {\"enabled\": true}).");
        }

        var now = time.GetUtcNow();
        var eventId = WebhookEventId.New(now);
        var payload = WebhookPayload.SerializeTest(eventId, tenantId.Value, id.Value, caller.Actor, now);
        return await QueueAsync(endpoint, eventId, WebhookEventTypes.Test, payload, attempts: 0, cancellationToken);
    }

    /// <summary>
    /// A new secret (shown in this response only); the previous one keeps signing beside it for the overlap, so a
    /// receiver can switch at any time within it.
    /// </summary>
    public async Task<Results<Ok<WebhookResponse>, ApiProblem>> RotateSecretAsync(
        Caller caller, TenantId tenantId, WebhookId id, RotateWebhookSecretRequest body, CancellationToken cancellationToken)
    {
        if (Authorize(caller, tenantId) is { } denied)
        {
            return denied;
        }

        if (Fields.CheckRange(body.OverlapSeconds, 0, MaxOverlapSeconds, "overlapSeconds") is { } rangeProblem)
        {
            return rangeProblem;
        }

        var (endpoint, problem) = await FindAsync(caller, tenantId, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var now = time.GetUtcNow();
        var overlap = TimeSpan.FromSeconds(body.OverlapSeconds ?? DefaultOverlapSeconds);
        var secret = WebhookSignature.NewSecret();
        var rotated = endpoint! with
        {
            SecretCipher = await protector.ProtectAsync(secret, tenantId, id, cancellationToken),
            PreviousSecretCipher = overlap > TimeSpan.Zero ? endpoint.SecretCipher : null,
            PreviousSecretExpiresAt = overlap > TimeSpan.Zero ? now + overlap : null,
            UpdatedAt = now,
        };
        if (await store.ReplaceEndpointAsync(rotated, cancellationToken, isWitness: true) != WriteOutcome.Done)
        {
            return ApiProblem.Conflict("The endpoint was changed concurrently; retry.");
        }

        Log.WebhookSecretRotated(logger, tenantId.Value, id.Value, (int)overlap.TotalSeconds, caller.Actor);
        return TypedResults.Ok(ToResponse(rotated, secret));
    }

    public async Task<Results<Ok<ListResponse<WebhookDeliveryResponse>>, ApiProblem>> ListDeliveriesAsync(
        Caller caller, TenantId tenantId, WebhookId id, int pageSize, string? storageToken, CancellationToken cancellationToken)
    {
        var (_, problem) = await FindAsync(caller, tenantId, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var page = await store.ListDeliveriesAsync(tenantId, id, pageSize, storageToken, cancellationToken);
        return TypedResults.Ok(new ListResponse<WebhookDeliveryResponse> { Items = [.. page.Items.Select(ToResponse)], ContinuationToken = page.ContinuationToken });
    }

    /// <summary>Queues one delivery again (same <c>webhook-id</c>, a new 24-hour retry window).</summary>
    public async Task<Results<Accepted<WebhookQueuedResponse>, ApiProblem>> RedeliverAsync(
        Caller caller, TenantId tenantId, WebhookId id, WebhookEventId deliveryId, CancellationToken cancellationToken)
    {
        var (endpoint, problem) = await FindAsync(caller, tenantId, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var delivery = await store.GetDeliveryAsync(tenantId, id, deliveryId, cancellationToken);
        if (delivery?.Payload is null)
        {
            return ApiProblem.NotFound();
        }

        if (!endpoint!.Enabled)
        {
            return ApiProblem.Conflict("The endpoint is disabled; enable it first (PATCH {\"enabled\": true}).");
        }

        Log.WebhookRedeliveryRequested(logger, tenantId.Value, id.Value, deliveryId.Value, caller.Actor);
        return await QueueAsync(endpoint, deliveryId, delivery.EventType, delivery.Payload, delivery.Attempts, cancellationToken);
    }

    /// <summary>
    /// The log line first (pending), then the message: the deliverer's own line always comes after, never under it.
    /// </summary>
    private async Task<Results<Accepted<WebhookQueuedResponse>, ApiProblem>> QueueAsync(
        WebhookEndpoint endpoint, WebhookEventId eventId, string type, string payload, int attempts, CancellationToken cancellationToken)
    {
        await store.PutDeliveryAsync(
            new WebhookDelivery { TenantId = endpoint.TenantId, WebhookId = endpoint.Id, EventId = eventId, EventType = type, Status = DeliveryStatus.Pending, Attempts = attempts, Payload = payload },
            cancellationToken);
        await queue.SendAsync(
            new WebhookMessage { TenantId = endpoint.TenantId.Value, WebhookId = endpoint.Id.Value, EventId = eventId.Value, EventType = type, Payload = payload, Attempts = attempts },
            TimeSpan.Zero,
            cancellationToken);
        var response = new WebhookQueuedResponse { DeliveryId = eventId.Value, EventType = type, Status = "pending" };
        return TypedResults.Accepted($"/api/v1/tenants/{endpoint.TenantId.Value}/webhooks/{endpoint.Id.Value}/deliveries", response);
    }

    private async Task<(WebhookEndpoint? Endpoint, ApiProblem? Problem)> FindAsync(Caller caller, TenantId tenantId, WebhookId id, CancellationToken cancellationToken)
    {
        if (Authorize(caller, tenantId) is { } denied)
        {
            return (null, denied);
        }

        var endpoint = await store.GetEndpointAsync(tenantId, id, cancellationToken);
        return endpoint is null ? (null, ApiProblem.NotFound()) : (endpoint, null);
    }

    private static (ImmutableSortedSet<string>? Types, ApiProblem? Problem) ReadEventTypes(IReadOnlyList<string>? values)
    {
        if (values is null || values.Count is 0 or > MaxEventTypes)
        {
            return (null, ApiProblem.InvalidRequest($"eventTypes must list 1 to {MaxEventTypes} event types, or [\"*\"] for all.", "eventTypes"));
        }

        var unknown = values.FirstOrDefault(v => v is null || !WebhookEventTypes.IsSubscribable(v));
        if (unknown is not null || values.Contains(null))
        {
            var shown = new string([.. (unknown ?? "").Take(40).Select(c => c is >= ' ' and <= '~' ? c : '?')]);
            return (null, ApiProblem.InvalidRequest($"eventTypes: '{shown}' is not an event type (see the README's list, or \"*\").", "eventTypes"));
        }

        return (values.ToImmutableSortedSet(StringComparer.Ordinal), null);
    }

    private static ApiProblem? CheckDescription(string? description) =>
        string.IsNullOrEmpty(description) ? null : Fields.CheckName(description, "description");

    private static WebhookResponse ToResponse(WebhookEndpoint e, string? secret = null) => new()
    {
        Id = e.Id.Value,
        TenantId = e.TenantId.Value,
        Url = e.Url,
        Description = e.Description,
        EventTypes = [.. e.EventTypes],
        Enabled = e.Enabled,
        DisabledReason = e.DisabledReason,
        Secret = secret,
        PreviousSecretExpiresAt = e.PreviousSecretCipher is null ? null : e.PreviousSecretExpiresAt,
        FailingSince = e.FailingSince,
        LastSuccessAt = e.LastSuccessAt,
        CreatedAt = e.CreatedAt,
        UpdatedAt = e.UpdatedAt,
    };

    private static WebhookDeliveryResponse ToResponse(WebhookDelivery d) => new()
    {
        Id = d.EventId.Value,
        EventType = d.EventType,
        Status = StatusName(d.Status),
        Attempts = d.Attempts,
        LastResponseCode = d.LastResponseCode,
        LastLatencyMs = d.LastLatencyMs,
        LastError = d.LastError,
        FirstAttemptAt = d.FirstAttemptAt,
        LastAttemptAt = d.LastAttemptAt,
        NextAttemptAt = d.NextAttemptAt,
    };

    private static string StatusName(DeliveryStatus status) => status.ToString().ToLowerInvariant();
}
