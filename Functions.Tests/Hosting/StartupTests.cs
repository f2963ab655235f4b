using System.Text.Json.Nodes;
using ServerlessAuth.Tests.Infra;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Hosting;

/// <summary>What a developer or operator sees when the standalone host starts: its issuer, or why it cannot start.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("http://localhost:8080", "http://localhost:8080")]
    [InlineData("http://*:8080;https://*:8443", "http://localhost:8080")]
    [InlineData(" http://+:5000 ", "http://localhost:5000")]
    [InlineData("http://0.0.0.0:5000", "http://localhost:5000")]
    [InlineData("http://[::]:5000", "http://localhost:5000")]
    [InlineData("http://[::1]:7000", "http://[::1]:7000")]
    [InlineData("https://auth.example.test:8443/", "https://auth.example.test:8443")]
    [InlineData("http://localhost", "http://localhost")]
    [InlineData("http://127.0.0.1:0", null)]
    [InlineData("ftp://localhost:21", null)]
    [InlineData("localhost:8080", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void IssuerFromUrls_IsTheFirstAddressWithWildcardsAsLocalhostGivenUrlsSetting(string? urls, string? issuer) =>
        Assert.Equal(issuer, ServerlessAuthOptions.IssuerFromUrls(urls));

    [Fact]
    public async Task Metadata_NamesTheListeningAddressAsIssuerGivenDevelopmentWithoutIssuerSetting()
    {
        var metadata = await MetadataAsync(new() { ["urls"] = "http://*:8123" });

        // A resource server configured with the address the developer chose finds the same issuer and JWKS there.
        Assert.Equal("http://localhost:8123", (string?)metadata["issuer"]);
        Assert.Equal("http://localhost:8123/.well-known/jwks.json", (string?)metadata["jwks_uri"]);
    }

    [Fact]
    public async Task Metadata_KeepsTheConfiguredIssuerGivenIssuerSetting()
    {
        var metadata = await MetadataAsync(new() { ["urls"] = "http://*:8123", ["ServerlessAuth:Issuer"] = "https://auth.example.test" });

        Assert.Equal("https://auth.example.test", (string?)metadata["issuer"]);
    }

    [Fact]
    public async Task Metadata_IgnoresTheListeningAddressGivenProduction()
    {
        // Behind a proxy or a platform front end the address listened on is not the one clients use. (It also shows
        // that the development key source is accepted outside Development when allowed explicitly.)
        var metadata = await MetadataAsync(new()
        {
            ["urls"] = "http://*:8123",
            ["environment"] = "Production",
            ["ServerlessAuth:KeyVault:AllowDevelopmentKeySource"] = "true",
        });

        Assert.Equal("http://localhost:7071", (string?)metadata["issuer"]);
    }

    [Fact]
    public async Task Host_ExitsWithOneAndListsEverySettingWithoutStackTraceGivenInvalidConfiguration()
    {
        var run = await RunHostAsync(new()
        {
            ["ServerlessAuth__AdminKey"] = "sa_admin_CHANGE-ME-to-32-or-more-random-characters",
            ["ServerlessAuth__Cache__Ttl"] = "01:00:00",
        });

        Assert.Equal(1, run.ExitCode);
        var lines = run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("ServerlessAuth cannot start: 3 setting(s) to fix.", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("- ServerlessAuth:Storage: set ConnectionString", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("- ServerlessAuth:AdminKey is still the sample's placeholder", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("- ServerlessAuth:Cache:Ttl must be between 0 and 5 minutes", StringComparison.Ordinal));
        Assert.Equal(4, lines.Length);
        Assert.DoesNotContain("   at ", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_RefusesAConnectionStringWithoutQuotingItGivenGarbage()
    {
        var run = await RunHostAsync(new()
        {
            ["ServerlessAuth__AdminKey"] = TestApp.AdminKey,
            ["ServerlessAuth__Storage__ConnectionString"] = "AccountName=x;AccountKey=not-a-real-key;Nonsense",
        });

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("ServerlessAuth:Storage:ConnectionString is not a storage connection string", run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-real-key", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_RefusesToStartOutsideDevelopmentWithoutKeyVaultGivenNoExplicitAllowance()
    {
        // Private signing keys would otherwise sit in Table Storage in a real deployment, silently.
        var run = await RunHostAsync(new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ServerlessAuth__AdminKey"] = TestApp.AdminKey,
            ["ServerlessAuth__Storage__ConnectionString"] = "UseDevelopmentStorage=true",
        });

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("ServerlessAuth:KeyVault:AllowDevelopmentKeySource=true", run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
    }

    private static async Task<JsonObject> MetadataAsync(Dictionary<string, string?> settings)
    {
        await using var app = await TestApp.StartAsync(settings: settings);
        return JsonNode.Parse(await app.CreateClient().GetStringAsync("/.well-known/oauth-authorization-server"))!.AsObject();
    }

    /// <summary>The built standalone host in a process of its own, with only <paramref name="settings"/> of ours set.</summary>
    private static Task<ProcessResult> RunHostAsync(Dictionary<string, string?> settings)
    {
        settings.TryAdd("ASPNETCORE_ENVIRONMENT", "Development");
        var output = BuildOutputAttribute.Of("ServerlessAuth.Web");

        // Port 0: should the host start after all, it binds nothing of anyone's and the deadline ends it.
        return ProcessRunner.RunAsync("dotnet", [Path.Combine(output, "ServerlessAuth.Web.dll"), "--urls", "http://127.0.0.1:0"], output,
            ProcessRunner.OnlyServerlessAuthSettings(settings), TimeSpan.FromSeconds(60));
    }
}
