using Azure.Data.Tables;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.Storage;

/// <summary>
/// The key source without Key Vault (local development): the key ring in the <c>SigningKeys</c> table, one row per
/// key in partition <c>development</c>, so restarting the host does not invalidate issued tokens. The private keys
/// lie in Table Storage unencrypted: for development only, and the host says so in its log at start.
/// </summary>
internal sealed class DevelopmentSigningKeySource(TableStorage storage) : ISigningKeySource
{
    private const string Partition = "development";

    public string Name => SigningKeyRing.DevelopmentSourceName;

    public async Task<IReadOnlyList<StoredSigningKey>> LoadAsync(CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.SigningKeys, cancellationToken);
        var keys = new List<StoredSigningKey>();
        await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken))
        {
            keys.Add(new StoredSigningKey(
                e.RowKey,
                e.GetString("PrivateKeyPem"),
                e.GetDateTimeOffset("CreatedAt") ?? default,
                e.GetDateTimeOffset("ActivatesAt") ?? default,
                e.RowKey));
        }

        return keys;
    }

    /// <summary>The new row and the removal of every row not kept, in one transaction.</summary>
    public async Task SaveAsync(StoredSigningKey key, IReadOnlyList<StoredSigningKey> keep, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.SigningKeys, cancellationToken);
        var kept = keep.Select(k => k.Kid).ToHashSet(StringComparer.Ordinal);
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, new TableEntity(Partition, key.Kid)
            {
                ["PrivateKeyPem"] = key.PrivateKeyPem,
                ["CreatedAt"] = key.CreatedAt,
                ["ActivatesAt"] = key.ActivatesAt,
            }),
        };

        foreach (var stored in await LoadAsync(cancellationToken))
        {
            if (!kept.Contains(stored.Kid))
            {
                actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, stored.Kid), Azure.ETag.All));
            }
        }

        await table.SubmitTransactionAsync(actions, cancellationToken);
    }
}
