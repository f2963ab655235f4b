using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.Storage;

namespace ServerlessAuth.Tests.Infrastructure;

/// <summary>Counts the Table Storage requests one host makes, from its <c>serverlessauth.storage.requests</c> metric.</summary>
public sealed class StorageRequestCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _reads;
    private long _queries;
    private long _writes;

    public StorageRequestCounter(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == StorageMetrics.CounterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key != "kind")
                {
                    continue;
                }

                switch (tag.Value as string)
                {
                    case "read": Interlocked.Add(ref _reads, value); break;
                    case "query": Interlocked.Add(ref _queries, value); break;
                    default: Interlocked.Add(ref _writes, value); break;
                }
            }
        });
        _listener.Start();
    }

    public long Reads => Interlocked.Read(ref _reads);

    public long Queries => Interlocked.Read(ref _queries);

    public long Writes => Interlocked.Read(ref _writes);

    public long Total => Reads + Queries + Writes;

    public void Reset()
    {
        Interlocked.Exchange(ref _reads, 0);
        Interlocked.Exchange(ref _queries, 0);
        Interlocked.Exchange(ref _writes, 0);
    }

    public void Dispose() => _listener.Dispose();
}
