using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using ServerlessAuth.Http;

namespace ServerlessAuth.Tokens;

/// <summary>
/// An RFC 6749 §5.2 error (<c>{error, error_description}</c>) as the token, introspection and revocation endpoints
/// answer it, with <c>Cache-Control: no-store</c> and, on a 401 <c>invalid_client</c>, the
/// <c>WWW-Authenticate: Basic</c> challenge.
/// </summary>
public sealed class OAuthError : IResult, IStatusCodeHttpResult, IContentTypeHttpResult, IEndpointMetadataProvider
{
    private OAuthError(int status, string error, string description, bool basicChallenge = false)
    {
        Status = status;
        Body = new OAuthErrorBody { Error = error, ErrorDescription = description };
        BasicChallenge = basicChallenge;
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>The body written.</summary>
    public OAuthErrorBody Body { get; }

    /// <summary>Whether the answer carries <c>WWW-Authenticate: Basic</c>.</summary>
    public bool BasicChallenge { get; }

    private readonly List<KeyValuePair<string, string>> _headers = [];

    int? IStatusCodeHttpResult.StatusCode => Status;

    string IContentTypeHttpResult.ContentType => "application/json";

    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = Status;
        if (BasicChallenge)
        {
            response.Headers.WWWAuthenticate = $"Basic realm=\"{ApiProblem.BearerRealm}\", charset=\"UTF-8\"";
        }

        foreach (var (name, value) in _headers)
        {
            response.Headers.Append(name, value);
        }

        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(response.Body, Body, ServerlessAuthJsonContext.Default.OAuthErrorBody, httpContext.RequestAborted);
    }

    /// <inheritdoc />
    public static void PopulateMetadata(System.Reflection.MethodInfo method, Microsoft.AspNetCore.Builder.EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(400, typeof(OAuthErrorBody), ["application/json"]));
    }

    internal static OAuthError InvalidRequest(string description, int status = 400) => new(status, "invalid_request", description);

    /// <summary>
    /// 401: client authentication failed. Always with the <c>Basic</c> challenge: RFC 6749 §5.2 requires it when the
    /// client tried HTTP Basic, and RFC 9110 §15.5.2 requires a challenge on every 401 (a client that sent its secret
    /// in the body learns that Basic is the other scheme).
    /// </summary>
    internal static OAuthError InvalidClient(string description) => new(401, "invalid_client", description, basicChallenge: true);

    /// <summary>
    /// 429: the app's hourly budget (shared by its token requests and the validations of its tokens) is spent.
    /// RFC 6749 has no error code for this; <c>rate_limited</c> matches the problem code of the rest of the API.
    /// </summary>
    internal static OAuthError RateLimited(RateLimiting.RateLimitDecision decision) =>
        RateLimited(decision, $"The app's rate limit of {decision.Quota} requests per hour is exhausted; retry later.");

    /// <summary>429 <c>rate_limited</c> with <c>Retry-After</c> and the IETF headers of <paramref name="decision"/>.</summary>
    internal static OAuthError RateLimited(RateLimiting.RateLimitDecision decision, string description)
    {
        var error = new OAuthError(429, "rate_limited", description);
        error._headers.Add(new("Retry-After", decision.RetryAfterHeader));
        error._headers.Add(new("RateLimit-Policy", decision.PolicyHeader));
        error._headers.Add(new("RateLimit", decision.RateLimitHeader));
        return error;
    }

    internal static OAuthError InvalidScope(string description) => new(400, "invalid_scope", description);

    internal static OAuthError UnsupportedGrantType(string description) => new(400, "unsupported_grant_type", description);

    internal static OAuthError UnauthorizedClient(string description) => new(400, "unauthorized_client", description);
}
