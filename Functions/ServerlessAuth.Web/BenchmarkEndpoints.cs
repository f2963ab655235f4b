using System.Diagnostics.Metrics;

namespace ServerlessAuth.Web;

/// <summary>
/// Routes for <c>bench/run.sh</c> only, mapped when <c>ServerlessAuth:Benchmark:NoOp</c> is true (never by default):
/// <c>POST /bench/noop</c>, the baseline of the benchmark's ratios (same host, same pipeline, no work), and
/// <c>GET /bench/storage-requests</c>, the running totals of the <c>serverlessauth.storage.requests</c> counter, and
/// <c>GET /bench/process</c>, the process's CPU time, allocated bytes, collection counts and JIT totals, and
/// <c>GET /bench/requests</c>, the requests served (the <c>/bench</c> routes excepted) and the
/// <c>serverlessauth.validations</c> total: what a resource server's calls cost this host (the package's benchmark).
/// </summary>
/// <remarks>
/// The totals are read in-process rather than with <c>dotnet-counters</c> because the benchmark needs exact counts
/// at exact instants (just before and just after a load run), not rates sampled over an interval, and because
/// <c>dotnet-counters</c> is not installed on our machines.
/// </remarks>
internal static class BenchmarkEndpoints
{
    // The library's StorageMetrics names (internal there); a benchmark that counts nothing would report zeros, so
    // run.sh checks that seeding produced writes before trusting the counter.
    private const string MeterName = "ServerlessAuth";
    private const string CounterName = "serverlessauth.storage.requests";
    private const string ValidationsName = "serverlessauth.validations";

    public static void MapBenchmarkEndpoints(this WebApplication app)
    {
        var totals = new StorageRequestTotals();
        app.Lifetime.ApplicationStopping.Register(totals.Dispose);
        app.MapPost("/bench/noop", () => TypedResults.Json(new Dictionary<string, string>()));
        app.MapGet("/bench/storage-requests", () => TypedResults.Json(totals.Snapshot()));
        app.MapGet("/bench/process", () => TypedResults.Json(ProcessTotals()));

        long served = 0;
        app.Use((context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/bench", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref served);
            }

            return next(context);
        });
        app.MapGet("/bench/requests", () => TypedResults.Json(new Dictionary<string, long>
        {
            ["requests"] = Interlocked.Read(ref served),
            ["validations"] = totals.Validations,
        }));
    }

    // The process's CPU time and managed allocations so far: run.sh reads them around a measured window and divides
    // by the requests, a per-request cost that depends less on how busy the machine is than requests per second.
    // The JIT's totals tell run.sh when tiered compilation has settled (its warm-up) and whether it still ran during
    // a measured window.
    private static Dictionary<string, double> ProcessTotals() => new()
    {
        ["cpuMs"] = Environment.CpuUsage.TotalTime.TotalMilliseconds,
        ["jitMethods"] = System.Runtime.JitInfo.GetCompiledMethodCount(),
        ["jitMs"] = System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds,
        ["allocatedBytes"] = GC.GetTotalAllocatedBytes(precise: false),
        ["gen0"] = GC.CollectionCount(0),
        ["gen1"] = GC.CollectionCount(1),
        ["gen2"] = GC.CollectionCount(2),
    };

    private sealed class StorageRequestTotals : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _read;
        private long _query;
        private long _write;
        private long _validations;

        public StorageRequestTotals()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == MeterName && instrument.Name is CounterName or ValidationsName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>(OnMeasurement);
            _listener.Start();
        }

        public long Validations => Interlocked.Read(ref _validations);

        public Dictionary<string, long> Snapshot() => new()
        {
            ["read"] = Interlocked.Read(ref _read),
            ["query"] = Interlocked.Read(ref _query),
            ["write"] = Interlocked.Read(ref _write),
        };

        public void Dispose() => _listener.Dispose();

        private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        {
            if (instrument.Name == ValidationsName)
            {
                Interlocked.Add(ref _validations, value);
                return;
            }

            foreach (var tag in tags)
            {
                if (tag.Key != "kind")
                {
                    continue;
                }

                switch (tag.Value as string)
                {
                    case "read":
                        Interlocked.Add(ref _read, value);
                        break;
                    case "query":
                        Interlocked.Add(ref _query, value);
                        break;
                    default:
                        Interlocked.Add(ref _write, value);
                        break;
                }
            }
        }
    }
}
