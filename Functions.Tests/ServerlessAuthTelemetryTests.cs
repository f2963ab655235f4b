using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests;

/// <summary>Operators see validations by outcome in metrics and every request as a trace activity.</summary>
public sealed class ServerlessAuthTelemetryTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Validate_CountsEachAnswerByKindAndOutcome()
    {
        var (_, key, _) = await _app.SeedAsync("owner", "a");
        var counts = new ConcurrentDictionary<string, long>();
        var factory = _app.Services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == ServerlessAuthTelemetry.ValidationsCounter && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var labels = string.Join(',', tags.ToArray().Select(t => $"{t.Key}={t.Value}").Order(StringComparer.Ordinal));
            counts.AddOrUpdate(labels, value, (_, v) => v + value);
        });
        listener.Start();

        for (var i = 0; i < 3; i++)
        {
            (await _app.ClientWith(key).PostAsync("/api/v1/validate", null)).Dispose();
        }

        (await _app.ClientWith(key[..^1] + (key[^1] == 'a' ? 'b' : 'a')).PostAsync("/api/v1/validate", null)).Dispose();
        (await _app.ClientWith(key).PostAsync("/api/v1/validate?scope=other", null)).Dispose();

        Assert.Equal(3, counts.GetValueOrDefault("kind=apiKey,outcome=active"));
        Assert.Equal(1, counts.GetValueOrDefault("kind=apiKey,outcome=InvalidCredential"));
        Assert.Equal(1, counts.GetValueOrDefault("kind=apiKey,outcome=InsufficientScope"));
    }

    [Fact]
    public async Task Requests_AreTracedAsOneActivityPerRouteForExporters()
    {
        var (_, key, _) = await _app.SeedAsync("owner", "a");
        var names = new ConcurrentBag<string>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == ServerlessAuthTelemetry.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
            ActivityStopped = activity => names.Add(activity.DisplayName),
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);

        (await _app.ClientWith(key).PostAsync("/api/v1/validate", null)).Dispose();
        (await _app.Admin().GetAsync("/api/health")).Dispose();

        Assert.Contains("ServerlessAuth validate", names);
        Assert.Contains("ServerlessAuth health", names);
    }
}
