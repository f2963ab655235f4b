using YamlDotNet.Serialization;

namespace ServerlessAuth.Tests.Infra;

/// <summary>azure.yaml, parsed into plain maps and lists.</summary>
internal static class AzureYamlFile
{
    public static IReadOnlyDictionary<string, object?> Load() =>
        Map(new DeserializerBuilder().Build().Deserialize<object>(File.ReadAllText(InfraPaths.AzureYaml)), "azure.yaml");

    /// <summary>The one service's name (the azd-service-name tag the site must carry).</summary>
    public static string ServiceName => Assert.Single(Map(Load()["services"], "services")).Key;

    public static IReadOnlyDictionary<string, object?> Map(object? node, string what) => node switch
    {
        IDictionary<object, object?> map => map.ToDictionary(p => (string)p.Key, p => p.Value),
        _ => throw new Xunit.Sdk.XunitException($"{what} is not a mapping."),
    };

    public static string Text(object? node, string what) =>
        node as string ?? throw new Xunit.Sdk.XunitException($"{what} is not a string.");
}
