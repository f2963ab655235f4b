using Microsoft.Extensions.Options;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.RateLimiting;
using ServerlessAuth.Security;
using ServerlessAuth.Tenants;
using ServerlessAuth.Validation;

namespace ServerlessAuth.Http;

/// <summary>Who is calling the control plane: the deployment admin, or an operator through one of its API keys.</summary>
internal sealed record Caller
{
    private Caller()
    {
    }

    public bool IsAdmin { get; private init; }

    public CredentialPrincipal? Principal { get; private init; }

    public Operator? Operator => Principal?.Operator;

    /// <summary>Names the caller in audit lines: <c>admin</c> or <c>operator:{id}</c>.</summary>
    public string Actor => IsAdmin ? "admin" : $"operator:{Operator!.Id.Value}";

    public static Caller Admin { get; } = new() { IsAdmin = true };

    public static Caller For(CredentialPrincipal principal) => new() { Principal = principal };

    /// <summary>May see the tenant at all (its own tenant, any role). Otherwise the answer is 404.</summary>
    public bool CanSee(TenantId tenant) => IsAdmin || Operator?.TenantId == tenant;

    /// <summary>May manage the tenant's operators and every key (owner or admin of that tenant).</summary>
    public bool CanManage(TenantId tenant) => IsAdmin || (Operator?.TenantId == tenant && Operator.ManagesTenant);

    /// <summary>May manage the keys of <paramref name="op"/>: a manager, or the operator itself.</summary>
    public bool CanManageKeysOf(TenantId tenant, OperatorId op) => CanManage(tenant) || (Operator?.TenantId == tenant && Operator.Id == op);
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
