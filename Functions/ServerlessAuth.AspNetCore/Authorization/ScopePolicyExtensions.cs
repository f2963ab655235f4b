using Microsoft.AspNetCore.Authorization;
using ServerlessAuth.AspNetCore;
using ServerlessAuth.AspNetCore.Authorization;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Scope policies over the ServerlessAuth scheme. In this namespace, like <c>AddServerlessAuth</c>, so that the Web SDK's
/// implicit usings bring both into a <c>Program.cs</c>.
/// </summary>
public static class ScopePolicyExtensions
{
    /// <summary>
    /// A policy named <paramref name="scope"/> that requires a credential of the ServerlessAuth scheme holding that scope:
    /// <c>o.AddScopePolicy("contacts:read")</c>, then <c>.RequireAuthorization("contacts:read")</c>.
    /// </summary>
    public static AuthorizationOptions AddScopePolicy(this AuthorizationOptions options, string scope) =>
        options.AddScopePolicy(scope, [scope]);

    /// <summary>A policy named <paramref name="name"/> that requires a ServerlessAuth credential holding every one of <paramref name="scopes"/>.</summary>
    public static AuthorizationOptions AddScopePolicy(this AuthorizationOptions options, string name, IEnumerable<string> scopes)
    {
        ArgumentNullException.ThrowIfNull(options);
        var requirement = new ScopeRequirement([.. scopes]);
        options.AddPolicy(name, policy => policy
            .AddAuthenticationSchemes(ServerlessAuthDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .AddRequirements(requirement));
        return options;
    }
}
