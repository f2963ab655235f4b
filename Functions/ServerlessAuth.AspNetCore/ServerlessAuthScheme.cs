using Microsoft.Extensions.Options;
using ServerlessAuth.ApiKeys;

namespace ServerlessAuth.AspNetCore;

/// <summary>The one ServerlessAuth scheme of the application: its name, its validated options, its clock.</summary>
internal sealed class ServerlessAuthScheme(string name, IOptionsMonitor<ServerlessAuthAuthenticationOptions> options, TimeProvider? time)
{
    private string? _lead;

    public string Name { get; } = name;

    /// <summary>The options (validated at start; the monitor caches them).</summary>
    public ServerlessAuthAuthenticationOptions Options => options.Get(Name);

    /// <summary>The fixed start of this deployment's API keys, e.g. <c>sa_live_</c>.</summary>
    public string KeyLead => _lead ??= ApiKeyText.Lead(Options.ApiKeyPrefix, Options.ApiKeyEnvironment);

    /// <summary>The scheme's clock: the options' <c>TimeProvider</c>, else the application's, else the system's.</summary>
    public TimeProvider Time => Options.TimeProvider ?? time ?? TimeProvider.System;
}
