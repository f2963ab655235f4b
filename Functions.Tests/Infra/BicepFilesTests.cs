using System.Text.Json.Nodes;

namespace ServerlessAuth.Tests.Infra;

/// <summary>Every Bicep file builds offline and the linter has nothing to say about it.</summary>
[Collection(SharedInfraBuild.Name)]
public sealed class BicepFilesTests(InfraBuild build)
{
    public static TheoryData<string> BicepFiles => [.. InfraPaths.BicepFiles];

    [Fact]
    public void Infra_HasMainAndLocalModulesOnly()
    {
        Assert.Contains("main.bicep", InfraPaths.BicepFiles);
        Assert.Contains(InfraPaths.BicepFiles, f => f.StartsWith("app/", StringComparison.Ordinal));
        foreach (var file in InfraPaths.BicepFiles)
        {
            // Registry modules (br:, br/public:, ts:) need the network at build time; the build checks infra offline.
            var text = File.ReadAllText(Path.Combine(InfraPaths.Infra, file));
            Assert.DoesNotMatch(@"(?m)^\s*module\s+\w+\s+'(br[:/]|ts[:/])", text);
        }
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public void Build_WritesArmJsonGivenBicepFile(string file)
    {
        Assert.True(build.Build.ExitCode == 0, build.Build.ToString());
        var compiled = build.CompiledPath(file);
        Assert.True(File.Exists(compiled), $"{file} did not compile.\n{build.Build}");
        var template = JsonNode.Parse(File.ReadAllText(compiled))!.AsObject();
        Assert.Contains("deploymentTemplate.json", template["$schema"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public void Lint_ReportsNothingGivenBicepFile(string file)
    {
        var full = Path.Combine(InfraPaths.Infra, file);
        var findings = build.Lint.Lines.Concat(build.Build.Lines)
            .Where(line => line.Contains(full, StringComparison.Ordinal))
            .ToList();
        Assert.True(findings.Count == 0, string.Join('\n', findings));
    }

    [Fact]
    public void Lint_ReportsNothingAtAll()
    {
        // Also catches output that names no file (a config error, an unknown rule), which the per-file test cannot see.
        Assert.True(build.Lint.ExitCode == 0 && build.Lint.Lines.Count == 0, build.Lint.ToString());
        Assert.True(build.Build.Lines.Count == 0, build.Build.ToString());
    }

    [Fact]
    public void BicepConfig_SilencesNoLinterRule()
    {
        var text = File.ReadAllText(Path.Combine(InfraPaths.Infra, "bicepconfig.json"));
        var config = JsonNode.Parse(text, documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
        Assert.NotEqual(false, config["analyzers"]?["core"]?["enabled"]?.GetValue<bool>());
        var rules = config["analyzers"]?["core"]?["rules"]?.AsObject() ?? [];
        foreach (var (rule, setting) in rules)
        {
            var level = setting?["level"]?.GetValue<string>();
            Assert.True(level is "warning" or "error", $"Rule {rule} is set to '{level}': fix the finding instead of silencing the rule.");
        }

        // The rules whose findings would be a leaked secret are errors, not warnings.
        foreach (var rule in new[] { "outputs-should-not-contain-secrets", "secure-secrets-in-params", "use-secure-value-for-secure-inputs" })
        {
            Assert.Equal("error", rules[rule]?["level"]?.GetValue<string>());
        }
    }
}
