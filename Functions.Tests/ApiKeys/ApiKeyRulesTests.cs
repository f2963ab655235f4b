using ServerlessAuth.ApiKeys;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Tests.ApiKeys;

public sealed class ApiKeyRulesTests
{
    private static readonly DateTimeOffset Created = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ApiKey Key(DateTimeOffset? lastUsed = null, ApiKeyStatus status = ApiKeyStatus.Active) => new()
    {
        TenantId = TenantId.FromStorage("acme"),
        Id = ApiKeyId.FromStorage("key_00000000000000000000"),
        OperatorId = OperatorId.FromStorage("alice"),
        Name = "k",
        Scopes = new HashSet<string>(),
        Status = status,
        Hint = "sa_live_…abcd",
        SecretDigest = new string('0', 64),
        CreatedAt = Created,
        ExpiresAt = Created.AddDays(30),
        LastUsedAt = lastUsed,
    };

    [Fact]
    public void EffectiveStatus_IsActiveOneSecondBeforeExpiryAndExpiredExactlyAtIt()
    {
        var key = Key();
        Assert.Equal(ApiKeyStatus.Active, key.EffectiveStatus(key.ExpiresAt.AddSeconds(-1)));
        Assert.Equal(ApiKeyStatus.Expired, key.EffectiveStatus(key.ExpiresAt));
    }

    [Fact]
    public void EffectiveStatus_StaysRevokedAfterExpiry()
    {
        var key = Key(status: ApiKeyStatus.Revoked);
        Assert.Equal(ApiKeyStatus.Revoked, key.EffectiveStatus(key.ExpiresAt.AddDays(1)));
    }

    [Fact]
    public void IsStale_CountsFromCreationWhenNeverUsed()
    {
        var key = Key();
        Assert.False(key.IsStale(Created.AddDays(10).AddSeconds(-1), staleAfterDays: 10));
        Assert.True(key.IsStale(Created.AddDays(10), staleAfterDays: 10));
    }

    [Fact]
    public void IsStale_CountsFromLastUse()
    {
        var key = Key(lastUsed: Created.AddDays(5));
        Assert.False(key.IsStale(Created.AddDays(15).AddSeconds(-1), staleAfterDays: 10));
        Assert.True(key.IsStale(Created.AddDays(15), staleAfterDays: 10));
    }
}
