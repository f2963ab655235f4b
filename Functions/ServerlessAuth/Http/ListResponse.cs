namespace ServerlessAuth.Http;

/// <summary>A page of a listing; pass <see cref="ContinuationToken"/> back as <c>?continuationToken=</c> for the next.</summary>
public sealed class ListResponse<T>
{
    /// <summary>The items of this page.</summary>
    public required IReadOnlyList<T> Items { get; init; }

    /// <summary>Opaque token of the next page; null on the last page.</summary>
    public string? ContinuationToken { get; init; }
}
