using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.Apps;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Tokens;

/// <summary>An access token just issued (the token text is never logged).</summary>
internal sealed record IssuedToken(string Token, string Jti, string Kid, DateTimeOffset ExpiresAt, int ExpiresIn, IReadOnlySet<string> Scopes);

/// <summary>
/// Issues access tokens: ES256 JWTs (RFC 9068 profile) with header <c>typ: at+jwt</c> and <c>kid</c>, and the claims
/// <c>iss aud sub client_id tenant scope jti iat nbf exp</c>. Signed by Microsoft.IdentityModel with the ring's
/// active key; the only arithmetic here is the low-S normalisation of the signature (<see cref="LowS"/>).
/// </summary>
internal sealed class TokenIssuer(SigningKeyRing keys, TimeProvider time, IOptions<ServerlessAuthOptions> options)
{
    public const string TokenType = "at+jwt";

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly string _issuer = options.Value.Issuer;
    private readonly string _audience = options.Value.Tokens.Audience ?? options.Value.Issuer;
    private readonly TimeSpan _maxLifetime = options.Value.Tokens.MaxLifetime;

    public async Task<IssuedToken> IssueAsync(App app, Tenant tenant, IReadOnlySet<string> scopes, CancellationToken cancellationToken)
    {
        var signer = await keys.GetSignerAsync(cancellationToken);

        // Whole seconds: the claims carry seconds, and expires_in must agree with exp.
        var now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        var lifetime = TimeSpan.FromMinutes(tenant.TokenLifetimeMinutes);
        if (lifetime > _maxLifetime)
        {
            lifetime = _maxLifetime;
        }

        var expiresAt = now + lifetime;
        var jti = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [JwtRegisteredClaimNames.Sub] = app.Id.Value,
            ["client_id"] = app.Id.Value,
            ["tenant"] = tenant.Id.Value,
            [JwtRegisteredClaimNames.Jti] = jti,
        };
        if (scopes.Count > 0)
        {
            claims["scope"] = Security.Scopes.Join(scopes.Order(StringComparer.Ordinal));
        }

        var signed = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _issuer,
            Audience = _audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expiresAt.UtcDateTime,
            TokenType = TokenType,
            Claims = claims,
            SigningCredentials = new SigningCredentials(signer.SecurityKey, SecurityAlgorithms.EcdsaSha256),
        });

        // Our verifier accepts the low-S encoding only, and .NET signs with a high S about half the time.
        var token = LowS.Normalize(signed);

        return new IssuedToken(token, jti, signer.Kid, expiresAt, (int)lifetime.TotalSeconds, scopes);
    }
}
