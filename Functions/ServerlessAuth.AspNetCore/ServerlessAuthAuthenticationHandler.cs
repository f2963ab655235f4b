using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.AspNetCore.Authorization;
using ServerlessAuth.AspNetCore.Jwt;
using ServerlessAuth.AspNetCore.Validation;

namespace ServerlessAuth.AspNetCore;

/// <summary>
/// The ServerlessAuth scheme: reads the credential (<c>Authorization: Bearer</c> or <c>x-api-key</c>), refuses what is
/// not one of this deployment's keys without a call, validates JWTs locally (or remotely) and API keys through the
/// cache, and answers refusals as ServerlessAuth does (401/403 with a Bearer challenge, 429 and 503 with Retry-After).
/// </summary>
internal sealed class ServerlessAuthAuthenticationHandler(
    IOptionsMonitor<ServerlessAuthAuthenticationOptions> options,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    ServerlessAuthScheme scheme,
    ValidationCache cache,
    LocalJwtValidator jwt,
    ServerlessAuthMetrics metrics)
    : AuthenticationHandler<ServerlessAuthAuthenticationOptions>(options, loggers, encoder)
{
    /// <summary>Why this request was not authenticated (the handler is created per request).</summary>
    private Refusal? _refusal;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var (credential, malformed) = CredentialHeaders.Read(Request);
        if (malformed is not null)
        {
            _refusal = Refusal.BadRequest(malformed);
            return AuthenticateResult.Fail(malformed);
        }

        if (credential is null)
        {
            return AuthenticateResult.NoResult();
        }

        var check = await CheckAsync(credential);
        if (check.Credential is not { } accepted)
        {
            _refusal = check.Refusal!;
            Log.NotAuthenticated(Logger, _refusal.Status, _refusal.Code);
            return AuthenticateResult.Fail(_refusal.Detail);
        }

        return AuthenticateResult.Success(new AuthenticationTicket(Principal(accepted), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        await HandleAuthenticateOnceSafeAsync();
        await ProblemResponse.WriteAsync(Response, _refusal ?? Refusal.Missing);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        // The scope handler left the scopes of the requirement that failed; any other policy's denial is a plain 403.
        var scope = Context.Items[ScopeAuthorizationHandler.MissingScopeItem] as string;
        var refusal = scope is null
            ? new Refusal(403, "forbidden", "The credential is not allowed to do this.", null, [])
            : new Refusal(403, "insufficient_scope", $"The credential lacks a required scope: '{scope}'.", "insufficient_scope", []);
        await ProblemResponse.WriteAsync(Response, refusal, scope);
    }

    private ValueTask<CredentialCheck> CheckAsync(string credential)
    {
        // API keys have no '.', JWTs (compact JWS) have two.
        if (credential.Contains('.', StringComparison.Ordinal))
        {
            return Options.JwtValidation == JwtValidationMode.Local
                ? jwt.ValidateAsync(credential, Context.RequestAborted)
                : cache.CheckAsync(credential, Context.RequestAborted);
        }

        if (!ApiKeyText.TryParse(credential, scheme.KeyLead, out _))
        {
            // Garbage, a typo, another deployment's key: refused here, it never leaves the process.
            metrics.RefusedLocally("api_key");
            Log.RefusedLocally(Logger, "not an API key of this deployment (prefix, environment, shape or checksum)");
            return ValueTask.FromResult<CredentialCheck>(Refusal.Invalid);
        }

        return cache.CheckAsync(credential, Context.RequestAborted);
    }

    private ClaimsPrincipal Principal(ValidatedCredential credential)
    {
        var claims = new List<Claim>(5 + credential.Scopes.Count)
        {
            new(ServerlessAuthClaimTypes.Subject, credential.Subject),
            new(ServerlessAuthClaimTypes.Tenant, credential.TenantId),
            new(ServerlessAuthClaimTypes.CredentialId, credential.CredentialId),
            new(ServerlessAuthClaimTypes.Kind, credential.Kind),
        };
        if (credential.Role is { } role)
        {
            claims.Add(new(ServerlessAuthClaimTypes.Role, role));
        }

        foreach (var scope in credential.Scopes)
        {
            claims.Add(new(ServerlessAuthClaimTypes.Scope, scope));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name, ServerlessAuthClaimTypes.Subject, ServerlessAuthClaimTypes.Role));
    }
}
