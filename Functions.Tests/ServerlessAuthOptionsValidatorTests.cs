namespace ServerlessAuth.Tests;

/// <summary>Token settings are checked at start, every error reported at once.</summary>
public sealed class ServerlessAuthOptionsValidatorTests
{
    [Fact]
    public void Validate_RefusesSkewOverAMinuteAndAPublicationDelayShorterThanTheJwksCache()
    {
        var options = new ServerlessAuthOptions { AdminKey = new string('k', 32) };
        options.Storage.ConnectionString = "UseDevelopmentStorage=true";
        options.Tokens.ClockSkew = TimeSpan.FromSeconds(61);
        options.Tokens.KeyPublicationDelay = TimeSpan.FromMinutes(10);

        var result = new ServerlessAuthOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("ClockSkew", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("KeyPublicationDelay", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_AcceptsTheDocumentedDefaults()
    {
        var options = new ServerlessAuthOptions { AdminKey = new string('k', 32) };
        options.Storage.ConnectionString = "UseDevelopmentStorage=true";

        Assert.True(new ServerlessAuthOptionsValidator().Validate(null, options).Succeeded);
        Assert.Null(options.Tokens.Audience);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Tokens.ClockSkew);
        Assert.Equal(TimeSpan.FromHours(1), options.Tokens.DefaultLifetime);
    }
}
