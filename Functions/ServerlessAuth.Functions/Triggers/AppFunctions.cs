using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessAuth.Http;

namespace ServerlessAuth.Functions.Triggers;

/// <summary>App registrations and their secrets (control plane).</summary>
public static class AppFunctions
{
    [Function(nameof(CreateApp))]
    public static Task<IResult> CreateApp(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/tenants/{tenantId}/apps")] HttpRequest req, string tenantId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.CreateApp(req, tenantId, cancellationToken);

    [Function(nameof(ListApps))]
    public static Task<IResult> ListApps(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/tenants/{tenantId}/apps")] HttpRequest req, string tenantId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.ListApps(req, tenantId, cancellationToken);

    [Function(nameof(GetApp))]
    public static Task<IResult> GetApp(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/tenants/{tenantId}/apps/{appId}")] HttpRequest req, string tenantId, string appId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.GetApp(req, tenantId, appId, cancellationToken);

    [Function(nameof(RevokeApp))]
    public static Task<IResult> RevokeApp(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/v1/tenants/{tenantId}/apps/{appId}")] HttpRequest req, string tenantId, string appId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.RevokeApp(req, tenantId, appId, cancellationToken);

    [Function(nameof(AddAppSecret))]
    public static Task<IResult> AddAppSecret(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/tenants/{tenantId}/apps/{appId}/secrets")] HttpRequest req, string tenantId, string appId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.AddAppSecret(req, tenantId, appId, cancellationToken);

    [Function(nameof(DeleteAppSecret))]
    public static Task<IResult> DeleteAppSecret(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/v1/tenants/{tenantId}/apps/{appId}/secrets/{secretId}")] HttpRequest req, string tenantId, string appId, string secretId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.DeleteAppSecret(req, tenantId, appId, secretId, cancellationToken);
}
