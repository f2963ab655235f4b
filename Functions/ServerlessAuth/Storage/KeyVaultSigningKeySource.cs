using System.Globalization;
using Azure;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.Storage;

/// <summary>
/// The JWT signing keys in Key Vault: one secret (<see cref="KeyVaultOptions.SigningKeySecretName"/>), one secret
/// version per key. The value is the P-256 private key as PKCS#8 PEM (content type <c>application/x-pem-file</c>);
/// the tags say what it is and when it signs: <c>kid</c>, <c>alg</c>, <c>createdAt</c>, <c>activatesAt</c>, and
/// <c>ring</c>, the versions of the older keys still published when it was written. The newest version therefore
/// describes the whole ring, and a rotation is a single <c>SetSecret</c>: never half done. A key's retirement is its
/// successor's <c>activatesAt</c>; its removal follows from the retention (see <see cref="SigningKeyRing"/>).
/// </summary>
/// <remarks>
/// Every vault fault (403 no access, 429 throttled, 5xx, network, credential) is thrown as a
/// <see cref="ServiceUnavailableException"/> naming <c>keyVault</c>; a 404 for the secret means "no key yet".
/// </remarks>
internal sealed class KeyVaultSigningKeySource(SecretClient client, IOptions<ServerlessAuthOptions> options, ILogger<KeyVaultSigningKeySource> logger) : ISigningKeySource
{
    public const string PemContentType = "application/x-pem-file";

    private readonly string _name = options.Value.KeyVault.SigningKeySecretName;

    public string Name => SigningKeyRing.KeyVaultSourceName;

    public async Task<IReadOnlyList<StoredSigningKey>> LoadAsync(CancellationToken cancellationToken)
    {
        var latest = await GetAsync(version: null, cancellationToken);
        if (latest is null)
        {
            return [];
        }

        var keys = new List<StoredSigningKey> { ToKey(latest) };
        var ring = latest.Properties.Tags.TryGetValue("ring", out var versions) ? versions : "";
        foreach (var version in ring.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var older = await GetAsync(version, cancellationToken);
            if (older is null)
            {
                // Deleted or purged by hand: its tokens can no longer be validated, the rest of the ring still can.
                Log.SigningKeyVersionMissing(logger, _name, version);
                continue;
            }

            keys.Add(ToKey(older));
        }

        return keys;
    }

    public async Task SaveAsync(StoredSigningKey key, IReadOnlyList<StoredSigningKey> keep, CancellationToken cancellationToken)
    {
        var secret = new KeyVaultSecret(_name, key.PrivateKeyPem);
        secret.Properties.ContentType = PemContentType;
        secret.Properties.Tags["kid"] = key.Kid;
        secret.Properties.Tags["alg"] = "ES256";
        secret.Properties.Tags["createdAt"] = key.CreatedAt.ToString("O", CultureInfo.InvariantCulture);
        secret.Properties.Tags["activatesAt"] = key.ActivatesAt.ToString("O", CultureInfo.InvariantCulture);
        secret.Properties.Tags["ring"] = string.Join(' ', keep.Select(k => k.SourceVersion));
        try
        {
            await client.SetSecretAsync(secret, cancellationToken);
        }
        catch (Exception e) when (IsVaultFault(e, cancellationToken))
        {
            throw Unavailable(e);
        }
    }

    private async Task<KeyVaultSecret?> GetAsync(string? version, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.GetSecretAsync(_name, version, outContentType: null, cancellationToken);
            return response.Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (Exception e) when (IsVaultFault(e, cancellationToken))
        {
            throw Unavailable(e);
        }
    }

    private StoredSigningKey ToKey(KeyVaultSecret secret)
    {
        var tags = secret.Properties.Tags;
        if (!tags.TryGetValue("kid", out var kid) || !tags.TryGetValue("activatesAt", out var activates)
            || !DateTimeOffset.TryParse(activates, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var activatesAt))
        {
            throw new InvalidDataException($"Key Vault secret {_name} version {secret.Properties.Version} lacks the kid or activatesAt tag.");
        }

        var createdAt = tags.TryGetValue("createdAt", out var created) && DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var c)
            ? c
            : activatesAt;
        return new StoredSigningKey(kid, secret.Value, createdAt, activatesAt, secret.Properties.Version ?? "");
    }

    private static bool IsVaultFault(Exception e, CancellationToken cancellationToken) =>
        e is not ServiceUnavailableException && ServiceUnavailableException.IsDependencyFault(e, cancellationToken);

    private static ServiceUnavailableException Unavailable(Exception e) =>
        new("Key Vault did not answer as it should.", e) { Dependency = SigningKeyRing.KeyVaultSourceName };
}
