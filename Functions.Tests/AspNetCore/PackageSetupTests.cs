using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessAuth.AspNetCore;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.AspNetCore;

/// <summary>Settings validated at start and read from configuration; logs without credentials; the package's metrics.</summary>
public sealed class PackageSetupTests
{
    [Fact]
    public async Task AddServerlessAuth_WithBadSettings_RefusesToStartNamingEveryError()
    {
        await using var app = Build(null, o =>
        {
            o.Authority = "http://auth.example.com";
            o.CacheTtl = TimeSpan.FromMinutes(10);
            o.ApiKeyPrefix = "SA";
            o.ReportInterval = TimeSpan.Zero;
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Equal(4, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.Contains("Authority must be https", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("CacheTtl", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("ApiKeyPrefix", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("ReportInterval", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddServerlessAuth_WithoutAnAuthority_RefusesToStart()
    {
        await using var app = Build(null, null);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("Authority is required", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_AreReadFromAuthenticationSchemesServerlessAuthThenFromTheDelegate()
    {
        await using var app = Build(
            new Dictionary<string, string?>
            {
                ["Authentication:Schemes:ServerlessAuth:Authority"] = "http://localhost:7071",
                ["Authentication:Schemes:ServerlessAuth:RequireHttpsMetadata"] = "false",
                ["Authentication:Schemes:ServerlessAuth:CacheTtl"] = "00:00:02",
                ["Authentication:Schemes:ServerlessAuth:ApiKeyEnvironment"] = "test",
            },
            o => o.NegativeCacheTtl = TimeSpan.FromSeconds(1));
        await app.StartAsync();

        var options = app.Services.GetRequiredService<IOptionsMonitor<ServerlessAuthAuthenticationOptions>>().Get(ServerlessAuthDefaults.AuthenticationScheme);
        Assert.Equal("http://localhost:7071", options.Authority);
        Assert.Equal(TimeSpan.FromSeconds(2), options.CacheTtl);
        Assert.Equal("test", options.ApiKeyEnvironment);
        Assert.Equal(TimeSpan.FromSeconds(1), options.NegativeCacheTtl);
        await app.StopAsync();
    }

    [Fact]
    public async Task Logs_NeverCarryTheCredentialsPresentedAndMetricsCountHitsMissesCallsAndLocalRefusals()
    {
        await using var server = await TestApp.StartAsync();
        var logs = new CapturingLoggerProvider();
        await using var api = await ProviderApi.StartAsync(server, logs: logs);
        var (_, key, _) = await server.SeedAsync("owner", "contacts:read");
        var (tenant, revoked, revokedId) = await server.SeedAsync("owner", "contacts:read");
        await TestApp.SendOkAsync(server.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{revokedId}");
        var registered = await AppTestData.RegisterAsync(server, ["contacts:read"]);
        var token = await AppTestData.TokenAsync(server, registered);
        var typo = key[..^1] + (key[^1] == 'A' ? 'B' : 'A');
        var forged = AppTestData.Forge(token, payload: p => p["tenant"] = "other");

        var statuses = new List<HttpStatusCode>();
        foreach (var presented in new[] { key, key, key, revoked, typo, token, forged })
        {
            using var response = await api.GetContactsAsync(presented);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.Unauthorized], statuses);
        Assert.Equal(2, api.Metric("serverlessauth.aspnetcore.cache.misses"));
        Assert.Equal(2, api.Metric("serverlessauth.aspnetcore.cache.hits", "answer=accepted"));
        Assert.Equal(1, api.Metric("serverlessauth.aspnetcore.local.refusals", "reason=api_key"));
        Assert.Equal(2, api.Metric("serverlessauth.aspnetcore.validate.calls", "reason=miss"));
        Assert.Equal(1, api.Metric("serverlessauth.aspnetcore.jwt.validations", "outcome=accepted"));
        Assert.Equal(1, api.Metric("serverlessauth.aspnetcore.jwt.validations", "outcome=invalid"));

        var packageLines = logs.Lines.Where(l => l.StartsWith("ServerlessAuth.AspNetCore", StringComparison.Ordinal)).ToList();
        Assert.Contains(packageLines, l => l.Contains(" 5000 ", StringComparison.Ordinal));
        Assert.Contains(packageLines, l => l.Contains(" 5001 ", StringComparison.Ordinal));
        Assert.Contains(packageLines, l => l.Contains(" 5007 ", StringComparison.Ordinal));
        foreach (var secret in new[] { key, revoked, typo, token, forged })
        {
            var tail = secret.Contains('.', StringComparison.Ordinal) ? secret.Split('.')[2] : secret[^20..];
            Assert.DoesNotContain(logs.Lines, l => l.Contains(tail, StringComparison.Ordinal));
        }
    }

    private static WebApplication Build(Dictionary<string, string?>? settings, Action<ServerlessAuthAuthenticationOptions>? configure)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Services.AddAuthentication().AddServerlessAuth(configure);
        return builder.Build();
    }
}
