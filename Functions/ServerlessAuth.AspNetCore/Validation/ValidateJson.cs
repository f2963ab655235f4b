using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServerlessAuth.AspNetCore.Validation;

/// <summary>The body of a <c>validate</c> call that reports more than one use.</summary>
internal sealed class ValidateRequestBody
{
    public required int Uses { get; init; }
}

/// <summary>The 200 answer of <c>validate</c> (the members the package reads).</summary>
internal sealed class ValidateResponseBody
{
    public bool Active { get; init; }

    public string? Kind { get; init; }

    public string? TenantId { get; init; }

    public string? CredentialId { get; init; }

    public string? Subject { get; init; }

    public string[]? Scopes { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }

    public string? Role { get; init; }
}

/// <summary>The <c>code</c> of a ServerlessAuth problem answer.</summary>
internal sealed class ProblemCodeBody
{
    public string? Code { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ValidateRequestBody))]
[JsonSerializable(typeof(ValidateResponseBody))]
[JsonSerializable(typeof(ProblemCodeBody))]
internal sealed partial class ValidateJsonContext : JsonSerializerContext;
