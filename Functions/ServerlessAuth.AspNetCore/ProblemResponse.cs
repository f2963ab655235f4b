using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ServerlessAuth.AspNetCore.Validation;

namespace ServerlessAuth.AspNetCore;

/// <summary>
/// Writes a refusal as ServerlessAuth itself answers: an RFC 9457 <c>application/problem+json</c> body with the same stable
/// <c>code</c>, the RFC 6750 <c>WWW-Authenticate: Bearer</c> challenge on 400/401/403, and the headers passed through.
/// </summary>
internal static class ProblemResponse
{
    // The body is JSON served as application/problem+json, never HTML: quotes and '…' need no escaping.
    private static readonly JsonWriterOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync(HttpResponse response, Refusal refusal, string? scope = null)
    {
        if (response.HasStarted)
        {
            return;
        }

        response.StatusCode = refusal.Status;
        if (refusal.Status is 400 or 401 or 403)
        {
            response.Headers.Append("WWW-Authenticate", Challenge(refusal, scope));
        }

        foreach (var (name, value) in refusal.Headers)
        {
            response.Headers.Append(name, value);
        }

        response.Headers.CacheControl = "no-store";
        response.ContentType = "application/problem+json";
        var body = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(body, Json))
        {
            Write(json, refusal, scope);
        }

        response.ContentLength = body.WrittenCount;
        await response.Body.WriteAsync(body.WrittenMemory, response.HttpContext.RequestAborted);
    }

    private static void Write(Utf8JsonWriter json, Refusal refusal, string? scope)
    {
        json.WriteStartObject();
        json.WriteString("type", "urn:serverlessauth:problem:" + refusal.Code);
        json.WriteString("title", Title(refusal.Status));
        json.WriteNumber("status", refusal.Status);
        json.WriteString("detail", refusal.Detail);
        json.WriteString("code", refusal.Code);
        if (scope is not null)
        {
            json.WriteString("scope", scope);
        }

        json.WriteEndObject();
    }

    /// <summary><c>Bearer</c>, or <c>Bearer error="…", error_description="…"[, scope="…"]</c> (RFC 6750 §3).</summary>
    private static string Challenge(Refusal refusal, string? scope)
    {
        if (refusal.ChallengeError is null)
        {
            return "Bearer";
        }

        var challenge = $"Bearer error=\"{refusal.ChallengeError}\", error_description=\"{refusal.Detail.Replace('"', '\'')}\"";
        return scope is null ? challenge : $"{challenge}, scope=\"{scope}\"";
    }

    private static string Title(int status) => status switch
    {
        400 => "Invalid request",
        401 => "Unauthorized",
        403 => "Forbidden",
        429 => "Too many requests",
        _ => "Service unavailable",
    };
}
