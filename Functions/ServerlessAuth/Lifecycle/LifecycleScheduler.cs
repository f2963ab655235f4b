using Cronos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace ServerlessAuth.Lifecycle;

/// <summary>
/// The standalone host's stand-in for the Functions timer trigger: runs the lifecycle job on the same NCRONTAB
/// schedule (<c>LIFECYCLE_SCHEDULE</c>, six fields with seconds), in UTC. Several instances may each run it; the job
/// is idempotent and safe to overlap.
/// </summary>
internal sealed class LifecycleScheduler(LifecycleRunner runner, IConfiguration configuration, TimeProvider time) : BackgroundService
{
    public const string ScheduleSetting = "LIFECYCLE_SCHEDULE";
    public const string DefaultSchedule = "0 */5 * * * *";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var expression = CronExpression.Parse(configuration[ScheduleSetting] ?? DefaultSchedule, CronFormat.IncludeSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = expression.GetNextOccurrence(now.UtcDateTime, TimeZoneInfo.Utc);
            if (next is null)
            {
                return;
            }

            try
            {
                await Task.Delay(new DateTimeOffset(next.Value, TimeSpan.Zero) - now, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await runner.RunAsync(stoppingToken);
        }
    }
}
