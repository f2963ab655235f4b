using System.Buffers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ServerlessAuth.Http;

/// <summary>
/// A request body read into a pooled buffer, never more than the configured limit plus one byte: a body past the
/// limit is known to be too large without reading the rest. Shared by the JSON and the form readers.
/// </summary>
internal sealed class BoundedBody : IDisposable
{
    private byte[]? _buffer;

    private BoundedBody(byte[] buffer, int length, bool tooLarge)
    {
        _buffer = buffer;
        Length = length;
        TooLarge = tooLarge;
    }

    public int Length { get; }

    /// <summary>The body is larger than the limit (and <see cref="Span"/> holds only its start).</summary>
    public bool TooLarge { get; }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    /// <summary><see cref="RequestLimitOptions.MaxBodyBytes"/> of the serving host.</summary>
    public static int Limit(HttpRequest request) =>
        request.HttpContext.RequestServices.GetRequiredService<IOptions<ServerlessAuthOptions>>().Value.Limits.MaxBodyBytes;

    public static async Task<BoundedBody> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(limit + 1);
        var length = 0;
        int read;
        while ((read = await request.Body.ReadAsync(buffer.AsMemory(length, limit + 1 - length), cancellationToken)) > 0)
        {
            length += read;
            if (length > limit)
            {
                return new BoundedBody(buffer, length, tooLarge: true);
            }
        }

        return new BoundedBody(buffer, length, tooLarge: false);
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
