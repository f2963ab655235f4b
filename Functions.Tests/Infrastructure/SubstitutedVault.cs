using Azure;
using Azure.Security.KeyVault.Secrets;
using NSubstitute;

namespace ServerlessAuth.Tests.Infrastructure;

/// <summary>
/// A <see cref="SecretClient"/> substituted with NSubstitute that behaves like one secret of a vault: every
/// <c>SetSecretAsync</c> adds a version, <c>GetSecretAsync(name, version, outContentType, cancellationToken)</c>
/// answers the newest (version null) or the named version, 404 for anything else. <see cref="Fault"/> makes every
/// call fail (403, 429, 5xx…).
/// </summary>
public sealed class SubstitutedVault
{
    public const string SecretName = "serverlessauth-jwt-signing-key";
    public const string VaultUri = "https://vault.test/";

    private readonly List<KeyVaultSecret> _versions = [];
    private readonly Lock _gate = new();

    public SubstitutedVault()
    {
        Client.GetSecretAsync(Arg.Any<string>(), Arg.Any<string?>(), Arg.Any<SecretContentType?>(), Arg.Any<CancellationToken>())
            .Returns(call => Get(call.ArgAt<string>(0), call.ArgAt<string?>(1)));
        Client.SetSecretAsync(Arg.Any<KeyVaultSecret>(), Arg.Any<CancellationToken>())
            .Returns(call => Set(call.Arg<KeyVaultSecret>()));
    }

    public SecretClient Client { get; } = Substitute.For<SecretClient>();

    /// <summary>When set, every call fails with it.</summary>
    public Exception? Fault { get; set; }

    public IReadOnlyList<KeyVaultSecret> Versions
    {
        get
        {
            lock (_gate)
            {
                return [.. _versions];
            }
        }
    }

    /// <summary>Settings that select the Key Vault source.</summary>
    public static Dictionary<string, string?> Settings() => new() { ["ServerlessAuth:KeyVault:Uri"] = VaultUri };

    public static KeyVaultSecret Secret(string name, string version, string value, string? contentType = null, IDictionary<string, string>? tags = null)
    {
        var properties = SecretModelFactory.SecretProperties(
            new Uri($"{VaultUri}secrets/{name}/{version}"), new Uri(VaultUri), name, version, false, null, null, null, null);
        properties.ContentType = contentType;
        foreach (var (tag, text) in tags ?? new Dictionary<string, string>())
        {
            properties.Tags[tag] = text;
        }

        return SecretModelFactory.KeyVaultSecret(properties, value);
    }

    private Task<Response<KeyVaultSecret>> Get(string name, string? version)
    {
        if (Fault is { } fault)
        {
            return Task.FromException<Response<KeyVaultSecret>>(fault);
        }

        KeyVaultSecret? found;
        lock (_gate)
        {
            found = name != SecretName ? null
                : version is null ? _versions.LastOrDefault()
                : _versions.FirstOrDefault(v => v.Properties.Version == version);
        }

        return found is null
            ? Task.FromException<Response<KeyVaultSecret>>(new RequestFailedException(404, "SecretNotFound", "SecretNotFound", null))
            : Task.FromResult(Response.FromValue(found, Substitute.For<Response>()));
    }

    private Task<Response<KeyVaultSecret>> Set(KeyVaultSecret secret)
    {
        if (Fault is { } fault)
        {
            return Task.FromException<Response<KeyVaultSecret>>(fault);
        }

        var stored = Secret(secret.Name, Guid.NewGuid().ToString("N"), secret.Value, secret.Properties.ContentType, secret.Properties.Tags);
        lock (_gate)
        {
            _versions.Add(stored);
        }

        return Task.FromResult(Response.FromValue(stored, Substitute.For<Response>()));
    }
}
