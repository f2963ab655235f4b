namespace ServerlessAuth.Http;

/// <summary>
/// The route table: every route of the API, its method and the endpoint that serves it. The standalone host maps
/// exactly these; the Functions app has one trigger for each (a test checks the two agree).
/// </summary>
public static class ServerlessAuthRoutes
{
    /// <summary>All routes, as (method, template, name).</summary>
    public static IReadOnlyList<(string Method, string Template, string Name)> All { get; } =
    [
        ("POST", "/api/v1/validate", nameof(ServerlessAuthEndpoints.Validate)),
        ("POST", "/api/v1/tenants", nameof(ServerlessAuthEndpoints.CreateTenant)),
        ("GET", "/api/v1/tenants/{tenantId}", nameof(ServerlessAuthEndpoints.GetTenant)),
        ("PATCH", "/api/v1/tenants/{tenantId}", nameof(ServerlessAuthEndpoints.UpdateTenant)),
        ("GET", "/api/v1/tenants/{tenantId}/operators", nameof(ServerlessAuthEndpoints.ListOperators)),
        ("PUT", "/api/v1/tenants/{tenantId}/operators/{operatorId}", nameof(ServerlessAuthEndpoints.PutOperator)),
        ("GET", "/api/v1/tenants/{tenantId}/operators/{operatorId}", nameof(ServerlessAuthEndpoints.GetOperator)),
        ("DELETE", "/api/v1/tenants/{tenantId}/operators/{operatorId}", nameof(ServerlessAuthEndpoints.DeleteOperator)),
        ("POST", "/api/v1/tenants/{tenantId}/keys", nameof(ServerlessAuthEndpoints.IssueKey)),
        ("GET", "/api/v1/tenants/{tenantId}/keys", nameof(ServerlessAuthEndpoints.ListKeys)),
        ("GET", "/api/v1/tenants/{tenantId}/keys/{keyId}", nameof(ServerlessAuthEndpoints.GetKey)),
        ("DELETE", "/api/v1/tenants/{tenantId}/keys/{keyId}", nameof(ServerlessAuthEndpoints.RevokeKey)),
        ("POST", "/api/v1/tenants/{tenantId}/keys/{keyId}/rotate", nameof(ServerlessAuthEndpoints.RotateKey)),
        ("GET", "/api/v1/tenants/{tenantId}/logs", nameof(ServerlessAuthEndpoints.ListLogs)),
        ("POST", "/api/v1/admin/lifecycle/run", nameof(ServerlessAuthEndpoints.RunLifecycle)),
        ("POST", "/api/v1/token", nameof(ServerlessAuthEndpoints.Token)),
        ("POST", "/api/v1/introspect", nameof(ServerlessAuthEndpoints.Introspect)),
        ("POST", "/api/v1/revoke", nameof(ServerlessAuthEndpoints.Revoke)),
        ("GET", "/.well-known/jwks.json", nameof(ServerlessAuthEndpoints.Jwks)),
        ("GET", "/.well-known/oauth-authorization-server", nameof(ServerlessAuthEndpoints.OAuthMetadata)),
        ("GET", "/.well-known/openid-configuration", nameof(ServerlessAuthEndpoints.OpenIdConfiguration)),
        ("POST", "/api/v1/tenants/{tenantId}/apps", nameof(ServerlessAuthEndpoints.CreateApp)),
        ("GET", "/api/v1/tenants/{tenantId}/apps", nameof(ServerlessAuthEndpoints.ListApps)),
        ("GET", "/api/v1/tenants/{tenantId}/apps/{appId}", nameof(ServerlessAuthEndpoints.GetApp)),
        ("DELETE", "/api/v1/tenants/{tenantId}/apps/{appId}", nameof(ServerlessAuthEndpoints.RevokeApp)),
        ("POST", "/api/v1/tenants/{tenantId}/apps/{appId}/secrets", nameof(ServerlessAuthEndpoints.AddAppSecret)),
        ("DELETE", "/api/v1/tenants/{tenantId}/apps/{appId}/secrets/{secretId}", nameof(ServerlessAuthEndpoints.DeleteAppSecret)),
        ("POST", "/api/v1/admin/signing-keys/rotate", nameof(ServerlessAuthEndpoints.RotateSigningKeys)),
        ("POST", "/api/v1/tenants/{tenantId}/webhooks", nameof(ServerlessAuthEndpoints.CreateWebhook)),
        ("GET", "/api/v1/tenants/{tenantId}/webhooks", nameof(ServerlessAuthEndpoints.ListWebhooks)),
        ("GET", "/api/v1/tenants/{tenantId}/webhooks/{webhookId}", nameof(ServerlessAuthEndpoints.GetWebhook)),
        ("PATCH", "/api/v1/tenants/{tenantId}/webhooks/{webhookId}", nameof(ServerlessAuthEndpoints.UpdateWebhook)),
        ("DELETE", "/api/v1/tenants/{tenantId}/webhooks/{webhookId}", nameof(ServerlessAuthEndpoints.DeleteWebhook)),
        ("POST", "/api/v1/tenants/{tenantId}/webhooks/{webhookId}/test", nameof(ServerlessAuthEndpoints.TestWebhook)),
        ("POST", "/api/v1/tenants/{tenantId}/webhooks/{webhookId}/rotate-secret", nameof(ServerlessAuthEndpoints.RotateWebhookSecret)),
        ("GET", "/api/v1/tenants/{tenantId}/webhooks/{webhookId}/deliveries", nameof(ServerlessAuthEndpoints.ListWebhookDeliveries)),
        ("POST", "/api/v1/tenants/{tenantId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver", nameof(ServerlessAuthEndpoints.RedeliverWebhook)),
        ("GET", "/api/health", nameof(ServerlessAuthEndpoints.Health)),
    ];
}
