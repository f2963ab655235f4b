using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ServerlessAuth.Security;

namespace ServerlessAuth.Http;

/// <summary>
/// Reads what a request presents, checking limits before any parsing: the credential header, the query, the
/// JSON body. Every refusal is a problem naming the field or header.
/// </summary>
internal static class RequestReader
{
    /// <summary>Query parameters that would put a credential in a URL (and so in every proxy's log).</summary>
    private static readonly string[] CredentialQueryNames = ["access_token", "api_key", "apikey", "key", "token", "x-api-key"];

    /// <summary>
    /// The credential in <c>Authorization: Bearer …</c> or <c>x-api-key</c>: null with no problem when there is
    /// none, a problem when the headers are malformed, repeated, too long, or both present.
    /// </summary>
    public static (string? Credential, ApiProblem? Problem) ReadCredential(HttpRequest request)
    {
        var limit = request.HttpContext.RequestServices.GetRequiredService<IOptions<ServerlessAuthOptions>>().Value.Limits.MaxCredentialHeaderLength;
        foreach (var name in CredentialQueryNames)
        {
            if (request.Query.ContainsKey(name))
            {
                return (null, ApiProblem.BadBearerRequest("Credentials in the URL are refused; send them in a header.").WithField(name));
            }
        }

        var authorization = request.Headers.Authorization;
        var apiKey = request.Headers["x-api-key"];
        if (authorization.Count > 1 || apiKey.Count > 1)
        {
            return (null, ApiProblem.BadBearerRequest("A credential header was sent more than once.").WithField(authorization.Count > 1 ? "Authorization" : "x-api-key"));
        }

        if (authorization.Count == 1 && apiKey.Count == 1)
        {
            return (null, ApiProblem.BadBearerRequest("Send one credential: either Authorization or x-api-key, not both."));
        }

        if (authorization.Count == 1)
        {
            var value = authorization[0] ?? "";
            if (value.Length > limit)
            {
                return (null, ApiProblem.HeaderTooLarge("Authorization"));
            }

            const string scheme = "Bearer ";
            if (!value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                return (null, ApiProblem.BadBearerRequest("The Authorization header must use the Bearer scheme: 'Bearer <credential>'.").WithField("Authorization"));
            }

            var token = value[scheme.Length..];
            return Token68.IsValid(token)
                ? (token, null)
                : (null, ApiProblem.BadBearerRequest("The Bearer credential is empty or has characters a credential cannot have.").WithField("Authorization"));
        }

        if (apiKey.Count == 1)
        {
            var value = apiKey[0] ?? "";
            if (value.Length > limit)
            {
                return (null, ApiProblem.HeaderTooLarge("x-api-key"));
            }

            return Token68.IsValid(value)
                ? (value, null)
                : (null, ApiProblem.BadBearerRequest("The x-api-key header is empty or has characters a credential cannot have.").WithField("x-api-key"));
        }

        return (null, null);
    }

    /// <summary>
    /// Reads a JSON body of at most <see cref="RequestLimitOptions.MaxBodyBytes"/>. With <paramref name="optional"/>,
    /// an empty body yields null and no problem.
    /// </summary>
    public static async ValueTask<(T? Value, ApiProblem? Problem)> ReadJsonAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken cancellationToken, bool optional = false)
        where T : class
    {
        var limit = BoundedBody.Limit(request);
        if (request.ContentLength > limit)
        {
            return (null, ApiProblem.PayloadTooLarge($"The body is larger than {limit} bytes."));
        }

        var empty = request.ContentLength == 0 || (request.ContentLength is null && !request.Headers.ContainsKey(HeaderNames.TransferEncoding));
        if (empty && optional)
        {
            return (null, null);
        }

        if (!IsJson(request.ContentType))
        {
            return (null, ApiProblem.UnsupportedMediaType("The body must be application/json.").WithField("Content-Type"));
        }

        using var body = await BoundedBody.ReadAsync(request, limit, cancellationToken);
        if (body.TooLarge)
        {
            return (null, ApiProblem.PayloadTooLarge($"The body is larger than {limit} bytes."));
        }

        if (body.Length == 0)
        {
            return optional ? (null, null) : (null, ApiProblem.InvalidRequest("A JSON body is required."));
        }

        try
        {
            var value = JsonSerializer.Deserialize(body.Span, type);
            return value is null ? (null, ApiProblem.InvalidRequest("The body must be a JSON object.")) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, JsonBodyProblem.For(e, body.Span, type));
        }
    }

    /// <summary>A page size from <c>?pageSize=</c>: 1 to 100, default 50.</summary>
    public static (int PageSize, ApiProblem? Problem) ReadPageSize(HttpRequest request)
    {
        var raw = request.Query["pageSize"];
        if (raw.Count == 0)
        {
            return (50, null);
        }

        return raw.Count == 1 && int.TryParse(raw[0], System.Globalization.NumberStyles.None, null, out var size) && size is >= 1 and <= 100
            ? (size, null)
            : (0, ApiProblem.InvalidRequest("pageSize must be a whole number from 1 to 100.", "pageSize"));
    }

    /// <summary>A single optional query value; a problem when repeated or too long.</summary>
    public static (string? Value, ApiProblem? Problem) ReadQuery(HttpRequest request, string name, int maxLength)
    {
        var raw = request.Query[name];
        if (raw.Count == 0)
        {
            return (null, null);
        }

        return raw.Count == 1 && raw[0] is { } value && value.Length <= maxLength
            ? (value, null)
            : (null, ApiProblem.InvalidRequest($"{name} must be given at most once and at most {maxLength} characters long.", name));
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        && (media.Charset.Length == 0 || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
}
