using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.Storage;

namespace ServerlessAuth.Webhooks;

/// <summary>
/// The standalone host's stand-in for the Functions queue trigger: receives messages from the delivery queue and
/// hands each to <see cref="WebhookDeliverer"/> (at most <see cref="WebhookOptions.MaxConcurrentDeliveries"/> at once),
/// deleting it once delivered or rescheduled. Once a minute it also sweeps the outbox of every pending tenant.
/// </summary>
/// <remarks>
/// Waits between polls are real time, not <see cref="TimeProvider"/> time: the queue's visibility timeouts run on the
/// storage service's clock, which a fake clock does not move. A fault (storage unreachable) is logged once per run
/// of faults and polled again with a growing pause, up to a minute.
/// </remarks>
internal sealed class WebhookQueueWorker(
    WebhookQueue queue, WebhookDeliverer deliverer, WebhookDispatcher dispatcher, IOptions<ServerlessAuthOptions> options, ILogger<WebhookQueueWorker> logger) : BackgroundService
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxPause = TimeSpan.FromMinutes(1);

    private readonly WebhookOptions _options = options.Value.Webhooks;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pause = _options.PollInterval;
        var lastSweep = System.Diagnostics.Stopwatch.GetTimestamp();
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (System.Diagnostics.Stopwatch.GetElapsedTime(lastSweep) >= SweepInterval)
                {
                    lastSweep = System.Diagnostics.Stopwatch.GetTimestamp();
                    await dispatcher.SweepAsync(stoppingToken);
                }

                var messages = await queue.ReceiveAsync(32, stoppingToken);
                await Parallel.ForEachAsync(
                    messages,
                    new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentDeliveries, CancellationToken = stoppingToken },
                    async (message, ct) =>
                    {
                        await deliverer.DeliverAsync(message.MessageText, ct);
                        await queue.DeleteAsync(message, ct);
                    });
                failing = false;
                pause = _options.PollInterval;
                if (messages.Length > 0)
                {
                    continue;
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && ServiceUnavailableException.IsDependencyFault(e, stoppingToken))
            {
                // Messages not deleted come back after their lease; nothing is lost.
                if (!failing)
                {
                    Log.WebhookWorkerFailing(logger, e);
                    failing = true;
                }

                pause = TimeSpan.FromTicks(Math.Min(MaxPause.Ticks, Math.Max(pause.Ticks * 2, TimeSpan.FromSeconds(1).Ticks)));
            }

            try
            {
                await Task.Delay(pause, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
