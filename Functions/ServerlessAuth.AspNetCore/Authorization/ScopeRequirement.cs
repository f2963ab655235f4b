using Microsoft.AspNetCore.Authorization;

namespace ServerlessAuth.AspNetCore.Authorization;

/// <summary>Requires every one of <see cref="Scopes"/> among the principal's <see cref="ServerlessAuthClaimTypes.Scope"/> claims.</summary>
public sealed class ScopeRequirement : IAuthorizationRequirement
{
    /// <param name="scopes">The scopes required, all of them (at least one; no spaces).</param>
    public ScopeRequirement(params string[] scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        if (scopes.Length == 0 || scopes.Any(s => string.IsNullOrWhiteSpace(s) || s.Contains(' ', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal)))
        {
            throw new ArgumentException("Give at least one scope, each without spaces or quotes.", nameof(scopes));
        }

        Scopes = [.. scopes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>The scopes required, in ordinal order.</summary>
    public IReadOnlyList<string> Scopes { get; }
}

/// <summary>
/// Checks <see cref="ScopeRequirement"/>. On a denial it leaves the required scopes on the request, so that the
/// ServerlessAuth scheme answers 403 <c>insufficient_scope</c> with them in its challenge (RFC 6750 §3.1).
/// </summary>
internal sealed class ScopeAuthorizationHandler : AuthorizationHandler<ScopeRequirement>
{
    /// <summary>The <c>HttpContext.Items</c> key of the scopes a denied request lacked (space-separated).</summary>
    public const string MissingScopeItem = "ServerlessAuth.AspNetCore.RequiredScope";

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        var held = context.User.FindAll(ServerlessAuthClaimTypes.Scope);
        if (requirement.Scopes.All(scope => held.Any(claim => claim.Value == scope)))
        {
            context.Succeed(requirement);
        }
        else if (context.Resource is Microsoft.AspNetCore.Http.HttpContext http)
        {
            http.Items[MissingScopeItem] = string.Join(' ', requirement.Scopes);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Requires the ServerlessAuth scheme and every listed scope: <c>[RequireScope("contacts:read")]</c> on a controller or
/// action, or <c>.RequireAuthorization(new RequireScopeAttribute("contacts:read"))</c> on an endpoint.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true, Inherited = true)]
public sealed class RequireScopeAttribute : AuthorizeAttribute, IAuthorizationRequirementData
{
    private readonly ScopeRequirement _requirement;

    /// <param name="scopes">The scopes required, all of them.</param>
    public RequireScopeAttribute(params string[] scopes)
    {
        _requirement = new ScopeRequirement(scopes);
        AuthenticationSchemes = ServerlessAuthDefaults.AuthenticationScheme;
    }

    /// <summary>The scopes required.</summary>
    public IReadOnlyList<string> Scopes => _requirement.Scopes;

    /// <inheritdoc />
    public IEnumerable<IAuthorizationRequirement> GetRequirements() => [_requirement];
}
