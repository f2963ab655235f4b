namespace ServerlessAuth.Security;

/// <summary>
/// The scopes a key must carry to act on the control plane, so that a leaked key issued for the provider's API (say,
/// <c>contacts:read</c>) is not also tenant management. They follow the same algebra as every permission: the provider
/// grants them to an operator as permissions, a key carries them as scopes, and the caller may use what both hold.
/// Reading the tenant and reading oneself need none; the admin key needs none.
/// </summary>
internal static class ControlPlaneScopes
{
    /// <summary>Issue and rotate one's own keys; list, read and revoke keys (one's own; every key of the tenant for an owner or admin).</summary>
    public const string Keys = "serverlessauth:keys";

    /// <summary>List, read, create, change and remove operators (owners and admins, within their role).</summary>
    public const string Operators = "serverlessauth:operators";

    /// <summary>Register, list, read and revoke apps, add and remove their secrets (owners and admins).</summary>
    public const string Apps = "serverlessauth:apps";

    /// <summary>Change the tenant's name and lifecycle policy (owners and admins).</summary>
    public const string Tenant = "serverlessauth:tenant";

    /// <summary>Read the tenant's audit log (owners and admins).</summary>
    public const string Logs = "serverlessauth:logs";

    /// <summary>Create, read, change and delete the tenant's webhook endpoints, and read and redeliver their deliveries (owners and admins).</summary>
    public const string Webhooks = "serverlessauth:webhooks";

    /// <summary>Every control-plane scope.</summary>
    public static IReadOnlyList<string> All { get; } = [Keys, Operators, Apps, Tenant, Logs, Webhooks];
}
