using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ServerlessAuth.Http;
using ServerlessAuth.RateLimiting;

namespace ServerlessAuth.Tokens;

/// <summary>
/// Client credentials as presented: in the form body (<c>client_secret_post</c>) or HTTP Basic (<c>client_secret_basic</c>),
/// and from where (<paramref name="From"/>: a refused secret counts against that client's failure budget).
/// </summary>
internal sealed record ClientCredentials(string? ClientId, string? ClientSecret, bool ViaBasic, ClientAddress From)
{
    public bool Present => ClientId is not null || ClientSecret is not null || ViaBasic;
}

/// <summary>
/// Reads the form-encoded requests of the OAuth endpoints (RFC 6749, 7662, 7009): body and Authorization header sizes
/// checked before reading, each parameter at most once, client credentials from the body or HTTP Basic but never both.
/// </summary>
internal static class OAuthRequestReader
{
    private static readonly string[] SecretQueryNames = ["client_secret", "token", "access_token", "appSecret"];

    /// <summary>The parameters these endpoints define: the only names an error may repeat back to the caller.</summary>
    private static readonly string[] KnownParameters = ["grant_type", "scope", "client_id", "client_secret", "token", "token_type_hint"];

    public static bool IsForm(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
        && (media.Charset.Length == 0 || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    /// <summary>Refuses secrets in the URL (they would end up in every proxy's log).</summary>
    public static OAuthError? CheckQuery(HttpRequest request)
    {
        foreach (var name in SecretQueryNames)
        {
            if (request.Query.ContainsKey(name))
            {
                return OAuthError.InvalidRequest($"'{name}' in the URL is refused; send it in the body.");
            }
        }

        return null;
    }

    /// <summary>The form parameters; an error for a body too large or a repeated parameter.</summary>
    public static async Task<(IReadOnlyDictionary<string, string>? Form, OAuthError? Error)> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = BoundedBody.Limit(request);
        if (request.ContentLength > limit)
        {
            return (null, OAuthError.InvalidRequest($"The body is larger than {limit} bytes.", 413));
        }

        using var body = await BoundedBody.ReadAsync(request, limit, cancellationToken);
        if (body.TooLarge)
        {
            return (null, OAuthError.InvalidRequest($"The body is larger than {limit} bytes.", 413));
        }

        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body.Span)))
        {
            if (values.Count != 1)
            {
                // RFC 6749 §3.2: parameters MUST NOT be included more than once.
                // A name the caller made up (an API key pasted as a name, a script) is never echoed.
                return (null, OAuthError.InvalidRequest(KnownParameters.Contains(name, StringComparer.Ordinal) ? $"The parameter '{name}' is repeated." : "A parameter is repeated."));
            }

            form[name] = values[0] ?? "";
        }

        return (form, null);
    }

    /// <summary>
    /// The client's credentials. HTTP Basic carries <c>client_id:client_secret</c> form-urlencoded (RFC 6749 §2.3.1);
    /// they are percent-decoded, and a raw '+' (sent by clients that skip the encoding) stays a '+'.
    /// </summary>
    public static (ClientCredentials? Credentials, OAuthError? Error) ReadClientCredentials(HttpRequest request, IReadOnlyDictionary<string, string> form)
    {
        form.TryGetValue("client_id", out var bodyId);
        form.TryGetValue("client_secret", out var bodySecret);
        var authorization = request.Headers.Authorization;
        if (authorization.Count == 0)
        {
            return (new ClientCredentials(bodyId, bodySecret, ViaBasic: false, ClientAddress.Of(request)), null);
        }

        if (authorization.Count > 1)
        {
            return (null, OAuthError.InvalidRequest("The Authorization header was sent more than once."));
        }

        var value = authorization[0] ?? "";
        var limit = request.HttpContext.RequestServices.GetRequiredService<IOptions<ServerlessAuthOptions>>().Value.Limits.MaxCredentialHeaderLength;
        if (value.Length > limit)
        {
            // The same header limit as the bearer routes, checked before the header is decoded.
            return (null, OAuthError.InvalidRequest($"The Authorization header is longer than {limit} characters.", 431));
        }

        const string scheme = "Basic ";
        if (!value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return (null, OAuthError.InvalidClient("Authenticate the client with HTTP Basic or client_id and client_secret in the body."));
        }

        if (bodySecret is not null)
        {
            // RFC 6749 §2.3: one authentication method per request.
            return (null, OAuthError.InvalidRequest("Send the client secret either in HTTP Basic or in the body, not both."));
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value[scheme.Length..].Trim()));
        }
        catch (FormatException)
        {
            return (null, OAuthError.InvalidClient("The HTTP Basic credentials are not valid base64."));
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return (null, OAuthError.InvalidClient("The HTTP Basic credentials must be 'client_id:client_secret'."));
        }

        var id = Uri.UnescapeDataString(decoded[..colon]);
        var secret = Uri.UnescapeDataString(decoded[(colon + 1)..]);
        if (bodyId is not null && !string.Equals(bodyId, id, StringComparison.Ordinal))
        {
            return (null, OAuthError.InvalidRequest("client_id in the body differs from the one in HTTP Basic."));
        }

        return (new ClientCredentials(id, secret, ViaBasic: true, ClientAddress.Of(request)), null);
    }
}
