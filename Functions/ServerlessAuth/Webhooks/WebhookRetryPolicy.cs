using System.Security.Cryptography;

namespace ServerlessAuth.Webhooks;

/// <summary>
/// When a failed delivery is tried again: after <see cref="WebhookOptions.RetryBaseDelay"/> (5 s), doubling with each
/// attempt up to <see cref="WebhookOptions.MaxRetryDelay"/> (1 h), each delay spread by ±20 % so that the retries of a
/// burst (10,000 expiries at once) do not all come back at the same second; and not past
/// <see cref="WebhookOptions.RetryFor"/> (24 h) after the first attempt.
/// </summary>
internal static class WebhookRetryPolicy
{
    /// <summary>
    /// The delay before the next attempt, after <paramref name="attempts"/> failed ones (1 or more), or null when the
    /// retry window would be passed: the delivery has failed.
    /// </summary>
    public static TimeSpan? NextDelay(WebhookOptions options, int attempts, DateTimeOffset firstAttemptAt, DateTimeOffset now, double jitter)
    {
        var exponent = Math.Min(attempts - 1, 30);
        var nominal = Math.Min(options.RetryBaseDelay.TotalSeconds * Math.Pow(2, exponent), options.MaxRetryDelay.TotalSeconds);
        var seconds = Math.Clamp(nominal * (0.8 + (0.4 * jitter)), options.RetryBaseDelay.TotalSeconds, options.MaxRetryDelay.TotalSeconds);
        var delay = TimeSpan.FromSeconds(seconds);
        return now + delay <= firstAttemptAt + options.RetryFor ? delay : null;
    }

    /// <summary>A uniform random number in [0, 1) for the jitter.</summary>
    public static double Jitter() => RandomNumberGenerator.GetInt32(1_000_000) / 1_000_000.0;
}
