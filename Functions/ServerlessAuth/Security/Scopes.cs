using System.Collections.Immutable;

namespace ServerlessAuth.Security;

/// <summary>
/// Scope and permission strings. A scope is an RFC 6749 scope-token (printable ASCII without space, quote or
/// backslash), here at most 128 characters; a set holds at most 100.
/// </summary>
internal static class Scopes
{
    public const int MaxLength = 128;
    public const int MaxCount = 100;

    private static readonly ImmutableSortedSet<string> Empty = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    public static bool IsValid(string scope)
    {
        if (scope.Length is 0 or > MaxLength)
        {
            return false;
        }

        foreach (var c in scope)
        {
            if (c is < '!' or > '~' or '"' or '\\')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Validates and normalises a list (duplicates removed, ordinal order). Null when any entry is invalid.</summary>
    public static ImmutableSortedSet<string>? Normalize(IEnumerable<string?>? scopes, out string? invalid)
    {
        invalid = null;
        if (scopes is null || scopes.TryGetNonEnumeratedCount(out var count) && count == 0)
        {
            return Empty;
        }

        var builder = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            if (scope is null || !IsValid(scope))
            {
                invalid = scope ?? "null";
                return null;
            }

            builder.Add(scope);
        }

        if (builder.Count > MaxCount)
        {
            invalid = $"more than {MaxCount} entries";
            return null;
        }

        return builder.ToImmutable();
    }

    /// <summary>Parses a space-separated scope parameter (RFC 6749 §3.3). Null when any token is invalid.</summary>
    public static ImmutableSortedSet<string>? ParseList(string? value, out string? invalid) =>
        Normalize(value?.Split(' ', StringSplitOptions.RemoveEmptyEntries), out invalid);

    /// <summary>
    /// The scopes of <paramref name="granted"/> that <paramref name="allowed"/> still holds, in ordinal order: a key
    /// never does more than its operator may do now, nor a token more than its app. When nothing is taken away (the
    /// usual case) and <paramref name="granted"/> is already an ordinal set, that set itself, with no allocation.
    /// </summary>
    public static IReadOnlySet<string> Effective(IReadOnlySet<string> granted, IReadOnlySet<string> allowed)
    {
        if (granted is ImmutableSortedSet<string> sorted && sorted.KeyComparer == StringComparer.Ordinal && AllIn(sorted, allowed))
        {
            return sorted;
        }

        return granted.Where(allowed.Contains).ToImmutableSortedSet(StringComparer.Ordinal);

        static bool AllIn(ImmutableSortedSet<string> scopes, IReadOnlySet<string> allowed)
        {
            foreach (var scope in scopes)
            {
                if (!allowed.Contains(scope))
                {
                    return false;
                }
            }

            return true;
        }
    }

    public static string Join(IEnumerable<string> scopes) => string.Join(' ', scopes);
}
