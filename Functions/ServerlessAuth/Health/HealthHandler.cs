using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ServerlessAuth.Http;
using ServerlessAuth.Storage;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.Health;

/// <summary>
/// <c>GET /api/health</c>: 200 once storage is reachable and the signing keys are loaded (scripts wait on it), 503
/// otherwise. The key check reads the source at most once per refresh interval.
/// </summary>
internal sealed class HealthHandler(TableStorage storage, SigningKeyRing signingKeys, ILogger<HealthHandler> logger)
{
    public async Task<IResult> CheckAsync(CancellationToken cancellationToken)
    {
        var checks = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            await storage.ProbeAsync(cancellationToken);
            checks["storage"] = "ok";
        }
        catch (Exception e) when (ServiceUnavailableException.IsDependencyFault(e, cancellationToken))
        {
            Log.HealthCheckFailed(logger, "storage", e);
            checks["storage"] = "unavailable";
        }

        try
        {
            await signingKeys.DescribeAsync(cancellationToken);
            checks["signingKeys"] = "ok";
        }
        catch (Exception e) when (ServiceUnavailableException.IsDependencyFault(e, cancellationToken))
        {
            Log.HealthCheckFailed(logger, "signingKeys", e);
            checks["signingKeys"] = "unavailable";
        }

        var healthy = checks.Values.All(v => v == "ok");
        var body = new HealthResponse { Status = healthy ? "healthy" : "unhealthy", Checks = checks, KeySource = signingKeys.SourceName };
        return healthy
            ? TypedResults.Json(body, ServerlessAuthJsonContext.Default.HealthResponse)
            : TypedResults.Json(body, ServerlessAuthJsonContext.Default.HealthResponse, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
