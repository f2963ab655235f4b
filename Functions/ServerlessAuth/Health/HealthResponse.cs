namespace ServerlessAuth.Health;

/// <summary>Answer of <c>GET /api/health</c>.</summary>
public sealed class HealthResponse
{
    /// <summary><c>healthy</c> or <c>unhealthy</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Each dependency: <c>ok</c> or <c>unavailable</c>.</summary>
    public required IReadOnlyDictionary<string, string> Checks { get; init; }

    /// <summary>Where the JWT signing keys come from: <c>keyVault</c> or <c>development</c>.</summary>
    public string? KeySource { get; init; }
}
