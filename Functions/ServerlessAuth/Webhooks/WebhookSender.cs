using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace ServerlessAuth.Webhooks;

/// <summary>Resolves a receiver's host name: the system's DNS (a seam so tests need no real network).</summary>
internal interface IWebhookHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The system's resolver.</summary>
internal sealed class SystemHostResolver : IWebhookHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => Dns.GetHostAddressesAsync(host, cancellationToken);
}

/// <summary>What one attempt got: the receiver's status, or why there was none.</summary>
internal sealed record WebhookAttempt(int? StatusCode, long LatencyMs, string? Error)
{
    public bool Delivered => StatusCode is >= 200 and < 300;
}

/// <summary>
/// Sends one signed webhook, with the protections of <see cref="WebhookAddressPolicy"/>: every address the host
/// resolves to is checked in the connect callback and the connection goes to a checked address; no proxy (it would
/// connect for us, unchecked), no redirects, no decompression, at most 4 KB of the response read, and one timeout
/// (<see cref="WebhookOptions.RequestTimeout"/>) for the whole attempt.
/// </summary>
internal sealed class WebhookSender : IDisposable
{
    public const int MaxResponseBytes = 4096;

    private readonly HttpClient _client;
    private readonly WebhookAddressPolicy _policy;
    private readonly IWebhookHostResolver _resolver;
    private readonly TimeSpan _timeout;

    public WebhookSender(WebhookAddressPolicy policy, IWebhookHostResolver resolver, IOptions<ServerlessAuthOptions> options)
    {
        _policy = policy;
        _resolver = resolver;
        _timeout = options.Value.Webhooks.RequestTimeout;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = _timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxResponseHeadersLength = 16,
            ConnectCallback = ConnectAsync,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("ServerlessAuth-Webhooks/1.0");
    }

    public async Task<WebhookAttempt> SendAsync(Uri url, string id, long timestamp, string signature, string body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("webhook-id", id);
            request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", signature);
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);

            // Read (and drop) at most 4 KB, so a receiver cannot make us download much; the connection is not reused
            // when more was left unread.
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new byte[MaxResponseBytes];
            for (var total = 0; total < buffer.Length;)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(total), timeout.Token);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return new WebhookAttempt((int)response.StatusCode, Elapsed(started), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookAttempt(null, Elapsed(started), $"timed out after {_timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException e) when (e.InnerException is RefusedAddressException refused)
        {
            return new WebhookAttempt(null, Elapsed(started), refused.Message);
        }
        catch (HttpRequestException e)
        {
            return new WebhookAttempt(null, Elapsed(started), e.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => "host name not found",
                HttpRequestError.ConnectionError => "connection failed",
                HttpRequestError.SecureConnectionError => "TLS handshake failed",
                HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse => "invalid response",
                _ => "request failed",
            });
        }
    }

    public void Dispose() => _client.Dispose();

    private static long Elapsed(long started) => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await _resolver.ResolveAsync(host, cancellationToken);
        }
        catch (SocketException e)
        {
            throw new HttpRequestException(HttpRequestError.NameResolutionError, "host name not found", e);
        }

        // Any refused address refuses the host: a name that answers both public and private addresses is a rebinding
        // attempt or a misconfiguration, and neither should reach an internal service.
        foreach (var address in addresses)
        {
            if (_policy.Refusal(address) is { } refusal)
            {
                throw new RefusedAddressException($"refused: {host} resolves to a {refusal} address");
            }
        }

        if (addresses.Length == 0)
        {
            throw new HttpRequestException(HttpRequestError.NameResolutionError, "host name not found");
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }

        throw new HttpRequestException(HttpRequestError.ConnectionError, "connection failed", last);
    }

    /// <summary>The receiver's host resolves to an address webhooks may not reach.</summary>
    private sealed class RefusedAddressException(string message) : Exception(message);
}
