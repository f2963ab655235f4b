using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.Audit;
using ServerlessAuth.Storage;

namespace ServerlessAuth.ApiKeys;

/// <summary>
/// Runs <see cref="UsageRecorder.FlushAsync"/> and <see cref="AuditEventCounter.FlushAsync"/> every flush interval and
/// once more at shutdown (both hosts). A shutdown deadline reached during that last flush is logged, not thrown: the
/// host stops either way, and what is lost is at most one interval's usage counts (never a credential's state).
/// </summary>
internal sealed class UsageFlusher(
    UsageRecorder recorder, AuditEventCounter auditCounter, TimeProvider time, IOptions<ServerlessAuthOptions> options, ILogger<UsageFlusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Usage.FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushQuietlyAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushQuietlyAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.UsageFlushAbandoned(logger, recorder.PendingCount);
        }
    }

    private async Task FlushQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await recorder.FlushAsync(cancellationToken);
            await auditCounter.FlushAsync(cancellationToken);
        }
        catch (Exception e) when (ServiceUnavailableException.IsDependencyFault(e, cancellationToken))
        {
            // Logged by the recorder; the usage is kept for the next tick.
        }
    }
}
