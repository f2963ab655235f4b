using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ServerlessAuth.Tests.Infrastructure;

/// <summary>
/// A real Azurite Table service and Queue service (from the repository's pinned npm package, two processes), in
/// memory, on free ports. One is shared by the whole test run (<see cref="Shared"/>); tests that stop storage start
/// their own. Stopping or restarting it stops or restarts both services.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    // Azurite's well-known development account (public, documented by Microsoft; not a secret).
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly Lazy<Task<AzuriteServer>> SharedInstance = new(() => StartAsync());

    private Process? _process;
    private Process? _queueProcess;

    private readonly string? _location;

    private AzuriteServer(int port, int queuePort, string? location)
    {
        Port = port;
        QueuePort = queuePort;
        _location = location;
    }

    public int Port { get; }

    public int QueuePort { get; }

    /// <summary>CPU time Azurite has used so far (the soak reports what each storage request costs the emulator).</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process?.Refresh();
            return _process is { HasExited: false } ? _process.TotalProcessorTime : TimeSpan.Zero;
        }
    }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;";

    public static Task<AzuriteServer> Shared => SharedInstance.Value;

    /// <summary>Starts a dedicated Azurite: in memory, or persisted under <paramref name="location"/> so that its data survives a restart.</summary>
    public static async Task<AzuriteServer> StartAsync(string? location = null)
    {
        var server = new AzuriteServer(FreePort(), FreePort(), location);
        await server.RestartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Kill();
        return server;
    }

    /// <summary>Starts (or starts again, on the same port) the Azurite process; in memory, a restart empties it.</summary>
    public async Task RestartAsync()
    {
        Kill();
        _process = Start("azurite-table", ["--tableHost", "127.0.0.1", "--tablePort", Port.ToString()], _location);
        _queueProcess = Start("azurite-queue", ["--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString()], _location is null ? null : Path.Combine(_location, "queue"));
        await WaitForPortAsync(Port, _process);
        await WaitForPortAsync(QueuePort, _queueProcess);
    }

    private static Process Start(string service, string[] arguments, string? location)
    {
        var executable = Path.Combine(RepositoryRootAttribute.Value, "node_modules", ".bin", service);
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Azurite is not installed ({executable} is missing): run 'npm ci' at the repository root.");
        }

        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments.Concat(["--silent", "--skipApiVersionCheck", "--disableTelemetry"]))
        {
            start.ArgumentList.Add(argument);
        }

        if (location is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(location);
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(location);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitForPortAsync(int port, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Stops Azurite: storage becomes unreachable (connection refused).</summary>
    public void Kill()
    {
        // Both killed before either is waited for: at process exit there is little time, and the second must not be
        // left running because the wait for the first used it up.
        var processes = new[] { _process, _queueProcess }.OfType<Process>().ToList();
        foreach (var process in processes.Where(p => !p.HasExited))
        {
            process.Kill(entireProcessTree: true);
        }

        foreach (var process in processes)
        {
            process.WaitForExit(5000);
            process.Dispose();
        }

        _process = null;
        _queueProcess = null;
    }

    /// <summary>
    /// Stops Azurite the way Ctrl+C does (SIGINT), so that a persisted Azurite saves its data first; storage is
    /// unreachable afterwards, as with <see cref="Kill"/>.
    /// </summary>
    public void Stop()
    {
        var stopped = true;
        foreach (var process in new[] { _process, _queueProcess })
        {
            if (process is { HasExited: false })
            {
                stopped &= Interrupt(process.Id, 2) == 0 && process.WaitForExit(10_000);
            }
        }

        if (!stopped)
        {
            Kill();
            return;
        }

        _process?.Dispose();
        _queueProcess?.Dispose();
        _process = null;
        _queueProcess = null;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Interrupt(int pid, int signal);

    /// <summary>A loopback port free at this moment (for a host of a test that listens on the network).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
