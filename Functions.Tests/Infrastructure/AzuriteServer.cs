using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ServerlessAuth.Tests.Infrastructure;

/// <summary>
/// A real Azurite Table service (from the repository's pinned npm package), in memory, on a free port.
/// One is shared by the whole test run (<see cref="Shared"/>); tests that stop storage start their own.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    // Azurite's well-known development account (public, documented by Microsoft; not a secret).
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly Lazy<Task<AzuriteServer>> SharedInstance = new(() => StartAsync());

    private Process? _process;

    private readonly string? _location;

    private AzuriteServer(int port, string? location)
    {
        Port = port;
        _location = location;
    }

    public int Port { get; }

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
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    public static Task<AzuriteServer> Shared => SharedInstance.Value;

    /// <summary>Starts a dedicated Azurite: in memory, or persisted under <paramref name="location"/> so that its data survives a restart.</summary>
    public static async Task<AzuriteServer> StartAsync(string? location = null)
    {
        var server = new AzuriteServer(FreePort(), location);
        await server.RestartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Kill();
        return server;
    }

    /// <summary>Starts (or starts again, on the same port) the Azurite process; in memory, a restart empties it.</summary>
    public async Task RestartAsync()
    {
        Kill();
        var executable = Path.Combine(RepositoryRootAttribute.Value, "node_modules", ".bin", "azurite-table");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Azurite is not installed ({executable} is missing): run 'npm ci' at the repository root.");
        }

        var start = new ProcessStartInfo(executable)
        {
            ArgumentList = { "--tableHost", "127.0.0.1", "--tablePort", Port.ToString(), "--silent", "--skipApiVersionCheck", "--disableTelemetry" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_location is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(_location);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Stops Azurite: storage becomes unreachable (connection refused).</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>
    /// Stops Azurite the way Ctrl+C does (SIGINT), so that a persisted Azurite saves its data first; storage is
    /// unreachable afterwards, as with <see cref="Kill"/>.
    /// </summary>
    public void Stop()
    {
        if (_process is { HasExited: false } process && Interrupt(process.Id, 2) == 0 && process.WaitForExit(10_000))
        {
            process.Dispose();
            _process = null;
            return;
        }

        Kill();
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
