using Microsoft.AspNetCore.Http;
using ServerlessAuth.Security;

namespace ServerlessAuth.AspNetCore;

/// <summary>
/// The credential a request presents, in the seeds' two forms: <c>Authorization: Bearer …</c> or <c>x-api-key: …</c>.
/// An <c>Authorization</c> header of another scheme (Basic, …) is not ours and is ignored.
/// </summary>
internal static class CredentialHeaders
{
    /// <summary>Longer credentials are refused before anything else (ServerlessAuth's own header limit).</summary>
    public const int MaxLength = 4096;

    private const string Bearer = "Bearer ";

    /// <summary>The credential (null: none), or why the headers are malformed (answered 400 <c>invalid_request</c>).</summary>
    public static (string? Credential, string? Malformed) Read(HttpRequest request)
    {
        var authorization = request.Headers.Authorization;
        var apiKey = request.Headers["x-api-key"];
        if (authorization.Count > 1 || apiKey.Count > 1)
        {
            return (null, "A credential header was sent more than once.");
        }

        string? bearer = null;
        if (authorization.Count == 1 && authorization[0] is { } value && value.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            bearer = value[Bearer.Length..].Trim();
        }

        if (bearer is not null && apiKey.Count == 1)
        {
            return (null, "Send one credential: either Authorization or x-api-key, not both.");
        }

        var credential = bearer ?? (apiKey.Count == 1 ? apiKey[0] ?? "" : null);
        if (credential is null)
        {
            return (null, null);
        }

        return credential.Length <= MaxLength && Token68.IsValid(credential)
            ? (credential, null)
            : (null, "The credential is empty, too long, or has characters a credential cannot have.");
    }
}
