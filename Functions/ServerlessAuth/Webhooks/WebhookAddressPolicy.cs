using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ServerlessAuth.Webhooks;

/// <summary>
/// Where webhooks may go (server-side request forgery protection). A URL is checked when an endpoint is saved; its
/// host's addresses are checked again at every attempt, after DNS, in the connect callback of the sending client,
/// which then connects to the address it checked (so DNS cannot answer differently between check and connect).
/// </summary>
/// <remarks>
/// Refused: loopback (unless <see cref="WebhookOptions.AllowLoopback"/>, Development only), private networks
/// (RFC 1918, CGNAT 100.64/10, IPv6 ULA fc00::/7, which holds the AWS metadata address fd00:ec2::254), link-local
/// (169.254/16 with the cloud metadata address 169.254.169.254, fe80::/10), multicast, unspecified, broadcast and the
/// reserved and documentation ranges; IPv4 inside IPv6 (mapped, NAT64, 6to4) is checked as IPv4. https only outside
/// the Development environment; no user info in the URL (it would be stored and shown); no redirect is ever followed.
/// </remarks>
internal sealed class WebhookAddressPolicy(IOptions<ServerlessAuthOptions> options, IHostEnvironment environment)
{
    public const int MaxUrlLength = 2048;

    private readonly bool _allowLoopback = options.Value.Webhooks.AllowLoopback;

    /// <summary>Plain http is accepted for receivers on a developer's machine only.</summary>
    public bool AllowsHttp { get; } = environment.IsDevelopment();

    /// <summary>Why <paramref name="url"/> cannot be an endpoint, or null with the parsed URL.</summary>
    public (Uri? Url, string? Problem) CheckUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > MaxUrlLength || url.Any(char.IsControl))
        {
            return (null, $"url must be an absolute https URL of at most {MaxUrlLength} characters.");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return (null, "url must be an absolute https URL.");
        }

        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && AllowsHttp))
        {
            return (null, AllowsHttp ? "url must use https or http." : "url must use https.");
        }

        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            return (null, "url must carry no user info and no fragment: put a receiver's credential in its path, or verify the signature.");
        }

        if (uri.IsLoopback && !_allowLoopback)
        {
            return (null, "url must not point at this machine (loopback).");
        }

        if (IPAddress.TryParse(uri.DnsSafeHost, out var address) && Refusal(address) is { } refusal)
        {
            return (null, $"url must not point at a {refusal} address.");
        }

        return (uri, null);
    }

    /// <summary>Why a delivery may not connect to <paramref name="address"/>, or null if it may.</summary>
    public string? Refusal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return RefusalV4(address.GetAddressBytes());
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return "non-IP";
        }

        var b = address.GetAddressBytes();
        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return _allowLoopback ? null : "loopback";
        }

        if (address.Equals(IPAddress.IPv6None) || address.Equals(IPAddress.IPv6Any))
        {
            return "unspecified";
        }

        return b[0] switch
        {
            0xff => "multicast",
            0xfe when (b[1] & 0xc0) == 0x80 => "link-local",
            0xfe when (b[1] & 0xc0) == 0xc0 => "site-local",
            0xfc or 0xfd => "private (unique local)",
            // NAT64 64:ff9b::/96 and 6to4 2002::/16 reach an IPv4 address: judge that one.
            0x00 when b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b => RefusalV4(b[12..16]),
            0x20 when b[1] == 0x02 => RefusalV4(b[2..6]),
            0x20 when b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 => "documentation",
            0x20 when b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00 => "Teredo",
            // Every other address below 2000::/3 is reserved or special-purpose (discard 100::/64, IPv4-compatible ::/96).
            < 0x20 => "reserved",
            _ => null,
        };
    }

    private string? RefusalV4(byte[] b) => b[0] switch
    {
        0 => "unspecified",
        10 => "private",
        100 when (b[1] & 0xc0) == 64 => "private (CGNAT)",
        127 => _allowLoopback ? null : "loopback",
        169 when b[1] == 254 => b[2] == 169 && b[3] == 254 ? "metadata" : "link-local",
        172 when (b[1] & 0xf0) == 16 => "private",
        192 when b[1] == 168 => "private",
        192 when b[1] == 0 && b[2] is 0 or 2 => "reserved",
        198 when (b[1] & 0xfe) == 18 => "reserved",
        198 when b[1] == 51 && b[2] == 100 => "documentation",
        203 when b[1] == 0 && b[2] == 113 => "documentation",
        >= 224 and < 240 => "multicast",
        >= 240 => b.All(x => x == 255) ? "broadcast" : "reserved",
        _ => null,
    };
}
