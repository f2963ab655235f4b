namespace ServerlessAuth.Http;

/// <summary>
/// The stable <c>code</c> of every problem ServerlessAuth answers with. Clients and scripts branch on these;
/// they never change meaning.
/// </summary>
public static class ProblemCodes
{
    /// <summary>401: no credential at all.</summary>
    public const string MissingCredential = "missing_credential";

    /// <summary>400/413/415/431: malformed request, naming the field or header.</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>401: unknown key, bad checksum, wrong secret, bad or foreign JWT.</summary>
    public const string InvalidCredential = "invalid_credential";

    /// <summary>401: the secret matched a credential that has expired.</summary>
    public const string CredentialExpired = "credential_expired";

    /// <summary>401: the secret matched a credential that was revoked.</summary>
    public const string CredentialRevoked = "credential_revoked";

    /// <summary>403: valid, but lacks a required scope, permission or role.</summary>
    public const string InsufficientScope = "insufficient_scope";

    /// <summary>403: the tenant has API access switched off, or its plan lacks it.</summary>
    public const string ApiNotEnabled = "api_not_enabled";

    /// <summary>404: another tenant's resource, or one that does not exist (the same answer for both); also a path that is no route.</summary>
    public const string NotFound = "not_found";

    /// <summary>405: the path exists, but not with this method; <c>Allow</c> lists the methods it has.</summary>
    public const string MethodNotAllowed = "method_not_allowed";

    /// <summary>409: the resource exists already, or another writer changed it first.</summary>
    public const string Conflict = "conflict";

    /// <summary>429: rate limit exceeded.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>503: storage or Key Vault unavailable; nothing was half-written.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>500: a bug; logged with details on the server.</summary>
    public const string InternalError = "internal_error";
}
