using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ServerlessAuth.Validation;

namespace ServerlessAuth.Tokens;

/// <summary>
/// <c>POST /api/v1/introspect</c> (RFC 7662) for resource servers authenticated as an app. A token (JWT or API key)
/// is reported active only to an app of the same tenant; anything else, malformed or foreign, is
/// <c>{"active": false}</c> and nothing more.
/// </summary>
internal sealed class IntrospectionHandler(TokenEndpointHandler clients, CredentialValidator validator, IOptions<ServerlessAuthOptions> options)
{
    private static readonly IntrospectionResponse Inactive = new() { Active = false };

    private readonly string _issuer = options.Value.Issuer;
    private readonly string _audience = options.Value.Tokens.Audience ?? options.Value.Issuer;
    private readonly int _maxToken = options.Value.Limits.MaxCredentialHeaderLength;

    public async Task<Results<Ok<IntrospectionResponse>, OAuthError>> IntrospectAsync(
        IReadOnlyDictionary<string, string> form, ClientCredentials credentials, CancellationToken cancellationToken)
    {
        var (client, error) = await clients.AuthenticateAsync(credentials, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        if (!form.TryGetValue("token", out var token) || token.Length == 0)
        {
            return OAuthError.InvalidRequest("token is required.");
        }

        if (token.Length > _maxToken)
        {
            return TypedResults.Ok(Inactive);
        }

        var outcome = await validator.ValidateAsync(token, new HashSet<string>(), cancellationToken);
        if (outcome.Principal is not { } principal || principal.Tenant.Id != client!.Tenant!.Id)
        {
            return TypedResults.Ok(Inactive);
        }

        var jwt = principal.Kind == "jwt";
        return TypedResults.Ok(new IntrospectionResponse
        {
            Active = true,
            Scope = Security.Scopes.Join(principal.Scopes), // already in ordinal order
            ClientId = jwt ? principal.Subject : null,
            Subject = principal.Subject,
            TokenType = TokenEndpointHandler.BearerType,
            Exp = principal.ExpiresAt.ToUnixTimeSeconds(),
            Iat = principal.IssuedAt?.ToUnixTimeSeconds(),
            Issuer = jwt ? _issuer : null,
            Audience = jwt ? _audience : null,
            Jti = principal.CredentialId,
            Tenant = principal.Tenant.Id.Value,
            Kind = principal.Kind,
        });
    }
}
