using ServerlessAuth.Apps;

namespace ServerlessAuth.Lifecycle;

/// <summary>
/// How apps and their secrets are named in the lifecycle index: an app by its id, a secret as
/// <c>{appId}:{secretId}</c> (row keys allow neither <c>/</c> nor <c>|</c>, and no API key id contains <c>:</c>).
/// </summary>
internal static class AppCredential
{
    public static string Of(AppId app) => app.Value;

    public static string Of(AppId app, AppSecretId secret) => app.Value + ":" + secret.Value;

    /// <summary>Reads an index credential id naming an app (<paramref name="secret"/> null) or one of its secrets.</summary>
    public static bool TryParse(string credentialId, out AppId app, out AppSecretId? secret)
    {
        secret = null;
        var colon = credentialId.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return AppId.TryParse(credentialId, out app);
        }

        if (AppId.TryParse(credentialId[..colon], out app) && AppSecretId.TryParse(credentialId[(colon + 1)..], out var parsed))
        {
            secret = parsed;
            return true;
        }

        return false;
    }
}
