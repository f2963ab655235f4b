namespace ServerlessAuth.Tests.Infrastructure;

/// <summary>The repository root, stamped in at build time.</summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class RepositoryRootAttribute(string path) : Attribute
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public static string Value =>
        typeof(RepositoryRootAttribute).Assembly.GetCustomAttributes(typeof(RepositoryRootAttribute), false)
            .Cast<RepositoryRootAttribute>().Single().Path;
}

/// <summary>Where the Bicep CLI NuGet package was restored.</summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class BicepPathAttribute(string path) : Attribute
{
    public string Path { get; } = path;

    public static string PackageRoot =>
        typeof(BicepPathAttribute).Assembly.GetCustomAttributes(typeof(BicepPathAttribute), false)
            .Cast<BicepPathAttribute>().Single().Path;
}
