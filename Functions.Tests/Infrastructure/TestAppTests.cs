namespace ServerlessAuth.Tests.Infrastructure;

/// <summary>
/// The harness itself. Tests make clients from concurrent tasks (the batching and race tests issue keys through
/// <see cref="TestApp.Admin"/> in parallel); the factory underneath starts its server and records its clients without
/// a lock, which once failed CI at dispose (a null client in its list) after every assertion had passed.
/// </summary>
public sealed class TestAppTests
{
    [Fact]
    public async Task ClientsMadeFromConcurrentTasksBeforeTheServerStarted_AllAnswerAndTheHostDisposesCleanly()
    {
        // Disposed at the end of the test, also when an assertion failed; a failing dispose fails the test.
        await using var app = await TestApp.StartAsync();
        var clients = new HttpClient[2000];
        await Parallel.ForEachAsync(Enumerable.Range(0, clients.Length), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            clients[i] = app.Admin();
            if (i % 40 == 0)
            {
                using var response = await clients[i].GetAsync("/api/health", ct);
                Assert.True(response.IsSuccessStatusCode, $"health answered {(int)response.StatusCode}");
            }
        });

        Assert.Equal(clients.Length, clients.Distinct().Count());
    }
}
