using System.Buffers.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ServerlessAuth.Tokens;

/// <summary>
/// The public documents a resource server needs to validate our tokens by itself: the JWKS and the RFC 8414 /
/// OpenID Connect discovery metadata, whose <c>issuer</c> is the tokens' <c>iss</c> byte for byte.
/// </summary>
internal sealed class DiscoveryHandler(SigningKeyRing keys, IOptions<ServerlessAuthOptions> options)
{
    private static readonly string[] AuthMethods = ["client_secret_basic", "client_secret_post"];

    private readonly AuthorizationServerMetadata _metadata = CreateMetadata(options.Value.Issuer);

    /// <summary><c>Cache-Control</c> of both documents: the publication delay of new keys is longer.</summary>
    public string CacheControl { get; } = $"public, max-age={(int)options.Value.Tokens.JwksMaxAge.TotalSeconds}";

    public async Task<Ok<JsonWebKeySetResponse>> GetJwksAsync(CancellationToken cancellationToken)
    {
        var published = await keys.GetPublishedAsync(cancellationToken);
        return TypedResults.Ok(new JsonWebKeySetResponse
        {
            Keys = [.. published.Select(k =>
            {
                var point = k.SecurityKey.ECDsa.ExportParameters(includePrivateParameters: false).Q;
                return new PublicJsonWebKey
                {
                    Kty = "EC",
                    Use = "sig",
                    Kid = k.Kid,
                    Alg = "ES256",
                    Crv = "P-256",
                    X = Base64Url.EncodeToString(point.X),
                    Y = Base64Url.EncodeToString(point.Y),
                };
            })],
        });
    }

    public Ok<AuthorizationServerMetadata> GetMetadata() => TypedResults.Ok(_metadata);

    private static AuthorizationServerMetadata CreateMetadata(string issuer)
    {
        var root = issuer.TrimEnd('/');
        return new AuthorizationServerMetadata
        {
            Issuer = issuer,
            JwksUri = root + "/.well-known/jwks.json",
            TokenEndpoint = root + "/api/v1/token",
            IntrospectionEndpoint = root + "/api/v1/introspect",
            RevocationEndpoint = root + "/api/v1/revoke",
            GrantTypesSupported = ["client_credentials"],
            ResponseTypesSupported = [],
            TokenEndpointAuthMethodsSupported = AuthMethods,
            IntrospectionEndpointAuthMethodsSupported = AuthMethods,
            RevocationEndpointAuthMethodsSupported = AuthMethods,
            IdTokenSigningAlgValuesSupported = ["ES256"],
            SubjectTypesSupported = ["public"],
        };
    }
}
