using System.Net;
using ServerlessAuth.RateLimiting;

namespace ServerlessAuth.Tests.RateLimiting;

/// <summary>The address failed validations are counted under.</summary>
public sealed class ClientAddressTests
{
    [Theory]
    [InlineData(null, null, false, "unknown")]
    [InlineData("192.0.2.1", "203.0.113.7", false, "192.0.2.1")]
    [InlineData("192.0.2.1", "203.0.113.7, 10.0.0.1", true, "203.0.113.7")]
    [InlineData("192.0.2.1", "203.0.113.7:51234", true, "203.0.113.7")]
    [InlineData("192.0.2.1", "[2001:db8:1:2:3:4:5:6]:443", true, "2001:db8:1:2::/64")]
    [InlineData("192.0.2.1", "not-an-address, 203.0.113.7", true, "192.0.2.1")]
    [InlineData("192.0.2.1", "", true, "192.0.2.1")]
    [InlineData(null, "203.0.113.7", true, "203.0.113.7")]
    [InlineData("::ffff:192.0.2.1", null, false, "192.0.2.1")]
    [InlineData("2001:db8:1:2:aaaa::1", null, false, "2001:db8:1:2::/64")]
    public void Resolve_AnswersTheCountingKeyGivenConnectionAndForwardedFor(string? remote, string? forwardedFor, bool trust, string expected)
    {
        var client = new ClientAddress(remote is null ? null : IPAddress.Parse(remote), forwardedFor);
        Assert.Equal(expected, client.Resolve(trust));
    }

    [Fact]
    public void Resolve_CountsEveryAddressOfOneIpv6SubnetTogether()
    {
        var first = new ClientAddress(IPAddress.Parse("2001:db8:aa:bb::1"), null).Resolve(false);
        var second = new ClientAddress(IPAddress.Parse("2001:db8:aa:bb:ffff:ffff:ffff:ffff"), null).Resolve(false);
        var neighbour = new ClientAddress(IPAddress.Parse("2001:db8:aa:bc::1"), null).Resolve(false);
        Assert.Equal(first, second);
        Assert.NotEqual(first, neighbour);
    }
}
