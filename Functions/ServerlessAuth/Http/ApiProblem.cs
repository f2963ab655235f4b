using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using ServerlessAuth.RateLimiting;
using ServerlessAuth.Validation;

namespace ServerlessAuth.Http;

/// <summary>
/// An RFC 9457 problem (<c>application/problem+json</c>) with a stable <c>code</c>, and the headers that go with
/// it (the RFC 6750 <c>WWW-Authenticate</c> challenge, <c>Retry-After</c>).
/// </summary>
public sealed class ApiProblem : IResult, IStatusCodeHttpResult, IContentTypeHttpResult, IEndpointMetadataProvider
{
    internal const string BearerRealm = "serverlessauth";

    private readonly List<KeyValuePair<string, string>> _headers = [];

    private ApiProblem(int status, string code, string title, string detail)
    {
        Status = status;
        Body = new ProblemBody
        {
            Type = "urn:serverlessauth:problem:" + code,
            Title = title,
            Status = status,
            Detail = detail,
            Code = code,
        };
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>The body written.</summary>
    public ProblemBody Body { get; }

    int? IStatusCodeHttpResult.StatusCode => Status;

    string IContentTypeHttpResult.ContentType => "application/problem+json";

    /// <summary>The response headers that go with the problem.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = Status;
        foreach (var (name, value) in _headers)
        {
            response.Headers.Append(name, value);
        }

        response.Headers.CacheControl = "no-store";
        response.ContentType = "application/problem+json";
        await JsonSerializer.SerializeAsync(response.Body, Body, ServerlessAuthJsonContext.Default.ProblemBody, httpContext.RequestAborted);
    }

    /// <inheritdoc />
    public static void PopulateMetadata(System.Reflection.MethodInfo method, Microsoft.AspNetCore.Builder.EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(400, typeof(ProblemBody), ["application/problem+json"]));
    }

    internal ApiProblem WithHeader(string name, string value)
    {
        _headers.Add(new(name, value));
        return this;
    }

    internal ApiProblem WithField(string field)
    {
        Body.Field = field;
        return this;
    }

    internal static ApiProblem InvalidRequest(string detail, string? field = null)
    {
        var problem = new ApiProblem(400, ProblemCodes.InvalidRequest, "Invalid request", detail);
        return field is null ? problem : problem.WithField(field);
    }

    internal static ApiProblem BadBearerRequest(string detail) =>
        InvalidRequest(detail).WithHeader("WWW-Authenticate", Challenge("invalid_request", detail));

    internal static ApiProblem PayloadTooLarge(string detail) => new(413, ProblemCodes.InvalidRequest, "Request body too large", detail);

    internal static ApiProblem HeaderTooLarge(string header) =>
        new ApiProblem(431, ProblemCodes.InvalidRequest, "Request header too large", $"The {header} header is too long.").WithField(header);

    internal static ApiProblem UnsupportedMediaType(string detail) => new(415, ProblemCodes.InvalidRequest, "Unsupported media type", detail);

    internal static ApiProblem MissingCredential() =>
        new ApiProblem(401, ProblemCodes.MissingCredential, "Credential required", "Present an API key or token in 'Authorization: Bearer …' or 'x-api-key'.")
            .WithHeader("WWW-Authenticate", $"Bearer realm=\"{BearerRealm}\"");

    internal static ApiProblem Rejected(ValidationOutcome outcome) => outcome.Reason switch
    {
        RejectionReason.Expired => Unauthorized(ProblemCodes.CredentialExpired, "The credential has expired."),
        RejectionReason.Revoked => Unauthorized(ProblemCodes.CredentialRevoked, "The credential has been revoked."),
        RejectionReason.ApiNotEnabled => new ApiProblem(403, ProblemCodes.ApiNotEnabled, "API not enabled", "API access is not enabled for this tenant or its plan.")
            .WithHeader("WWW-Authenticate", Challenge("insufficient_scope", "API access is not enabled for this tenant.")),
        RejectionReason.InsufficientScope => InsufficientScope(outcome.RequiredScopes ?? new HashSet<string>()),
        _ => Unauthorized(ProblemCodes.InvalidCredential, "The credential is not valid."),
    };

    /// <summary>
    /// The refusal of a presented credential: 429 when its client is over the failure budget
    /// (<see cref="FailureThrottle"/>), else the 401 or 403 it earned.
    /// </summary>
    internal static ApiProblem Refused(ValidationOutcome outcome, RateLimitDecision? throttled) =>
        throttled is { } decision ? RateLimited(decision, "Too many failed credentials from this client; retry later.") : Rejected(outcome);

    internal static ApiProblem InsufficientScope(IReadOnlySet<string> required, string? detail = null)
    {
        var scope = Security.Scopes.Join(required.Order(StringComparer.Ordinal));
        var problem = new ApiProblem(403, ProblemCodes.InsufficientScope, "Insufficient scope", detail ?? $"The credential lacks a required scope: '{scope}'.");
        problem.Body.Scope = scope.Length == 0 ? null : scope;
        var challenge = Challenge("insufficient_scope", detail ?? "The credential lacks a required scope.");
        return problem.WithHeader("WWW-Authenticate", scope.Length == 0 ? challenge : $"{challenge}, scope=\"{scope}\"");
    }

    /// <summary>429 <c>rate_limited</c>, with <c>Retry-After</c> and the IETF <c>RateLimit-Policy</c> / <c>RateLimit</c> headers.</summary>
    internal static ApiProblem RateLimited(RateLimitDecision decision, string detail) =>
        new ApiProblem(429, ProblemCodes.RateLimited, "Too many requests", detail)
            .WithHeader("Retry-After", decision.RetryAfterHeader)
            .WithHeader("RateLimit-Policy", decision.PolicyHeader)
            .WithHeader("RateLimit", decision.RateLimitHeader);

    internal static ApiProblem NotFound() => new(404, ProblemCodes.NotFound, "Not found", "No such resource.");

    /// <summary>
    /// The problem for a status the host set without a body (no route for the path, or not with this method), or null
    /// for one ServerlessAuth has no problem for.
    /// </summary>
    internal static ApiProblem? ForEmptyStatus(int status) => status switch
    {
        404 => new(404, ProblemCodes.NotFound, "Not found", "No route matches this path."),
        405 => new(405, ProblemCodes.MethodNotAllowed, "Method not allowed", "This path does not accept this method; the Allow header lists those it does."),
        _ => null,
    };

    internal static ApiProblem Conflict(string detail) => new(409, ProblemCodes.Conflict, "Conflict", detail);

    internal static ApiProblem Unavailable(string dependency) =>
        new ApiProblem(503, ProblemCodes.Unavailable, "Service unavailable", $"A dependency ({dependency}) is unavailable; nothing was changed. Retry later.")
            .WithHeader("Retry-After", "5");

    internal static ApiProblem InternalError() =>
        new(500, ProblemCodes.InternalError, "Internal error", "An unexpected error occurred; it has been logged.");

    private static ApiProblem Unauthorized(string code, string detail) =>
        new ApiProblem(401, code, "Unauthorized", detail).WithHeader("WWW-Authenticate", Challenge("invalid_token", detail));

    private static string Challenge(string error, string description) =>
        $"Bearer realm=\"{BearerRealm}\", error=\"{error}\", error_description=\"{description.Replace("\"", "'", StringComparison.Ordinal)}\"";
}

/// <summary>The RFC 9457 body, with the stable <c>code</c> and, for field errors, the <c>field</c>.</summary>
public sealed class ProblemBody
{
    /// <summary>A URN naming the problem type.</summary>
    public required string Type { get; init; }

    /// <summary>Short summary.</summary>
    public required string Title { get; init; }

    /// <summary>HTTP status.</summary>
    public required int Status { get; init; }

    /// <summary>Explanation for a human.</summary>
    public required string Detail { get; init; }

    /// <summary>Stable machine-readable code (see <see cref="ProblemCodes"/>).</summary>
    public required string Code { get; init; }

    /// <summary>The request field or header at fault, if any.</summary>
    public string? Field { get; set; }

    /// <summary>For <c>insufficient_scope</c>: the scopes required, space-separated.</summary>
    public string? Scope { get; set; }
}
