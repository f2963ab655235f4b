using System.Diagnostics;
using System.Net;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.AspNetCore;

/// <summary>
/// ServerlessAuth stopped in the middle of a run, for real: the standalone host listening on a loopback port, the
/// provider's API calling it over the network, the host stopped (connections refused) and started again on the same
/// port and storage. The package fails closed and loses no use. On the real clock: the circuit breaker and the
/// connection timeouts run on it.
/// </summary>
public sealed class ServerlessAuthOutageTests
{
    private static readonly TimeSpan CacheTtl = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task ServerlessAuthStoppedMidRun_CachedKeysServeUntilTheirTtl_OthersGet503_TheBreakerStopsCalling_AndUsesAreReportedWhenItIsBack()
    {
        var port = AzuriteServer.FreePort();
        var authority = $"http://127.0.0.1:{port}";
        var prefix = TestApp.NewTablePrefix();
        var first = await ListenAsync(port, prefix);
        ProviderApi? api = await ProviderApi.StartAsync(first, o =>
        {
            o.Authority = authority;
            o.CacheTtl = CacheTtl;
            o.BreakDuration = TimeSpan.FromSeconds(1);
            o.ValidateTimeout = TimeSpan.FromSeconds(2);
        }, network: true);
        try
        {
            var (tenant, warm, warmId) = await first.SeedAsync("owner", "contacts:read");
            var (_, cold, _) = await first.SeedAsync("owner", "contacts:read");
            var fetched = Stopwatch.StartNew();
            using (var ok = await api.GetContactsAsync(warm))
            {
                Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            }

            await first.DisposeAsync();

            // Cached: still served, from memory, until its TTL.
            for (var i = 0; i < 10; i++)
            {
                using var cached = await api.GetContactsAsync(warm);
                Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
            }

            // Not cached: 503 with Retry-After, never 200. After a few refused connections the breaker opens, and the
            // rest are answered without trying.
            for (var i = 0; i < 20; i++)
            {
                using var unavailable = await api.GetContactsAsync(cold);
                await Problem.AssertAsync(unavailable, HttpStatusCode.ServiceUnavailable, ProblemCodes.Unavailable);
                Assert.NotNull(unavailable.Headers.RetryAfter);
            }

            Assert.InRange(api.Metric("serverlessauth.aspnetcore.validate.failures", "error=unreachable"), 1, 6);
            Assert.True(api.Metric("serverlessauth.aspnetcore.validate.failures", "error=circuit_open") >= 14);

            // Past its TTL the cached key is not served either.
            await Task.Delay(CacheTtl - fetched.Elapsed + TimeSpan.FromMilliseconds(200));
            using (var expired = await api.GetContactsAsync(warm))
            {
                await Problem.AssertAsync(expired, HttpStatusCode.ServiceUnavailable, ProblemCodes.Unavailable);
            }

            // Back, on the same port and storage: the breaker lets a call through after its break, and the ten uses
            // answered from memory during the outage are charged with the first successful call.
            await using var second = await ListenAsync(port, prefix);
            var back = Stopwatch.StartNew();
            while (true)
            {
                using var response = await api.GetContactsAsync(warm);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    break;
                }

                await Problem.AssertAsync(response, HttpStatusCode.ServiceUnavailable, ProblemCodes.Unavailable);
                Assert.True(back.Elapsed < TimeSpan.FromSeconds(30), "not accepted again 30 s after ServerlessAuth came back");
                await Task.Delay(100);
            }

            // Stopping the API reports what is still pending (a use answered from memory after the sweep's report).
            await api.DisposeAsync();
            api = null;
            await second.Get<UsageRecorder>().FlushAsync(default);
            var usage = await TestApp.SendOkAsync(second.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type=usage.daily&credentialId={warmId}");
            Assert.Equal(11, (long)Assert.Single(usage["items"]!.AsArray())!["count"]!);
        }
        finally
        {
            if (api is not null)
            {
                await api.DisposeAsync();
            }

            first.LogScan.ThrowIfLeaked();
        }
    }

    /// <summary>The standalone host on Kestrel at <paramref name="port"/>, its issuer the address it listens on.</summary>
    private static async Task<TestApp> ListenAsync(int port, string tablePrefix)
    {
        var app = await TestApp.StartAsync(settings: new Dictionary<string, string?> { ["ServerlessAuth:Issuer"] = $"http://127.0.0.1:{port}" }, tablePrefix: tablePrefix);
        app.UseKestrel(port);
        app.StartServer();
        return app;
    }
}
