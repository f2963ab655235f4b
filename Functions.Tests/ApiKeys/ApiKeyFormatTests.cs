using Microsoft.Extensions.Options;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Tests.ApiKeys;

public sealed class ApiKeyFormatTests
{
    private static readonly ApiKeyFormat Format = new(Options.Create(new ServerlessAuthOptions()));
    private static readonly TenantId Tenant = TenantId.TryParse("acme-prod", out var t) ? t : default;

    [Fact]
    public void Create_ProducesKeysThatParseBackToTheirTenant()
    {
        var key = Format.Create(Tenant);

        Assert.Matches("^sa_live_acme-prod_[0-9A-Za-z]{38}$", key);
        Assert.True(Format.TryParse(key, out var tenant));
        Assert.Equal(Tenant, tenant);
    }

    [Fact]
    public void Create_CarriesAtLeast160RandomBitsAndNeverRepeats()
    {
        // 32 base62 characters = 32 × log2(62) ≈ 190.5 bits.
        Assert.True(ApiKeyFormat.RandomLength * Math.Log2(62) >= 160);
        var keys = Enumerable.Range(0, 10_000).Select(_ => Format.Create(Tenant)).ToHashSet();
        Assert.Equal(10_000, keys.Count);
    }

    [Fact]
    public void TryParse_RejectsEverySingleCharacterTypo()
    {
        var key = Format.Create(Tenant);
        const string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        var start = "sa_live_acme-prod_".Length;
        for (var i = start; i < key.Length; i++)
        {
            var replacement = alphabet[(alphabet.IndexOf(key[i], StringComparison.Ordinal) + 1) % alphabet.Length];
            var typo = key[..i] + replacement + key[(i + 1)..];
            Assert.False(Format.TryParse(typo, out _), $"typo at {i} accepted");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("sa_live_")]
    [InlineData("sa_test_acme-prod_0123456789012345678901234567890123456789")]
    [InlineData("xx_live_acme-prod_0123456789012345678901234567890123456789")]
    [InlineData("sa_live_ACME_0123456789012345678901234567890123456789")]
    public void TryParse_RejectsWrongPrefixEnvironmentTenantOrLength(string presented) =>
        Assert.False(Format.TryParse(presented, out _));

    [Fact]
    public void TryParse_RejectsAKeyOfAnotherTenantWithItsTenantSwapped()
    {
        var key = Format.Create(Tenant);
        var swapped = key.Replace("acme-prod", "acme-test", StringComparison.Ordinal);
        Assert.False(Format.TryParse(swapped, out _));
    }

    [Fact]
    public void TryParse_AcceptsOnlyTheConfiguredEnvironmentMarker()
    {
        var test = new ApiKeyFormat(Options.Create(new ServerlessAuthOptions { ApiKeys = { Prefix = "kb", Environment = "test" } }));
        var key = test.Create(Tenant);

        Assert.StartsWith("kb_test_", key);
        Assert.True(test.TryParse(key, out _));
        Assert.False(Format.TryParse(key, out _));
    }

    [Fact]
    public void Hint_ShowsTheLeadAndLastFourCharactersOnly()
    {
        var key = Format.Create(Tenant);
        Assert.Equal("sa_live_…" + key[^4..], Format.Hint(key));
    }
}
