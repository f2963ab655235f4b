using Microsoft.Extensions.Options;
using ServerlessAuth.ApiKeys;

namespace ServerlessAuth.AspNetCore;

/// <summary>The one ServerlessAuth scheme of the application: its name, its validated options, its clock.</summary>
internal sealed class ServerlessAuthScheme(string name, IOptionsMonitor<ServerlessAuthAuthenticationOptions> options, TimeProvider? time)
{
    private string? _lead;
    private ServerlessAuthAuthenticationOptions? _options;

    public string Name { get; } = name;

    /// <summary>The options, validated at start and fixed from then on (read once: they are on every request's path).</summary>
    public ServerlessAuthAuthenticationOptions Options => _options ??= options.Get(Name);

    /// <summary>The fixed start of this deployment's API keys, e.g. <c>sa_live_</c>.</summary>
    public string KeyLead => _lead ??= ApiKeyText.Lead(Options.ApiKeyPrefix, Options.ApiKeyEnvironment);

    /// <summary>The scheme's clock: the options' <c>TimeProvider</c>, else the application's, else the system's.</summary>
    public TimeProvider Time => Options.TimeProvider ?? time ?? TimeProvider.System;
}
