using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.RateLimiting;

/// <summary>The <c>RateLimiting</c> settings are checked at start, every error reported at once.</summary>
public sealed class RateLimitingOptionsTests
{
    [Fact]
    public void Validate_AcceptsTheDefaults()
    {
        var result = new ServerlessAuthOptionsValidator(TestEnvironments.Development).Validate(null, Valid());
        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_ReportsEveryRateLimitingErrorAtOnce()
    {
        var options = Valid();
        options.RateLimiting.ClaimFraction = 0;
        options.RateLimiting.FailureLimit = -1;
        options.RateLimiting.FailureWindow = TimeSpan.FromSeconds(1.5);
        options.RateLimiting.MaxTrackedCredentials = 0;

        var result = new ServerlessAuthOptionsValidator(TestEnvironments.Development).Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.Contains("ClaimFraction", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("FailureLimit", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("FailureWindow", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("MaxTrackedCredentials", StringComparison.Ordinal));
    }

    private static ServerlessAuthOptions Valid() => new()
    {
        Storage = { ConnectionString = "UseDevelopmentStorage=true" },
        AdminKey = TestApp.AdminKey,
    };
}
