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
internal sealed class StorageMetrics : HttpPipelinePolicy
{
    public const string MeterName = "ServerlessAuth";
    public const string CounterName = "serverlessauth.storage.requests";

    private readonly Counter<long> _requests;

    public StorageMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>(CounterName, "{request}", "Table Storage requests by kind.");
        ForQueues = new QueuePolicy(_requests);
    }

    /// <summary>
    /// The same counter for the Queue client: a receive is a <c>read</c>, a send or delete a <c>write</c>, and the
    /// <c>table</c> tag is <c>queue:{name}</c>.
    /// </summary>
    public HttpPipelinePolicy ForQueues { get; }

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

    private void Count(HttpMessage message)
    {
        // A point read names one entity, /Table(PartitionKey='…',RowKey='…'); a query names none: /Table() or /Tables.
        var request = message.Request;
        var path = request.Uri.Path;
        var kind = request.Method == RequestMethod.Get
            ? (path.EndsWith(')') && !path.EndsWith("()", StringComparison.Ordinal) ? "read" : "query")
            : "write";
        _requests.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("table", Table(path)));
    }

    /// <summary>The last path segment up to its parenthesis: <c>/account/Table(PartitionKey='…',RowKey='…')</c> → <c>Table</c>.</summary>
    private static string Table(string path)
    {
        var segment = path.AsSpan(path.LastIndexOf('/') + 1);
        var parenthesis = segment.IndexOf('(');
        return (parenthesis < 0 ? segment : segment[..parenthesis]).ToString();
    }

    private sealed class QueuePolicy(Counter<long> requests) : HttpPipelinePolicy
    {
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

        private void Count(HttpMessage message)
        {
            // [/account]/queue, …/queue/messages or …/queue/messages/{id} (Azurite puts the account in the path).
            var segments = message.Request.Uri.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var messages = Array.IndexOf(segments, "messages");
            var queue = messages > 0 ? segments[messages - 1] : segments.LastOrDefault() ?? "";
            var kind = message.Request.Method == RequestMethod.Get ? "read" : "write";
            requests.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("table", "queue:" + queue));
        }
    }
}
