using System.Buffers.Text;
using System.Text;

namespace ServerlessAuth.Storage;

/// <summary>One page of a listing and the opaque token of the next one (null on the last page).</summary>
internal sealed record Page<T>(IReadOnlyList<T> Items, string? ContinuationToken);

/// <summary>
/// Continuation tokens handed to clients: the Table Storage token, base64url-encoded so clients treat it as
/// opaque. A token that does not decode is refused (400) before storage is touched; one that decodes to another
/// partition is harmless because every listing filters on the caller's partition.
/// </summary>
internal static class ContinuationToken
{
    public const int MaxLength = 1024;

    public static string? Encode(string? storageToken) =>
        storageToken is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(storageToken));

    public static bool TryDecode(string? token, out string? storageToken)
    {
        storageToken = null;
        if (string.IsNullOrEmpty(token))
        {
            return true;
        }

        if (token.Length > MaxLength || !Base64Url.IsValid(token))
        {
            return false;
        }

        storageToken = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        return storageToken.Length > 0 && !storageToken.Any(char.IsControl);
    }
}

/// <summary>Outcome of a conditional write.</summary>
internal enum WriteOutcome
{
    Done,
    NotFound,

    /// <summary>Another writer got there first (ETag mismatch or the entity already exists).</summary>
    Conflict,
}
