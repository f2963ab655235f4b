namespace ServerlessAuth.Tests.Infrastructure;

/// <summary>Reads one response header for assertions.</summary>
public static class ResponseHeader
{
    /// <summary>The header's values joined by ", ", or null when absent.</summary>
    public static string? Of(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
