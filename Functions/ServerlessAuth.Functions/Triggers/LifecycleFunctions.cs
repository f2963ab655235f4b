using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessAuth.Http;
using ServerlessAuth.Lifecycle;

namespace ServerlessAuth.Functions.Triggers;

/// <summary>
/// The lifecycle job: on the <c>LIFECYCLE_SCHEDULE</c> NCRONTAB schedule (no RunOnStartup: a cold start must not
/// run it), and on demand for the admin.
/// </summary>
public sealed class LifecycleFunctions(LifecycleRunner runner)
{
    [Function(nameof(LifecycleTimer))]
    public Task LifecycleTimer([TimerTrigger("%LIFECYCLE_SCHEDULE%")] TimerInfo timer, CancellationToken cancellationToken) =>
        runner.RunAsync(cancellationToken);

    [Function(nameof(RunLifecycle))]
    public static Task<IResult> RunLifecycle([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/admin/lifecycle/run")] HttpRequest req, CancellationToken cancellationToken) =>
        ServerlessAuthEndpoints.RunLifecycle(req, cancellationToken);
}
