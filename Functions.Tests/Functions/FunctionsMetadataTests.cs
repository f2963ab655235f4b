using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Functions;

/// <summary>
/// The Azure Functions app serves exactly the routes of <see cref="ServerlessAuthRoutes.All"/>, as the standalone host
/// does, plus the lifecycle timer and the webhook delivery queue trigger. Checked on what the host indexes: the <c>functions.metadata</c> that the worker SDK
/// generates when the app is built (the test project builds it first), and the built trigger methods themselves.
/// </summary>
public sealed partial class FunctionsMetadataTests
{
    private const string TimerName = "LifecycleTimer";
    private const string QueueName = "DeliverWebhook";

    private static readonly string AppOutput = BuildOutputAttribute.Of("ServerlessAuth.Functions");

    private static readonly Lazy<JsonArray> Metadata = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppOutput, "functions.metadata")))!.AsArray());

    public static TheoryData<string, string, string> RouteTable()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (method, template, name) in ServerlessAuthRoutes.All)
        {
            data.Add(method, template, name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RouteTable))]
    public void Metadata_HasOneAnonymousHttpTriggerWithTheRouteAndMethodGivenRouteTableEntry(string method, string template, string name)
    {
        var function = Assert.Single(Functions(), f => Name(f) == name);
        var trigger = Assert.Single(Bindings(function), b => Text(b, "type") == "httpTrigger");

        // The host joins an empty routePrefix and this route: a leading '/' would serve "//api/...".
        Assert.Equal(template.TrimStart('/'), Text(trigger, "route"));
        Assert.Equal([method.ToLowerInvariant()], trigger["methods"]!.AsArray().Select(m => m!.GetValue<string>()));

        // ServerlessAuth authenticates every caller itself; a Functions host key would be one more secret in a URL.
        Assert.Equal("Anonymous", Text(trigger, "authLevel"));
        Assert.Contains(Bindings(function), b => Text(b, "type") == "http" && Text(b, "direction") == "Out" && Text(b, "name") == "$return");
    }

    [Fact]
    public void Metadata_ListsOnlyTheRouteTableTheLifecycleTimerAndTheWebhookQueueGivenBuiltApp()
    {
        var expected = ServerlessAuthRoutes.All.Select(r => r.Name).Append(TimerName).Append(QueueName).Order(StringComparer.Ordinal);

        Assert.Equal(expected, Functions().Select(Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void LifecycleTimer_RunsOnTheScheduleSettingAndNotAtStartupGivenMetadata()
    {
        var timer = Assert.Single(Functions(), f => Name(f) == TimerName);
        var trigger = Assert.Single(Bindings(timer));

        Assert.Equal("timerTrigger", Text(trigger, "type"));
        Assert.Equal("%LIFECYCLE_SCHEDULE%", Text(trigger, "schedule"));

        // A cold start must not run the job: every new instance would.
        Assert.NotEqual(true, trigger["runOnStartup"]?.GetValue<bool>());
    }

    [Fact]
    public void DeliverWebhook_ListensOnTheWebhookQueueThroughItsConnectionSettingGivenMetadata()
    {
        // The queue the library sends deliveries to, through the connection that the Bicep app settings and
        // local.settings.sample.json define.
        var trigger = Assert.Single(Bindings(Assert.Single(Functions(), f => Name(f) == QueueName)));
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRootAttribute.Value, "local.settings.sample.json")))!["Values"]!;

        Assert.Equal("queueTrigger", Text(trigger, "type"));
        Assert.Equal(ServerlessAuth.Storage.WebhookQueue.Name, Text(trigger, "queueName"));
        Assert.Equal("ServerlessAuthQueue", Text(trigger, "connection"));
        Assert.Equal("UseDevelopmentStorage=true", sample["ServerlessAuthQueue"]!.GetValue<string>());
    }

    [Fact]
    public void Trigger_TakesTheEndpointsParametersInOrderGivenBuiltApp()
    {
        // The worker binds a route value only to a parameter of the token's exact name, and each trigger hands the
        // same arguments to the same-named library endpoint.
        var failures = new List<string>();
        var context = new AssemblyLoadContext("functions-metadata-test", isCollectible: true);
        context.Resolving += (alc, name) =>
            File.Exists(Path.Combine(AppOutput, name.Name + ".dll")) ? alc.LoadFromAssemblyPath(Path.Combine(AppOutput, name.Name + ".dll")) : null;
        try
        {
            var app = context.LoadFromAssemblyPath(Path.Combine(AppOutput, "ServerlessAuth.Functions.dll"));
            foreach (var function in Functions().Where(f => Bindings(f).Any(b => Text(b, "type") == "httpTrigger")))
            {
                var name = Name(function);
                var entry = Text(function, "entryPoint");
                var trigger = app.GetType(entry[..entry.LastIndexOf('.')])?.GetMethod(entry[(entry.LastIndexOf('.') + 1)..], BindingFlags.Public | BindingFlags.Static);
                var endpoint = typeof(ServerlessAuthEndpoints).GetMethod(name, BindingFlags.Public | BindingFlags.Static);
                if (trigger is null || endpoint is null)
                {
                    failures.Add($"{name}: entry point {entry} or ServerlessAuthEndpoints.{name} not found");
                    continue;
                }

                var route = Text(Bindings(function).Single(b => Text(b, "type") == "httpTrigger"), "route");
                var tokens = RouteToken().Matches(route).Select(m => m.Groups["token"].Value);
                if (Signature(trigger) != Signature(endpoint) || !tokens.All(t => trigger.GetParameters().Any(p => p.Name == t && p.ParameterType == typeof(string))))
                {
                    failures.Add($"{name}: ({Signature(trigger)}) here, ({Signature(endpoint)}) in the library, route {route}");
                }
            }
        }
        finally
        {
            context.Unload();
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));

        static string Signature(MethodInfo method) =>
            $"{method.ReturnType.FullName} <- " + string.Join(", ", method.GetParameters().Select(p => $"{p.ParameterType.FullName} {(p.ParameterType == typeof(string) ? p.Name : "")}"));
    }

    [Fact]
    public void HostJson_HasEmptyRoutePrefixAndIsCopiedToTheAppGivenBuiltApp()
    {
        // Without it the host puts "api/" in front of every route: /api/api/v1/validate.
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppOutput, "host.json")));
        var prefix = hostJson.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix");
        Assert.Equal(string.Empty, prefix.GetString());
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryRootAttribute.Value, "host.json")), File.ReadAllText(Path.Combine(AppOutput, "host.json")));
    }

    [Fact]
    public void Project_ReadsLocalSettingsFromItsOwnFolderOnlyGivenCsproj()
    {
        // One place for local.settings.json (the README, the Functions README and the postprovision hook agree on it):
        // a stray copy at the repository root must not silently win in the build output.
        var project = XDocument.Load(Path.Combine(RepositoryRootAttribute.Value, "Functions", "ServerlessAuth.Functions", "ServerlessAuth.Functions.csproj"));
        var settings = Assert.Single(project.Descendants("None"), n => ((string?)n.Attribute("Include") ?? (string?)n.Attribute("Update"))?.Contains("local.settings", StringComparison.Ordinal) == true);

        Assert.Equal("local.settings.json", (string?)settings.Attribute("Update"));
        Assert.Equal("Never", (string?)settings.Attribute("CopyToPublishDirectory"));
    }

    [Fact]
    public void SampleSettings_DisableTheHomepageAndNeedEveryAzuriteServiceGivenRepositoryRoot()
    {
        var values = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRootAttribute.Value, "local.settings.sample.json")))!["Values"]!;
        var azurite = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRootAttribute.Value, "package.json")))!["scripts"]!["azurite"]!.GetValue<string>();

        Assert.Equal("true", values["AzureWebJobsDisableHomepage"]!.GetValue<string>());
        Assert.Equal("UseDevelopmentStorage=true", values["AzureWebJobsStorage"]!.GetValue<string>());

        // UseDevelopmentStorage=true means blob, queue and table on their default ports: `npm run azurite` starts all three.
        Assert.StartsWith("azurite ", azurite, StringComparison.Ordinal);
        Assert.DoesNotContain("Port", azurite, StringComparison.Ordinal);
        Assert.Contains("--inMemoryPersistence", azurite, StringComparison.Ordinal);
        Assert.Contains("--disableTelemetry", azurite, StringComparison.Ordinal);
    }

    private static IEnumerable<JsonObject> Functions() => Metadata.Value.Select(f => f!.AsObject());

    private static IEnumerable<JsonObject> Bindings(JsonObject function) => function["bindings"]!.AsArray().Select(b => b!.AsObject());

    private static string Name(JsonObject function) => Text(function, "name");

    private static string Text(JsonObject node, string property) => node[property]?.GetValue<string>() ?? "";

    [GeneratedRegex(@"\{\*{0,2}(?<token>\w+)[^}]*\}")]
    private static partial Regex RouteToken();
}
