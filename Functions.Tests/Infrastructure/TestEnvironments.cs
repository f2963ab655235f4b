using Microsoft.Extensions.Hosting;
using NSubstitute;

namespace ServerlessAuth.Tests.Infrastructure;

/// <summary>Host environments for tests of rules that depend on them (Development or not).</summary>
public static class TestEnvironments
{
    public static IHostEnvironment Development { get; } = Named(Environments.Development);

    public static IHostEnvironment Named(string name)
    {
        var environment = Substitute.For<IHostEnvironment>();
        environment.EnvironmentName.Returns(name);
        return environment;
    }
}
