using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ServerlessAuth.Tokens;

/// <summary>Says at start where the signing keys come from, and warns loudly when it is the development source.</summary>
internal sealed class SigningKeySourceAnnouncer(IOptions<ServerlessAuthOptions> options, ILogger<SigningKeySourceAnnouncer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var vault = options.Value.KeyVault;
        if (vault.Uri is null)
        {
            Log.DevelopmentKeySource(logger);
        }
        else
        {
            Log.KeyVaultKeySource(logger, vault.Uri, vault.SigningKeySecretName);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
