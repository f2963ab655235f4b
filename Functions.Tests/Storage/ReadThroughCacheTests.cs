using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Storage;

namespace ServerlessAuth.Tests.Storage;

public sealed class ReadThroughCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private int _loads;

    private ReadThroughCache Cache(int ttlSeconds = 5, int negativeSeconds = 2, int maxEntries = 1000) =>
        new(_time, Options.Create(new ServerlessAuthOptions
        {
            Cache = new CacheOptions { Ttl = TimeSpan.FromSeconds(ttlSeconds), NegativeTtl = TimeSpan.FromSeconds(negativeSeconds), MaxEntries = maxEntries },
        }));

    private Task<string?> Load(string? value)
    {
        Interlocked.Increment(ref _loads);
        return Task.FromResult(value);
    }

    [Fact]
    public async Task GetAsync_ServesFromMemoryUntilOneTickBeforeTtlAndReloadsExactlyAtIt()
    {
        var cache = Cache();
        Assert.Equal("v1", await cache.GetAsync("k", _ => Load("v1"), default));

        // Not used in the last fifth of its TTL, so not refreshed ahead: it expires, and the next use reads.
        _time.Advance(TimeSpan.FromSeconds(4) - TimeSpan.FromTicks(1));
        Assert.Equal("v1", await cache.GetAsync("k", _ => Load("v2"), default));
        Assert.Equal(1, _loads);
        _time.Advance(TimeSpan.FromSeconds(1) + TimeSpan.FromTicks(1));
        Assert.Equal("v2", await cache.GetAsync("k", _ => Load("v2"), default));
        Assert.Equal(2, _loads);
    }

    [Fact]
    public async Task GetAsync_InTheLastFifthOfTheTtl_AnswersAtOnceAndReadsAgainInTheBackground()
    {
        var cache = Cache();
        Assert.Equal("v1", await cache.GetAsync("k", _ => Load("v1"), default));
        _time.Advance(TimeSpan.FromSeconds(4));

        // The refresh has not answered (storage is slow), yet callers get the entry at once, and share one refresh.
        // (Continuations run inline: the refresh has cached its value when SetResult returns.)
        var refresh = new TaskCompletionSource<string?>();
        Func<CancellationToken, Task<string?>> slowLoad = _ =>
        {
            Interlocked.Increment(ref _loads);
            return refresh.Task;
        };
        Assert.Equal("v1", await cache.GetAsync("k", slowLoad, default));
        Assert.Equal("v1", await cache.GetAsync("k", slowLoad, default));
        Assert.Equal(2, _loads);

        // Once it answers, its value is served, for a full TTL from then: past the first entry's expiry (5 s) and
        // without a read until its own refresh point (4 + 4 s).
        refresh.SetResult("v2");
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("v2", await cache.GetAsync("k", _ => Load("v3"), default));
        _time.Advance(TimeSpan.FromSeconds(3) - TimeSpan.FromTicks(1));
        Assert.Equal("v2", await cache.GetAsync("k", _ => Load("v3"), default));
        Assert.Equal(2, _loads);
    }

    [Fact]
    public async Task GetAsync_NeverServesAnEntryPastItsTtlWhenItsRefreshFails()
    {
        var cache = Cache();
        Assert.Equal("v1", await cache.GetAsync("k", _ => Load("v1"), default));
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal("v1", await cache.GetAsync<string>("k", _ => Task.FromException<string?>(new TimeoutException()), default));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("v2", await cache.GetAsync("k", _ => Load("v2"), default));
    }

    [Fact]
    public async Task GetAsync_RemembersAbsenceForTheNegativeTtlOnly()
    {
        var cache = Cache();
        Assert.Null(await cache.GetAsync("k", _ => Load(null), default));
        _time.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        Assert.Null(await cache.GetAsync("k", _ => Load("now there"), default));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal("now there", await cache.GetAsync("k", _ => Load("now there"), default));
        Assert.Equal(2, _loads);
    }

    [Fact]
    public async Task GetAsync_ConcurrentMissesShareOneRead()
    {
        var cache = Cache();
        var gate = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiters = Enumerable.Range(0, 50).Select(_ => cache.GetAsync("k", _ =>
        {
            Interlocked.Increment(ref _loads);
            return gate.Task;
        }, default).AsTask()).ToList();

        gate.SetResult("v");
        Assert.All(await Task.WhenAll(waiters), v => Assert.Equal("v", v));
        Assert.Equal(1, _loads);
    }

    [Fact]
    public async Task Invalidate_MakesTheNextReadFreshEvenWhileAnOlderReadIsInFlight()
    {
        var cache = Cache();
        var stale = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var before = cache.GetAsync("k", _ => stale.Task, default).AsTask();

        cache.Invalidate("k");
        var after = await cache.GetAsync("k", _ => Load("fresh"), default);
        stale.SetResult("stale");

        Assert.Equal("stale", await before);
        Assert.Equal("fresh", after);

        // The read that started before the invalidation was not cached over the fresh one.
        Assert.Equal("fresh", await cache.GetAsync("k", _ => Load("reloaded"), default));
    }

    [Fact]
    public async Task Invalidate_OfOneEntryLetsTheReadOfAnotherInFlightBeCached()
    {
        var cache = Cache();
        var slow = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = cache.GetAsync("other", _ =>
        {
            Interlocked.Increment(ref _loads);
            return slow.Task;
        }, default).AsTask();

        cache.Invalidate("k");
        slow.SetResult("v");
        Assert.Equal("v", await inFlight);

        Assert.Equal("v", await cache.GetAsync("other", _ => Load("reloaded"), default));
        Assert.Equal(1, _loads);
    }

    [Fact]
    public async Task GetAsync_WithZeroTtlReadsEveryTime()
    {
        var cache = Cache(ttlSeconds: 0, negativeSeconds: 0);
        await cache.GetAsync("k", _ => Load("a"), default);
        await cache.GetAsync("k", _ => Load("a"), default);
        Assert.Equal(2, _loads);
    }

    [Fact]
    public async Task GetAsync_StaysWithinMaxEntries()
    {
        var cache = Cache(maxEntries: 10);
        for (var i = 0; i < 100; i++)
        {
            await cache.GetAsync("k" + i, _ => Load("v"), default);
        }

        // The first entry was evicted to make room: it is read again.
        _loads = 0;
        await cache.GetAsync("k0", _ => Load("v"), default);
        Assert.Equal(1, _loads);
    }

    [Fact]
    public async Task GetAsync_DropsExpiredEntriesLongBeforeMaxEntries()
    {
        // As under load: a stream of ids seen once each (new tokens' "not revoked" entries), each expiring after 2 s.
        var cache = Cache(maxEntries: 100_000);
        for (var second = 0; second < 60; second++)
        {
            for (var i = 0; i < 500; i++)
            {
                await cache.GetAsync($"k{second}-{i}", _ => Load(null), default);
            }

            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // 30,000 ids seen, 1,000 of them still live: the cache holds a small multiple of that, not 30,000.
        Assert.InRange(cache.Count, 1000, 4096);
    }

    [Fact]
    public async Task GetAsync_ALoadFailureIsNotCached()
    {
        var cache = Cache();
        await Assert.ThrowsAsync<TimeoutException>(async () => await cache.GetAsync<string>("k", _ => throw new TimeoutException(), default));
        Assert.Equal("ok", await cache.GetAsync("k", _ => Load("ok"), default));
    }
}
