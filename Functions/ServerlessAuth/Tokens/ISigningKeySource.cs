namespace ServerlessAuth.Tokens;

/// <summary>
/// Where the JWT signing keys are kept: Key Vault in Azure (<c>KeyVaultSigningKeySource</c>), Table Storage for
/// development (<c>DevelopmentSigningKeySource</c>). A source only stores and loads keys; the timeline (which key
/// signs, which are published) is <see cref="SigningKeyRing"/>'s.
/// </summary>
/// <remarks>Faults are thrown as <see cref="Storage.ServiceUnavailableException"/> or Azure SDK exceptions (answered 503).</remarks>
internal interface ISigningKeySource
{
    /// <summary><c>keyVault</c> or <c>development</c>, as reported by the health route.</summary>
    string Name { get; }

    /// <summary>Every key of the ring as last saved; empty when none was ever created.</summary>
    Task<IReadOnlyList<StoredSigningKey>> LoadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Saves a new key together with the ring it joins: <paramref name="keep"/> are the existing keys still needed;
    /// any other is dropped. One write where the source allows it, so a ring is never half-rotated.
    /// </summary>
    Task SaveAsync(StoredSigningKey key, IReadOnlyList<StoredSigningKey> keep, CancellationToken cancellationToken);
}
