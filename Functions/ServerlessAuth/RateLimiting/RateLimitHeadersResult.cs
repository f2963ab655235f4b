using Microsoft.AspNetCore.Http.Metadata;

namespace ServerlessAuth.RateLimiting;

/// <summary>
/// A result that also carries the <c>RateLimit-Policy</c> and <c>RateLimit</c> headers of the request's budget, so that
/// a client sees what is left before it is refused (the 429 carries them too, see <c>ApiProblem.RateLimited</c>).
/// </summary>
internal sealed class RateLimitHeadersResult<TResult>(TResult result, RateLimitDecision? decision) : IResult, INestedHttpResult, IStatusCodeHttpResult
    where TResult : IResult
{
    public TResult Result { get; } = result;

    IResult INestedHttpResult.Result => Result;

    /// <summary>The budget reported; null when rate limiting is off (no headers).</summary>
    public RateLimitDecision? Decision { get; } = decision;

    public int? StatusCode => (Result as IStatusCodeHttpResult)?.StatusCode;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (Decision is { } d)
        {
            httpContext.Response.Headers["RateLimit-Policy"] = d.PolicyHeader;
            httpContext.Response.Headers["RateLimit"] = d.RateLimitHeader;
        }

        return Result.ExecuteAsync(httpContext);
    }
}
