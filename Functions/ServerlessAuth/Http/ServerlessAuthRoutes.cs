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
        ("GET", "/api/health", nameof(ServerlessAuthEndpoints.Health)),
    ];
}
