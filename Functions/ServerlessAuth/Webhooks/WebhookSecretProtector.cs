using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Webhooks;

/// <summary>Where the key that encrypts webhook secrets at rest lives: Key Vault, or (locally) Table Storage.</summary>
internal interface IWebhookKeySource
{
    /// <summary>The key new secrets are encrypted with, creating it on first use: its id and its 32 bytes.</summary>
    Task<(string Id, byte[] Key)> GetCurrentAsync(CancellationToken cancellationToken);

    /// <summary>A key by id (null if it no longer exists).</summary>
    Task<byte[]?> GetAsync(string id, CancellationToken cancellationToken);
}

/// <summary>
/// Keeps webhook signing secrets encrypted at rest: AES-256-GCM under a key from <see cref="IWebhookKeySource"/>
/// (Key Vault in Azure), with the tenant and endpoint ids as associated data, so a ciphertext copied onto another
/// endpoint's row does not decrypt. Stored form: <c>{key id}:{base64 of nonce, ciphertext and tag}</c>.
/// </summary>
/// <remarks>
/// Signing needs the secret itself, so a digest (as for API keys) cannot serve. Encrypting here rather than keeping
/// one Key Vault secret per endpoint keeps every change of an endpoint (its secrets included) one ETag-guarded
/// table write, costs Key Vault one read per key and instance instead of one per delivery, and leaves no orphaned
/// vault secrets when a table write fails. Reading Table Storage alone yields no usable secret in Azure.
/// </remarks>
internal sealed class WebhookSecretProtector(IWebhookKeySource source, TimeProvider time)
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private static readonly TimeSpan CurrentKeyTtl = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, byte[]> _keys = new(StringComparer.Ordinal);
    private (string Id, DateTimeOffset ReadAt)? _current;

    public async Task<string> ProtectAsync(string secret, TenantId tenant, WebhookId webhook, CancellationToken cancellationToken)
    {
        var (id, key) = await CurrentAsync(cancellationToken);
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(key, TagBytes))
        {
            aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), Associated(tenant, webhook));
        }

        CryptographicOperations.ZeroMemory(plain);
        return id + ":" + Convert.ToBase64String(sealedBytes);
    }

    public async Task<string> UnprotectAsync(string stored, TenantId tenant, WebhookId webhook, CancellationToken cancellationToken)
    {
        var colon = stored.LastIndexOf(':');
        var id = stored[..colon];
        var sealedBytes = Convert.FromBase64String(stored[(colon + 1)..]);
        var key = await KeyAsync(id, cancellationToken);
        var plain = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        using (var aes = new AesGcm(key, TagBytes))
        {
            aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), plain, Associated(tenant, webhook));
        }

        var secret = Encoding.UTF8.GetString(plain);
        CryptographicOperations.ZeroMemory(plain);
        return secret;
    }

    private async Task<(string Id, byte[] Key)> CurrentAsync(CancellationToken cancellationToken)
    {
        if (_current is { } current && time.GetUtcNow() - current.ReadAt < CurrentKeyTtl && _keys.TryGetValue(current.Id, out var cached))
        {
            return (current.Id, cached);
        }

        var (id, key) = await source.GetCurrentAsync(cancellationToken);
        _keys[id] = key;
        _current = (id, time.GetUtcNow());
        return (id, key);
    }

    private async Task<byte[]> KeyAsync(string id, CancellationToken cancellationToken)
    {
        if (_keys.TryGetValue(id, out var key))
        {
            return key;
        }

        key = await source.GetAsync(id, cancellationToken)
            ?? throw new InvalidDataException($"The webhook secret key {id} no longer exists: rotate the endpoint's secret.");
        _keys[id] = key;
        return key;
    }

    private static byte[] Associated(TenantId tenant, WebhookId webhook) => Encoding.UTF8.GetBytes(tenant.Value + "|" + webhook.Value);
}
