using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessAuth.Security;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Hardening;

/// <summary>
/// The whole-run check that no log line carries a secret (every <see cref="TestApp"/> scans its logs and throws when
/// disposed) must be able to fail: planted lines prove that it does, and that its report does not repeat the secret.
/// </summary>
public sealed class LogSecretScanTests
{
    [Fact]
    public async Task Dispose_FailsNamingCategoryAndEventWhenALogLineCarriesAnIssuedSecret()
    {
        var app = await TestApp.StartAsync();
        var (_, key, _) = await app.SeedAsync("owner", "a");
        var registered = await AppTestData.RegisterAsync(app, ["a"]);
        var token = await AppTestData.TokenAsync(app, registered);
        var planted = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Planted.Leak");

        // Interpolated on purpose: exactly what the analyzers and this check are there to stop.
#pragma warning disable CA1848, CA2254, CA1873
        planted.LogInformation(new EventId(4201), $"key {key[..^6]}");
        planted.LogDebug(new EventId(4202), "row {Row}", "secret|" + SecretDigest.Compute(key));
        planted.LogTrace(new EventId(4203), "client {Secret}", registered.Secret);
        planted.LogWarning(new EventId(4204), new InvalidOperationException("bad token " + token), "failed");
        planted.LogInformation(new EventId(4205), "nothing secret: {Hint}", "sa_live_…" + key[^4..]);
#pragma warning restore CA1848, CA2254, CA1873

        var failure = await Assert.ThrowsAsync<SecretInLogException>(() => app.DisposeAsync().AsTask());
        Assert.True(app.LogScan.TextsScanned > 50, $"only {app.LogScan.TextsScanned} log texts reached the scanner");
        Assert.True(app.LogScan.MaterialCount >= 6, $"only {app.LogScan.MaterialCount} secret forms harvested");

        Assert.Contains("Planted.Leak event 4201 at Information: contains", failure.Message);
        Assert.Contains("Planted.Leak event 4202 at Debug: contains", failure.Message);
        Assert.Contains("SHA-256 digest", failure.Message);
        Assert.Contains("Planted.Leak event 4203 at Trace: contains", failure.Message);
        Assert.Contains("Planted.Leak event 4204 at Warning: contains", failure.Message);
        Assert.DoesNotContain("event 4205", failure.Message);
        foreach (var secret in new[] { key[^38..^6], SecretDigest.Compute(key)[..16], registered.Secret[..16], token.Split('.')[2][..16] })
        {
            Assert.DoesNotContain(secret, failure.Message);
        }
    }

    [Fact]
    public void Scan_CatchesALineLoggedBeforeTheSecretWasHarvested()
    {
        var scanner = new SecretLeakScanner();
        var secret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        scanner.Scan("Early event 1 at Information", "created with " + secret);
        scanner.Scan("Early event 2 at Information", "created with " + secret[..20]); // shorter than a window: a hint, not a leak

        scanner.HarvestSecret(secret, "app secret");

        var failure = Assert.Throws<SecretInLogException>(scanner.ThrowIfLeaked);
        Assert.Contains("Early event 1", failure.Message);
        Assert.DoesNotContain("Early event 2", failure.Message);
    }

    [Fact]
    public void Scan_ExcusesOnlyTheHostingRequestLogForASecretTheClientPutInTheUrl()
    {
        var secret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        var scanner = new SecretLeakScanner();
        scanner.HarvestSecret(secret, "app secret");
        scanner.Scan("Microsoft.AspNetCore.Hosting.Diagnostics event 1 at Information", "Request starting POST /api/v1/token?client_secret=" + secret);
        scanner.ExposedInUrlByClient(secret);
        scanner.ThrowIfLeaked();

        scanner.Scan("ServerlessAuth.Tokens.TokenEndpointHandler event 1 at Debug", "refused " + secret);
        var failure = Assert.Throws<SecretInLogException>(scanner.ThrowIfLeaked);
        Assert.Contains("TokenEndpointHandler", failure.Message);
        Assert.DoesNotContain("Hosting", failure.Message);
    }

    [Fact]
    public void Scan_CatchesAnyThirtySixCharacterSliceOfASecret()
    {
        var secret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        for (var start = 0; start + 36 <= secret.Length; start++)
        {
            var scanner = new SecretLeakScanner();
            scanner.HarvestSecret(secret, "app secret");
            scanner.Scan("Slice event 1 at Debug", string.Concat("x", secret.AsSpan(start, 36), "y"));
            Assert.Throws<SecretInLogException>(scanner.ThrowIfLeaked);
        }
    }
}
