using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace ServerlessAuth.Http;

/// <summary>
/// 200 with a JSON body, for the data plane's hot answer (<c>validate</c>). <c>TypedResults.Ok</c> serializes with
/// the host's <c>JsonOptions</c>, whose copy of our metadata cannot use the source-generated writer, and streams the
/// body chunked; this writes with <see cref="ServerlessAuthJsonContext"/>'s generated writer into one buffer and
/// sends it with its <c>Content-Length</c> in one write. The JSON is the same: both option sets are the web defaults
/// with nulls omitted.
/// </summary>
internal sealed class JsonOk<T>(T value, JsonTypeInfo<T> type) : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<T>, IContentTypeHttpResult
{
    private const string MediaType = "application/json; charset=utf-8";

    public T Value => value;

    object? IValueHttpResult.Value => value;

    int? IStatusCodeHttpResult.StatusCode => StatusCodes.Status200OK;

    string? IContentTypeHttpResult.ContentType => MediaType;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var body = JsonSerializer.SerializeToUtf8Bytes(value, type);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = MediaType;
        response.ContentLength = body.Length;
        await response.BodyWriter.WriteAsync(body);
    }
}
