using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Audit;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.ApiKeys;

/// <summary>The last usage flush at shutdown, when the host's shutdown deadline has passed.</summary>
public sealed class UsageFlusherShutdownTests
{
    [Fact]
    public async Task Stop_PastTheShutdownDeadline_LogsWhatIsNotRecordedInsteadOfThrowing()
    {
        await using var app = await TestApp.StartAsync();
        var (_, key, _) = await app.SeedAsync("owner", "a");
        using (var validated = await app.ClientWith(key).PostAsync("/api/v1/validate", null))
        {
            Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
        }

        var recorder = app.Get<UsageRecorder>();
        Assert.Equal(1, recorder.PendingCount);
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var flusher = new UsageFlusher(
            recorder, app.Get<AuditEventCounter>(), TimeProvider.System, app.Get<IOptions<ServerlessAuthOptions>>(), factory.CreateLogger<UsageFlusher>());

        await flusher.StopAsync(new CancellationToken(canceled: true));

        Assert.Contains(logs.Lines, l => l.Contains(" 1611 ", StringComparison.Ordinal) && l.Contains("Pending=1", StringComparison.Ordinal));
    }
}
