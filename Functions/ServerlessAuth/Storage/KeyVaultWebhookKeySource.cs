using System.Security.Cryptography;
using Azure;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Options;
using ServerlessAuth.Tokens;
using ServerlessAuth.Webhooks;

namespace ServerlessAuth.Storage;

/// <summary>
/// The key that encrypts webhook secrets, in Key Vault: secret <see cref="KeyVaultOptions.WebhookKeySecretName"/>,
/// 32 random bytes in base64, one version per key. Ciphertexts name the version they were made with, so a new
/// version (two instances creating the first key at once, or an operator adding one) never strands older ones.
/// </summary>
internal sealed class KeyVaultWebhookKeySource(SecretClient client, IOptions<ServerlessAuthOptions> options) : IWebhookKeySource
{
    private readonly string _name = options.Value.KeyVault.WebhookKeySecretName;

    public async Task<(string Id, byte[] Key)> GetCurrentAsync(CancellationToken cancellationToken)
    {
        var latest = await GetSecretAsync(version: null, cancellationToken);
        if (latest is null)
        {
            try
            {
                latest = (await client.SetSecretAsync(new KeyVaultSecret(_name, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))), cancellationToken)).Value;
            }
            catch (Exception e) when (e is not ServiceUnavailableException && ServiceUnavailableException.IsDependencyFault(e, cancellationToken))
            {
                throw Unavailable(e);
            }
        }

        return (latest.Properties.Version, Convert.FromBase64String(latest.Value));
    }

    public async Task<byte[]?> GetAsync(string id, CancellationToken cancellationToken) =>
        await GetSecretAsync(id, cancellationToken) is { } secret ? Convert.FromBase64String(secret.Value) : null;

    private async Task<KeyVaultSecret?> GetSecretAsync(string? version, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.GetSecretAsync(_name, version, outContentType: null, cancellationToken)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (Exception e) when (e is not ServiceUnavailableException && ServiceUnavailableException.IsDependencyFault(e, cancellationToken))
        {
            throw Unavailable(e);
        }
    }

    private static ServiceUnavailableException Unavailable(Exception e) =>
        new("Key Vault did not answer as it should.", e) { Dependency = SigningKeyRing.KeyVaultSourceName };
}

/// <summary>
/// The key that encrypts webhook secrets without Key Vault (local development): one row of the <c>Webhooks</c>
/// table, next to the data it protects, so it protects nothing against a reader of the storage account. For
/// development only, like <see cref="DevelopmentSigningKeySource"/>, whose start-up warning covers both.
/// </summary>
internal sealed class DevelopmentWebhookKeySource(TableStorage storage) : IWebhookKeySource
{
    private const string Partition = "development-key";
    private const string Id = "development";

    public async Task<(string Id, byte[] Key)> GetCurrentAsync(CancellationToken cancellationToken)
    {
        if (await GetAsync(Id, cancellationToken) is { } key)
        {
            return (Id, key);
        }

        var table = await storage.GetAsync(TableStorage.Webhooks, cancellationToken);
        var entity = new Azure.Data.Tables.TableEntity(Partition, Id) { ["Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        if (await StoreWrites.AddAsync(table, entity, cancellationToken) == WriteOutcome.Conflict)
        {
            // Another instance created it first: use that one.
            return (Id, await GetAsync(Id, cancellationToken) ?? throw new InvalidDataException("The development webhook key vanished."));
        }

        return (Id, Convert.FromBase64String(entity.GetString("Key")));
    }

    public async Task<byte[]?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Webhooks, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>(Partition, id, cancellationToken: cancellationToken);
        return row.HasValue ? Convert.FromBase64String(row.Value!.GetString("Key")) : null;
    }
}
