using ServerlessAuth.Storage;

namespace ServerlessAuth.Tokens;

/// <summary>
/// Revoked token ids, read through the validation cache: a revocation on this instance is seen at once, on other
/// instances within <see cref="CacheOptions.NegativeTtl"/> (a jti not revoked is cached as absent).
/// </summary>
internal sealed class TokenRevocations(RevokedTokenStore store, ReadThroughCache cache, TimeProvider time)
{
    public async ValueTask<bool> IsRevokedAsync(string jti, CancellationToken cancellationToken) =>
        await cache.GetAsync(Key(jti), (store, jti), static (s, ct) => s.store.FindAsync(s.jti, ct), cancellationToken) is not null;

    public async Task RevokeAsync(VerifiedToken token, CancellationToken cancellationToken)
    {
        await store.AddAsync(new RevokedToken(token.Jti, token.TenantId.Value, token.ExpiresAt), time.GetUtcNow(), cancellationToken);
        cache.Invalidate(Key(token.Jti));
    }

    private static string Key(string jti) => "jti|" + jti;
}
