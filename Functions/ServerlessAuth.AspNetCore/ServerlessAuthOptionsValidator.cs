using Microsoft.Extensions.Options;
using ServerlessAuth.ApiKeys;

namespace ServerlessAuth.AspNetCore;

/// <summary>Validates the scheme's options at start and reports every error at once.</summary>
internal sealed class ServerlessAuthOptionsValidator : IValidateOptions<ServerlessAuthAuthenticationOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerlessAuthAuthenticationOptions options)
    {
        if (name != ServerlessAuthDefaults.AuthenticationScheme)
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = new List<string>();
        if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http")
            || !string.IsNullOrEmpty(authority.Query) || !string.IsNullOrEmpty(authority.Fragment))
        {
            errors.Add("ServerlessAuth: Authority is required: the absolute http(s) URI of the ServerlessAuth deployment (its ServerlessAuth:Issuer), without query or fragment.");
        }
        else if (authority.Scheme == "http" && options.RequireHttpsMetadata)
        {
            errors.Add("ServerlessAuth: Authority must be https; set RequireHttpsMetadata to false only for local development.");
        }

        if (options.Audience is not null && string.IsNullOrWhiteSpace(options.Audience))
        {
            errors.Add("ServerlessAuth: Audience, when set, must not be blank.");
        }

        if (!ApiKeyText.IsMarker(options.ApiKeyPrefix))
        {
            errors.Add("ServerlessAuth: ApiKeyPrefix must be 2 to 8 lowercase letters (the deployment's ApiKeys:Prefix).");
        }

        if (!ApiKeyText.IsMarker(options.ApiKeyEnvironment))
        {
            errors.Add("ServerlessAuth: ApiKeyEnvironment must be 2 to 8 lowercase letters (the deployment's ApiKeys:Environment, e.g. live or test).");
        }

        Range(errors, nameof(options.CacheTtl), options.CacheTtl, TimeSpan.Zero, TimeSpan.FromMinutes(5), "it bounds how long a revocation takes to reach this API");
        Range(errors, nameof(options.NegativeCacheTtl), options.NegativeCacheTtl, TimeSpan.Zero, TimeSpan.FromMinutes(1), null);
        Range(errors, nameof(options.ReportInterval), options.ReportInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1), null);
        Range(errors, nameof(options.ValidateTimeout), options.ValidateTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30), null);
        Range(errors, nameof(options.BreakDuration), options.BreakDuration, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), null);
        Range(errors, nameof(options.ClockSkew), options.ClockSkew, TimeSpan.Zero, TimeSpan.FromSeconds(60), null);
        if (options.MaxCacheEntries is < 1 or > 10_000_000)
        {
            errors.Add("ServerlessAuth: MaxCacheEntries must be between 1 and 10 000 000.");
        }

        if (!Enum.IsDefined(options.JwtValidation))
        {
            errors.Add("ServerlessAuth: JwtValidation must be Local or Remote.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Range(List<string> errors, string name, TimeSpan value, TimeSpan min, TimeSpan max, string? why)
    {
        if (value < min || value > max)
        {
            errors.Add($"ServerlessAuth: {name} must be between {min} and {max}{(why is null ? "" : ": " + why)}.");
        }
    }
}
