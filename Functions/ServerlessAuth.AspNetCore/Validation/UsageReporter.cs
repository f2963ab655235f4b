using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServerlessAuth.AspNetCore.Validation;

/// <summary>
/// Every <see cref="ServerlessAuthAuthenticationOptions.ReportInterval"/>, reports the uses of entries due for a refresh or
/// no longer served (<see cref="ValidationCache.Sweep"/>); at shutdown, reports every use not yet reported.
/// </summary>
internal sealed class UsageReporter(ValidationCache cache, ServerlessAuthScheme scheme, ILogger<UsageReporter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(scheme.Options.ReportInterval, scheme.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                cache.Sweep();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync reports what is left.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await cache.FlushAsync(cancellationToken);
        }
        catch (OperationCanceledException e)
        {
            Log.FlushFailed(logger, e.GetType().Name);
        }
    }
}
