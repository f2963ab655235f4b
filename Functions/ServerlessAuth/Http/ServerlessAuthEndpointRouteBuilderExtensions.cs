using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Apps;
using ServerlessAuth.Audit;
using ServerlessAuth.Health;
using ServerlessAuth.Http;
using ServerlessAuth.Lifecycle;
using ServerlessAuth.Tenants;
using ServerlessAuth.Tokens;
using ServerlessAuth.Validation;
using ServerlessAuth.Webhooks;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the ServerlessAuth API on plain ASP.NET Core (the standalone host).</summary>
public static class ServerlessAuthEndpointRouteBuilderExtensions
{
    /// <summary>Maps every route of <see cref="ServerlessAuthRoutes.All"/> at the root, as the Functions app serves them.</summary>
    public static IEndpointRouteBuilder MapServerlessAuthApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        const string problem = "application/problem+json";

        endpoints.MapPost("/api/v1/validate", ServerlessAuthEndpoints.Validate).WithName(nameof(ServerlessAuthEndpoints.Validate)).WithTags("Data plane")
            .WithSummary("Validates the credential in Authorization: Bearer or x-api-key; optional ?scope=a b or {requiredScopes}.")
            .WithMetadata(new JsonRequestBody(typeof(ValidateRequest), IsOptional: true)).Produces<ValidationResponse>(200).ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(429).ProducesProblem(503);

        endpoints.MapPost("/api/v1/tenants", ServerlessAuthEndpoints.CreateTenant).WithName(nameof(ServerlessAuthEndpoints.CreateTenant)).WithTags("Tenants")
            .WithSummary("Creates a tenant (admin key).")
            .WithMetadata(new JsonRequestBody(typeof(CreateTenantRequest))).Produces<TenantResponse>(201).ProducesProblem(400, problem).ProducesProblem(401).ProducesProblem(403).ProducesProblem(409);
        endpoints.MapGet("/api/v1/tenants/{tenantId}", ServerlessAuthEndpoints.GetTenant).WithName(nameof(ServerlessAuthEndpoints.GetTenant)).WithTags("Tenants")
            .Produces<TenantResponse>(200).ProducesProblem(401).ProducesProblem(404);
        endpoints.MapMethods("/api/v1/tenants/{tenantId}", ["PATCH"], ServerlessAuthEndpoints.UpdateTenant).WithName(nameof(ServerlessAuthEndpoints.UpdateTenant)).WithTags("Tenants")
            .WithMetadata(new JsonRequestBody(typeof(UpdateTenantRequest))).Produces<TenantResponse>(200).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);

        endpoints.MapGet("/api/v1/tenants/{tenantId}/operators", ServerlessAuthEndpoints.ListOperators).WithName(nameof(ServerlessAuthEndpoints.ListOperators)).WithTags("Operators")
            .Produces<ListResponse<OperatorResponse>>(200).ProducesProblem(403).ProducesProblem(404);
        endpoints.MapPut("/api/v1/tenants/{tenantId}/operators/{operatorId}", ServerlessAuthEndpoints.PutOperator).WithName(nameof(ServerlessAuthEndpoints.PutOperator)).WithTags("Operators")
            .WithMetadata(new JsonRequestBody(typeof(PutOperatorRequest))).Produces<OperatorResponse>(200).Produces<OperatorResponse>(201).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        endpoints.MapGet("/api/v1/tenants/{tenantId}/operators/{operatorId}", ServerlessAuthEndpoints.GetOperator).WithName(nameof(ServerlessAuthEndpoints.GetOperator)).WithTags("Operators")
            .Produces<OperatorResponse>(200).ProducesProblem(404);
        endpoints.MapDelete("/api/v1/tenants/{tenantId}/operators/{operatorId}", ServerlessAuthEndpoints.DeleteOperator).WithName(nameof(ServerlessAuthEndpoints.DeleteOperator)).WithTags("Operators")
            .Produces(204).ProducesProblem(403).ProducesProblem(404);

        endpoints.MapPost("/api/v1/tenants/{tenantId}/keys", ServerlessAuthEndpoints.IssueKey).WithName(nameof(ServerlessAuthEndpoints.IssueKey)).WithTags("API keys")
            .WithSummary("Issues an API key; the secret is in this response only.")
            .WithMetadata(new JsonRequestBody(typeof(CreateApiKeyRequest))).Produces<ApiKeyResponse>(201).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        endpoints.MapGet("/api/v1/tenants/{tenantId}/keys", ServerlessAuthEndpoints.ListKeys).WithName(nameof(ServerlessAuthEndpoints.ListKeys)).WithTags("API keys")
            .WithSummary("Lists keys (never secrets); filters operatorId, status; paging pageSize (≤ 100), continuationToken.")
            .Produces<ListResponse<ApiKeyResponse>>(200).ProducesProblem(400).ProducesProblem(404);
        endpoints.MapGet("/api/v1/tenants/{tenantId}/keys/{keyId}", ServerlessAuthEndpoints.GetKey).WithName(nameof(ServerlessAuthEndpoints.GetKey)).WithTags("API keys")
            .Produces<ApiKeyResponse>(200).ProducesProblem(404);
        endpoints.MapDelete("/api/v1/tenants/{tenantId}/keys/{keyId}", ServerlessAuthEndpoints.RevokeKey).WithName(nameof(ServerlessAuthEndpoints.RevokeKey)).WithTags("API keys")
            .WithSummary("Revokes a key (idempotent).")
            .Produces<ApiKeyResponse>(200).ProducesProblem(404);

        endpoints.MapPost("/api/v1/tenants/{tenantId}/keys/{keyId}/rotate", ServerlessAuthEndpoints.RotateKey).WithName(nameof(ServerlessAuthEndpoints.RotateKey)).WithTags("API keys")
            .WithSummary("Rotates a key: a new secret (shown once); the old one works until overlapSeconds (0-604800) have passed.")
            .WithMetadata(new JsonRequestBody(typeof(RotateApiKeyRequest), IsOptional: true)).Produces<ApiKeyResponse>(201).ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);

        endpoints.MapGet("/api/v1/tenants/{tenantId}/logs", ServerlessAuthEndpoints.ListLogs).WithName(nameof(ServerlessAuthEndpoints.ListLogs)).WithTags("Logs")
            .WithSummary("Audit and usage log, newest first; filters from, to (ISO 8601, inclusive), type, credentialId.")
            .Produces<ListResponse<LogEntryResponse>>(200).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);

        endpoints.MapPost("/api/v1/admin/lifecycle/run", ServerlessAuthEndpoints.RunLifecycle).WithName(nameof(ServerlessAuthEndpoints.RunLifecycle)).WithTags("Admin")
            .WithSummary("Runs the lifecycle job now (admin key) and answers what it changed.")
            .Produces<LifecycleReport>(200).ProducesProblem(401).ProducesProblem(403).ProducesProblem(503);
        endpoints.MapPost("/api/v1/token", ServerlessAuthEndpoints.Token).WithName(nameof(ServerlessAuthEndpoints.Token)).WithTags("Tokens")
            .WithSummary("Issues an access token: JSON {appId, appSecret}, or RFC 6749 client credentials (form, HTTP Basic or body).")
            .WithMetadata(new JsonRequestBody(typeof(AppTokenRequest))).Produces<AppTokenResponse>(200).Produces<OAuthTokenResponse>(200).Produces<OAuthErrorBody>(400).Produces<OAuthErrorBody>(401).ProducesProblem(503);
        endpoints.MapPost("/api/v1/introspect", ServerlessAuthEndpoints.Introspect).WithName(nameof(ServerlessAuthEndpoints.Introspect)).WithTags("Tokens")
            .WithSummary("RFC 7662 introspection for an app of the same tenant (client credentials).")
            .Produces<IntrospectionResponse>(200).Produces<OAuthErrorBody>(400).Produces<OAuthErrorBody>(401).ProducesProblem(503);
        endpoints.MapPost("/api/v1/revoke", ServerlessAuthEndpoints.Revoke).WithName(nameof(ServerlessAuthEndpoints.Revoke)).WithTags("Tokens")
            .WithSummary("RFC 7009 revocation of an API key or JWT by its holder; 200 also for unknown tokens.")
            .Produces(200).Produces<OAuthErrorBody>(400).Produces<OAuthErrorBody>(401).ProducesProblem(503);
        endpoints.MapGet("/.well-known/jwks.json", ServerlessAuthEndpoints.Jwks).WithName(nameof(ServerlessAuthEndpoints.Jwks)).WithTags("Tokens")
            .Produces<JsonWebKeySetResponse>(200).ProducesProblem(503);
        endpoints.MapGet("/.well-known/oauth-authorization-server", ServerlessAuthEndpoints.OAuthMetadata).WithName(nameof(ServerlessAuthEndpoints.OAuthMetadata)).WithTags("Tokens")
            .Produces<AuthorizationServerMetadata>(200);
        endpoints.MapGet("/.well-known/openid-configuration", ServerlessAuthEndpoints.OpenIdConfiguration).WithName(nameof(ServerlessAuthEndpoints.OpenIdConfiguration)).WithTags("Tokens")
            .Produces<AuthorizationServerMetadata>(200);

        endpoints.MapPost("/api/v1/tenants/{tenantId}/apps", ServerlessAuthEndpoints.CreateApp).WithName(nameof(ServerlessAuthEndpoints.CreateApp)).WithTags("Apps")
            .WithSummary("Registers an app; its first App Secret is in this response only.")
            .WithMetadata(new JsonRequestBody(typeof(CreateAppRequest))).Produces<AppResponse>(201).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        endpoints.MapGet("/api/v1/tenants/{tenantId}/apps", ServerlessAuthEndpoints.ListApps).WithName(nameof(ServerlessAuthEndpoints.ListApps)).WithTags("Apps")
            .Produces<ListResponse<AppResponse>>(200).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        endpoints.MapGet("/api/v1/tenants/{tenantId}/apps/{appId}", ServerlessAuthEndpoints.GetApp).WithName(nameof(ServerlessAuthEndpoints.GetApp)).WithTags("Apps")
            .Produces<AppResponse>(200).ProducesProblem(404);
        endpoints.MapDelete("/api/v1/tenants/{tenantId}/apps/{appId}", ServerlessAuthEndpoints.RevokeApp).WithName(nameof(ServerlessAuthEndpoints.RevokeApp)).WithTags("Apps")
            .WithSummary("Revokes an app (idempotent): its secrets and tokens stop working.")
            .Produces<AppResponse>(200).ProducesProblem(404);
        endpoints.MapPost("/api/v1/tenants/{tenantId}/apps/{appId}/secrets", ServerlessAuthEndpoints.AddAppSecret).WithName(nameof(ServerlessAuthEndpoints.AddAppSecret)).WithTags("Apps")
            .WithSummary("Adds an App Secret (at most two active); shown in this response only.")
            .WithMetadata(new JsonRequestBody(typeof(AddAppSecretRequest), IsOptional: true)).Produces<AppSecretResponse>(201).ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);
        endpoints.MapDelete("/api/v1/tenants/{tenantId}/apps/{appId}/secrets/{secretId}", ServerlessAuthEndpoints.DeleteAppSecret).WithName(nameof(ServerlessAuthEndpoints.DeleteAppSecret)).WithTags("Apps")
            .Produces(204).ProducesProblem(404).ProducesProblem(409);
        endpoints.MapPost("/api/v1/admin/signing-keys/rotate", ServerlessAuthEndpoints.RotateSigningKeys).WithName(nameof(ServerlessAuthEndpoints.RotateSigningKeys)).WithTags("Admin")
            .WithSummary("Publishes a new signing key now; it signs after the publication delay (admin key).")
            .Produces<SigningKeysResponse>(200).ProducesProblem(401).ProducesProblem(403).ProducesProblem(503);

        const string webhooks = "/api/v1/tenants/{tenantId}/webhooks";
        endpoints.MapPost(webhooks, ServerlessAuthEndpoints.CreateWebhook).WithName(nameof(ServerlessAuthEndpoints.CreateWebhook)).WithTags("Webhooks")
            .WithSummary("Creates a webhook endpoint (at most 10 per tenant); its signing secret is in this response only.")
            .WithMetadata(new JsonRequestBody(typeof(CreateWebhookRequest))).Produces<WebhookResponse>(201).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        endpoints.MapGet(webhooks, ServerlessAuthEndpoints.ListWebhooks).WithName(nameof(ServerlessAuthEndpoints.ListWebhooks)).WithTags("Webhooks")
            .Produces<ListResponse<WebhookResponse>>(200).ProducesProblem(403).ProducesProblem(404);
        endpoints.MapGet(webhooks + "/{webhookId}", ServerlessAuthEndpoints.GetWebhook).WithName(nameof(ServerlessAuthEndpoints.GetWebhook)).WithTags("Webhooks")
            .Produces<WebhookResponse>(200).ProducesProblem(403).ProducesProblem(404);
        endpoints.MapMethods(webhooks + "/{webhookId}", ["PATCH"], ServerlessAuthEndpoints.UpdateWebhook).WithName(nameof(ServerlessAuthEndpoints.UpdateWebhook)).WithTags("Webhooks")
            .WithSummary("Changes url, description, eventTypes or enabled; enabling clears the reason the service disabled it.")
            .WithMetadata(new JsonRequestBody(typeof(UpdateWebhookRequest))).Produces<WebhookResponse>(200).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        endpoints.MapDelete(webhooks + "/{webhookId}", ServerlessAuthEndpoints.DeleteWebhook).WithName(nameof(ServerlessAuthEndpoints.DeleteWebhook)).WithTags("Webhooks")
            .Produces(204).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        endpoints.MapPost(webhooks + "/{webhookId}/test", ServerlessAuthEndpoints.TestWebhook).WithName(nameof(ServerlessAuthEndpoints.TestWebhook)).WithTags("Webhooks")
            .WithSummary("Queues a webhook.test event for this endpoint.")
            .Produces<WebhookQueuedResponse>(202).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        endpoints.MapPost(webhooks + "/{webhookId}/rotate-secret", ServerlessAuthEndpoints.RotateWebhookSecret).WithName(nameof(ServerlessAuthEndpoints.RotateWebhookSecret)).WithTags("Webhooks")
            .WithSummary("A new signing secret (shown once); the previous one signs beside it for overlapSeconds (0-604800, default 86400).")
            .WithMetadata(new JsonRequestBody(typeof(RotateWebhookSecretRequest), IsOptional: true)).Produces<WebhookResponse>(200).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        endpoints.MapGet(webhooks + "/{webhookId}/deliveries", ServerlessAuthEndpoints.ListWebhookDeliveries).WithName(nameof(ServerlessAuthEndpoints.ListWebhookDeliveries)).WithTags("Webhooks")
            .WithSummary("The endpoint's delivery log, newest event first; paging pageSize (≤ 100), continuationToken.")
            .Produces<ListResponse<WebhookDeliveryResponse>>(200).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404);
        endpoints.MapPost(webhooks + "/{webhookId}/deliveries/{deliveryId}/redeliver", ServerlessAuthEndpoints.RedeliverWebhook).WithName(nameof(ServerlessAuthEndpoints.RedeliverWebhook)).WithTags("Webhooks")
            .WithSummary("Queues a delivery again (same webhook-id, a new retry window).")
            .Produces<WebhookQueuedResponse>(202).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);

        endpoints.MapGet("/api/health", ServerlessAuthEndpoints.Health).WithName(nameof(ServerlessAuthEndpoints.Health)).WithTags("Health")
            .Produces<HealthResponse>(200).Produces<HealthResponse>(503);
        return endpoints;
    }
}
