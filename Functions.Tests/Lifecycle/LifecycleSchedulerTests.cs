using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Lifecycle;

/// <summary>The standalone host runs the lifecycle job on <c>LIFECYCLE_SCHEDULE</c>, as the timer trigger does.</summary>
public sealed class LifecycleSchedulerTests
{
    [Fact]
    public async Task Scheduler_RunsTheJobAtTheNextOccurrenceOfTheSchedule()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 6, 10, 0, 30, TimeSpan.Zero));
        var settings = new Dictionary<string, string?> { ["LIFECYCLE_SCHEDULE"] = "0 */10 * * * *" };
        await using var app = new TestApp((await AzuriteServer.Shared).ConnectionString, time, settings) { RunsBackgroundWork = true };

        var tenant = (string)(await app.CreateTenantAsync())["id"]!;
        await app.PutOperatorAsync(tenant, "alice", "owner", "a");
        var keyId = (string)(await app.IssueKeyAsync(tenant, "alice", ["a"], time.GetUtcNow().AddMinutes(5)))["id"]!;

        // 10:05:30 the key expires; the schedule's next occurrence is 10:10:00.
        time.Advance(TimeSpan.FromMinutes(9));
        await Task.Delay(300);
        Assert.Equal("active", await StoredStatusAsync(app, tenant, keyId));

        time.Advance(TimeSpan.FromSeconds(30));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await StoredStatusAsync(app, tenant, keyId) != "expired" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal("expired", await StoredStatusAsync(app, tenant, keyId));
    }

    /// <summary>What the job did, from its audit event (a key past expiry reads "expired" whether or not the job ran).</summary>
    private static async Task<string?> StoredStatusAsync(TestApp app, string tenant, string keyId)
    {
        var log = await TestApp.SendOkAsync(app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type=key.expired&credentialId={keyId}");
        return log["items"]!.AsArray().Count == 1 ? "expired" : "active";
    }
}
