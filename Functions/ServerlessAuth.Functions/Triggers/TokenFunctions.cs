using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessAuth.Http;

namespace ServerlessAuth.Functions.Triggers;

/// <summary>The OAuth side: token endpoint (RFC 6749), introspection (RFC 7662), revocation (RFC 7009), JWKS and metadata (RFC 8414), signing-key rotation.</summary>
public static class TokenFunctions
{
    [Function(nameof(Token))]
    public static Task<IResult> Token(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/token")] HttpRequest req, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.Token(req, cancellationToken);

    [Function(nameof(Introspect))]
    public static Task<IResult> Introspect(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/introspect")] HttpRequest req, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.Introspect(req, cancellationToken);

    [Function(nameof(Revoke))]
    public static Task<IResult> Revoke(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/revoke")] HttpRequest req, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.Revoke(req, cancellationToken);

    [Function(nameof(Jwks))]
    public static Task<IResult> Jwks(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ".well-known/jwks.json")] HttpRequest req, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.Jwks(req, cancellationToken);

    [Function(nameof(OAuthMetadata))]
    public static Task<IResult> OAuthMetadata(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ".well-known/oauth-authorization-server")] HttpRequest req, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.OAuthMetadata(req, cancellationToken);

    [Function(nameof(OpenIdConfiguration))]
    public static Task<IResult> OpenIdConfiguration(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ".well-known/openid-configuration")] HttpRequest req, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.OpenIdConfiguration(req, cancellationToken);

    [Function(nameof(RotateSigningKeys))]
    public static Task<IResult> RotateSigningKeys(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/admin/signing-keys/rotate")] HttpRequest req, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.RotateSigningKeys(req, cancellationToken);
}
