namespace ServerlessAuth.Security;

/// <summary>
/// RFC 6750 b64token, the characters a Bearer credential may have. Compiled by the server and by the
/// ServerlessAuth.AspNetCore package (linked), so that both accept the same credential headers.
/// </summary>
internal static class Token68
{
    /// <summary>Letters, digits and <c>-._~+/</c>, then optional <c>=</c> padding; not empty.</summary>
    public static bool IsValid(string value)
    {
        if (value.Length == 0 || value[0] == '=')
        {
            return false;
        }

        var padding = false;
        foreach (var c in value)
        {
            if (c == '=')
            {
                padding = true;
            }
            else if (padding || !(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '+' or '/'))
            {
                return false;
            }
        }

        return true;
    }
}
