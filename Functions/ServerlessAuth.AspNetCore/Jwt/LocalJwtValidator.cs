using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.AspNetCore.Validation;

namespace ServerlessAuth.AspNetCore.Jwt;

/// <summary>
/// Validates ServerlessAuth's JWTs in process, with JwtBearer's own machinery: its options and post-configuration build
/// the <c>ConfigurationManager</c> (discovery document at <c>{Authority}/.well-known/openid-configuration</c>, then the
/// JWKS) and the token handler; nothing of JOSE is written here. After the first fetch, no call per request.
/// </summary>
/// <remarks>
/// Checked: the ES256 signature by a published key, <c>iss</c> and <c>aud</c> exactly, <c>typ</c> <c>at+jwt</c>,
/// <c>exp</c>/<c>nbf</c> with the configured skew. Not seen here: a revoked token, or its app or tenant losing access or
/// scopes; those take effect at the token's expiry (use <see cref="JwtValidationMode.Remote"/> to see them sooner).
/// <para>
/// A token verified here within the last minute is not verified again (the ES256 verification is most of a JWT's cost):
/// its lifetime is still checked on every use, so the only thing the minute delays is the removal of its signing key
/// from the JWKS.
/// </para>
/// </remarks>
internal sealed class LocalJwtValidator
{
    /// <summary>
    /// How often the JWKS is read again. ServerlessAuth publishes a new signing key an hour before it signs with it
    /// (<c>Tokens:KeyPublicationDelay</c>): re-reading every 30 minutes knows every key before its first token.
    /// </summary>
    private static readonly TimeSpan JwksRefresh = TimeSpan.FromMinutes(30);

    /// <summary>How long a verified token skips the signature verification.</summary>
    private static readonly TimeSpan VerifiedTtl = TimeSpan.FromMinutes(1);

    /// <summary>Most verified tokens remembered; when full, they are all forgotten (each costs one verification again).</summary>
    private const int MaxVerified = 10_000;

    private readonly ConcurrentDictionary<string, (ValidatedCredential Credential, DateTimeOffset Until)> _verified = new(StringComparer.Ordinal);

    private readonly ServerlessAuthScheme _scheme;
    private readonly ServerlessAuthMetrics _metrics;
    private readonly ILogger<LocalJwtValidator> _logger;
    private readonly Lazy<JwtBearerOptions> _jwt;

    public LocalJwtValidator(IHttpClientFactory clients, ServerlessAuthScheme scheme, ServerlessAuthMetrics metrics, ILogger<LocalJwtValidator> logger)
    {
        _scheme = scheme;
        _metrics = metrics;
        _logger = logger;
        _jwt = new(() => Build(clients, scheme));
    }

    public ValueTask<CredentialCheck> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var now = _scheme.Time.GetUtcNow();
        if (_verified.TryGetValue(token, out var verified) && now < verified.Until)
        {
            if (now < verified.Credential.ExpiresAt + _scheme.Options.ClockSkew)
            {
                _metrics.JwtValidated("accepted");
                return ValueTask.FromResult<CredentialCheck>(verified.Credential);
            }

            _verified.TryRemove(token, out _);
            _metrics.JwtValidated("expired");
            return ValueTask.FromResult<CredentialCheck>(Refusal.Expired);
        }

        return new(VerifyAsync(token, now, cancellationToken));
    }

    private async Task<CredentialCheck> VerifyAsync(string token, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var jwt = _jwt.Value;
        var configuration = await ConfigurationAsync(jwt, cancellationToken);
        if (configuration is null)
        {
            _metrics.JwtValidated("unavailable");
            return Refusal.Unavailable(TimeSpan.FromSeconds(5));
        }

        var result = await ValidateWithAsync(jwt, configuration, token);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // A key this instance has not seen yet: read the JWKS again (JwtBearer's RefreshOnIssuerKeyNotFound; the
            // manager allows it once per RefreshInterval, 5 minutes), and try once more if it changed.
            jwt.ConfigurationManager!.RequestRefresh();
            if (await ConfigurationAsync(jwt, cancellationToken) is { } refreshed && !ReferenceEquals(refreshed, configuration))
            {
                result = await ValidateWithAsync(jwt, refreshed, token);
            }
        }

        if (!result.IsValid || Credential(result) is not { } credential)
        {
            var expired = result.Exception is SecurityTokenExpiredException
                || (result.Exception is SecurityTokenInvalidLifetimeException { Expires: { } exp } && exp <= _scheme.Time.GetUtcNow().UtcDateTime);
            _metrics.JwtValidated(expired ? "expired" : "invalid");
            Log.JwtRefused(_logger, result.Exception?.GetType().Name ?? "the token lacks tenant, sub or jti");
            return expired ? Refusal.Expired : Refusal.Invalid;
        }

        if (_verified.Count >= MaxVerified)
        {
            _verified.Clear();
        }

        _verified[token] = (credential, now + VerifiedTtl);
        _metrics.JwtValidated("accepted");
        return credential;
    }

    private static JwtBearerOptions Build(IHttpClientFactory clients, ServerlessAuthScheme scheme)
    {
        var options = scheme.Options;
        var jwt = new JwtBearerOptions
        {
            Authority = options.Authority,
            Audience = options.Audience ?? options.Authority,
            RequireHttpsMetadata = options.RequireHttpsMetadata,
            Backchannel = clients.CreateClient(ServerlessAuthDefaults.HttpClientName),
            MapInboundClaims = false,
            AutomaticRefreshInterval = JwksRefresh,
            TimeProvider = scheme.Time,
        };
        var parameters = jwt.TokenValidationParameters;
        parameters.ValidIssuer = options.Authority;
        parameters.ValidAudience = jwt.Audience;
        parameters.ValidTypes = ["at+jwt"];
        parameters.ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256];
        parameters.ClockSkew = options.ClockSkew;

        // Lifetime on the scheme's clock (the handler's own check reads the system clock): valid from nbf - skew, and
        // refused from exactly exp + skew, as ServerlessAuth itself refuses it.
        var time = scheme.Time;
        var skew = options.ClockSkew;
        parameters.LifetimeValidator = (notBefore, expires, _, _) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            return expires is { } exp && now < exp + skew && (notBefore is not { } nbf || now >= nbf - skew);
        };
        parameters.RequireExpirationTime = true;
        parameters.RequireSignedTokens = true;
        new JwtBearerPostConfigureOptions().PostConfigure(scheme.Name, jwt);
        return jwt;
    }

    private async Task<OpenIdConnectConfiguration?> ConfigurationAsync(JwtBearerOptions jwt, CancellationToken cancellationToken)
    {
        try
        {
            return await jwt.ConfigurationManager!.GetConfigurationAsync(cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Never fetched yet (the manager keeps the last good document once it has one): fail closed.
            Log.JwksUnavailable(_logger, _scheme.Options.Authority!, e.GetType().Name);
            return null;
        }
    }

    private static async Task<TokenValidationResult> ValidateWithAsync(JwtBearerOptions jwt, OpenIdConnectConfiguration configuration, string token)
    {
        var parameters = jwt.TokenValidationParameters.Clone();
        parameters.IssuerSigningKeys = configuration.SigningKeys;
        return await jwt.TokenHandlers[0].ValidateTokenAsync(token, parameters);
    }

    private static ValidatedCredential? Credential(TokenValidationResult result)
    {
        var identity = result.ClaimsIdentity;
        var tenant = identity.FindFirst("tenant")?.Value;
        var subject = identity.FindFirst("sub")?.Value;
        var id = identity.FindFirst("jti")?.Value;
        if (tenant is null || subject is null || id is null || result.SecurityToken is not JsonWebToken token)
        {
            return null;
        }

        var scopes = identity.FindFirst("scope")?.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return new ValidatedCredential(ServerlessAuthCredentialKinds.Jwt, tenant, id, subject, scopes, new DateTimeOffset(token.ValidTo, TimeSpan.Zero), null);
    }
}
