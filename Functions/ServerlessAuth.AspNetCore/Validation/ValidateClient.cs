using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ServerlessAuth.AspNetCore.Validation;

/// <summary>What one <c>validate</c> call answered, ready for the cache.</summary>
/// <param name="Check">Accepted or refused, as the request is answered.</param>
/// <param name="Remaining">The credential's budget left (<c>r</c> of the <c>RateLimit</c> header), when rate limited at all.</param>
/// <param name="ThrottledFor">For a 429: how long until the budget comes back (<c>Retry-After</c>).</param>
internal readonly record struct ValidateAnswer(CredentialCheck Check, long? Remaining = null, TimeSpan? ThrottledFor = null)
{
    /// <summary>The call failed (unreachable, timeout, 5xx, circuit open): nothing was learnt and nothing was charged.</summary>
    public bool Failed => Check.Refusal?.Status == 503;
}

/// <summary>
/// <c>POST {Authority}/api/v1/validate</c> with the credential in <c>Authorization: Bearer</c> and, when more than one, the
/// uses to charge (<c>{"uses": n}</c>). Every answer becomes a value: accepted, refused (401/403), rate limited (429,
/// headers kept), or failed (503 to the caller, with <c>Retry-After</c>).
/// </summary>
internal sealed class ValidateClient(IHttpClientFactory clients, ServerlessAuthScheme scheme, ServerlessAuthMetrics metrics, ILogger<ValidateClient> logger)
{
    /// <summary>The most uses one call may report (ServerlessAuth's limit).</summary>
    public const int MaxUses = 10_000;

    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);

    private readonly Uri _validate = new(scheme.Options.Authority!.TrimEnd('/') + "/api/v1/validate");

    /// <param name="credential">The credential, already checked locally (an API key's checksum, a JWT's shape).</param>
    /// <param name="uses">Uses to charge, 1 to <see cref="MaxUses"/>.</param>
    /// <param name="reason">Why it is called (a metric tag): <c>miss</c>, <c>refresh</c>, <c>report</c>.</param>
    /// <param name="cancellationToken">Cancels the wait; a call that reached the server may still have been charged.</param>
    public async Task<ValidateAnswer> ValidateAsync(string credential, int uses, string reason, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(uses, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(uses, MaxUses);
        using var request = new HttpRequestMessage(HttpMethod.Post, _validate);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + credential);
        if (uses > 1)
        {
            request.Content = JsonContent.Create(new ValidateRequestBody { Uses = uses }, ValidateJsonContext.Default.ValidateRequestBody);
        }

        metrics.ValidateCalled(reason);
        try
        {
            using var response = await clients.CreateClient(ServerlessAuthDefaults.HttpClientName).SendAsync(request, cancellationToken);
            return await ReadAsync(response, cancellationToken);
        }
        catch (BrokenCircuitException)
        {
            metrics.ValidateFailed("circuit_open");
            Log.CircuitOpen(logger);
            return new(Refusal.Unavailable(scheme.Options.BreakDuration));
        }
        catch (Exception e) when (e is TimeoutRejectedException or HttpRequestException or JsonException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var error = e switch
            {
                TimeoutRejectedException or OperationCanceledException => "timeout",
                JsonException => "unreadable_answer",
                _ => "unreachable",
            };
            metrics.ValidateFailed(error);
            Log.ValidateFailed(logger, scheme.Options.Authority!, error, e.GetType().Name);
            return new(Refusal.Unavailable(DefaultRetryAfter));
        }
    }

    private async Task<ValidateAnswer> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                var body = await response.Content.ReadFromJsonAsync(ValidateJsonContext.Default.ValidateResponseBody, cancellationToken);
                if (body is not { Active: true, Kind: { } kind, TenantId: { } tenant, CredentialId: { } id, Subject: { } subject })
                {
                    throw new JsonException("The validate answer lacks a member the package needs.");
                }

                return new(new ValidatedCredential(kind, tenant, id, subject, body.Scopes ?? [], body.ExpiresAt, body.Role), Remaining(response));

            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                return new(Refusal.FromCode(await CodeAsync(response, cancellationToken)));

            case HttpStatusCode.TooManyRequests when PolicyName(response) == "failures":
                // ServerlessAuth throttles failed validations per client address, and its client here is this API, for
                // every caller at once. The throttle only ever replaces a 401 (a valid credential always validates), so
                // the credential is not valid: answer that, not a 429 the caller did not earn.
                return new(Refusal.Invalid);

            case HttpStatusCode.TooManyRequests:
                var retryAfter = RetryAfter(response) ?? DefaultRetryAfter;
                return new(Refusal.RateLimited(PassedThrough(response)), 0, retryAfter);

            default:
                // 5xx is a fault of ServerlessAuth or its storage; anything else (404, 400) means this API calls it
                // wrongly (check Authority). Either way the credential could not be checked: fail closed with 503.
                var status = (int)response.StatusCode;
                metrics.ValidateFailed(status >= 500 ? "server_error" : "unexpected_status");
                Log.ValidateUnexpectedStatus(logger, scheme.Options.Authority!, status);
                return new(Refusal.Unavailable(RetryAfter(response) ?? DefaultRetryAfter));
        }
    }

    private static async Task<string?> CodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return (await response.Content.ReadFromJsonAsync(ValidateJsonContext.Default.ProblemCodeBody, cancellationToken))?.Code;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - scheme.Time.GetUtcNow(),
        _ => null,
    };

    private static List<KeyValuePair<string, string>> PassedThrough(HttpResponseMessage response)
    {
        var headers = new List<KeyValuePair<string, string>>(3);
        foreach (var name in (string[])["Retry-After", "RateLimit-Policy", "RateLimit"])
        {
            if (response.Headers.TryGetValues(name, out var values))
            {
                headers.Add(new(name, string.Join(", ", values)));
            }
        }

        return headers;
    }

    /// <summary><c>r</c> of <c>RateLimit: "hour";r=998;t=2400</c>: the budget left as the server sees it.</summary>
    private static long? Remaining(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("RateLimit", out var values))
        {
            return null;
        }

        foreach (var parameter in string.Join(';', values).Split(';', StringSplitOptions.TrimEntries))
        {
            if (parameter.StartsWith("r=", StringComparison.Ordinal) && long.TryParse(parameter.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var remaining))
            {
                return remaining;
            }
        }

        return null;
    }

    /// <summary>The policy name of <c>RateLimit-Policy: "failures";q=60;w=60</c>.</summary>
    private static string? PolicyName(HttpResponseMessage response) =>
        response.Headers.TryGetValues("RateLimit-Policy", out var values) ? values.FirstOrDefault()?.Split(';')[0].Trim('"', ' ') : null;
}
