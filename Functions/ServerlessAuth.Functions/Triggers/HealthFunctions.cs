using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessAuth.Http;

namespace ServerlessAuth.Functions.Triggers;

/// <summary>Liveness and readiness, anonymous so that probes and scripts need no key.</summary>
public static class HealthFunctions
{
    [Function(nameof(Health))]
    public static Task<IResult> Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/health")] HttpRequest req, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.Health(req, cancellationToken);
}
