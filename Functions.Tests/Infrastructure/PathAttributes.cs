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

/// <summary>The configuration and target framework the tests were built with, stamped in at build time.</summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class BuildOutputAttribute(string configuration, string targetFramework) : Attribute
{
    public string Configuration { get; } = configuration;

    public string TargetFramework { get; } = targetFramework;

    /// <summary>
    /// The build output of one of the solution's projects under <c>Functions/</c>, built with the same configuration
    /// as the tests (the test project references them, so they are built first).
    /// </summary>
    public static string Of(string project)
    {
        var build = typeof(BuildOutputAttribute).Assembly.GetCustomAttributes(typeof(BuildOutputAttribute), false).Cast<BuildOutputAttribute>().Single();
        return System.IO.Path.Combine(RepositoryRootAttribute.Value, "Functions", project, "bin", build.Configuration, build.TargetFramework);
    }
}
