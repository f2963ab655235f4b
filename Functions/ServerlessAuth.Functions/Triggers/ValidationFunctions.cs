using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessAuth.Http;

namespace ServerlessAuth.Functions.Triggers;

/// <summary>
/// The data plane. Every trigger is anonymous to the Functions host: ServerlessAuth authenticates each caller itself,
/// and a host key in the URL would be one more secret to leak.
/// </summary>
public static class ValidationFunctions
{
    [Function(nameof(Validate))]
    public static Task<IResult> Validate([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/validate")] HttpRequest req, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.Validate(req, cancellationToken);
}
