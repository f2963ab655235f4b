using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests;

/// <summary>Settings are checked at start, every error reported at once.</summary>
public sealed class ServerlessAuthOptionsValidatorTests
{
    [Fact]
    public void Validate_RefusesSkewOverAMinuteAndAPublicationDelayShorterThanTheJwksCache()
    {
        var options = new ServerlessAuthOptions { AdminKey = new string('k', 32) };
        options.Storage.ConnectionString = "UseDevelopmentStorage=true";
        options.Tokens.ClockSkew = TimeSpan.FromSeconds(61);
        options.Tokens.KeyPublicationDelay = TimeSpan.FromMinutes(10);

        var result = new ServerlessAuthOptionsValidator(TestEnvironments.Development).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("ClockSkew", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("KeyPublicationDelay", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_AcceptsTheDocumentedDefaults()
    {
        var options = new ServerlessAuthOptions { AdminKey = new string('k', 32) };
        options.Storage.ConnectionString = "UseDevelopmentStorage=true";

        Assert.True(new ServerlessAuthOptionsValidator(TestEnvironments.Development).Validate(null, options).Succeeded);
        Assert.Null(options.Tokens.Audience);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Tokens.ClockSkew);
        Assert.Equal(TimeSpan.FromHours(1), options.Tokens.DefaultLifetime);
    }

    [Fact]
    public void Validate_RefusesADirectoryTtlOverFiveMinutesAndDefaultsItToTheKeyTtl()
    {
        var options = new ServerlessAuthOptions { AdminKey = new string('k', 32) };
        options.Storage.ConnectionString = "UseDevelopmentStorage=true";
        options.Cache.Ttl = TimeSpan.FromSeconds(3);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Cache.EffectiveDirectoryTtl);

        options.Cache.DirectoryTtl = TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1);
        var result = new ServerlessAuthOptionsValidator(TestEnvironments.Development).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Cache:DirectoryTtl", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RefusesAnUnresolvedKeyVaultReferenceAsTheAdminKey()
    {
        var options = new ServerlessAuthOptions { AdminKey = "@Microsoft.KeyVault(VaultName=kv-abc;SecretName=admin-key)" };
        options.Storage.ConnectionString = "UseDevelopmentStorage=true";

        var result = new ServerlessAuthOptionsValidator(TestEnvironments.Development).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("unresolved Key Vault reference", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("sa_admin_CHANGE-ME-to-32-or-more-random-characters")]
    [InlineData("sa_admin_changeme_0123456789abcdefghijklmnopq")]
    [InlineData("CHANGE_ME_CHANGE_ME_CHANGE_ME_CHANGE_ME")]
    public void Validate_RefusesThePlaceholderAdminKeyGivenSampleSettings(string adminKey)
    {
        // local.settings.sample.json is public: a host that accepted its value would have a known admin key.
        var options = new ServerlessAuthOptions { AdminKey = adminKey };
        options.Storage.ConnectionString = "UseDevelopmentStorage=true";

        var failures = new ServerlessAuthOptionsValidator(TestEnvironments.Development).Validate(null, options).Failures;

        Assert.Equal(["ServerlessAuth:AdminKey is still the sample's placeholder: set a random key of 32 or more characters (e.g. the output of `openssl rand -base64 32`)."], failures);
    }

    [Fact]
    public void Validate_AcceptsTheSampleAdminKeyPlaceholderNowhereGivenRepositorySample()
    {
        var sample = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Infrastructure.RepositoryRootAttribute.Value, "local.settings.sample.json")))!;
        var options = new ServerlessAuthOptions { AdminKey = (string)sample["Values"]!["ServerlessAuth__AdminKey"]! };
        options.Storage.ConnectionString = "UseDevelopmentStorage=true";

        Assert.True(new ServerlessAuthOptionsValidator(TestEnvironments.Development).Validate(null, options).Failed);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("AccountName=devstoreaccount1;AccountKey=bm90LWEta2V5;Nonsense")]
    [InlineData("TableEndpoint=not a uri")]
    public void Validate_RefusesAStringTheTableClientCannotParseWithoutQuotingIt(string connectionString)
    {
        var options = new ServerlessAuthOptions { AdminKey = new string('k', 32) };
        options.Storage.ConnectionString = connectionString;

        var failure = Assert.Single(new ServerlessAuthOptionsValidator(TestEnvironments.Development).Validate(null, options).Failures!);

        Assert.StartsWith("ServerlessAuth:Storage:ConnectionString is not a storage connection string", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(connectionString, failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UseDevelopmentStorage=true")]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;")]
    public void Validate_AcceptsAzuriteConnectionStrings(string connectionString)
    {
        var options = new ServerlessAuthOptions { AdminKey = new string('k', 32) };
        options.Storage.ConnectionString = connectionString;

        Assert.True(new ServerlessAuthOptionsValidator(TestEnvironments.Development).Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validate_ReportsEveryErrorAtOnce()
    {
        var options = new ServerlessAuthOptions { AdminKey = "short", Issuer = "not a uri" };
        options.Cache.Ttl = TimeSpan.FromHours(1);

        var failures = new ServerlessAuthOptionsValidator(TestEnvironments.Development).Validate(null, options).Failures!.ToList();

        Assert.Contains(failures, f => f.Contains("ServerlessAuth:Storage", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("AdminKey must be at least 32", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Issuer", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Cache:Ttl", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Production", null, false, false)]
    [InlineData("Staging", null, false, false)]
    [InlineData("Production", null, true, true)]
    [InlineData("Production", "https://kv-serverlessauth.vault.azure.net/", false, true)]
    [InlineData("Development", null, false, true)]
    public void Validate_OutsideDevelopmentRefusesTheDevelopmentKeySourceUnlessAllowed(string environment, string? vault, bool allow, bool valid)
    {
        var options = new ServerlessAuthOptions { AdminKey = new string('k', 32) };
        options.Storage.ConnectionString = "UseDevelopmentStorage=true";
        options.KeyVault.Uri = vault is null ? null : new Uri(vault);
        options.KeyVault.AllowDevelopmentKeySource = allow;

        var result = new ServerlessAuthOptionsValidator(TestEnvironments.Named(environment)).Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            var failure = Assert.Single(result.Failures!);
            Assert.Contains("ServerlessAuth:KeyVault:Uri", failure, StringComparison.Ordinal);
            Assert.Contains("ServerlessAuth:KeyVault:AllowDevelopmentKeySource=true", failure, StringComparison.Ordinal);
            Assert.Contains(environment, failure, StringComparison.Ordinal);
        }
    }
}
