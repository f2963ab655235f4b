using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Storage;

/// <summary>The <c>serverlessauth.storage.requests</c> counter tells point reads from queries (what costs tests and the benchmark count).</summary>
public sealed class StorageMetricsTests
{
    [Fact]
    public async Task Count_TellsAPointReadFromAQuery()
    {
        await using var app = await TestApp.StartAsync();
        var (tenantText, _, _) = await app.SeedAsync("owner", "a");
        Assert.True(TenantId.TryParse(tenantText, out var tenant));
        using var counter = new StorageRequestCounter(app.Services);

        Assert.NotNull(await app.Get<TenantStore>().GetAsync(tenant, default));
        Assert.Equal((1, 0), (counter.Reads, counter.Queries));

        counter.Reset();
        await app.Get<ApiKeyStore>().ListAsync(tenant, op: null, status: null, DateTimeOffset.UtcNow, 10, null, default);
        Assert.Equal((0, 1), (counter.Reads, counter.Queries));
        Assert.Equal(1, counter.Total);
    }
}
