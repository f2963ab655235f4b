using System.Diagnostics.Metrics;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ServerlessAuth.Storage;

/// <summary>
/// Counts every Table Storage request by kind (<c>read</c>, <c>query</c>, <c>write</c>) and table (the table's full
/// name, or <c>$batch</c> for a transaction) in the <c>serverlessauth.storage.requests</c> counter, so that an operator
/// can see what validations cost and where.
/// Added to the Table client's pipeline per call (retries are not counted twice).
/// </summary>
internal sealed class StorageMetrics : StorageRequestPolicy
{
    public const string MeterName = "ServerlessAuth";
    public const string CounterName = "serverlessauth.storage.requests";

    public StorageMetrics(IMeterFactory meterFactory)
        : base(meterFactory.Create(MeterName).CreateCounter<long>(CounterName, "{request}", "Table Storage requests by kind."))
    {
        ForQueues = new QueuePolicy(Requests);
    }

    /// <summary>
    /// The same counter for the Queue client: a receive is a <c>read</c>, a send or delete a <c>write</c>, and the
    /// <c>table</c> tag is <c>queue:{name}</c>.
    /// </summary>
    public HttpPipelinePolicy ForQueues { get; }

    protected override (string Kind, string Table) Classify(Request request)
    {
        // A point read names one entity, /Table(PartitionKey='…',RowKey='…'); a query names none: /Table() or /Tables.
        var path = request.Uri.Path;
        var kind = request.Method == RequestMethod.Get
            ? (path.EndsWith(')') && !path.EndsWith("()", StringComparison.Ordinal) ? "read" : "query")
            : "write";
        return (kind, Table(path));
    }

    /// <summary>The last path segment up to its parenthesis: <c>/account/Table(PartitionKey='…',RowKey='…')</c> → <c>Table</c>.</summary>
    private static string Table(string path)
    {
        var segment = path.AsSpan(path.LastIndexOf('/') + 1);
        var parenthesis = segment.IndexOf('(');
        return (parenthesis < 0 ? segment : segment[..parenthesis]).ToString();
    }

    private sealed class QueuePolicy(Counter<long> requests) : StorageRequestPolicy(requests)
    {
        protected override (string Kind, string Table) Classify(Request request)
        {
            // [/account]/queue, …/queue/messages or …/queue/messages/{id} (Azurite puts the account in the path).
            var segments = request.Uri.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var messages = Array.IndexOf(segments, "messages");
            var queue = messages > 0 ? segments[messages - 1] : segments.LastOrDefault() ?? "";
            return (request.Method == RequestMethod.Get ? "read" : "write", "queue:" + queue);
        }
    }
}

/// <summary>A pipeline policy adding one to the counter per request (per call: retries are not counted twice).</summary>
internal abstract class StorageRequestPolicy(Counter<long> requests) : HttpPipelinePolicy
{
    protected Counter<long> Requests { get; } = requests;

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        return ProcessNextAsync(message, pipeline);
    }

    protected abstract (string Kind, string Table) Classify(Request request);

    private void Count(HttpMessage message)
    {
        var (kind, table) = Classify(message.Request);
        Requests.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("table", table));
    }
}
