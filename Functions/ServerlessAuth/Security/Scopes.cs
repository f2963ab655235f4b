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
        var builder = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var scope in scopes ?? [])
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
        Normalize((value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries), out invalid);

    public static string Join(IEnumerable<string> scopes) => string.Join(' ', scopes);
}
