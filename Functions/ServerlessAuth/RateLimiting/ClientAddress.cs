using System.Net;

namespace ServerlessAuth.RateLimiting;

/// <summary>
/// Where a request came from, as the host saw it: the connection's address and the raw <c>X-Forwarded-For</c>
/// header. <see cref="Resolve"/> turns it into the key that failed validations are counted under.
/// </summary>
internal readonly record struct ClientAddress(IPAddress? Remote, string? ForwardedFor)
{
    /// <summary>The key of requests whose address is not known (no connection address, e.g. in-process hosts).</summary>
    public const string Unknown = "unknown";

    /// <summary>Where <paramref name="request"/> came from, as its host saw it.</summary>
    public static ClientAddress Of(Microsoft.AspNetCore.Http.HttpRequest request) =>
        new(request.HttpContext.Connection.RemoteIpAddress, request.Headers["X-Forwarded-For"].ToString());

    /// <summary>
    /// The address failures are counted under: the first <c>X-Forwarded-For</c> entry when trusted and well formed,
    /// else the connection's. IPv6 addresses count per /64, the block one subscriber usually holds, so that
    /// rotating through one's own addresses does not reset the count.
    /// </summary>
    public string Resolve(bool trustForwardedFor)
    {
        var address = Remote;
        if (trustForwardedFor && !string.IsNullOrEmpty(ForwardedFor))
        {
            var first = ForwardedFor.AsSpan();
            var comma = first.IndexOf(',');
            first = (comma < 0 ? first : first[..comma]).Trim();

            // Proxies write "address" or "address:port" ("[v6]:port" for IPv6); anything else is ignored.
            if (IPEndPoint.TryParse(first, out var endpoint))
            {
                address = endpoint.Address;
            }
        }

        if (address is null)
        {
            return Unknown;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes) + "/64";
        }

        return address.ToString();
    }
}
