using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Functions;

/// <summary>
/// The Azure Functions adapter serves exactly the routes of <see cref="ServerlessAuthRoutes.All"/>, as the standalone
/// host does, and stays a thin layer over <see cref="ServerlessAuthEndpoints"/>. The adapter cannot be compiled where
/// the worker packages do not restore, so these tests read its source (see <see cref="FunctionsAdapterSource"/>).
/// </summary>
public sealed partial class FunctionsAdapterTests
{
    /// <summary>The packages the adapter was checked against (see its README); a bump means checking the worker API again.</summary>
    private static readonly Dictionary<string, string> WorkerPackages = new()
    {
        ["Microsoft.Azure.Functions.Worker"] = "2.52.0",
        ["Microsoft.Azure.Functions.Worker.Sdk"] = "2.1.0",
        ["Microsoft.Azure.Functions.Worker.Extensions.Http"] = "3.3.0",
        ["Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore"] = "2.1.1",
        ["Microsoft.Azure.Functions.Worker.Extensions.Timer"] = "4.3.1",
        ["Microsoft.Azure.Functions.Worker.Extensions.Storage.Queues"] = "5.5.5",
        ["Microsoft.Azure.Functions.Worker.ApplicationInsights"] = "2.51.0",
        ["Microsoft.ApplicationInsights.WorkerService"] = "2.23.0",
    };

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
    public void Trigger_ExistsOnceWithSameNameMethodAndRouteGivenRouteTableEntry(string method, string template, string name)
    {
        var triggers = HttpTriggers();
        var route = template.TrimStart('/');

        var (_, http) = Assert.Single(triggers, t => t.Trigger.FunctionName == name);
        Assert.Equal([method.ToLowerInvariant()], http.Methods);
        Assert.Equal(route, http.Route);
        Assert.Single(triggers, t => t.Http.Route == route && t.Http.Methods.Contains(method, StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public void Triggers_ServeNoRouteOutsideTheTableGivenAdapterSource()
    {
        var source = LoadRecognised();
        var triggers = HttpTriggers();
        var table = ServerlessAuthRoutes.All.Select(r => $"{r.Name} {r.Method.ToLowerInvariant()} {r.Template.TrimStart('/')}").ToHashSet(StringComparer.Ordinal);

        // Every HttpTrigger attribute sits on a recognised trigger, so none escapes the checks below.
        Assert.Equal(source.HttpTriggerAttributes, triggers.Count);
        AssertNone(triggers
            .Where(t => !table.Contains($"{t.Trigger.FunctionName} {string.Join(' ', t.Http.Methods)} {t.Http.Route}"))
            .Select(t => $"{t.Trigger.Location}: {t.Trigger.FunctionName} [{string.Join(", ", t.Http.Methods)}] {t.Http.Route}"));
    }

    [Fact]
    public void HttpTrigger_PassesAnonymousLevelExplicitlyGivenAnyTrigger()
    {
        // ServerlessAuth authenticates every caller itself; a Functions host key would be one more secret in a URL.
        AssertNone(HttpTriggers()
            .Where(t => t.Http.AuthorizationLevel != "AuthorizationLevel.Anonymous")
            .Select(t => $"{t.Trigger.Location}: {t.Trigger.FunctionName} has level '{t.Http.AuthorizationLevel ?? "(none: the level then depends on the worker version)"}'"));
    }

    [Fact]
    public void HttpTriggerRoute_HasNoLeadingSlashGivenAnyTrigger()
    {
        // The worker joins routePrefix and Route with '/'; a route of its own leading '/' would serve "//api/...".
        AssertNone(HttpTriggers()
            .Where(t => t.Http.Route is null || t.Http.Route.StartsWith('/'))
            .Select(t => $"{t.Trigger.Location}: {t.Trigger.FunctionName} has route '{t.Http.Route ?? "(none: the function name)"}'"));
    }

    [Fact]
    public void Trigger_ForwardsToSameNamedEndpointGivenAnyTrigger()
    {
        var failures = new List<string>();
        foreach (var (trigger, _) in HttpTriggers())
        {
            var call = EndpointCall().Match(trigger.Body);
            var endpoint = typeof(ServerlessAuthEndpoints).GetMethod(trigger.FunctionName, BindingFlags.Public | BindingFlags.Static);
            if (trigger.MethodName != trigger.FunctionName || !call.Success || call.Groups["target"].Value != trigger.FunctionName || endpoint is null)
            {
                failures.Add($"{trigger.Location}: {trigger.MethodName} must be '=> ServerlessAuthEndpoints.{trigger.FunctionName}(...)', is '=> {trigger.Body}'");
                continue;
            }

            var passed = FunctionsAdapterSource.SplitTopLevel(call.Groups["arguments"].Value);
            if (!passed.SequenceEqual(trigger.Parameters.Select(p => p.Name), StringComparer.Ordinal))
            {
                failures.Add($"{trigger.Location}: {trigger.FunctionName} passes ({string.Join(", ", passed)}) instead of its own parameters in order");
            }

            var expected = string.Join(", ", endpoint.GetParameters().Select(p => Signature(p.ParameterType == typeof(string) ? "string" : p.ParameterType.Name, p.Name!)));
            var actual = string.Join(", ", trigger.Parameters.Select(p => Signature(p.Type.Split('.')[^1], p.Name)));
            if (actual != expected || trigger.ReturnType != "Task<IResult>" || endpoint.ReturnType != typeof(Task<IResult>))
            {
                failures.Add($"{trigger.Location}: {trigger.FunctionName} is Task<IResult>({expected}) in the library, {trigger.ReturnType}({actual}) here");
            }
        }

        AssertNone(failures);

        // Route tokens keep their names; the request and the token are positional.
        static string Signature(string type, string name) => type == "string" ? $"string {name}" : type;
    }

    [Fact]
    public void Trigger_SpansAtMostThreeLinesGivenAnyTrigger()
    {
        var source = LoadRecognised();

        // Counted from the modifiers to the closing ';'; attributes and doc comments above do not count.
        AssertNone(source.Triggers
            .Where(t => t.DeclarationLines > 3)
            .Select(t => $"{t.Location}: {t.FunctionName} spans {t.DeclarationLines} lines; the logic belongs in the library"));
    }

    [Fact]
    public void Trigger_TakesEachRouteTokenAsStringParameterGivenTemplateWithTokens()
    {
        var triggers = HttpTriggers();
        Assert.Contains(triggers, t => RouteToken().IsMatch(t.Http.Route ?? string.Empty));

        // The worker binds a route value only to a parameter of the token's exact name.
        AssertNone(triggers
            .SelectMany(t => RouteToken().Matches(t.Http.Route ?? string.Empty).Select(m => (t.Trigger, Token: m.Groups["token"].Value)))
            .Where(x => !x.Trigger.Parameters.Any(p => p.Type == "string" && p.Name == x.Token))
            .Select(x => $"{x.Trigger.Location}: {x.Trigger.FunctionName} has no 'string {x.Token}' parameter"));
    }

    [Fact]
    public void Project_ReferencesExactlyTheWorkerPackagesGivenCsproj()
    {
        var project = XDocument.Load(Path.Combine(FunctionsAdapterSource.ProjectDirectory, "ServerlessAuth.Functions.csproj"));
        var references = project.Descendants("PackageReference").ToList();

        Assert.Equal(WorkerPackages.Keys.Order(StringComparer.Ordinal), references.Select(r => (string?)r.Attribute("Include")).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(references, r => r.Attribute("Version") is not null || r.Attribute("VersionOverride") is not null);
        Assert.Contains(project.Descendants("ProjectReference"), r => (string?)r.Attribute("Include") == @"..\ServerlessAuth\ServerlessAuth.csproj");
    }

    [Fact]
    public void WorkerPackages_ArePinnedToCheckedVersionsGivenDirectoryPackagesProps()
    {
        var versions = XDocument.Load(Path.Combine(RepositoryRootAttribute.Value, "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .ToDictionary(p => (string)p.Attribute("Include")!, p => (string?)p.Attribute("Version"), StringComparer.Ordinal);

        AssertNone(WorkerPackages
            .Where(p => versions.GetValueOrDefault(p.Key) != p.Value)
            .Select(p => $"{p.Key}: {versions.GetValueOrDefault(p.Key) ?? "(missing)"}, checked against {p.Value}"));
    }

    [Fact]
    public void HostJson_HasEmptyRoutePrefixGivenRepositoryRoot()
    {
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRootAttribute.Value, "host.json")));

        // Without it the host puts "api/" in front of every route: /api/api/v1/validate.
        var prefix = hostJson.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix");
        Assert.Equal(JsonValueKind.String, prefix.ValueKind);
        Assert.Equal(string.Empty, prefix.GetString());
    }

    [Fact]
    public void Project_CopiesRepositoryHostJsonToOutputGivenCsproj()
    {
        var project = XDocument.Load(Path.Combine(FunctionsAdapterSource.ProjectDirectory, "ServerlessAuth.Functions.csproj"));

        var hostJson = Assert.Single(project.Descendants("None"), n => (string?)n.Attribute("Include") == @"..\..\host.json");
        Assert.Equal("host.json", (string?)hostJson.Attribute("Link"));
        Assert.Contains((string?)hostJson.Attribute("CopyToOutputDirectory"), new[] { "PreserveNewest", "Always" });
    }

    [Fact]
    public void QueueTrigger_ListensOnTheWebhookQueueThroughItsConnectionSettingGivenAdapterSource()
    {
        // The queue the library sends deliveries to (without a table prefix, as in Azure) and the connection name that
        // the Bicep app settings and local.settings.sample.json define.
        var source = FunctionsAdapterSource.ReadWithoutLineComments(Path.Combine("Triggers", "WebhookFunctions.cs"));
        var trigger = LoadRecognised().Triggers.Single(t => t.FunctionName == "DeliverWebhook");
        Assert.Null(trigger.Http);
        Assert.Equal("deliverer.DeliverAsync(message, cancellationToken)", trigger.Body);
        Assert.Contains($"[QueueTrigger(\"{ServerlessAuth.Storage.WebhookQueue.Name}\", Connection = \"ServerlessAuthQueue\")]", source, StringComparison.Ordinal);
        var sample = File.ReadAllText(Path.Combine(RepositoryRootAttribute.Value, "local.settings.sample.json"));
        Assert.Contains("\"ServerlessAuthQueue\"", sample, StringComparison.Ordinal);
    }

    [Fact]
    public void Program_RegistersServerlessAuthAndAspNetCoreIntegrationGivenFunctionsHost()
    {
        var program = FunctionsAdapterSource.ReadWithoutLineComments("Program.cs");

        // The same registration as the standalone host; the ASP.NET Core integration is what executes IResult.
        Assert.Contains("AddServerlessAuth(", program, StringComparison.Ordinal);
        Assert.Contains("ConfigureFunctionsWebApplication(", program, StringComparison.Ordinal);
    }

    /// <summary>The adapter's triggers, failing first if any [Function] declaration is not of the shape the checks read.</summary>
    private static FunctionsAdapterSource LoadRecognised()
    {
        var source = FunctionsAdapterSource.Load();
        AssertNone(source.Unrecognised.Select(at => $"{at}: not a trigger of the expected shape, [Function(nameof(X))] public static ... => ...;"));
        Assert.NotEmpty(source.Triggers);
        return source;
    }

    private static List<(TriggerMethod Trigger, HttpTriggerBinding Http)> HttpTriggers()
    {
        var triggers = LoadRecognised().Triggers.Where(t => t.Http is not null).Select(t => (t, t.Http!)).ToList();
        Assert.NotEmpty(triggers);
        return triggers;
    }

    /// <summary>Fails with every violation in full (xunit would cut a collection's strings short).</summary>
    private static void AssertNone(IEnumerable<string> violations)
    {
        var list = violations.ToList();
        if (list.Count > 0)
        {
            Assert.Fail(string.Join(Environment.NewLine, list));
        }
    }

    [GeneratedRegex(@"^ServerlessAuthEndpoints\.(?<target>\w+)\((?<arguments>[^()]*)\)$")]
    private static partial Regex EndpointCall();

    [GeneratedRegex(@"\{\*{0,2}(?<token>\w+)[^}]*\}")]
    private static partial Regex RouteToken();
}
