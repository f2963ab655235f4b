// The Azure Functions isolated-worker host: the same API as the standalone host (ServerlessAuth.Web). The worker's
// ASP.NET Core integration hands each trigger a real HttpRequest and executes the IResult it returns.
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddApplicationInsightsTelemetryWorkerService();
builder.Services.ConfigureFunctionsApplicationInsights();
builder.Services.AddServerlessAuth(builder.Configuration);
return builder.Build().RunServerlessAuth();
