using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessAuth.Http;

namespace ServerlessAuth.Functions.Triggers;

/// <summary>A tenant's audit and usage log.</summary>
public static class AuditFunctions
{
    [Function(nameof(ListLogs))]
    public static Task<IResult> ListLogs([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/tenants/{tenantId}/logs")] HttpRequest req, string tenantId, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.ListLogs(req, tenantId, cancellationToken);
}
