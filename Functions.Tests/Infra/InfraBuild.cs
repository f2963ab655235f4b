using System.Text.Json.Nodes;

namespace ServerlessAuth.Tests.Infra;

/// <summary>
/// Builds every .bicep file under infra/ and lints them, once for all the infra tests (two CLI runs side by side,
/// a few seconds in all), into a temporary folder that is removed afterwards.
/// </summary>
public sealed class InfraBuild : IAsyncLifetime
{
    private readonly string _output = Directory.CreateTempSubdirectory("serverlessauth-bicep-").FullName;

    /// <summary>The result of <c>bicep build --pattern **/*.bicep</c>.</summary>
    public ProcessResult Build { get; private set; } = null!;

    /// <summary>The result of <c>bicep lint --pattern **/*.bicep</c>.</summary>
    public ProcessResult Lint { get; private set; } = null!;

    /// <summary>The ARM template compiled from main.bicep.</summary>
    public ArmDeployment Main { get; private set; } = null!;

    /// <summary>Where the ARM JSON of a .bicep file (relative to infra/) was written.</summary>
    public string CompiledPath(string bicepFile) => Path.Combine(_output, Path.ChangeExtension(bicepFile, ".json"));

    public async Task InitializeAsync()
    {
        var build = BicepCli.RunAsync("build", "--pattern", "**/*.bicep", "--no-restore", "--outdir", _output);
        var lint = BicepCli.RunAsync("lint", "--pattern", "**/*.bicep", "--no-restore");
        Build = await build;
        Lint = await lint;

        var main = CompiledPath("main.bicep");
        Main = File.Exists(main)
            ? ArmDeployment.Root(JsonNode.Parse(await File.ReadAllTextAsync(main))!.AsObject())
            : throw new InvalidOperationException($"main.bicep did not compile.\n{Build}");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_output, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>The infra tests share one build of the templates.</summary>
[CollectionDefinition(Name)]
public sealed class SharedInfraBuild : ICollectionFixture<InfraBuild>
{
    public const string Name = "Infra";
}
