using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ServerlessAuth.Tests.Hardening;

/// <summary>
/// Soak: the host in process (TestServer) over its own Azurite, with its background work (usage flush, lifecycle
/// scheduler) running on the real clock. First its capacity is measured with a closed loop of
/// <see cref="ClosedLoopClients"/> clients over a realistic mix; then an open loop drives
/// <see cref="OpenLoopShare"/> of that rate for <c>SERVERLESSAUTH_SOAK_MINUTES</c> (default 10). Every answer must be
/// the expected one (rate limits are set high, the failure throttle off), and memory must stay flat. Runs only with
/// <c>SERVERLESSAUTH_LONG_TESTS=1</c>.
/// </summary>
/// <remarks>
/// Memory: after a forced full compacting GC, the managed heap, and the process working set, are sampled at the end of
/// every minute of the soak. The first sample comes after the warm-up, the capacity run and a minute of soak, so caches,
/// pools, JIT and the rate limiter's state are warm. The last may exceed it by 25 % plus a small absolute slack (16 MB
/// managed, 64 MB working set): room for what legitimately still grows (keys issued during the soak and their cache
/// and rate-limit entries, a few KB each, bounded by the cache's and limiter's maximum sizes; GC and allocator
/// noise), while a leak of even 100 bytes per request at 1000 requests/s (6 MB a minute) breaks it within 10 minutes.
/// Latencies of the open loop count from the moment a request was due, not when it was sent, so a stalled host
/// cannot hide its backlog (no coordinated omission).
/// </remarks>
public sealed class SoakTests(ITestOutputHelper output)
{
    public const string MinutesVariable = "SERVERLESSAUTH_SOAK_MINUTES";
    private const int ClosedLoopClients = 16;
    private const double OpenLoopShare = 0.8;
    private const int MaxInFlight = 4096;
    private const int PoolFloor = 16;
    private const double HeapGrowth = 1.25;
    private const long ManagedSlack = 16L << 20;
    private const long WorkingSetSlack = 64L << 20;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan CapacityWindow = TimeSpan.FromSeconds(15);

    [LongFact]
    public async Task Soak_EveryAnswerAsExpectedAndMemoryFlatAtEightyPercentOfCapacity()
    {
        var minutes = int.TryParse(Environment.GetEnvironmentVariable(MinutesVariable), CultureInfo.InvariantCulture, out var m) && m > 0 ? m : 10;
        await using var azurite = await AzuriteServer.StartAsync();
        var app = new TestApp(azurite.ConnectionString, settings: new Dictionary<string, string?>
        {
            // 401s are part of the mix; the per-address failure throttle would turn them into 429s.
            ["ServerlessAuth:RateLimiting:FailureLimit"] = "0",
        })
        {
            RunsBackgroundWork = true,
            ScansLogs = false,
        };
        // The host and the load share this process's thread pool. At its default minimum (one worker per core) the pool
        // here left its workers asleep for 0.5-1 s every 15-25 s while thousands of work items waited (a thread sample
        // taken during one such stall: every worker idle in its semaphore; the process used 12-18 ms of CPU in it), until
        // the pool's starvation check woke them. The standalone host in its own process, under paced load, showed no
        // such stall. The README's "Long tests" has the figures. With this floor, a 2-minute soak had no stall at all.
        ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
        ThreadPool.SetMinThreads(Math.Max(minWorkers, PoolFloor), minIo);
        Exception? failure = null;
        try
        {
            await SoakAsync(app, azurite, minutes);
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            ThreadPool.SetMinThreads(minWorkers, minIo);
        }

        try
        {
            await app.DisposeAsync();
        }
        catch (Exception e) when (failure is not null)
        {
            // The soak's own failure is the one to report; a host stopped while storage is overloaded can also time out
            // its last usage flush.
            output.WriteLine("Stopping the host after the failure: " + e.Message);
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    private async Task SoakAsync(TestApp app, AzuriteServer azurite, int minutes)
    {
        var traffic = await Traffic.SeedAsync(app);

        await ClosedLoopAsync(traffic, new LatencyHistogram(), WarmUp);
        var capacityLatency = new LatencyHistogram();
        var capacity = await ClosedLoopAsync(traffic, capacityLatency, CapacityWindow) / CapacityWindow.TotalSeconds;

        var rate = capacity * OpenLoopShare;
        var soakLatency = new LatencyHistogram();
        var timeline = new List<string>();
        var (sent, shed, elapsed, samples) = await OpenLoopAsync(traffic, soakLatency, rate, TimeSpan.FromMinutes(minutes), timeline, azurite);

        var summary = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Soak of {minutes} min, host in process (TestServer) over its own Azurite, background work on.")
            .AppendLine(CultureInfo.InvariantCulture, $"Capacity (closed loop, {ClosedLoopClients} clients, {CapacityWindow.TotalSeconds} s): {capacity:F0} req/s; {capacityLatency}")
            .AppendLine(CultureInfo.InvariantCulture, $"Open loop: target {rate:F0} req/s, sent {sent} in {elapsed.TotalSeconds:F0} s = {sent / elapsed.TotalSeconds:F0} req/s, shed {shed}; latency from due time {soakLatency}")
            .AppendLine(CultureInfo.InvariantCulture, $"Requests in all phases: {traffic.Requests}; by kind: {traffic.CountsByKind()}; unexpected answers: {traffic.Errors}")
            .AppendLine("Memory after a forced full GC (minute: managed heap, working set, requests so far):");
        foreach (var sample in samples)
        {
            summary.AppendLine(CultureInfo.InvariantCulture, $"  {sample.Minute,3}: {sample.Managed / 1048576.0,7:F1} MB, {sample.WorkingSet / 1048576.0,7:F1} MB, {sample.Requests}");
        }

        summary.AppendLine("Every 5 s of the open loop (answered, shed, peak in flight, thread pool and the most work items it queued, how long a work item queued to the pool waited, GC pause, longest turn of the driver's own thread, lock contentions, host and Azurite CPU, storage requests, the busiest tables):");
        foreach (var line in timeline)
        {
            summary.AppendLine("  " + line);
        }

        foreach (var error in traffic.ErrorSamples)
        {
            summary.AppendLine("  unexpected: " + error);
        }

        output.WriteLine(summary.ToString());

        Assert.True(traffic.Errors == 0, $"{traffic.Errors} unexpected answers\n{summary}");
        Assert.True(shed == 0, $"{shed} requests shed: the host did not keep up with {OpenLoopShare:P0} of its capacity\n{summary}");
        var (first, last) = (samples[0], samples[^1]);
        Assert.True(last.Managed <= (first.Managed * HeapGrowth) + ManagedSlack, $"managed heap grew from {first.Managed} to {last.Managed} bytes\n{summary}");
        Assert.True(last.WorkingSet <= (first.WorkingSet * HeapGrowth) + WorkingSetSlack, $"working set grew from {first.WorkingSet} to {last.WorkingSet} bytes\n{summary}");
    }

    /// <summary>Each client sends its next request when the previous one is answered; answers how many completed.</summary>
    private static async Task<long> ClosedLoopAsync(Traffic traffic, LatencyHistogram latency, TimeSpan window)
    {
        var completed = 0L;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, ClosedLoopClients).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < window)
            {
                await traffic.SendOneAsync(latency, Stopwatch.GetTimestamp());
                Interlocked.Increment(ref completed);
            }
        })));
        return completed;
    }

    /// <summary>Starts requests at <paramref name="rate"/> whatever the host's answers; samples memory each minute.</summary>
    /// <remarks>
    /// The loop runs on a thread of its own, so its pace never depends on the thread pool that serves the host. Each turn
    /// also queues a probe to the pool and the timeline reports the longest a probe waited, with the work items the pool
    /// completed and the CPU the process used meanwhile: a pool that stops dispatching shows there.
    /// </remarks>
    private static async Task<(long Sent, long Shed, TimeSpan Elapsed, List<MemorySample> Samples)> OpenLoopAsync(
        Traffic traffic, LatencyHistogram latency, double rate, TimeSpan duration, List<string> timeline, AzuriteServer azurite)
    {
        var samples = new List<MemorySample>();
        var inFlight = 0;
        long sent = 0, shed = 0, due = 0;
        var storage = new ConcurrentDictionary<(string Table, string Kind), long>(); // this line's requests
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == ServerlessAuth.Storage.StorageMetrics.CounterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? kind = null, table = null;
            foreach (var tag in tags)
            {
                (kind, table) = tag.Key switch { "kind" => (tag.Value as string, table), "table" => (kind, tag.Value as string), _ => (kind, table) };
            }

            storage.AddOrUpdate((table ?? "?", kind ?? "?"), value, (_, total) => total + value);
        });
        listener.Start();

        // Request n is due at start + n / rate, and sent once the clock has passed that: never before it is due.
        var start = Stopwatch.GetTimestamp();
        var clock = Stopwatch.StartNew();
        void Drive()
        {
            var nextSample = TimeSpan.FromMinutes(1);
            var nextLine = TimeSpan.FromSeconds(5);
            var (lineAnswered, lineShed, linePause, peak, maxQueued) = (traffic.Requests, 0L, GC.GetTotalPauseDuration(), 0, 0L);
            var (lineHostCpu, lineAzuriteCpu, lineContention) = (Environment.CpuUsage.TotalTime, azurite.ProcessorTime, Monitor.LockContentionCount);
            var (lastTurn, longestGap) = (clock.Elapsed, TimeSpan.Zero);
            var (probe, probeQueued, longestProbe) = (new StrongBox<long>(), 0L, 0L);
            var (probeItems, probeCpu, probeDetail) = (0L, TimeSpan.Zero, "");
            while (clock.Elapsed < duration)
            {
                var turn = clock.Elapsed;
                (longestGap, lastTurn) = (turn - lastTurn > longestGap ? turn - lastTurn : longestGap, turn);
                peak = Math.Max(peak, Volatile.Read(ref inFlight));
                maxQueued = Math.Max(maxQueued, ThreadPool.PendingWorkItemCount);

                var now = Stopwatch.GetTimestamp();
                if (Volatile.Read(ref probe.Value) is var ran && ran >= probeQueued)
                {
                    if (ran - probeQueued > longestProbe)
                    {
                        longestProbe = ran - probeQueued;
                        probeDetail = string.Create(CultureInfo.InvariantCulture, $"{ThreadPool.CompletedWorkItemCount - probeItems} items done and CPU {(Environment.CpuUsage.TotalTime - probeCpu).TotalMilliseconds:F0} ms while it waited");
                    }

                    (probeItems, probeCpu) = (ThreadPool.CompletedWorkItemCount, Environment.CpuUsage.TotalTime);
                    probeQueued = now;
                    ThreadPool.UnsafeQueueUserWorkItem(static box => Volatile.Write(ref box.Value, Stopwatch.GetTimestamp()), probe, preferLocal: false);
                }
                else
                {
                    longestProbe = Math.Max(longestProbe, now - probeQueued);
                }

                if (turn >= nextLine)
                {
                    var (answered, pause) = (traffic.Requests, GC.GetTotalPauseDuration());
                    var (hostCpu, azuriteCpu) = (Environment.CpuUsage.TotalTime, azurite.ProcessorTime);
                    var window = Interlocked.Exchange(ref storage, new()).ToArray();
                    long Requests(string? kind) => window.Where(p => kind is null || p.Key.Kind == kind).Sum(p => p.Value);
                    timeline.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{nextLine.TotalSeconds,4:F0} s: {answered - lineAnswered,6} answered, {shed - lineShed,5} shed, peak {peak,4} in flight, {ThreadPool.ThreadCount,3} threads, {maxQueued,5} queued at most, pool probe waited {longestProbe * 1000.0 / Stopwatch.Frequency,4:F0} ms at most ({probeDetail}), GC {(pause - linePause).TotalMilliseconds,5:F0} ms, driver gap {longestGap.TotalMilliseconds,4:F0} ms, lock contentions {Monitor.LockContentionCount - lineContention,4}, CPU s: host {(hostCpu - lineHostCpu).TotalSeconds:F1}, Azurite {(azuriteCpu - lineAzuriteCpu).TotalSeconds:F1} = {(azuriteCpu - lineAzuriteCpu).TotalMicroseconds / Math.Max(1, Requests(null)):F0} µs per storage request; storage r/q/w {Requests("read")}/{Requests("query")}/{Requests("write")}"));
                    timeline.Add("        " + string.Join(", ", window.OrderByDescending(p => p.Value).Take(6).Select(p => $"{p.Key.Table} {p.Key.Kind} {p.Value}")));
                    (lineAnswered, lineShed, linePause, peak, maxQueued) = (answered, shed, pause, 0, 0);
                    (lineHostCpu, lineAzuriteCpu, lineContention) = (hostCpu, azuriteCpu, Monitor.LockContentionCount);
                    (longestGap, longestProbe, probeDetail) = (TimeSpan.Zero, 0, "");
                    nextLine += TimeSpan.FromSeconds(5);
                }

                for (var owed = (long)(clock.Elapsed.TotalSeconds * rate); due < owed; due++)
                {
                    if (Volatile.Read(ref inFlight) >= MaxInFlight)
                    {
                        shed++;
                        continue;
                    }

                    Interlocked.Increment(ref inFlight);
                    sent++;
                    var dueAt = start + (long)(due / rate * Stopwatch.Frequency);
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await traffic.SendOneAsync(latency, dueAt);
                        }
                        catch (Exception e)
                        {
                            traffic.Fault(e); // a fault of the test itself: counted, never lost in an unobserved task
                        }
                        finally
                        {
                            Interlocked.Decrement(ref inFlight);
                        }
                    });
                }

                if (clock.Elapsed >= nextSample)
                {
                    samples.Add(MemorySample.Take((int)Math.Round(nextSample.TotalMinutes), traffic.Requests));
                    nextSample += TimeSpan.FromMinutes(1);
                }

                Thread.Sleep(1);
            }
        }

        // LongRunning: a thread of its own, not one of the pool's.
        await Task.Factory.StartNew(Drive, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var elapsed = clock.Elapsed;
        while (Volatile.Read(ref inFlight) > 0)
        {
            await Task.Delay(10);
        }

        if (samples.Count == 0 || samples[^1].Minute < (int)Math.Round(duration.TotalMinutes))
        {
            samples.Add(MemorySample.Take((int)Math.Round(duration.TotalMinutes), traffic.Requests));
        }

        return (sent, shed, elapsed, samples);
    }

    private sealed record MemorySample(int Minute, long Managed, long WorkingSet, long Requests)
    {
        public static MemorySample Take(int minute, long requests)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            var managed = GC.GetTotalMemory(forceFullCollection: true);
            return new MemorySample(minute, managed, Environment.WorkingSet, requests);
        }
    }

    /// <summary>The request mix, its seeded credentials, and the answer each kind must get.</summary>
    private sealed class Traffic
    {
        private const int WarmKeys = 200;
        private const int TokenSlots = 64;
        private const int RevokedKept = 256;

        private const int Tenants = 8;

        // Kind, weight (per 10,000): warm keys 81.8 %, JWTs 8 %, token requests 8 %, revoked keys 2 %, issues and
        // revocations 0.1 % each (a few a second: a provider's keys are validated far more often than made). Not more:
        // every issued key adds rows for good, and Azurite's CPU per request grows with its table and partition sizes
        // (at 0.5 % each, 16 issues a second, its CPU per storage request went from 1.3 to 3.5 ms in 4 minutes, until
        // its one thread was saturated and every answer waited on it), which would measure the emulator, not the host.
        private static readonly (Kind Kind, int Weight)[] Mix =
            [(Kind.ValidateKey, 8180), (Kind.ValidateJwt, 800), (Kind.Token, 800), (Kind.ValidateRevoked, 200), (Kind.Issue, 10), (Kind.Revoke, 10)];

        private readonly long[] _counts = new long[Enum.GetValues<Kind>().Length];
        private readonly ConcurrentQueue<string> _errorSamples = new();
        private readonly ConcurrentQueue<(string Tenant, string Id, string Key)> _fresh = new();
        private readonly ConcurrentQueue<string> _revoked = new();
        private readonly HttpClient _client;
        private readonly HttpClient _admin;
        private readonly string[] _tenants;
        private readonly string[] _keys;
        private readonly AppTestData.RegisteredApp[] _apps;
        private readonly string[] _tokens;
        private long _requests;
        private long _errors;

        private Traffic(TestApp app, string[] tenants, string[] keys, AppTestData.RegisteredApp[] apps, string[] tokens)
        {
            _client = app.CreateClient();
            _admin = app.Admin();
            _tenants = tenants;
            _keys = keys;
            _apps = apps;
            _tokens = tokens;
        }

        private enum Kind
        {
            ValidateKey,
            ValidateJwt,
            Token,
            ValidateRevoked,
            Issue,
            Revoke,
        }

        public long Requests => Interlocked.Read(ref _requests);

        public long Errors => Interlocked.Read(ref _errors);

        public IEnumerable<string> ErrorSamples => _errorSamples;

        public static async Task<Traffic> SeedAsync(TestApp app)
        {
            // Several tenants, as a provider has: each tenant's rows live in one storage partition, which Azurite scans
            // on every read, so one tenant holding everything would measure the emulator more than the service. The
            // highest limits the API allows; 200 keys and 8 apps share the load, so none comes near its hourly budget.
            var tenants = new string[Tenants];
            var apps = new AppTestData.RegisteredApp[Tenants];
            for (var t = 0; t < Tenants; t++)
            {
                tenants[t] = (string)(await app.CreateTenantAsync(extra: new { rateLimitPerHour = 1_000_000 }))["id"]!;
                await app.PutOperatorAsync(tenants[t], "alice", "owner", "a");
                apps[t] = await AppTestData.RegisterInAsync(app, tenants[t], ["a"]);
            }

            var keys = new string[WarmKeys];
            await Parallel.ForAsync(0, WarmKeys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
                keys[i] = (string)(await app.IssueKeyAsync(tenants[i % Tenants], "alice", ["a"]))["key"]!);
            var tokens = new string[TokenSlots];
            for (var i = 0; i < TokenSlots; i++)
            {
                tokens[i] = await AppTestData.TokenAsync(app, apps[i % Tenants]);
            }

            return new Traffic(app, tenants, keys, apps, tokens);
        }

        public string CountsByKind() =>
            string.Join(", ", Enum.GetValues<Kind>().Select(k => $"{k} {Interlocked.Read(ref _counts[(int)k])}"));

        /// <summary>One request of the mix; its latency is counted from <paramref name="dueAt"/> (a Stopwatch timestamp).</summary>
        public async Task SendOneAsync(LatencyHistogram latency, long dueAt)
        {
            var kind = Pick();
            if ((kind == Kind.ValidateRevoked && _revoked.IsEmpty) || (kind == Kind.Revoke && _fresh.IsEmpty))
            {
                kind = Kind.ValidateKey; // nothing revoked or issued yet
            }

            string? problem;
            try
            {
                problem = await SendAsync(kind);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                problem = e.GetType().Name + ": " + e.Message;
            }

            latency.Record(Stopwatch.GetElapsedTime(dueAt));
            Interlocked.Increment(ref _requests);
            Interlocked.Increment(ref _counts[(int)kind]);
            if (problem is not null)
            {
                RecordError($"{kind}: {problem}");
            }
        }

        /// <summary>An exception of the test's own request code: an unexpected answer too.</summary>
        public void Fault(Exception e) => RecordError("fault: " + e);

        private void RecordError(string sample)
        {
            Interlocked.Increment(ref _errors);
            if (_errorSamples.Count < 10)
            {
                _errorSamples.Enqueue(sample);
            }
        }

        private static Kind Pick()
        {
            var roll = Random.Shared.Next(10_000);
            foreach (var (kind, weight) in Mix)
            {
                if ((roll -= weight) < 0)
                {
                    return kind;
                }
            }

            return Kind.ValidateKey;
        }

        /// <summary>Sends one request of <paramref name="kind"/>; null when it got the expected answer, else what it got.</summary>
        private async Task<string?> SendAsync(Kind kind)
        {
            switch (kind)
            {
                case Kind.ValidateJwt:
                    return await ValidateAsync(_tokens[Random.Shared.Next(TokenSlots)], HttpStatusCode.OK, null);
                case Kind.Token:
                    var registered = _apps[Random.Shared.Next(Tenants)];
                    using (var response = await _client.PostAsJsonAsync("/api/v1/token", new { appId = registered.AppId, appSecret = registered.Secret }))
                    {
                        var text = await response.Content.ReadAsStringAsync();
                        if (response.StatusCode != HttpStatusCode.OK)
                        {
                            return $"{(int)response.StatusCode} {text}";
                        }

                        // Fresh tokens replace old ones, so the pool never ages past a token's lifetime.
                        _tokens[Random.Shared.Next(TokenSlots)] = (string)JsonNode.Parse(text)!["token"]!;
                        return null;
                    }

                case Kind.ValidateRevoked when _revoked.TryPeek(out var revoked):
                    return await ValidateAsync(revoked, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
                case Kind.Issue:
                    var tenant = _tenants[Random.Shared.Next(Tenants)];
                    using (var response = await _admin.PostAsJsonAsync($"/api/v1/tenants/{tenant}/keys", new { operatorId = "alice", name = "soak", scopes = new[] { "a" } }))
                    {
                        var text = await response.Content.ReadAsStringAsync();
                        if (response.StatusCode != HttpStatusCode.Created)
                        {
                            return $"{(int)response.StatusCode} {text}";
                        }

                        var body = JsonNode.Parse(text)!;
                        _fresh.Enqueue((tenant, (string)body["id"]!, (string)body["key"]!));
                        return null;
                    }

                case Kind.Revoke when _fresh.TryDequeue(out var fresh):
                    using (var response = await _admin.DeleteAsync($"/api/v1/tenants/{fresh.Tenant}/keys/{fresh.Id}"))
                    {
                        if (response.StatusCode != HttpStatusCode.OK)
                        {
                            return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                        }

                        _revoked.Enqueue(fresh.Key);
                        while (_revoked.Count > RevokedKept && _revoked.TryDequeue(out _))
                        {
                        }

                        return null;
                    }

                default:
                    return await ValidateAsync(_keys[Random.Shared.Next(WarmKeys)], HttpStatusCode.OK, null);
            }
        }

        private async Task<string?> ValidateAsync(string credential, HttpStatusCode status, string? code)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/validate");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
            using var response = await _client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == status && (code is null || text.Contains($"\"code\":\"{code}\"", StringComparison.Ordinal)))
            {
                return null;
            }

            return $"{(int)response.StatusCode} {text}";
        }
    }

    /// <summary>Latencies in 10 µs buckets up to 100 ms, then 1 ms buckets up to a minute: fixed memory whatever the count.</summary>
    private sealed class LatencyHistogram
    {
        private const int FineBuckets = 10_000;
        private readonly long[] _counts = new long[FineBuckets + 60_000];

        public void Record(TimeSpan latency)
        {
            var micros = (long)latency.TotalMicroseconds;
            var index = micros < 100_000 ? (int)(micros / 10) : FineBuckets + (int)Math.Min((micros - 100_000) / 1000, 59_999);
            Interlocked.Increment(ref _counts[index]);
        }

        public override string ToString()
        {
            var counts = (long[])_counts.Clone();
            var total = counts.Sum();
            string At(double quantile)
            {
                var target = (long)Math.Ceiling(quantile * total);
                var seen = 0L;
                for (var i = 0; i < counts.Length; i++)
                {
                    seen += counts[i];
                    if (seen >= target && seen > 0)
                    {
                        var micros = i < FineBuckets ? (i + 1) * 10L : 100_000 + ((i - FineBuckets + 1) * 1000L);
                        return (micros / 1000.0).ToString("F2", CultureInfo.InvariantCulture) + " ms";
                    }
                }

                return "n/a";
            }

            return $"{total} requests, p50 {At(0.5)}, p99 {At(0.99)}, p99.9 {At(0.999)}, max {At(1)}";
        }
    }
}
