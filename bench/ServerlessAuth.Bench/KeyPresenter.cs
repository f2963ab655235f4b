using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace ServerlessAuth.Bench;

/// <summary>
/// Presents every key of a file once to <c>POST /api/v1/validate</c>, before the key-cache-miss scenario: that warms
/// what a realistic miss finds warm (the keys' tenants and operators, each key's claimed slice of its hourly budget),
/// so that the measured window costs only the reads of the keys themselves.
/// </summary>
internal static class KeyPresenter
{
    public static async Task<int> RunAsync(Uri baseUrl, string keysFile, int concurrency)
    {
        var keys = (await File.ReadAllLinesAsync(keysFile)).Where(k => k.Length > 0).ToList();
        using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
        var watch = Stopwatch.StartNew();
        var failed = 0;
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (key, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/validate");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Interlocked.Increment(ref failed);
            }
        });

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"presented {keys.Count} keys once, {failed} not 200, in {watch.Elapsed.TotalSeconds:F1} s"));
        return failed == 0 ? 0 : 1;
    }
}
