using ServerlessAuth.Security;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Apps;

/// <summary>Why a client (app id and secret) was refused.</summary>
internal enum ClientRejection
{
    /// <summary>Unknown app, malformed id or secret, wrong secret: nothing about the app is revealed.</summary>
    InvalidClient,

    /// <summary>The secret matched, but the app (or its tenant) was revoked.</summary>
    AppRevoked,

    /// <summary>The secret matched, but the app reached its expiry.</summary>
    AppExpired,

    /// <summary>The secret matched, but it has expired.</summary>
    SecretExpired,

    /// <summary>The secret matched, but the tenant has API access switched off or its plan lacks it.</summary>
    ApiNotEnabled,
}

/// <summary>
/// An authenticated client, or why not (never an exception). <see cref="Scopes"/>: what the app may do now, its scopes
/// as far as its registrant still holds them.
/// </summary>
internal sealed record ClientAuthentication(App? App, Tenant? Tenant, AppSecret? Secret, ClientRejection? Rejection, IReadOnlySet<string>? Scopes = null)
{
    public static ClientAuthentication Reject(ClientRejection rejection, App? app = null) => new(app, null, null, rejection);
}

/// <summary>
/// Checks an app's client credentials (RFC 6749 §2.3.1): shapes first (no I/O), then the cached pointer and the
/// cached app row (two point reads when cold), the secret by constant-time digest comparison, then the app's, the
/// tenant's and the registering operator's state (cached, like the tenant).
/// </summary>
internal sealed class ClientAuthenticator(AppDirectory apps, TenantDirectory tenants, ApiAccessPolicy access, TimeProvider time)
{
    public async Task<ClientAuthentication> AuthenticateAsync(string? clientId, string? secret, CancellationToken cancellationToken)
    {
        if (!AppId.TryParse(clientId, out var appId) || !AppSecretFormat.IsWellFormed(secret))
        {
            return ClientAuthentication.Reject(ClientRejection.InvalidClient);
        }

        var location = await apps.FindAsync(appId, cancellationToken);
        if (location is null)
        {
            return ClientAuthentication.Reject(ClientRejection.InvalidClient);
        }

        // The app row and the tenant row are independent reads: ask for both at once.
        var appRead = apps.GetAsync(location.TenantId, appId, cancellationToken).AsTask();
        var tenantRead = tenants.GetTenantAsync(location.TenantId, cancellationToken).AsTask();
        await Task.WhenAll(appRead, tenantRead);
        var app = await appRead;
        var tenant = await tenantRead;
        if (app is null)
        {
            return ClientAuthentication.Reject(ClientRejection.InvalidClient);
        }

        // Compare against every stored digest, without stopping at the first match.
        var digest = SecretDigest.Compute(secret!);
        AppSecret? matched = null;
        foreach (var candidate in app.Secrets)
        {
            if (SecretDigest.FixedTimeEquals(candidate.Digest, digest))
            {
                matched = candidate;
            }
        }

        if (matched is null)
        {
            return ClientAuthentication.Reject(ClientRejection.InvalidClient);
        }

        // From here on the secret matched: revealing the app's state to its holder is safe.
        var now = time.GetUtcNow();
        if (app.EffectiveStatus(now) == AppStatus.Revoked || tenant is null)
        {
            return ClientAuthentication.Reject(ClientRejection.AppRevoked, app);
        }

        if (app.EffectiveStatus(now) == AppStatus.Expired)
        {
            return ClientAuthentication.Reject(ClientRejection.AppExpired, app);
        }

        if (!matched.IsActive(now))
        {
            return ClientAuthentication.Reject(ClientRejection.SecretExpired, app);
        }

        // The app acts within its registrant's current permissions; a removed registrant took the app with it.
        var registrant = app.RegisteredBy is { } registeredBy ? await tenants.GetOperatorAsync(tenant.Id, registeredBy, cancellationToken) : null;
        if (app.CurrentScopes(registrant) is not { } scopes)
        {
            return ClientAuthentication.Reject(ClientRejection.AppRevoked, app);
        }

        return access.Allows(tenant)
            ? new ClientAuthentication(app, tenant, matched, null, scopes)
            : ClientAuthentication.Reject(ClientRejection.ApiNotEnabled, app);
    }
}
