using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using ServerlessAuth.Http;

namespace ServerlessAuth.Tokens;

/// <summary><c>POST /api/v1/admin/signing-keys/rotate</c>: the admin starts a rotation now (the lifecycle job does it on schedule).</summary>
internal sealed class SigningKeyAdminHandler(SigningKeyRing ring, TimeProvider time, ILogger<SigningKeyAdminHandler> logger)
{
    public async Task<Results<Ok<SigningKeysResponse>, ApiProblem>> RotateAsync(Caller caller, CancellationToken cancellationToken)
    {
        if (!caller.IsAdmin)
        {
            return ApiProblem.InsufficientScope(new HashSet<string>(), "Only the deployment admin key rotates signing keys.");
        }

        var (outcome, snapshot) = await ring.RotateAsync(cancellationToken);
        Log.SigningKeyRotationRequested(logger, caller.Actor, outcome.ToString());
        var now = time.GetUtcNow();
        return TypedResults.Ok(new SigningKeysResponse
        {
            Outcome = char.ToLowerInvariant(outcome.ToString()[0]) + outcome.ToString()[1..],
            Source = ring.SourceName,
            Keys = [.. snapshot.Keys.Where(k => k.IsPublishedAt(now)).Select(k => new SigningKeyInfo
            {
                Kid = k.Kid,
                State = k.StateAt(now).ToString().ToLowerInvariant(),
                ActivatesAt = k.ActivatesAt,
                RetiresAt = k.RetiresAt,
                RemovedAt = k.RemoveAt,
            })],
        });
    }
}
