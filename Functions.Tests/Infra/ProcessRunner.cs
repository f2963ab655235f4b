using System.Diagnostics;

namespace ServerlessAuth.Tests.Infra;

/// <summary>What a finished process wrote and returned.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Every non-blank line of both streams.</summary>
    public IReadOnlyList<string> Lines =>
        $"{StandardOutput}\n{StandardError}".Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
}

/// <summary>Runs a command to completion with a deadline, capturing both streams.</summary>
internal static class ProcessRunner
{
    /// <summary>
    /// <paramref name="settings"/> for a ServerlessAuth process, with every <c>ServerlessAuth*</c> and <c>ASPNETCORE_*</c>
    /// variable of the test run's own environment removed (a null value is not passed on), so that only these count.
    /// </summary>
    public static Dictionary<string, string?> OnlyServerlessAuthSettings(IReadOnlyDictionary<string, string?> settings)
    {
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("ServerlessAuth", StringComparison.OrdinalIgnoreCase) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal))
            .ToDictionary(k => k, _ => (string?)null, StringComparer.Ordinal);
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        return environment;
    }

    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in time.");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}
