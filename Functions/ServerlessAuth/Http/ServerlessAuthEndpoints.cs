using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Apps;
using ServerlessAuth.Audit;
using ServerlessAuth.Health;
using ServerlessAuth.Lifecycle;
using ServerlessAuth.RateLimiting;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;
using ServerlessAuth.Tokens;
using ServerlessAuth.Validation;
using ServerlessAuth.Webhooks;

namespace ServerlessAuth.Http;

/// <summary>
/// One method per route, shared by both hosts: the standalone host maps them (<c>MapServerlessAuthApi</c>), each
/// Azure Functions trigger forwards to one. Each checks ids and limits first, then the caller, then the body, and
/// turns a dependency fault into 503 <c>unavailable</c>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1068", Justification = "The private helpers take the handler lambda last so that it reads as a block; they still pass the token on.")]
public static class ServerlessAuthEndpoints
{
    /// <summary><c>POST /api/v1/validate</c>.</summary>
    public static Task<IResult> Validate(HttpRequest request, CancellationToken cancellationToken) =>
        Run(request, "validate", cancellationToken, async (services, ct) =>
        {
            var (credential, problem) = RequestReader.ReadCredential(request);
            if (problem is not null)
            {
                return problem;
            }

            var (scopeParam, queryProblem) = RequestReader.ReadQuery(request, "scope", Security.Scopes.MaxLength * Security.Scopes.MaxCount);
            if (queryProblem is not null)
            {
                return queryProblem;
            }

            var fromQuery = Security.Scopes.ParseList(scopeParam, out _);
            if (fromQuery is null)
            {
                return ApiProblem.InvalidRequest("scope must be space-separated scope tokens.", "scope");
            }

            var (body, bodyProblem) = await RequestReader.ReadJsonAsync(request, ServerlessAuthJsonContext.Default.ValidateRequest, ct, optional: true);
            if (bodyProblem is not null)
            {
                return bodyProblem;
            }

            var (fromBody, scopesProblem) = Fields.ReadScopes(body?.RequiredScopes, "requiredScopes");
            if (scopesProblem is not null)
            {
                return scopesProblem;
            }

            var uses = body?.Uses ?? 1;
            if (uses is < 1 or > ValidateRequest.MaxUses)
            {
                return ApiProblem.InvalidRequest($"uses must be a whole number from 1 to {ValidateRequest.MaxUses}.", "uses");
            }

            if (credential is null)
            {
                return ApiProblem.MissingCredential();
            }

            var required = fromQuery.Union(fromBody!);
            return await services.GetRequiredService<ValidateHandler>().ValidateAsync(credential, required, uses, ClientAddress.Of(request), ct);
        });

    /// <summary><c>POST /api/v1/tenants</c>.</summary>
    public static Task<IResult> CreateTenant(HttpRequest request, CancellationToken cancellationToken) =>
        WithCaller(request, "tenants.create", cancellationToken, async (services, caller, ct) =>
        {
            var (body, problem) = await RequestReader.ReadJsonAsync(request, ServerlessAuthJsonContext.Default.CreateTenantRequest, ct);
            return problem ?? (IResult)await services.GetRequiredService<TenantHandlers>().CreateAsync(caller, body!, ct);
        });

    /// <summary><c>GET /api/v1/tenants/{tenantId}</c>.</summary>
    public static Task<IResult> GetTenant(HttpRequest request, string tenantId, CancellationToken cancellationToken) =>
        WithTenant(request, tenantId, "tenants.get", cancellationToken, async (services, caller, tenant, ct) =>
            await services.GetRequiredService<TenantHandlers>().GetAsync(caller, tenant, ct));

    /// <summary><c>PATCH /api/v1/tenants/{tenantId}</c>.</summary>
    public static Task<IResult> UpdateTenant(HttpRequest request, string tenantId, CancellationToken cancellationToken) =>
        WithTenant(request, tenantId, "tenants.update", cancellationToken, async (services, caller, tenant, ct) =>
        {
            var (body, problem) = await RequestReader.ReadJsonAsync(request, ServerlessAuthJsonContext.Default.UpdateTenantRequest, ct);
            return problem ?? (IResult)await services.GetRequiredService<TenantHandlers>().UpdateAsync(caller, tenant, body!, ct);
        });

    /// <summary><c>GET /api/v1/tenants/{tenantId}/operators</c>.</summary>
    public static Task<IResult> ListOperators(HttpRequest request, string tenantId, CancellationToken cancellationToken) =>
        WithTenant(request, tenantId, "operators.list", cancellationToken, async (services, caller, tenant, ct) =>
        {
            var (pageSize, storageToken, problem) = ReadPaging(request);
            return problem ?? (IResult)await services.GetRequiredService<OperatorHandlers>().ListAsync(caller, tenant, pageSize, storageToken, ct);
        });

    /// <summary><c>PUT /api/v1/tenants/{tenantId}/operators/{operatorId}</c>.</summary>
    public static Task<IResult> PutOperator(HttpRequest request, string tenantId, string operatorId, CancellationToken cancellationToken) =>
        WithOperator(request, tenantId, operatorId, "operators.put", cancellationToken, async (services, caller, tenant, op, ct) =>
        {
            var (body, problem) = await RequestReader.ReadJsonAsync(request, ServerlessAuthJsonContext.Default.PutOperatorRequest, ct);
            return problem ?? (IResult)await services.GetRequiredService<OperatorHandlers>().PutAsync(caller, tenant, op, body!, ct);
        });

    /// <summary><c>GET /api/v1/tenants/{tenantId}/operators/{operatorId}</c>.</summary>
    public static Task<IResult> GetOperator(HttpRequest request, string tenantId, string operatorId, CancellationToken cancellationToken) =>
        WithOperator(request, tenantId, operatorId, "operators.get", cancellationToken, async (services, caller, tenant, op, ct) =>
            await services.GetRequiredService<OperatorHandlers>().GetAsync(caller, tenant, op, ct));

    /// <summary><c>DELETE /api/v1/tenants/{tenantId}/operators/{operatorId}</c>.</summary>
    public static Task<IResult> DeleteOperator(HttpRequest request, string tenantId, string operatorId, CancellationToken cancellationToken) =>
        WithOperator(request, tenantId, operatorId, "operators.delete", cancellationToken, async (services, caller, tenant, op, ct) =>
            await services.GetRequiredService<OperatorHandlers>().DeleteAsync(caller, tenant, op, ct));

    /// <summary><c>POST /api/v1/tenants/{tenantId}/keys</c>.</summary>
    public static Task<IResult> IssueKey(HttpRequest request, string tenantId, CancellationToken cancellationToken) =>
        WithTenant(request, tenantId, "keys.issue", cancellationToken, async (services, caller, tenant, ct) =>
        {
            var (body, problem) = await RequestReader.ReadJsonAsync(request, ServerlessAuthJsonContext.Default.CreateApiKeyRequest, ct);
            return problem ?? (IResult)await services.GetRequiredService<ApiKeyHandlers>().IssueAsync(caller, tenant, body!, ct);
        });

    /// <summary><c>GET /api/v1/tenants/{tenantId}/keys?operatorId=&amp;status=&amp;pageSize=&amp;continuationToken=</c>.</summary>
    public static Task<IResult> ListKeys(HttpRequest request, string tenantId, CancellationToken cancellationToken) =>
        WithTenant(request, tenantId, "keys.list", cancellationToken, async (services, caller, tenant, ct) =>
        {
            var (pageSize, storageToken, problem) = ReadPaging(request);
            if (problem is not null)
            {
                return problem;
            }

            var (operatorText, operatorProblem) = RequestReader.ReadQuery(request, "operatorId", 64);
            if (operatorProblem is not null)
            {
                return operatorProblem;
            }

            OperatorId? operatorFilter = null;
            if (operatorText is not null)
            {
                if (!OperatorId.TryParse(operatorText, out var parsed))
                {
                    return ApiProblem.InvalidRequest("operatorId is not a valid operator id.", "operatorId");
                }

                operatorFilter = parsed;
            }

            var (statusText, statusProblem) = RequestReader.ReadQuery(request, "status", 16);
            ApiKeyStatus? status = statusText switch
            {
                null => null,
                "active" => ApiKeyStatus.Active,
                "expired" => ApiKeyStatus.Expired,
                "revoked" => ApiKeyStatus.Revoked,
                _ => (ApiKeyStatus)(-1),
            };
            if (statusProblem is not null || status < 0)
            {
                return statusProblem ?? ApiProblem.InvalidRequest("status must be 'active', 'expired' or 'revoked'.", "status");
            }

            return await services.GetRequiredService<ApiKeyHandlers>().ListAsync(caller, tenant, operatorFilter, status, pageSize, storageToken, ct);
        });

    /// <summary><c>GET /api/v1/tenants/{tenantId}/keys/{keyId}</c>.</summary>
    public static Task<IResult> GetKey(HttpRequest request, string tenantId, string keyId, CancellationToken cancellationToken) =>
        WithKey(request, tenantId, keyId, "keys.get", cancellationToken, async (services, caller, tenant, key, ct) =>
            await services.GetRequiredService<ApiKeyHandlers>().GetAsync(caller, tenant, key, ct));

    /// <summary><c>DELETE /api/v1/tenants/{tenantId}/keys/{keyId}</c>.</summary>
    public static Task<IResult> RevokeKey(HttpRequest request, string tenantId, string keyId, CancellationToken cancellationToken) =>
        WithKey(request, tenantId, keyId, "keys.revoke", cancellationToken, async (services, caller, tenant, key, ct) =>
            await services.GetRequiredService<ApiKeyHandlers>().RevokeAsync(caller, tenant, key, ct));

    /// <summary><c>POST /api/v1/tenants/{tenantId}/keys/{keyId}/rotate</c>.</summary>
    public static Task<IResult> RotateKey(HttpRequest request, string tenantId, string keyId, CancellationToken cancellationToken) =>
        WithKey(request, tenantId, keyId, "keys.rotate", cancellationToken, async (services, caller, tenant, key, ct) =>
        {
            var (body, problem) = await RequestReader.ReadJsonAsync(request, ServerlessAuthJsonContext.Default.RotateApiKeyRequest, ct, optional: true);
            return problem ?? (IResult)await services.GetRequiredService<ApiKeyHandlers>().RotateAsync(caller, tenant, key, body ?? new RotateApiKeyRequest(), ct);
        });

    /// <summary><c>GET /api/v1/tenants/{tenantId}/logs?from=&amp;to=&amp;type=&amp;credentialId=&amp;pageSize=&amp;continuationToken=</c>.</summary>
    public static Task<IResult> ListLogs(HttpRequest request, string tenantId, CancellationToken cancellationToken) =>
        WithTenant(request, tenantId, "logs.list", cancellationToken, async (services, caller, tenant, ct) =>
        {
            var (pageSize, storageToken, problem) = ReadPaging(request);
            if (problem is not null)
            {
                return problem;
            }

            var (from, fromProblem) = ReadTime(request, "from");
            var (to, toProblem) = ReadTime(request, "to");
            var (type, typeProblem) = RequestReader.ReadQuery(request, "type", 40);
            var (credentialId, credentialProblem) = RequestReader.ReadQuery(request, "credentialId", 64);
            if ((fromProblem ?? toProblem ?? typeProblem ?? credentialProblem) is { } queryProblem)
            {
                return queryProblem;
            }

            if (type is not null && !type.All(c => char.IsAsciiLetter(c) || c == '.'))
            {
                return ApiProblem.InvalidRequest("type must be an event type such as 'key.revoked'.", "type");
            }

            if (credentialId is not null && !credentialId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                return ApiProblem.InvalidRequest("credentialId is malformed.", "credentialId");
            }

            return await services.GetRequiredService<AuditHandlers>().ListAsync(caller, tenant, new LogQuery(from, to, type, credentialId), pageSize, storageToken, ct);
        });

    /// <summary><c>POST /api/v1/admin/lifecycle/run</c>: runs the lifecycle job now (admin key) and answers what it changed.</summary>
    public static Task<IResult> RunLifecycle(HttpRequest request, CancellationToken cancellationToken) =>
        WithCaller(request, "lifecycle.run", cancellationToken, async (services, caller, ct) =>
            await services.GetRequiredService<LifecycleRunner>().RunForAdminAsync(caller, ct));
    /// <summary><c>POST /api/v1/token</c>: JSON <c>{appId, appSecret}</c>, or RFC 6749 §4.4 form-encoded client credentials.</summary>
    public static Task<IResult> Token(HttpRequest request, CancellationToken cancellationToken) =>
        Run(request, "token", cancellationToken, async (services, ct) =>
        {
            request.HttpContext.Response.Headers.Pragma = "no-cache";
            var handler = services.GetRequiredService<TokenEndpointHandler>();
            if (OAuthRequestReader.CheckQuery(request) is { } queryError)
            {
                return queryError;
            }

            if (OAuthRequestReader.IsForm(request.ContentType))
            {
                var (form, credentials, error) = await ReadOAuthFormAsync(request, ct);
                return error ?? (IResult)await handler.IssueClientCredentialsAsync(form!, credentials!, ct);
            }

            var (body, problem) = await RequestReader.ReadJsonAsync(request, ServerlessAuthJsonContext.Default.AppTokenRequest, ct);
            return problem is not null
                ? OAuthError.InvalidRequest(problem.Status == 415 ? "The body must be application/json ({appId, appSecret}) or application/x-www-form-urlencoded (RFC 6749)." : problem.Body.Detail, problem.Status)
                : await handler.IssueForAppAsync(body!, ClientAddress.Of(request), ct);
        });

    /// <summary><c>POST /api/v1/introspect</c> (RFC 7662).</summary>
    public static Task<IResult> Introspect(HttpRequest request, CancellationToken cancellationToken) =>
        Run(request, "introspect", cancellationToken, async (services, ct) =>
        {
            var (form, credentials, error) = await ReadOAuthFormAsync(request, ct);
            return error ?? (IResult)await services.GetRequiredService<IntrospectionHandler>().IntrospectAsync(form!, credentials!, ct);
        });

    /// <summary><c>POST /api/v1/revoke</c> (RFC 7009).</summary>
    public static Task<IResult> Revoke(HttpRequest request, CancellationToken cancellationToken) =>
        Run(request, "revoke", cancellationToken, async (services, ct) =>
        {
            var (form, credentials, error) = await ReadOAuthFormAsync(request, ct);
            return error ?? (IResult)await services.GetRequiredService<RevocationHandler>().RevokeAsync(form!, credentials!, ct);
        });

    /// <summary><c>GET /.well-known/jwks.json</c>.</summary>
    public static Task<IResult> Jwks(HttpRequest request, CancellationToken cancellationToken) =>
        Run(request, "jwks", cancellationToken, async (services, ct) =>
        {
            var handler = services.GetRequiredService<DiscoveryHandler>();
            var keys = await handler.GetJwksAsync(ct);
            request.HttpContext.Response.Headers.CacheControl = handler.CacheControl;
            return keys;
        });

    /// <summary><c>GET /.well-known/oauth-authorization-server</c> (RFC 8414).</summary>
    public static Task<IResult> OAuthMetadata(HttpRequest request, CancellationToken cancellationToken) =>
        Run(request, "metadata", cancellationToken, (services, _) => Task.FromResult<IResult>(Metadata(request, services)));

    /// <summary><c>GET /.well-known/openid-configuration</c>: the same metadata, where stock JwtBearer middleware looks for it.</summary>
    public static Task<IResult> OpenIdConfiguration(HttpRequest request, CancellationToken cancellationToken) =>
        Run(request, "openid-configuration", cancellationToken, (services, _) => Task.FromResult<IResult>(Metadata(request, services)));

    /// <summary><c>POST /api/v1/tenants/{tenantId}/apps</c>.</summary>
    public static Task<IResult> CreateApp(HttpRequest request, string tenantId, CancellationToken cancellationToken) =>
        WithTenant(request, tenantId, "apps.create", cancellationToken, async (services, caller, tenant, ct) =>
        {
            var (body, problem) = await RequestReader.ReadJsonAsync(request, ServerlessAuthJsonContext.Default.CreateAppRequest, ct);
            return problem ?? (IResult)await services.GetRequiredService<AppHandlers>().CreateAsync(caller, tenant, body!, ct);
        });

    /// <summary><c>GET /api/v1/tenants/{tenantId}/apps?pageSize=&amp;continuationToken=</c>.</summary>
    public static Task<IResult> ListApps(HttpRequest request, string tenantId, CancellationToken cancellationToken) =>
        WithTenant(request, tenantId, "apps.list", cancellationToken, async (services, caller, tenant, ct) =>
        {
            var (pageSize, storageToken, problem) = ReadPaging(request);
            return problem ?? (IResult)await services.GetRequiredService<AppHandlers>().ListAsync(caller, tenant, pageSize, storageToken, ct);
        });

    /// <summary><c>GET /api/v1/tenants/{tenantId}/apps/{appId}</c>.</summary>
    public static Task<IResult> GetApp(HttpRequest request, string tenantId, string appId, CancellationToken cancellationToken) =>
        WithApp(request, tenantId, appId, "apps.get", cancellationToken, async (services, caller, tenant, app, ct) =>
            await services.GetRequiredService<AppHandlers>().GetAsync(caller, tenant, app, ct));

    /// <summary><c>DELETE /api/v1/tenants/{tenantId}/apps/{appId}</c>: revokes the app and every token it holds.</summary>
    public static Task<IResult> RevokeApp(HttpRequest request, string tenantId, string appId, CancellationToken cancellationToken) =>
        WithApp(request, tenantId, appId, "apps.revoke", cancellationToken, async (services, caller, tenant, app, ct) =>
            await services.GetRequiredService<AppHandlers>().RevokeAsync(caller, tenant, app, ct));

    /// <summary><c>POST /api/v1/tenants/{tenantId}/apps/{appId}/secrets</c>.</summary>
    public static Task<IResult> AddAppSecret(HttpRequest request, string tenantId, string appId, CancellationToken cancellationToken) =>
        WithApp(request, tenantId, appId, "apps.secrets.add", cancellationToken, async (services, caller, tenant, app, ct) =>
        {
            var (body, problem) = await RequestReader.ReadJsonAsync(request, ServerlessAuthJsonContext.Default.AddAppSecretRequest, ct, optional: true);
            return problem ?? (IResult)await services.GetRequiredService<AppHandlers>().AddSecretAsync(caller, tenant, app, body, ct);
        });

    /// <summary><c>DELETE /api/v1/tenants/{tenantId}/apps/{appId}/secrets/{secretId}</c>.</summary>
    public static Task<IResult> DeleteAppSecret(HttpRequest request, string tenantId, string appId, string secretId, CancellationToken cancellationToken) =>
        AppSecretId.TryParse(secretId, out var secret)
            ? WithApp(request, tenantId, appId, "apps.secrets.delete", cancellationToken, async (services, caller, tenant, app, ct) =>
                await services.GetRequiredService<AppHandlers>().DeleteSecretAsync(caller, tenant, app, secret, ct))
            : Task.FromResult<IResult>(ApiProblem.InvalidRequest("secretId is malformed.", "secretId"));

    /// <summary><c>POST /api/v1/admin/signing-keys/rotate</c> (admin key).</summary>
    public static Task<IResult> RotateSigningKeys(HttpRequest request, CancellationToken cancellationToken) =>
        WithCaller(request, "signingkeys.rotate", cancellationToken, async (services, caller, ct) =>
            await services.GetRequiredService<SigningKeyAdminHandler>().RotateAsync(caller, ct));

    /// <summary><c>POST /api/v1/tenants/{tenantId}/webhooks</c>.</summary>
    public static Task<IResult> CreateWebhook(HttpRequest request, string tenantId, CancellationToken cancellationToken) =>
        WithTenant(request, tenantId, "webhooks.create", cancellationToken, async (services, caller, tenant, ct) =>
        {
            var (body, problem) = await RequestReader.ReadJsonAsync(request, ServerlessAuthJsonContext.Default.CreateWebhookRequest, ct);
            return problem ?? (IResult)await services.GetRequiredService<WebhookHandlers>().CreateAsync(caller, tenant, body!, ct);
        });

    /// <summary><c>GET /api/v1/tenants/{tenantId}/webhooks</c>.</summary>
    public static Task<IResult> ListWebhooks(HttpRequest request, string tenantId, CancellationToken cancellationToken) =>
        WithTenant(request, tenantId, "webhooks.list", cancellationToken, async (services, caller, tenant, ct) =>
            await services.GetRequiredService<WebhookHandlers>().ListAsync(caller, tenant, ct));

    /// <summary><c>GET /api/v1/tenants/{tenantId}/webhooks/{webhookId}</c>.</summary>
    public static Task<IResult> GetWebhook(HttpRequest request, string tenantId, string webhookId, CancellationToken cancellationToken) =>
        WithWebhook(request, tenantId, webhookId, "webhooks.get", cancellationToken, async (services, caller, tenant, webhook, ct) =>
            await services.GetRequiredService<WebhookHandlers>().GetAsync(caller, tenant, webhook, ct));

    /// <summary><c>PATCH /api/v1/tenants/{tenantId}/webhooks/{webhookId}</c>.</summary>
    public static Task<IResult> UpdateWebhook(HttpRequest request, string tenantId, string webhookId, CancellationToken cancellationToken) =>
        WithWebhook(request, tenantId, webhookId, "webhooks.update", cancellationToken, async (services, caller, tenant, webhook, ct) =>
        {
            var (body, problem) = await RequestReader.ReadJsonAsync(request, ServerlessAuthJsonContext.Default.UpdateWebhookRequest, ct);
            return problem ?? (IResult)await services.GetRequiredService<WebhookHandlers>().UpdateAsync(caller, tenant, webhook, body!, ct);
        });

    /// <summary><c>DELETE /api/v1/tenants/{tenantId}/webhooks/{webhookId}</c>.</summary>
    public static Task<IResult> DeleteWebhook(HttpRequest request, string tenantId, string webhookId, CancellationToken cancellationToken) =>
        WithWebhook(request, tenantId, webhookId, "webhooks.delete", cancellationToken, async (services, caller, tenant, webhook, ct) =>
            await services.GetRequiredService<WebhookHandlers>().DeleteAsync(caller, tenant, webhook, ct));

    /// <summary><c>POST /api/v1/tenants/{tenantId}/webhooks/{webhookId}/test</c>.</summary>
    public static Task<IResult> TestWebhook(HttpRequest request, string tenantId, string webhookId, CancellationToken cancellationToken) =>
        WithWebhook(request, tenantId, webhookId, "webhooks.test", cancellationToken, async (services, caller, tenant, webhook, ct) =>
            await services.GetRequiredService<WebhookHandlers>().TestAsync(caller, tenant, webhook, ct));

    /// <summary><c>POST /api/v1/tenants/{tenantId}/webhooks/{webhookId}/rotate-secret</c>.</summary>
    public static Task<IResult> RotateWebhookSecret(HttpRequest request, string tenantId, string webhookId, CancellationToken cancellationToken) =>
        WithWebhook(request, tenantId, webhookId, "webhooks.rotateSecret", cancellationToken, async (services, caller, tenant, webhook, ct) =>
        {
            var (body, problem) = await RequestReader.ReadJsonAsync(request, ServerlessAuthJsonContext.Default.RotateWebhookSecretRequest, ct, optional: true);
            return problem ?? (IResult)await services.GetRequiredService<WebhookHandlers>().RotateSecretAsync(caller, tenant, webhook, body ?? new RotateWebhookSecretRequest(), ct);
        });

    /// <summary><c>GET /api/v1/tenants/{tenantId}/webhooks/{webhookId}/deliveries?pageSize=&amp;continuationToken=</c>.</summary>
    public static Task<IResult> ListWebhookDeliveries(HttpRequest request, string tenantId, string webhookId, CancellationToken cancellationToken) =>
        WithWebhook(request, tenantId, webhookId, "webhooks.deliveries", cancellationToken, async (services, caller, tenant, webhook, ct) =>
        {
            var (pageSize, storageToken, problem) = ReadPaging(request);
            return problem ?? (IResult)await services.GetRequiredService<WebhookHandlers>().ListDeliveriesAsync(caller, tenant, webhook, pageSize, storageToken, ct);
        });

    /// <summary><c>POST /api/v1/tenants/{tenantId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver</c>.</summary>
    public static Task<IResult> RedeliverWebhook(HttpRequest request, string tenantId, string webhookId, string deliveryId, CancellationToken cancellationToken) =>
        WebhookEventId.TryParse(deliveryId, out var delivery)
            ? WithWebhook(request, tenantId, webhookId, "webhooks.redeliver", cancellationToken, async (services, caller, tenant, webhook, ct) =>
                await services.GetRequiredService<WebhookHandlers>().RedeliverAsync(caller, tenant, webhook, delivery, ct))
            : Task.FromResult<IResult>(ApiProblem.InvalidRequest("deliveryId is malformed.", "deliveryId"));

    /// <summary><c>GET /api/health</c>.</summary>
    public static Task<IResult> Health(HttpRequest request, CancellationToken cancellationToken) =>
        Run(request, "health", cancellationToken, (services, ct) => services.GetRequiredService<HealthHandler>().CheckAsync(ct));

    private static Task<IResult> WithCaller(
        HttpRequest request, string route, CancellationToken cancellationToken, Func<IServiceProvider, Caller, CancellationToken, Task<IResult>> handle) =>
        Run(request, route, cancellationToken, async (services, ct) =>
        {
            if (CheckBodySize(request) is { } tooLarge)
            {
                return tooLarge;
            }

            var (caller, problem) = await services.GetRequiredService<CallerAuthenticator>().AuthenticateAsync(request, ct);
            return problem ?? await handle(services, caller!, ct);
        });

    private static Task<IResult> WithTenant(
        HttpRequest request, string tenantId, string route, CancellationToken cancellationToken, Func<IServiceProvider, Caller, TenantId, CancellationToken, Task<IResult>> handle) =>
        TenantId.TryParse(tenantId, out var tenant)
            ? WithCaller(request, route, cancellationToken, (services, caller, ct) => handle(services, caller, tenant, ct))
            : Task.FromResult<IResult>(ApiProblem.InvalidRequest("tenantId is malformed.", "tenantId"));

    private static Task<IResult> WithOperator(
        HttpRequest request, string tenantId, string operatorId, string route, CancellationToken cancellationToken,
        Func<IServiceProvider, Caller, TenantId, OperatorId, CancellationToken, Task<IResult>> handle) =>
        OperatorId.TryParse(operatorId, out var op)
            ? WithTenant(request, tenantId, route, cancellationToken, (services, caller, tenant, ct) => handle(services, caller, tenant, op, ct))
            : Task.FromResult<IResult>(ApiProblem.InvalidRequest("operatorId is malformed.", "operatorId"));

    private static Task<IResult> WithKey(
        HttpRequest request, string tenantId, string keyId, string route, CancellationToken cancellationToken,
        Func<IServiceProvider, Caller, TenantId, ApiKeyId, CancellationToken, Task<IResult>> handle) =>
        ApiKeyId.TryParse(keyId, out var key)
            ? WithTenant(request, tenantId, route, cancellationToken, (services, caller, tenant, ct) => handle(services, caller, tenant, key, ct))
            : Task.FromResult<IResult>(ApiProblem.InvalidRequest("keyId is malformed.", "keyId"));

    private static Task<IResult> WithApp(
        HttpRequest request, string tenantId, string appId, string route, CancellationToken cancellationToken,
        Func<IServiceProvider, Caller, TenantId, AppId, CancellationToken, Task<IResult>> handle) =>
        AppId.TryParse(appId, out var app)
            ? WithTenant(request, tenantId, route, cancellationToken, (services, caller, tenant, ct) => handle(services, caller, tenant, app, ct))
            : Task.FromResult<IResult>(ApiProblem.InvalidRequest("appId is malformed.", "appId"));

    private static Task<IResult> WithWebhook(
        HttpRequest request, string tenantId, string webhookId, string route, CancellationToken cancellationToken,
        Func<IServiceProvider, Caller, TenantId, WebhookId, CancellationToken, Task<IResult>> handle) =>
        WebhookId.TryParse(webhookId, out var webhook)
            ? WithTenant(request, tenantId, route, cancellationToken, (services, caller, tenant, ct) => handle(services, caller, tenant, webhook, ct))
            : Task.FromResult<IResult>(ApiProblem.InvalidRequest("webhookId is malformed.", "webhookId"));

    private static async Task<(IReadOnlyDictionary<string, string>? Form, ClientCredentials? Credentials, OAuthError? Error)> ReadOAuthFormAsync(
        HttpRequest request, CancellationToken cancellationToken)
    {
        if (OAuthRequestReader.CheckQuery(request) is { } queryError)
        {
            return (null, null, queryError);
        }

        if (!OAuthRequestReader.IsForm(request.ContentType))
        {
            return (null, null, OAuthError.InvalidRequest("The body must be application/x-www-form-urlencoded.", 415));
        }

        var (form, error) = await OAuthRequestReader.ReadFormAsync(request, cancellationToken);
        if (error is not null)
        {
            return (null, null, error);
        }

        var (credentials, credentialError) = OAuthRequestReader.ReadClientCredentials(request, form!);
        return (form, credentials, credentialError);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.Ok<AuthorizationServerMetadata> Metadata(HttpRequest request, IServiceProvider services)
    {
        var handler = services.GetRequiredService<DiscoveryHandler>();
        request.HttpContext.Response.Headers.CacheControl = handler.CacheControl;
        return handler.GetMetadata();
    }

    private static (int PageSize, string? StorageToken, ApiProblem? Problem) ReadPaging(HttpRequest request)
    {
        var (pageSize, problem) = RequestReader.ReadPageSize(request);
        if (problem is not null)
        {
            return (0, null, problem);
        }

        var (token, tokenProblem) = RequestReader.ReadQuery(request, "continuationToken", ContinuationToken.MaxLength);
        if (tokenProblem is not null || !ContinuationToken.TryDecode(token, out var storageToken))
        {
            return (0, null, tokenProblem ?? ApiProblem.InvalidRequest("continuationToken is not one this service issued.", "continuationToken"));
        }

        return (pageSize, storageToken, null);
    }

    private static (DateTimeOffset? Value, ApiProblem? Problem) ReadTime(HttpRequest request, string name)
    {
        var (text, problem) = RequestReader.ReadQuery(request, name, 40);
        if (problem is not null || text is null)
        {
            return (null, problem);
        }

        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var value)
            ? (value, null)
            : (null, ApiProblem.InvalidRequest($"{name} must be an ISO 8601 time, e.g. 2026-11-23T00:00:00Z.", name));
    }

    private static ApiProblem? CheckBodySize(HttpRequest request)
    {
        var limit = BoundedBody.Limit(request);
        return request.ContentLength > limit ? ApiProblem.PayloadTooLarge($"The body is larger than {limit} bytes.") : null;
    }

    private static async Task<IResult> Run(HttpRequest request, string route, CancellationToken cancellationToken, Func<IServiceProvider, CancellationToken, Task<IResult>> handle)
    {
        var context = request.HttpContext;

        // Answers about credentials are never cached by a browser or a proxy.
        context.Response.Headers.CacheControl = "no-store";
        // The standalone host binds RequestAborted itself as the method's token: linking it to itself would only cost
        // a source and two registrations per request. The Functions host binds the invocation's token: linked.
        using var linked = cancellationToken == context.RequestAborted || !cancellationToken.CanBeCanceled
            ? null
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.RequestAborted);
        using var activity = ServerlessAuthTelemetry.Source.HasListeners() ? ServerlessAuthTelemetry.Source.StartActivity("ServerlessAuth " + route) : null;
        try
        {
            return await handle(context.RequestServices, linked?.Token ?? context.RequestAborted);
        }
        catch (Exception e) when (ServiceUnavailableException.IsDependencyFault(e, context.RequestAborted))
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "dependency unavailable");
            var dependency = e is ServiceUnavailableException unavailable ? unavailable.Dependency : "storage";
            Log.DependencyUnavailable(Logger(context), dependency, route, e);
            return ApiProblem.Unavailable(dependency);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "unexpected failure");
            Log.UnexpectedFailure(Logger(context), route, e);
            return ApiProblem.InternalError();
        }
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ServerlessAuth.Http");
}
