using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Apps;
using ServerlessAuth.Security;
using ServerlessAuth.Storage;

namespace ServerlessAuth.Tokens;

/// <summary>
/// <c>POST /api/v1/revoke</c> (RFC 7009): the holder revokes its own API key or JWT. Holding the token is proof
/// enough; a client that authenticates as well (as RFC 7009 clients do) revokes only its own tokens (JWTs of the
/// same app, API keys of the same tenant). The answer is 200 whatever the token was: unknown, foreign, expired or
/// revoked already, so that the endpoint tells nothing about tokens the caller does not own.
/// </summary>
internal sealed class RevocationHandler(
    TokenEndpointHandler clients,
    JwtValidator jwts,
    TokenRevocations revocations,
    ApiKeyFormat format,
    ApiKeyStore keys,
    ApiKeyRevoker revoker,
    TimeProvider time,
    IOptions<ServerlessAuthOptions> options,
    ILogger<RevocationHandler> logger)
{
    private readonly int _maxToken = options.Value.Limits.MaxCredentialHeaderLength;

    public async Task<Results<Ok, OAuthError>> RevokeAsync(IReadOnlyDictionary<string, string> form, ClientCredentials credentials, CancellationToken cancellationToken)
    {
        ClientAuthentication? client = null;
        if (credentials.Present)
        {
            var (authenticated, error) = await clients.AuthenticateAsync(credentials, cancellationToken);
            if (error is not null)
            {
                return error;
            }

            client = authenticated;
        }

        if (!form.TryGetValue("token", out var token) || token.Length == 0)
        {
            return OAuthError.InvalidRequest("token is required.");
        }

        if (token.Length > _maxToken)
        {
            return TypedResults.Ok();
        }

        var actor = client is null ? "holder" : $"app:{client.App!.Id.Value}";
        if (CompactJws.IsJwtShaped(token))
        {
            var verified = await jwts.VerifyAsync(token, cancellationToken);
            if (verified is not null && jwts.IsCurrent(verified, time.GetUtcNow()) && (client is null || client.App!.Id == verified.AppId))
            {
                await revocations.RevokeAsync(verified, cancellationToken);
                Log.TokenRevoked(logger, verified.TenantId.Value, verified.AppId.Value, verified.Jti, actor);
            }

            return TypedResults.Ok();
        }

        if (format.TryParse(token, out var tenant) && (client is null || client.Tenant!.Id == tenant))
        {
            var digest = SecretDigest.Compute(token);
            var key = await keys.FindBySecretAsync(tenant, digest, cancellationToken);
            if (key is not null && SecretDigest.FixedTimeEquals(key.SecretDigest, digest) && key.Status != ApiKeyStatus.Revoked)
            {
                await revoker.RevokeAsync(tenant, key.Id, actor, cancellationToken);
            }
        }

        return TypedResults.Ok();
    }
}
