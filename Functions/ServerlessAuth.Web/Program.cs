// The standalone host: the same API as the Azure Functions app, on plain ASP.NET Core (Kestrel).
// Used to run ServerlessAuth without Core Tools, in tests and in benchmarks.
var builder = WebApplication.CreateBuilder(args);

// No "Server: Kestrel" on the answers: it tells a scanner what to try and no client needs it.
builder.WebHost.ConfigureKestrel(o => o.AddServerHeader = false);
builder.Services.AddServerlessAuth(builder.Configuration).AddServerlessAuthLifecycleScheduler().AddServerlessAuthWebhookWorker();
builder.Services.AddOpenApi(o => o.AddOperationTransformer(ServerlessAuth.Web.OpenApiRequestBodies.DescribeAsync));

var app = builder.Build();
app.UseServerlessAuthStatusCodeProblems();

// The API's map is for developers: served in Development, elsewhere only when asked for.
if (app.Environment.IsDevelopment() || app.Configuration.GetValue<bool>("ServerlessAuth:OpenApi:Enabled"))
{
    app.MapOpenApi();
}

app.MapServerlessAuthApi();
if (app.Configuration.GetValue<bool>("ServerlessAuth:Benchmark:NoOp"))
{
    ServerlessAuth.Web.BenchmarkEndpoints.MapBenchmarkEndpoints(app); // bench/run.sh only: a baseline and the storage counter
}

return app.RunServerlessAuth();

/// <summary>The standalone host's entry point (public for in-process tests).</summary>
public partial class Program;
