namespace ServerlessAuth.Tests.Infra;

/// <summary>
/// azure.yaml against the shape of azd's schema (schemas/v1.0/azure.yaml.json of Azure/azure-dev), checked
/// offline: the keys azd knows, one Functions service whose project exists, hooks whose scripts exist.
/// </summary>
public sealed class AzureYamlTests
{
    // Top-level, service and hook keys of the azd v1.0 schema (a subset would do; an unknown key is a typo).
    private static readonly string[] TopLevelKeys =
        ["name", "resourceGroup", "metadata", "infra", "services", "pipeline", "hooks", "requiredVersions", "state", "platform", "workflows", "cloud", "resources"];

    private static readonly string[] ServiceKeys =
        ["project", "host", "language", "module", "dist", "docker", "k8s", "config", "hooks", "resourceName", "apiVersion", "image", "env", "uses", "resourceGroup"];

    private static readonly string[] HookNames =
    [
        "prerestore", "postrestore", "preprovision", "postprovision", "prepackage", "postpackage",
        "predeploy", "postdeploy", "prepublish", "postpublish", "preup", "postup", "predown", "postdown",
    ];

    private static readonly string[] HookKeys = ["run", "shell", "continueOnError", "interactive", "windows", "posix", "secrets"];

    private static readonly IReadOnlyDictionary<string, object?> Yaml = AzureYamlFile.Load();

    [Fact]
    public void AzureYaml_UsesOnlyKeysOfTheAzdSchemaAndHasAName()
    {
        Assert.All(Yaml.Keys, key => Assert.Contains(key, TopLevelKeys));
        Assert.Matches("^[a-zA-Z][a-zA-Z0-9-]{1,}$", AzureYamlFile.Text(Yaml["name"], "name"));
    }

    [Fact]
    public void Infra_PointsAtMainBicep()
    {
        var infra = Yaml.TryGetValue("infra", out var node) ? AzureYamlFile.Map(node, "infra") : new Dictionary<string, object?>();
        var provider = infra.TryGetValue("provider", out var p) ? p as string : "bicep";
        var path = infra.TryGetValue("path", out var d) ? AzureYamlFile.Text(d, "infra.path") : "infra";
        var module = infra.TryGetValue("module", out var m) ? AzureYamlFile.Text(m, "infra.module") : "main";
        Assert.Equal("bicep", provider);
        Assert.True(File.Exists(Path.Combine(InfraPaths.Root, path, $"{module}.bicep")), $"{path}/{module}.bicep does not exist.");
        Assert.True(File.Exists(Path.Combine(InfraPaths.Root, path, $"{module}.parameters.json")), $"{path}/{module}.parameters.json does not exist.");
    }

    [Fact]
    public void Service_IsTheFunctionsProjectHostedAsAFunctionInDotnet()
    {
        var services = AzureYamlFile.Map(Yaml["services"], "services");
        var (name, node) = Assert.Single(services);
        var service = AzureYamlFile.Map(node, $"services.{name}");
        Assert.All(service.Keys, key => Assert.Contains(key, ServiceKeys));
        Assert.Equal("function", AzureYamlFile.Text(service["host"], "host"));
        Assert.Equal("dotnet", AzureYamlFile.Text(service["language"], "language"));

        var project = AzureYamlFile.Text(service["project"], "project");
        Assert.Equal("./Functions/ServerlessAuth.Functions", project);
        var directory = Path.GetFullPath(Path.Combine(InfraPaths.Root, project));
        Assert.True(Directory.Exists(directory), $"The service project {project} does not exist.");
        Assert.NotEmpty(Directory.EnumerateFiles(directory, "*.csproj"));
    }

    [Fact]
    public void Hooks_RunExistingScriptsWithAShellAzdKnows()
    {
        var hooks = AzureYamlFile.Map(Yaml["hooks"], "hooks");
        Assert.Contains("postprovision", hooks.Keys);
        foreach (var (name, node) in hooks)
        {
            Assert.Contains(name, HookNames);
            var hook = AzureYamlFile.Map(node, $"hooks.{name}");
            Assert.All(hook.Keys, key => Assert.Contains(key, HookKeys));
            Assert.True(hook.ContainsKey("posix") && hook.ContainsKey("windows"), $"Hook {name} needs a posix and a windows variant.");
            AssertScript(AzureYamlFile.Map(hook["posix"], $"hooks.{name}.posix"), "sh", ".sh");
            AssertScript(AzureYamlFile.Map(hook["windows"], $"hooks.{name}.windows"), "pwsh", ".ps1");
        }
    }

    private static void AssertScript(IReadOnlyDictionary<string, object?> variant, string shell, string extension)
    {
        Assert.All(variant.Keys, key => Assert.Contains(key, HookKeys));
        Assert.Equal(shell, AzureYamlFile.Text(variant["shell"], "shell"));
        var run = AzureYamlFile.Text(variant["run"], "run");
        Assert.EndsWith(extension, run, StringComparison.Ordinal);
        var script = Path.GetFullPath(Path.Combine(InfraPaths.Root, run));
        Assert.True(File.Exists(script), $"Hook script {run} does not exist.");
        if (extension == ".sh" && !OperatingSystem.IsWindows())
        {
            Assert.True(File.GetUnixFileMode(script).HasFlag(UnixFileMode.UserExecute), $"{run} is not executable.");
        }
    }
}
