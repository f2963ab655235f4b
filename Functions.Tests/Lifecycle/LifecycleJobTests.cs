using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Http;
using ServerlessAuth.Lifecycle;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Lifecycle;

/// <summary>The lifecycle job, run through its admin route against Azurite, with the clock in the test's hands.</summary>
public sealed class LifecycleJobTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 8, 0, 0, TimeSpan.Zero));
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(_time);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<JsonObject> RunAsync() => await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, "/api/v1/admin/lifecycle/run");

    private async Task<JsonObject> KeyAsync(string tenant, string keyId) =>
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys/{keyId}");

    private async Task<JsonArray> LogAsync(string tenant, string type) =>
        (await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type={type}"))["items"]!.AsArray();

    private async Task<(string Tenant, string Key, string KeyId)> SeedAsync(object? tenantSettings = null, int lifetimeDays = 10)
    {
        var tenant = (string)(await _app.CreateTenantAsync(extra: tenantSettings))["id"]!;
        await _app.PutOperatorAsync(tenant, "alice", "owner", "a");
        var key = await _app.IssueKeyAsync(tenant, "alice", ["a"], _time.GetUtcNow().AddDays(lifetimeDays));
        return (tenant, (string)key["key"]!, (string)key["id"]!);
    }

    [Fact]
    public async Task Run_MarksAKeyExpiredOnlyOnceItsExpiryHasPassedAndOnlyOnce()
    {
        var (tenant, _, keyId) = await SeedAsync(lifetimeDays: 10);

        _time.Advance(TimeSpan.FromDays(10) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, (int)(await RunAsync())["expired"]!);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, (int)(await RunAsync())["expired"]!);
        Assert.Equal(0, (int)(await RunAsync())["expired"]!);

        Assert.Equal("expired", (string?)(await KeyAsync(tenant, keyId))["status"]);
        var events = await LogAsync(tenant, "key.expired");
        Assert.Equal("lifecycle", (string?)Assert.Single(events)!["actor"]);
    }

    [Fact]
    public async Task Run_RecordsExpiringSoonOnceWithinTheLeadTime()
    {
        var (tenant, _, keyId) = await SeedAsync(new { expiringSoonDays = 3 }, lifetimeDays: 10);

        _time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        await RunAsync();
        Assert.Empty(await LogAsync(tenant, "key.expiringSoon"));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, (int)(await RunAsync())["expiringSoon"]!);
        _time.Advance(TimeSpan.FromDays(1));
        await RunAsync();

        var soon = Assert.Single(await LogAsync(tenant, "key.expiringSoon"));
        Assert.Equal(keyId, (string?)soon!["credentialId"]);
    }

    [Fact]
    public async Task Run_FlagsAnUnusedKeyStaleAndRevokesItWhenThePolicySaysSo()
    {
        var (tenant, key, keyId) = await SeedAsync(new { staleAfterDays = 5, autoRevokeStale = true }, lifetimeDays: 30);

        _time.Advance(TimeSpan.FromDays(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, (int)(await RunAsync())["flaggedStale"]!);
        Assert.False((bool)(await KeyAsync(tenant, keyId))["stale"]!);

        _time.Advance(TimeSpan.FromSeconds(1));
        var report = await RunAsync();
        Assert.Equal(1, (int)report["flaggedStale"]!);
        Assert.Equal(1, (int)report["autoRevoked"]!);

        using var denied = await _app.ClientWith(key).PostAsync("/api/v1/validate", null);
        await Problem.AssertAsync(denied, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
        Assert.Equal("lifecycle", (string?)Assert.Single(await LogAsync(tenant, "key.autoRevoked"))!["actor"]);
    }

    [Fact]
    public async Task Run_DoesNotFlagAKeyThatWasUsedSinceItWasIssued()
    {
        var (tenant, key, keyId) = await SeedAsync(new { staleAfterDays = 5, autoRevokeStale = true }, lifetimeDays: 30);

        _time.Advance(TimeSpan.FromDays(3));
        using (var used = await _app.ClientWith(key).PostAsync("/api/v1/validate", null))
        {
            Assert.Equal(HttpStatusCode.OK, used.StatusCode);
        }

        await _app.Get<ServerlessAuth.ApiKeys.UsageRecorder>().FlushAsync(default);

        _time.Advance(TimeSpan.FromDays(3));
        Assert.Equal(0, (int)(await RunAsync())["flaggedStale"]!);
        Assert.Equal("active", (string?)(await KeyAsync(tenant, keyId))["status"]);

        // Five days after its last use it is stale.
        _time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, (int)(await RunAsync())["flaggedStale"]!);
    }

    [Fact]
    public async Task Run_DeletesARevokedKeyAfterTheRetentionPeriodOnly()
    {
        var (tenant, _, keyId) = await SeedAsync(lifetimeDays: 300);
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{keyId}");

        _time.Advance(TimeSpan.FromDays(30) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, (int)(await RunAsync())["purged"]!);
        Assert.Equal("revoked", (string?)(await KeyAsync(tenant, keyId))["status"]);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, (int)(await RunAsync())["purged"]!);
        using var gone = await TestApp.SendAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys/{keyId}");
        await Problem.AssertAsync(gone, HttpStatusCode.NotFound, ProblemCodes.NotFound);

        // The audit trail outlives the key.
        Assert.Single(await LogAsync(tenant, "key.revoked"));
    }

    [Fact]
    public async Task Run_ExpiresARotatedKeyAtItsOverlapEndAndDeletesItTheRetentionPeriodAfter()
    {
        // Found by the property test (Hardening/CredentialModelPropertyTests): the old key of a rotation stayed indexed at
        // the expiry it was issued with, so it was marked expired and scheduled for deletion only then, counting from its
        // real end: a purge date in the past, in a day the job had closed already, so never deleted.
        var (tenant, _, oldId) = await SeedAsync(lifetimeDays: 60);
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys/{oldId}/rotate", new { overlapSeconds = 3600 });

        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, (int)(await RunAsync())["expired"]!);
        Assert.Equal("lifecycle", (string?)Assert.Single(await LogAsync(tenant, "key.expired"))!["actor"]);

        _time.Advance(TimeSpan.FromDays(30) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, (int)(await RunAsync())["purged"]!);
        Assert.Equal("expired", (string?)(await KeyAsync(tenant, oldId))["status"]);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, (int)(await RunAsync())["purged"]!);
        using var gone = await TestApp.SendAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys/{oldId}");
        await Problem.AssertAsync(gone, HttpStatusCode.NotFound, ProblemCodes.NotFound);

        // The entry at the issued expiry finds nothing left to do.
        _time.Advance(TimeSpan.FromDays(30));
        var later = await RunAsync();
        Assert.Equal(0, (int)later["expired"]!);
        Assert.Empty(later["failures"]!.AsArray());
    }

    [Fact]
    public async Task Run_CostsTheSameWhateverNumberOfKeysIsStoredBesideTheDueOnes()
    {
        async Task<(long Requests, LifecycleReport Report)> ScenarioAsync(int storedBeside)
        {
            var (tenant, _, _) = await SeedAsync(lifetimeDays: 2);
            for (var i = 0; i < 2; i++)
            {
                await _app.IssueKeyAsync(tenant, "alice", ["a"], _time.GetUtcNow().AddDays(2));
            }

            for (var i = 0; i < storedBeside; i++)
            {
                await _app.IssueKeyAsync(tenant, "alice", ["a"], _time.GetUtcNow().AddDays(300));
            }

            _time.Advance(TimeSpan.FromDays(2));
            using var counter = new StorageRequestCounter(_app.Services);
            var report = await _app.Get<LifecycleRunner>().RunAsync(default);
            return (counter.Total, report!);
        }

        // The first run creates the index cursors; measure the runs after it.
        await ScenarioAsync(storedBeside: 0);
        var few = await ScenarioAsync(storedBeside: 0);
        var many = await ScenarioAsync(storedBeside: 80);

        Assert.Equal(3, few.Report.Expired);
        Assert.Equal(3, many.Report.Expired);

        // Three expiry entries and three "expiring soon" ones (a two-day key is within the 7-day lead from the start).
        Assert.Equal(6, few.Report.EntriesRead);
        Assert.Equal(6, many.Report.EntriesRead);
        Assert.Equal(few.Requests, many.Requests);

        // 12 requests for the 6 entries: 3 key reads, one transaction of the 3 purge-index upserts, 3 conditional key
        // updates and one transaction deleting the 3 expiry entries; 3 key reads (the keys have just expired: nothing
        // to record) and one transaction deleting the 3 expiring-soon entries; one audit-retention index upsert (the
        // tenant's first audit event of the day, key.expired, shared by the three). The other 44 are the run's own
        // (per kind its cursor and one index query per day since the last run, revoked token ids, the signing-key
        // check), whatever is due: 34 for the four credential kinds, 8 for AuditPurge (whose cursor moves two days),
        // 2 for StalePolicy (no cursor yet: today only). 52 before the index writes were batched (four kinds). Webhooks
        // add two: the tenant's endpoints (one cached query before its first webhook-type event, key.expired; none
        // here, so no outbox row) and the closing sweep's query of the tenants with pending webhook events.
        Assert.Equal(59, few.Requests);
    }

    [Fact]
    public async Task Run_TwoOverlappingRunsExpireEachKeyExactlyOnce()
    {
        var (tenant, _, _) = await SeedAsync(lifetimeDays: 1);
        for (var i = 0; i < 9; i++)
        {
            await _app.IssueKeyAsync(tenant, "alice", ["a"], _time.GetUtcNow().AddDays(1));
        }

        _time.Advance(TimeSpan.FromDays(1));
        var runner = _app.Get<LifecycleRunner>();
        var reports = await Task.WhenAll(runner.RunAsync(default), runner.RunAsync(default));

        Assert.Equal(10, reports.Sum(r => r!.Expired));
        Assert.Equal(10, (await LogAsync(tenant, "key.expired")).Count);
        var active = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys?status=active");
        Assert.Empty(active["items"]!.AsArray());
    }

    [Fact]
    public async Task Run_NeverUndoesARevocationThatRacesIt()
    {
        var (tenant, _, first) = await SeedAsync(lifetimeDays: 1);
        var ids = new List<string> { first };
        for (var i = 0; i < 9; i++)
        {
            ids.Add((string)(await _app.IssueKeyAsync(tenant, "alice", ["a"], _time.GetUtcNow().AddDays(1)))["id"]!);
        }

        _time.Advance(TimeSpan.FromDays(1));
        var run = _app.Get<LifecycleRunner>().RunAsync(default);
        var revokes = ids.Select(id => TestApp.SendAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{id}")).ToList();
        await run;
        Assert.All(await Task.WhenAll(revokes), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await _app.Get<LifecycleRunner>().RunAsync(default);

        foreach (var id in ids)
        {
            Assert.Equal("revoked", (string?)(await KeyAsync(tenant, id))["status"]);
        }
    }

    [Fact]
    public async Task Run_RotatesTheSigningKeyOnlyOnceItIsDue()
    {
        await SeedAsync();
        Assert.Equal("NotDue", (string?)(await RunAsync())["signingKeyRotation"]);

        _time.Advance(TimeSpan.FromDays(30));
        Assert.Equal("Rotated", (string?)(await RunAsync())["signingKeyRotation"]);
        Assert.Equal("AlreadyPending", (string?)(await RunAsync())["signingKeyRotation"]);

        var jwks = await TestApp.SendOkAsync(_app.CreateClient(), HttpMethod.Get, "/.well-known/jwks.json");
        Assert.Equal(2, jwks["keys"]!.AsArray().Count);
    }

    [Fact]
    public async Task RunRoute_RequiresTheAdminKey()
    {
        var (_, key, _) = await SeedAsync();
        using var response = await _app.ClientWith(key).PostAsync("/api/v1/admin/lifecycle/run", null);
        await Problem.AssertAsync(response, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
    }
}
