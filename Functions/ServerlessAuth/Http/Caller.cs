using Microsoft.Extensions.Options;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.RateLimiting;
using ServerlessAuth.Security;
using ServerlessAuth.Tenants;
using ServerlessAuth.Validation;

namespace ServerlessAuth.Http;

/// <summary>
/// Who is calling the control plane: the deployment admin, or an operator through one of its API keys. An operator acts
/// with its <see cref="Permissions"/>: the presenting key's scopes ∩ its operator's current permissions. Every grant
/// and every control-plane scope is checked against those, never against the operator's permissions alone.
/// </summary>
internal sealed record Caller
{
    private Caller()
    {
    }

    public bool IsAdmin { get; private init; }

    public CredentialPrincipal? Principal { get; private init; }

    public Operator? Operator => Principal?.Operator;

    /// <summary>The caller's effective permissions; null for the admin key, which is not bounded by any.</summary>
    public IReadOnlySet<string>? Permissions => Principal?.Scopes;

    /// <summary>Names the caller in audit lines: <c>admin</c> or <c>operator:{id}</c>.</summary>
    public string Actor => IsAdmin ? "admin" : $"operator:{Operator!.Id.Value}";

    public static Caller Admin { get; } = new() { IsAdmin = true };

    public static Caller For(CredentialPrincipal principal) => new() { Principal = principal };

    /// <summary>May see the tenant at all (its own tenant, any role). Otherwise the answer is 404.</summary>
    public bool CanSee(TenantId tenant) => IsAdmin || Operator?.TenantId == tenant;

    /// <summary>Manages the tenant (the admin key, or an owner or admin of that tenant), within the scopes its key carries.</summary>
    public bool CanManage(TenantId tenant) => IsAdmin || (Operator?.TenantId == tenant && Operator.ManagesTenant);

    /// <summary>Is the operator <paramref name="op"/> itself (never the admin key).</summary>
    public bool IsSelf(OperatorId op) => Operator?.Id == op;

    /// <summary>
    /// May create, change or remove an operator of <paramref name="role"/>: roles are handled only below the caller's
    /// own, except by an owner (and the admin key).
    /// </summary>
    public bool CanHandleRole(OperatorRole role) => IsAdmin || Operator!.Role == OperatorRole.Owner || role < Operator.Role;

    /// <summary>
    /// 403 <c>insufficient_scope</c> naming <paramref name="scope"/> when the caller's key does not carry it (with its
    /// operator holding it); null when it may act. The admin key carries every scope.
    /// </summary>
    public ApiProblem? Requires(string scope) =>
        IsAdmin || Permissions!.Contains(scope)
            ? null
            : ApiProblem.InsufficientScope(new HashSet<string>(StringComparer.Ordinal) { scope }, $"The key lacks the control-plane scope '{scope}' (its operator must hold it as a permission, and the key carry it as a scope).");

    /// <summary>What of <paramref name="granted"/> the caller may not give away (nothing, for the admin key).</summary>
    public IReadOnlySet<string> Ungranted(IEnumerable<string> granted) =>
        IsAdmin ? new HashSet<string>() : granted.Where(p => !Permissions!.Contains(p)).ToHashSet(StringComparer.Ordinal);
}

/// <summary>Authenticates control-plane callers: the admin key, or a valid operator API key.</summary>
internal sealed class CallerAuthenticator(CredentialValidator validator, UsageRecorder usage, FailureThrottle failures, TimeProvider time, IOptions<ServerlessAuthOptions> options)
{
    private readonly string _adminDigest = options.Value.AdminKeyHash is { Length: > 0 } hash
        ? hash
        : SecretDigest.Compute(options.Value.AdminKey ?? "");

    public async Task<(Caller? Caller, ApiProblem? Problem)> AuthenticateAsync(Microsoft.AspNetCore.Http.HttpRequest request, CancellationToken cancellationToken)
    {
        var (credential, problem) = RequestReader.ReadCredential(request);
        if (problem is not null)
        {
            return (null, problem);
        }

        if (credential is null)
        {
            return (null, ApiProblem.MissingCredential());
        }

        if (SecretDigest.FixedTimeEquals(SecretDigest.Compute(credential), _adminDigest))
        {
            return (Caller.Admin, null);
        }

        var outcome = await validator.ValidateAsync(credential, new HashSet<string>(), cancellationToken);
        if (outcome.Principal is not { } principal)
        {
            // The same failure budget per client address as validate: the control plane is no place to guess keys either.
            return (null, ApiProblem.Refused(outcome, failures.RecordFailure(outcome, ClientAddress.Of(request))));
        }

        // App tokens are for the provider's API, not for managing ServerlessAuth: only operators' keys are callers.
        if (principal.Operator is null)
        {
            return (null, ApiProblem.InsufficientScope(new HashSet<string>(), "App access tokens cannot call the control plane; use an operator's API key."));
        }

        if (principal.ApiKey is { } key)
        {
            usage.RecordUse(key, time.GetUtcNow());
        }

        return (Caller.For(principal), null);
    }
}
