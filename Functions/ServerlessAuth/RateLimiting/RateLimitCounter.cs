using Azure;

namespace ServerlessAuth.RateLimiting;

/// <summary>The shared counter of one credential: how much of the window's budget instances have claimed so far.</summary>
internal sealed record RateLimitCounter
{
    public required RateLimitKey Key { get; init; }
    public required DateTimeOffset WindowStart { get; init; }

    /// <summary>Requests claimed by all instances in this window: each serves its claims from memory.</summary>
    public required long Claimed { get; init; }

    /// <summary>The limit the last claim was made under (for operators reading the table).</summary>
    public required int Limit { get; init; }

    public ETag ETag { get; init; }
}
