using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NSubstitute;
using ServerlessAuth.Webhooks;

namespace ServerlessAuth.Tests.Webhooks;

/// <summary>
/// Server-side request forgery: every refused range, as a literal in the URL and as what a host name resolves to at
/// send time (a substituted resolver: no real network is touched, and no connection is attempted to a refused address).
/// </summary>
public sealed class WebhookAddressPolicyTests : IDisposable
{
    private readonly IWebhookHostResolver _resolver = Substitute.For<IWebhookHostResolver>();
    private readonly WebhookSender _sender;

    public WebhookAddressPolicyTests() => _sender = new WebhookSender(Policy(development: false), _resolver, Options(allowLoopback: false));

    public void Dispose() => _sender.Dispose();

    private static IOptions<ServerlessAuthOptions> Options(bool allowLoopback) =>
        Microsoft.Extensions.Options.Options.Create(new ServerlessAuthOptions { Webhooks = { AllowLoopback = allowLoopback } });

    private static WebhookAddressPolicy Policy(bool development, bool allowLoopback = false)
    {
        var environment = Substitute.For<IHostEnvironment>();
        environment.EnvironmentName.Returns(development ? Environments.Development : Environments.Production);
        return new WebhookAddressPolicy(Options(allowLoopback), environment);
    }

    public static TheoryData<string, string> Refused() => new()
    {
        { "127.0.0.1", "loopback" },
        { "127.10.0.3", "loopback" },
        { "::1", "loopback" },
        { "10.0.0.5", "private" },
        { "172.16.0.1", "private" },
        { "172.31.255.254", "private" },
        { "192.168.1.20", "private" },
        { "100.64.0.1", "private (CGNAT)" },
        { "100.127.255.254", "private (CGNAT)" },
        { "169.254.169.254", "metadata" },
        { "169.254.10.10", "link-local" },
        { "fd00:ec2::254", "private (unique local)" },
        { "fc00::1", "private (unique local)" },
        { "fe80::1", "link-local" },
        { "0.0.0.0", "unspecified" },
        { "::", "unspecified" },
        { "224.0.0.251", "multicast" },
        { "ff02::1", "multicast" },
        { "255.255.255.255", "broadcast" },
        { "240.0.0.1", "reserved" },
        { "192.0.2.10", "reserved" },
        { "198.18.0.1", "reserved" },
        { "::ffff:10.0.0.1", "private" },
        { "::ffff:169.254.169.254", "metadata" },
        { "64:ff9b::a9fe:a9fe", "metadata" },
        { "2002:a00:1::1", "private" },
        { "2001:db8::1", "documentation" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Refusal_NamesTheRangeGivenARefusedAddress(string address, string range) =>
        Assert.Equal(range, Policy(development: false).Refusal(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:93.184.215.14")]
    public void Refusal_IsNullGivenAPublicAddress(string address) =>
        Assert.Null(Policy(development: false).Refusal(IPAddress.Parse(address)));

    [Fact]
    public void Refusal_AllowsLoopbackOnlyWithTheDevelopmentOption()
    {
        Assert.Null(Policy(development: true, allowLoopback: true).Refusal(IPAddress.Loopback));
        Assert.Null(Policy(development: true, allowLoopback: true).Refusal(IPAddress.IPv6Loopback));
        Assert.Equal("loopback", Policy(development: true).Refusal(IPAddress.Loopback));

        // Still only loopback: private ranges stay refused.
        Assert.Equal("private", Policy(development: true, allowLoopback: true).Refusal(IPAddress.Parse("10.0.0.1")));
    }

    [Theory]
    [InlineData("http://hooks.example.com/x", "https")]
    [InlineData("https://hooks.example.com:8443/x?a=1", null)]
    [InlineData("https://[2606:4700:4700::1111]/x", null)]
    [InlineData("https://[::1]/x", "loopback")]
    [InlineData("https://0x7f000001/x", "loopback")]
    [InlineData("https://2130706433/x", "loopback")]
    [InlineData("https://user@hooks.example.com/x", "user info")]
    public void CheckUrl_RefusesWhatCannotBeAnEndpointOutsideDevelopment(string url, string? refusal)
    {
        var (_, problem) = Policy(development: false).CheckUrl(url);
        if (refusal is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.Contains(refusal, problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CheckUrl_AllowsHttpInDevelopmentOnly() =>
        Assert.Null(Policy(development: true).CheckUrl("http://hooks.example.com/x").Problem);

    [Theory]
    [InlineData("10.0.0.5", "private")]
    [InlineData("169.254.169.254", "metadata")]
    [InlineData("fd00:ec2::254", "private (unique local)")]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("100.64.1.1", "private (CGNAT)")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("::ffff:192.168.0.10", "private")]
    public async Task Send_RefusesAHostNameResolvingToARefusedAddress(string address, string range)
    {
        _resolver.ResolveAsync("internal.example.test", Arg.Any<CancellationToken>()).Returns([IPAddress.Parse(address)]);

        var attempt = await _sender.SendAsync(new Uri("https://internal.example.test/hook"), "msg_1", 1, "v1,x", "{}", CancellationToken.None);

        Assert.False(attempt.Delivered);
        Assert.Null(attempt.StatusCode);
        Assert.Equal($"refused: internal.example.test resolves to a {range} address", attempt.Error);
    }

    [Fact]
    public async Task Send_RefusesAHostAnsweringBothAPublicAndAPrivateAddress()
    {
        // DNS rebinding, or a split horizon: any refused address refuses the host, whatever comes first.
        _resolver.ResolveAsync("rebind.example.test", Arg.Any<CancellationToken>()).Returns([IPAddress.Parse("93.184.215.14"), IPAddress.Parse("10.1.1.1")]);

        var attempt = await _sender.SendAsync(new Uri("https://rebind.example.test/hook"), "msg_1", 1, "v1,x", "{}", CancellationToken.None);

        Assert.Contains("private", attempt.Error, StringComparison.Ordinal);
        await _resolver.Received(1).ResolveAsync("rebind.example.test", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Send_RefusesALiteralRefusedAddressWithoutResolving()
    {
        var attempt = await _sender.SendAsync(new Uri("https://169.254.169.254/latest/meta-data/"), "msg_1", 1, "v1,x", "{}", CancellationToken.None);

        Assert.Equal("refused: 169.254.169.254 resolves to a metadata address", attempt.Error);
        await _resolver.DidNotReceiveWithAnyArgs().ResolveAsync(default!, default);
    }
}
