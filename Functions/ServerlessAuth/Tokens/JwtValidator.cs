using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.Apps;
using ServerlessAuth.Security;
using ServerlessAuth.Tenants;
using ServerlessAuth.Validation;

namespace ServerlessAuth.Tokens;

/// <summary>A JWT whose signature, header, issuer and audience checked out; its lifetime is not judged yet.</summary>
internal sealed record VerifiedToken(
    string Jti, AppId AppId, TenantId TenantId, ImmutableSortedSet<string> Scopes, DateTimeOffset IssuedAt, DateTimeOffset NotBefore, DateTimeOffset ExpiresAt);

/// <summary>
/// Validates our access tokens: the compact-JWS pre-checks (<see cref="CompactJws"/>), the signature with a key
/// from our own ring only, <c>iss</c> and <c>aud</c> exactly, then <c>exp</c>/<c>nbf</c> with the configured skew,
/// the <c>jti</c> against revocations, and the app, its tenant and its registering operator as they are now (a token
/// does no more than the operator who registered its app may do now). A token verified a moment ago
/// by the same published key skips the signature verification (<see cref="VerifiedTokenCache"/>); every other check
/// runs on every use.
/// </summary>
internal sealed class JwtValidator(
    SigningKeyRing keys,
    VerifiedTokenCache verified,
    AppDirectory apps,
    TenantDirectory tenants,
    ApiAccessPolicy access,
    TokenRevocations revocations,
    TimeProvider time,
    IOptions<ServerlessAuthOptions> options,
    ILogger<JwtValidator> logger)
{
    private const string Kind = "jwt";
    private static readonly JsonWebTokenHandler Handler = new();

    private readonly string _issuer = options.Value.Issuer;
    private readonly string _audience = options.Value.Tokens.Audience ?? options.Value.Issuer;
    private readonly TimeSpan _skew = options.Value.Tokens.ClockSkew;

    public async ValueTask<ValidationOutcome> ValidateAsync(string presented, IReadOnlySet<string> requiredScopes, CancellationToken cancellationToken)
    {
        var token = await VerifyAsync(presented, cancellationToken);
        if (token is null)
        {
            Log.UnknownCredentialRejected(logger, Kind, "signature, header or claims");
            return ValidationOutcome.Reject(RejectionReason.InvalidCredential);
        }

        // From here on the signature matched: revealing the token's state to its holder is safe.
        var now = time.GetUtcNow();
        if (now < token.NotBefore - _skew)
        {
            Log.ValidationRejected(logger, Kind, nameof(RejectionReason.InvalidCredential), token.Jti, "not yet valid");
            return ValidationOutcome.Reject(RejectionReason.InvalidCredential, token.Jti, Holder(token));
        }

        if (now >= token.ExpiresAt + _skew)
        {
            Log.ValidationRejected(logger, Kind, nameof(RejectionReason.Expired), token.Jti, null);
            return ValidationOutcome.Reject(RejectionReason.Expired, token.Jti, Holder(token));
        }

        var (revoked, app, tenant) = await ReadStateAsync(token, cancellationToken);

        // What the app may do now: its scopes as far as its registrant still holds them (one cached read, and only for
        // apps an operator registered); null when the registrant is gone.
        var registrant = app?.RegisteredBy is { } registeredBy ? await tenants.GetOperatorAsync(token.TenantId, registeredBy, cancellationToken) : null;
        var appScopes = app?.CurrentScopes(registrant);
        if (revoked || app is null || app.Status == AppStatus.Revoked || tenant is null || appScopes is null)
        {
            // Revoked itself, or its app (or tenant, or the app's registrant) was: every token of a revoked app stops working.
            Log.ValidationRejected(logger, Kind, nameof(RejectionReason.Revoked), token.Jti, null);
            return ValidationOutcome.Reject(RejectionReason.Revoked, token.Jti, Holder(token));
        }

        if (app.EffectiveStatus(now) == AppStatus.Expired)
        {
            // The app registration ended: its tokens end with it.
            Log.ValidationRejected(logger, Kind, nameof(RejectionReason.Expired), token.Jti, null);
            return ValidationOutcome.Reject(RejectionReason.Expired, token.Jti, Holder(token));
        }

        if (!access.Allows(tenant))
        {
            Log.ValidationRejected(logger, Kind, nameof(RejectionReason.ApiNotEnabled), token.Jti, null);
            return ValidationOutcome.Reject(RejectionReason.ApiNotEnabled, token.Jti, Holder(token));
        }

        // A token never does more than its app may do now.
        var effective = Scopes.Effective(token.Scopes, appScopes);
        if (!requiredScopes.IsSubsetOf(effective))
        {
            Log.ValidationRejected(logger, Kind, nameof(RejectionReason.InsufficientScope), token.Jti, null);
            return ValidationOutcome.Reject(RejectionReason.InsufficientScope, token.Jti, Holder(token), requiredScopes);
        }

        return ValidationOutcome.Success(new CredentialPrincipal
        {
            Kind = Kind,
            Tenant = tenant,
            CredentialId = token.Jti,
            Subject = app.Id.Value,
            Scopes = effective,
            ExpiresAt = token.ExpiresAt,
            IssuedAt = token.IssuedAt,
        });
    }

    /// <summary>
    /// The token if it is one of ours: pre-checks, a published key of our ring named by its <c>kid</c>, the
    /// signature, <c>typ</c>, <c>iss</c> and <c>aud</c> (exactly), and every claim we issue present and well-formed.
    /// Null otherwise. Lifetime, revocation and app state are the caller's to judge.
    /// </summary>
    public async ValueTask<VerifiedToken?> VerifyAsync(string presented, CancellationToken cancellationToken)
    {
        if (CompactJws.TryReadKid(presented) is not { } kid)
        {
            return null;
        }

        // Also on a cache hit: a key removed from the ring (or replaced under the same kid) verifies nothing any more.
        var key = await keys.FindAsync(kid, cancellationToken);
        if (key is null)
        {
            return null;
        }

        var digest = TokenDigest.Of(presented);
        if (verified.TryGet(digest, key.Stored, out var known))
        {
            return known;
        }

        // One encoding per signature: the high-S twin of a token is refused (a cached token passed this check already).
        if (!LowS.IsLow(presented))
        {
            return null;
        }

        var result = await Handler.ValidateTokenAsync(presented, new TokenValidationParameters
        {
            IssuerSigningKey = key.SecurityKey,
            TryAllIssuerSigningKeys = false,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidTypes = [TokenIssuer.TokenType],
            ValidIssuer = _issuer,
            ValidAudience = _audience,
            IgnoreTrailingSlashWhenValidatingAudience = false,
            RequireAudience = true,
            RequireSignedTokens = true,

            // Lifetime is judged by the caller, with the injected clock and the configured skew.
            ValidateLifetime = false,
            RequireExpirationTime = false,
            ValidateIssuerSigningKey = false,
        });

        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return null;
        }

        // Belt and braces: exact, ordinal comparisons whatever the library's leniency.
        if (!string.Equals(jwt.Issuer, _issuer, StringComparison.Ordinal)
            || jwt.Audiences.Count() != 1 || !string.Equals(jwt.Audiences.Single(), _audience, StringComparison.Ordinal)
            || !jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Jti, out var jti) || jti is not { Length: > 0 and <= 64 }
            || !jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sub, out var sub) || !AppId.TryParse(sub, out var appId)
            || !jwt.TryGetPayloadValue<string>("client_id", out var clientId) || !string.Equals(clientId, sub, StringComparison.Ordinal)
            || !jwt.TryGetPayloadValue<string>("tenant", out var tenantText) || !TenantId.TryParse(tenantText, out var tenantId)
            || !jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out var exp)
            || !jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Nbf, out var nbf)
            || !jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out var iat))
        {
            return null;
        }

        jwt.TryGetPayloadValue<string>("scope", out var scope);
        var scopes = Security.Scopes.ParseList(scope, out _);
        if (scopes is null)
        {
            return null;
        }

        var token = new VerifiedToken(jti, appId, tenantId, scopes, DateTimeOffset.FromUnixTimeSeconds(iat), DateTimeOffset.FromUnixTimeSeconds(nbf), DateTimeOffset.FromUnixTimeSeconds(exp));
        verified.Add(digest, key.Stored, token);
        return token;
    }

    /// <summary>
    /// The token's revocation, its app and its tenant as they are now: from the caches when all three are there (no
    /// allocation), otherwise the missing reads at once.
    /// </summary>
    private async ValueTask<(bool Revoked, App? App, Tenant? Tenant)> ReadStateAsync(VerifiedToken token, CancellationToken cancellationToken)
    {
        var revokedRead = revocations.IsRevokedAsync(token.Jti, cancellationToken);
        var appRead = apps.GetAsync(token.TenantId, token.AppId, cancellationToken);
        var tenantRead = tenants.GetTenantAsync(token.TenantId, cancellationToken);
        if (revokedRead.IsCompletedSuccessfully && appRead.IsCompletedSuccessfully && tenantRead.IsCompletedSuccessfully)
        {
            return (revokedRead.Result, appRead.Result, tenantRead.Result);
        }

        var revoked = revokedRead.AsTask();
        var app = appRead.AsTask();
        var tenant = tenantRead.AsTask();
        await Task.WhenAll(revoked, app, tenant);
        return (await revoked, await app, await tenant);
    }

    /// <summary>A refused token is logged against its app (its signature verified: it is ours).</summary>
    private static CredentialHolder Holder(VerifiedToken token) => new(token.TenantId, token.AppId.Value, null);

    /// <summary>Whether a verified token is within its lifetime at <paramref name="now"/> (with the skew).</summary>
    public bool IsCurrent(VerifiedToken token, DateTimeOffset now) => now >= token.NotBefore - _skew && now < token.ExpiresAt + _skew;
}
