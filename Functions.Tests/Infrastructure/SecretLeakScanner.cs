using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using ServerlessAuth.Security;

namespace ServerlessAuth.Tests.Infrastructure;

/// <summary>
/// The secrets one test host handed out or was shown (API keys, app secrets, tokens, the admin key, presented
/// credentials), in every form the service could leak them (the secret, its stored SHA-256 digest, a JWT's payload and
/// signature), and every log text of that host checked against them. <see cref="SecretHarvester"/> feeds it secrets,
/// <see cref="SecretScanningLoggerProvider"/> feeds it log texts, <see cref="TestApp"/> calls
/// <see cref="ThrowIfLeaked"/> when it is disposed.
/// </summary>
/// <remarks>
/// Matching is on windows of <see cref="Window"/> characters of each secret, every <see cref="Stride"/> characters,
/// found with a rolling hash: a log text costs one pass whatever the number of secrets, and any copy of at least
/// 36 consecutive characters of a secret (or the whole of a shorter one) is caught. A text is checked against the
/// secrets known when it is logged; the last <see cref="RecentCapacity"/> texts are kept and checked again against
/// each new secret, which catches a line logged just before the response that revealed the secret. Memory stays
/// bounded: texts are not kept beyond that.
/// </remarks>
public sealed partial class SecretLeakScanner
{
    public const int Window = 24;
    public const int Stride = 12;
    public const int RecentCapacity = 2048;
    private const int MaxTextLength = 64 * 1024;
    private const ulong Base = 0x100000001B3;
    private const string HostingRequestLog = "Microsoft.AspNetCore.Hosting.Diagnostics ";
    private static readonly ulong TopPower = Power(Window - 1);

    private readonly ConcurrentDictionary<ulong, Needle> _needles = new();
    private readonly ConcurrentDictionary<string, bool> _materials = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Logged> _recent = new();
    private readonly ConcurrentQueue<Finding> _findings = new();
    private readonly ConcurrentDictionary<string, bool> _urlExposed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _urlTexts = new(StringComparer.Ordinal);
    private readonly Lock _harvestGate = new();
    private long _texts;

    /// <summary>Log texts checked so far.</summary>
    public long TextsScanned => Interlocked.Read(ref _texts);

    /// <summary>Secret forms being watched for.</summary>
    public int MaterialCount => _materials.Count;

    /// <summary>
    /// Watches for a secret by its shape: a JWT by its payload and signature; an API key by its random part and
    /// checksum, and its digest; anything else (app secret, admin key, presented credential) whole, and its digest.
    /// </summary>
    public void HarvestSecret(string secret, string kind)
    {
        foreach (var (material, form) in Materials(secret))
        {
            Watch(material, kind + form);
        }
    }

    /// <summary>
    /// A value a client put in a request URL (refused by the service when it is a credential). From then on it is out of
    /// the service's hands: every proxy on the way logs URLs, and so does the hosting layer's request log
    /// (<c>Microsoft.AspNetCore.Hosting.Diagnostics</c>, off unless an operator turns it to Information). Findings of that
    /// category for that value are not reported; any other log line carrying it still is.
    /// </summary>
    public void ExposedInUrlByClient(string value)
    {
        // Kept as sent too: a variant of a secret (a forged token, a truncated secret) shares windows with it, and the
        // request log line of the URL then matches the variant's needles.
        _urlTexts.TryAdd(value, true);
        foreach (var (material, _) in Materials(value))
        {
            _urlExposed.TryAdd(material, true);
        }
    }

    /// <summary>Checks one log text (message, state values, exception) of <paramref name="source"/> (category, event id, level).</summary>
    public void Scan(string source, string text)
    {
        Interlocked.Increment(ref _texts);
        if (text.Length > MaxTextLength)
        {
            text = text[..MaxTextLength];
        }

        // Kept before it is matched, while a harvest adds its needles before it re-reads the recent texts: whatever the
        // interleaving, a line racing the harvest of a secret it carries is seen by one of the two passes.
        _recent.Enqueue(new Logged(source, text));
        Match(source, text, _needles);
        while (_recent.Count > RecentCapacity && _recent.TryDequeue(out _))
        {
        }
    }

    /// <summary>Throws naming each log line that carried a secret (category, event id, which secret, a hint), never the secret.</summary>
    public void ThrowIfLeaked()
    {
        // A last pass over the recent texts, against everything harvested by now.
        foreach (var logged in _recent)
        {
            Match(logged.Source, logged.Text, _needles);
        }

        var findings = _findings
            .Where(f => !(f.Source.StartsWith(HostingRequestLog, StringComparison.Ordinal) && ExposedInUrl(f.Needle)))
            .Select(f => f.ToString())
            .Distinct()
            .ToList();
        if (findings.Count > 0)
        {
            throw new SecretInLogException(
                $"{findings.Count} log line(s) of this host carry a secret (SPEC §2, §8: no log line contains a secret or its hash):\n  " +
                string.Join("\n  ", findings.Take(20)));
        }
    }

    private bool ExposedInUrl(Needle needle) =>
        _urlExposed.ContainsKey(needle.Material) || _urlTexts.Keys.Any(url => url.Contains(needle.Text, StringComparison.Ordinal));

    /// <summary>
    /// The forms a secret is watched in: a JWT by its payload and signature; an API key by its random part and
    /// checksum, and its digest; anything else (app secret, admin key, presented credential) whole, and its digest.
    /// </summary>
    private static IEnumerable<(string Material, string Form)> Materials(string secret)
    {
        if (LooksLikeJwt(secret))
        {
            var parts = secret.Split('.');
            yield return (parts[1], " (JWT payload)");
            yield return (parts[2], " (JWT signature)");
            yield break;
        }

        yield return (LooksLikeApiKey(secret) ? secret[^38..] : secret, "");
        if (secret.Length >= Window)
        {
            yield return (SecretDigest.Compute(secret), " (SHA-256 digest, as stored)");
        }
    }

    public static bool LooksLikeApiKey(string text) => ApiKeyShape().IsMatch(text);

    public static bool LooksLikeJwt(string text) =>
        text.StartsWith("eyJ", StringComparison.Ordinal) && text.Count(c => c == '.') == 2 && text.Split('.').All(p => p.Length >= 16);

    private void Watch(string material, string kind)
    {
        if (material.Length < Window || !_materials.TryAdd(material, true))
        {
            return;
        }

        var fresh = new Dictionary<ulong, Needle>();
        for (var offset = 0; ; offset = Math.Min(offset + Stride, material.Length - Window))
        {
            var text = material.Substring(offset, Window);
            var needle = new Needle(text, kind, Hint(material), material);
            fresh.TryAdd(Hash(text), needle);
            if (offset == material.Length - Window)
            {
                break;
            }
        }

        lock (_harvestGate)
        {
            foreach (var (hash, needle) in fresh)
            {
                _needles.TryAdd(hash, needle);
            }

            // Lines logged before this secret was known (e.g. while the request that created it was running).
            foreach (var logged in _recent)
            {
                Match(logged.Source, logged.Text, fresh);
            }
        }
    }

    private void Match(string source, string text, IReadOnlyDictionary<ulong, Needle> needles)
    {
        if (text.Length < Window || needles.Count == 0)
        {
            return;
        }

        var hash = Hash(text.AsSpan(0, Window));
        for (var i = 0; ; i++)
        {
            if (needles.TryGetValue(hash, out var needle) && text.AsSpan(i, Window).SequenceEqual(needle.Text))
            {
                if (_findings.Count < 1000)
                {
                    _findings.Enqueue(new Finding(source, needle));
                }
            }

            if (i + Window >= text.Length)
            {
                return;
            }

            hash = unchecked(((hash - (text[i] * TopPower)) * Base) + text[i + Window]);
        }
    }

    private static ulong Hash(ReadOnlySpan<char> window)
    {
        ulong hash = 0;
        foreach (var c in window)
        {
            hash = unchecked((hash * Base) + c);
        }

        return hash;
    }

    private static ulong Power(int exponent)
    {
        ulong result = 1;
        for (var i = 0; i < exponent; i++)
        {
            result = unchecked(result * Base);
        }

        return result;
    }

    /// <summary>Enough to tell which secret it was (its first and last three characters and its length), not to use it.</summary>
    private static string Hint(string material) => $"'{material[..3]}…{material[^3..]}' ({material.Length} chars)";

    [GeneratedRegex("^[a-z]{2,8}_[a-z]{2,8}_[a-z0-9-]{3,32}_[0-9A-Za-z]{38}$")]
    private static partial Regex ApiKeyShape();

    private sealed record Needle(string Text, string Kind, string Hint, string Material);

    private sealed record Finding(string Source, Needle Needle)
    {
        public override string ToString() => $"{Source}: contains {Needle.Kind} {Needle.Hint}";
    }

    private sealed record Logged(string Source, string Text);
}

/// <summary>A log line of a test host carried a secret.</summary>
public sealed class SecretInLogException(string message) : Exception(message);
