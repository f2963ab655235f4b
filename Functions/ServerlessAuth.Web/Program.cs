// The standalone host: the same API as the Azure Functions app, on plain ASP.NET Core (Kestrel).
// Used to run ServerlessAuth without Core Tools, in tests and in benchmarks.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddServerlessAuth(builder.Configuration).AddServerlessAuthLifecycleScheduler().AddServerlessAuthWebhookWorker();
builder.Services.AddOpenApi(o => o.AddOperationTransformer(ServerlessAuth.Web.OpenApiRequestBodies.DescribeAsync));

var app = builder.Build();
app.MapOpenApi();
app.MapServerlessAuthApi();
if (app.Configuration.GetValue<bool>("ServerlessAuth:Benchmark:NoOp"))
{
    ServerlessAuth.Web.BenchmarkEndpoints.MapBenchmarkEndpoints(app); // bench/run.sh only: a baseline and the storage counter
}

app.Run();

/// <summary>The standalone host's entry point (public for in-process tests).</summary>
public partial class Program;
