using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using ServerlessAuth.Http;

namespace ServerlessAuth.Lifecycle;

/// <summary>
/// Runs the lifecycle job: from the Functions timer trigger, from the standalone host's scheduler, and from
/// <c>POST /api/v1/admin/lifecycle/run</c>. One job instance per run; a fault is logged and reported, never thrown
/// into the timer.
/// </summary>
public sealed class LifecycleRunner
{
    private readonly LifecycleJob _job;
    private readonly ILogger<LifecycleRunner> _logger;

    internal LifecycleRunner(LifecycleJob job, ILogger<LifecycleRunner> logger)
    {
        _job = job;
        _logger = logger;
    }

    /// <summary>Runs the job once; answers what it changed, or null when it could not run (logged).</summary>
    public async Task<LifecycleReport?> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _job.RunAsync(cancellationToken);
        }
        catch (Exception e) when (Storage.ServiceUnavailableException.IsDependencyFault(e, cancellationToken))
        {
            Log.LifecycleRunFailed(_logger, e);
            return null;
        }
    }

    internal async Task<Results<Ok<LifecycleReport>, ApiProblem>> RunForAdminAsync(Caller caller, CancellationToken cancellationToken)
    {
        if (!caller.IsAdmin)
        {
            return ApiProblem.InsufficientScope(new HashSet<string>(), "Only the deployment admin key runs the lifecycle job.");
        }

        return TypedResults.Ok(await _job.RunAsync(cancellationToken));
    }
}
