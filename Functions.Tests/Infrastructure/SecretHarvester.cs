using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ServerlessAuth.Tests.Infrastructure;

/// <summary>
/// The outermost middleware of every test host: hands a <see cref="SecretLeakScanner"/> each credential a request
/// presents (<c>Authorization</c> Bearer or Basic, <c>x-api-key</c>) and each secret a JSON response returns
/// (<c>key</c>, <c>appSecret</c>, <c>token</c>, <c>access_token</c>, and any JWT). On the server side, so it sees
/// every client (WebApplicationFactory clients, <c>Server.CreateHandler()</c>, third-party libraries) alike.
/// </summary>
public sealed class SecretHarvester(SecretLeakScanner scanner) : IStartupFilter
{
    private const int MaxCapturedBytes = 1024 * 1024;
    private static readonly HashSet<string> SecretFields = new(StringComparer.Ordinal) { "key", "appSecret", "secret", "token", "access_token", "client_secret", "refresh_token" };

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(HarvestAsync);
        next(app);
    };

    private async Task HarvestAsync(HttpContext context, RequestDelegate next)
    {
        HarvestRequest(context.Request);
        var original = context.Features.Get<IHttpResponseBodyFeature>()!;
        var tee = new TeeStream(original.Stream);
        var teeFeature = new StreamResponseBodyFeature(tee, original);
        context.Features.Set<IHttpResponseBodyFeature>(teeFeature);
        try
        {
            await next(context);
            await teeFeature.CompleteAsync();
        }
        finally
        {
            context.Features.Set(original);
        }

        var type = context.Response.ContentType ?? "";
        if (type.Contains("json", StringComparison.OrdinalIgnoreCase) && tee.Captured.Length > 0)
        {
            HarvestJson(tee.Captured.ToArray());
        }
    }

    private void HarvestRequest(HttpRequest request)
    {
        if (request.QueryString.Value is { Length: >= SecretLeakScanner.Window } query)
        {
            scanner.ExposedInUrlByClient(query);
        }

        foreach (var (_, values) in request.Query)
        {
            foreach (var value in values)
            {
                if (value is { Length: >= SecretLeakScanner.Window })
                {
                    scanner.ExposedInUrlByClient(value);
                }
            }
        }

        foreach (var value in request.Headers["x-api-key"])
        {
            if (value is not null && LooksLikeCredential(value.Trim()))
            {
                scanner.HarvestSecret(value.Trim(), "credential presented in x-api-key");
            }
        }

        foreach (var value in request.Headers.Authorization)
        {
            var parts = value?.Split(' ', 2, StringSplitOptions.TrimEntries);
            if (parts is not [var scheme, var credential] || credential.Length == 0)
            {
                continue;
            }

            if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) && LooksLikeCredential(credential))
            {
                scanner.HarvestSecret(credential, "credential presented as Bearer");
            }
            else if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && TryDecodeBasicSecret(credential) is { Length: >= 32 } secret)
            {
                scanner.HarvestSecret(secret, "client secret presented over HTTP Basic");
            }
        }
    }

    /// <summary>
    /// A presented credential worth watching for: shaped like an API key or a JWT, or the admin key. Not any string a
    /// test sends as a credential: a test presenting an id (logged legitimately) would otherwise make that id a "secret".
    /// </summary>
    private static bool LooksLikeCredential(string value) =>
        SecretLeakScanner.LooksLikeApiKey(value) || SecretLeakScanner.LooksLikeJwt(value) || value == TestApp.AdminKey;

    private static string? TryDecodeBasicSecret(string credential)
    {
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(credential));
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : Uri.UnescapeDataString(pair[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private void HarvestJson(byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return;
        }

        using (document)
        {
            Walk(document.RootElement, null);
        }
    }

    private void Walk(JsonElement element, string? name)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value, property.Name);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, name);
                }

                break;
            case JsonValueKind.String:
                var text = element.GetString()!;
                if ((name is not null && SecretFields.Contains(name)) || SecretLeakScanner.LooksLikeJwt(text))
                {
                    scanner.HarvestSecret(text, $"'{name}' returned by the service");
                }

                break;
        }
    }

    /// <summary>Writes through to the response and keeps a copy of the first megabyte.</summary>
    private sealed class TeeStream(Stream inner) : Stream
    {
        public MemoryStream Captured { get; } = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            Keep(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Keep(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            var room = MaxCapturedBytes - (int)Captured.Length;
            if (room > 0)
            {
                Captured.Write(bytes[..Math.Min(room, bytes.Length)]);
            }
        }
    }
}
