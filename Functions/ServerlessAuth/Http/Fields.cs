using System.Collections.Immutable;
using ServerlessAuth.Security;

namespace ServerlessAuth.Http;

/// <summary>Checks of body fields; each failure is a 400 naming the field.</summary>
internal static class Fields
{
    public const int MaxNameLength = 100;

    /// <summary>A display name: 1 to 100 characters, no control characters, not blank.</summary>
    public static ApiProblem? CheckName(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxNameLength || value.Any(char.IsControl))
        {
            return ApiProblem.InvalidRequest($"{field} must be 1 to {MaxNameLength} characters without control characters.", field);
        }

        return null;
    }

    public static ApiProblem? CheckRange(int? value, int min, int max, string field) =>
        value is { } v && (v < min || v > max)
            ? ApiProblem.InvalidRequest($"{field} must be between {min} and {max}.", field)
            : null;

    public static (ImmutableSortedSet<string>? Scopes, ApiProblem? Problem) ReadScopes(IEnumerable<string?>? values, string field)
    {
        var scopes = Scopes.Normalize(values, out var invalid);
        return scopes is null
            ? (null, ApiProblem.InvalidRequest($"{field}: each entry must be 1 to {Scopes.MaxLength} printable ASCII characters without spaces, quotes or backslashes, at most {Scopes.MaxCount} entries ({Describe(invalid)}).", field))
            : (scopes, null);
    }

    /// <summary>Describes an invalid entry without echoing more than a short, printable excerpt of it.</summary>
    private static string Describe(string? invalid)
    {
        if (invalid is null)
        {
            return "invalid entry";
        }

        var printable = new string([.. invalid.Take(32).Select(c => c is >= ' ' and <= '~' ? c : '?')]);
        return $"invalid entry '{printable}'";
    }
}
