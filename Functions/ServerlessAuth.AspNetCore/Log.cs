using Microsoft.Extensions.Logging;

namespace ServerlessAuth.AspNetCore;

/// <summary>
/// Every log line of ServerlessAuth.AspNetCore, with stable event ids (5000-5099). Lines carry ids, tenants, reasons and
/// error types, never a credential: not a key, a token, a digest of either, nor an exception message that could quote one.
/// </summary>
internal static partial class Log
{
    // Debug: anyone can send garbage, and a flood of it must not become a flood of log lines (the metric counts it).
    [LoggerMessage(5000, LogLevel.Debug, "Credential refused here without a call to ServerlessAuth: {Reason}")]
    public static partial void RefusedLocally(ILogger logger, string reason);

    [LoggerMessage(5001, LogLevel.Debug, "Request not authenticated: {Status} {Code}")]
    public static partial void NotAuthenticated(ILogger logger, int status, string code);

    [LoggerMessage(5002, LogLevel.Warning, "ServerlessAuth at {Authority} could not be called ({Error}, {ExceptionType}): credentials not in memory are answered 503")]
    public static partial void ValidateFailed(ILogger logger, string authority, string error, string exceptionType);

    [LoggerMessage(5003, LogLevel.Warning, "ServerlessAuth at {Authority} answered validate with an unexpected status {Status}: check the Authority setting; the request is answered 503")]
    public static partial void ValidateUnexpectedStatus(ILogger logger, string authority, int status);

    [LoggerMessage(5004, LogLevel.Debug, "Calls to ServerlessAuth are paused by the circuit breaker; the request is answered 503")]
    public static partial void CircuitOpen(ILogger logger);

    // Debug: during an outage every entry in use fails once per interval; the failures themselves are logged (5002).
    [LoggerMessage(5005, LogLevel.Debug, "{Uses} uses answered from memory could not be reported; they are kept for the next call")]
    public static partial void UsesKept(ILogger logger, long uses);

    [LoggerMessage(5006, LogLevel.Information, "A credential's rate limit is exhausted; it is answered 429 from memory until {Until}")]
    public static partial void Throttled(ILogger logger, DateTimeOffset until);

    [LoggerMessage(5007, LogLevel.Debug, "JWT refused here: {Reason}")]
    public static partial void JwtRefused(ILogger logger, string reason);

    [LoggerMessage(5008, LogLevel.Warning, "The discovery document or JWKS of {Authority} could not be read ({ExceptionType}); JWTs are answered 503 until it can")]
    public static partial void JwksUnavailable(ILogger logger, string authority, string exceptionType);

    // The exception is logged whole: it comes from this package's own code (a bug), never from parsing a credential.
    [LoggerMessage(5009, LogLevel.Error, "Validating a credential failed unexpectedly ({ExceptionType}); the request is answered 503")]
    public static partial void ValidateCrashed(ILogger logger, string exceptionType, Exception exception);

    [LoggerMessage(5010, LogLevel.Warning, "Reporting uses at shutdown did not finish ({ExceptionType}); uses not reported are lost")]
    public static partial void FlushFailed(ILogger logger, string exceptionType);
}
