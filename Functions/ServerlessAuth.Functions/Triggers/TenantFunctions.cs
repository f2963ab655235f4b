using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessAuth.Http;

namespace ServerlessAuth.Functions.Triggers;

/// <summary>Tenants and their operators (control plane; the endpoints authenticate the caller).</summary>
public static class TenantFunctions
{
    [Function(nameof(CreateTenant))]
    public static Task<IResult> CreateTenant([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/tenants")] HttpRequest req, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.CreateTenant(req, cancellationToken);

    [Function(nameof(GetTenant))]
    public static Task<IResult> GetTenant([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/tenants/{tenantId}")] HttpRequest req, string tenantId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.GetTenant(req, tenantId, cancellationToken);

    [Function(nameof(UpdateTenant))]
    public static Task<IResult> UpdateTenant([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "api/v1/tenants/{tenantId}")] HttpRequest req, string tenantId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.UpdateTenant(req, tenantId, cancellationToken);

    [Function(nameof(ListOperators))]
    public static Task<IResult> ListOperators([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/tenants/{tenantId}/operators")] HttpRequest req, string tenantId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.ListOperators(req, tenantId, cancellationToken);

    [Function(nameof(PutOperator))]
    public static Task<IResult> PutOperator(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/v1/tenants/{tenantId}/operators/{operatorId}")] HttpRequest req, string tenantId, string operatorId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.PutOperator(req, tenantId, operatorId, cancellationToken);

    [Function(nameof(GetOperator))]
    public static Task<IResult> GetOperator(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/tenants/{tenantId}/operators/{operatorId}")] HttpRequest req, string tenantId, string operatorId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.GetOperator(req, tenantId, operatorId, cancellationToken);

    [Function(nameof(DeleteOperator))]
    public static Task<IResult> DeleteOperator(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/v1/tenants/{tenantId}/operators/{operatorId}")] HttpRequest req, string tenantId, string operatorId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.DeleteOperator(req, tenantId, operatorId, cancellationToken);
}
