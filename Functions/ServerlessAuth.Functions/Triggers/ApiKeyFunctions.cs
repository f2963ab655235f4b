using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessAuth.Http;

namespace ServerlessAuth.Functions.Triggers;

/// <summary>API keys of a tenant (control plane; the endpoints authenticate the caller).</summary>
public static class ApiKeyFunctions
{
    [Function(nameof(IssueKey))]
    public static Task<IResult> IssueKey([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/tenants/{tenantId}/keys")] HttpRequest req, string tenantId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.IssueKey(req, tenantId, cancellationToken);

    [Function(nameof(ListKeys))]
    public static Task<IResult> ListKeys([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/tenants/{tenantId}/keys")] HttpRequest req, string tenantId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.ListKeys(req, tenantId, cancellationToken);

    [Function(nameof(GetKey))]
    public static Task<IResult> GetKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/tenants/{tenantId}/keys/{keyId}")] HttpRequest req, string tenantId, string keyId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.GetKey(req, tenantId, keyId, cancellationToken);

    [Function(nameof(RevokeKey))]
    public static Task<IResult> RevokeKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/v1/tenants/{tenantId}/keys/{keyId}")] HttpRequest req, string tenantId, string keyId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.RevokeKey(req, tenantId, keyId, cancellationToken);

    [Function(nameof(RotateKey))]
    public static Task<IResult> RotateKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/tenants/{tenantId}/keys/{keyId}/rotate")] HttpRequest req, string tenantId, string keyId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.RotateKey(req, tenantId, keyId, cancellationToken);
}
