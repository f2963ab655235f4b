using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Lifecycle;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Lifecycle;

/// <summary>
/// The job processes a day's entries a hundred at a time, in parallel, and writes the index in transactions (at most
/// 100 actions, one partition each): every due key is still handled exactly once and leaves the index.
/// </summary>
public sealed class LifecycleBatchingTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 8, 0, 0, TimeSpan.Zero));
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(_time);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<LifecycleReport> RunAsync() => (await _app.Get<LifecycleRunner>().RunAsync(default))!;

    [Fact]
    public async Task Run_ExpiresAndLaterPurgesMoreKeysThanOneTransactionHoldsEachExactlyOnce()
    {
        const int Keys = 230;
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        await _app.PutOperatorAsync(tenant, "alice", "owner", "a");
        var expiresAt = _time.GetUtcNow().AddDays(1);
        await Parallel.ForEachAsync(Enumerable.Range(0, Keys), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
            await _app.IssueKeyAsync(tenant, "alice", ["a"], expiresAt));

        _time.SetUtcNow(expiresAt);
        var run = await RunAsync();
        Assert.Equal(Keys, run.Expired);
        Assert.Empty(run.Failures);

        // Every expiry entry left the index: the next run finds nothing to expire.
        var again = await RunAsync();
        Assert.Equal(0, again.Expired);
        Assert.Equal(0, again.EntriesRead);
        var active = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys?status=active");
        Assert.Empty(active["items"]!.AsArray());

        // The purge entries written in batches before the keys changed: all of them due after the retention period.
        _time.Advance(TimeSpan.FromDays(30));
        var purge = await RunAsync();
        Assert.Equal(Keys, purge.Purged);
        Assert.Empty(purge.Failures);
        var left = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys");
        Assert.Empty(left["items"]!.AsArray());
    }

    [Fact]
    public async Task DeleteAll_RemovesTheRestWhenAnOverlappingRunTookSomeEntriesAlready()
    {
        var due = _app.Get<DueStore>();
        Assert.True(TenantId.TryParse("t-batching", out var tenant));
        var at = _time.GetUtcNow();
        var entries = Enumerable.Range(0, 5).Select(i => new DueEntry(DueKind.Purge, at, tenant, "key_" + i)).ToList();
        await due.PutAllAsync(entries, default);

        // Another run deleted one already: the transaction over all five fails, and the job falls back to one by one.
        await due.DeleteAsync(entries[2], default);
        await due.DeleteAllAsync(entries, default);

        Assert.Empty(await due.ListDueAsync(DueKind.Purge, DueStore.Day(at), at, default));
    }
}
