using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Infra;

/// <summary>Where the deployment files live in the repository.</summary>
internal static class InfraPaths
{
    public static string Root => RepositoryRootAttribute.Value;

    public static string Infra => Path.Combine(Root, "infra");

    public static string AzureYaml => Path.Combine(Root, "azure.yaml");

    /// <summary>Every .bicep file under infra/, relative to infra/ with forward slashes.</summary>
    public static IReadOnlyList<string> BicepFiles =>
        [.. Directory.EnumerateFiles(Infra, "*.bicep", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Infra, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];
}
