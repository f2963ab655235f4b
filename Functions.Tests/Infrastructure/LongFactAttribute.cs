namespace ServerlessAuth.Tests.Infrastructure;

/// <summary>
/// A test that runs for minutes (the soak test): skipped unless the environment variable
/// <c>SERVERLESSAUTH_LONG_TESTS=1</c> is set, so that the normal suite stays fast.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LongFactAttribute : FactAttribute
{
    public const string Variable = "SERVERLESSAUTH_LONG_TESTS";

    public LongFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Skip = $"Long test: set {Variable}=1 to run it.";
        }
    }
}
