using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ServerlessAuth.Tests.Infra;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Hosting;

/// <summary>
/// <c>./scripts/run.sh</c>, the README's "run" command, as a developer uses it: it serves, and however it is stopped
/// it leaves no process behind and prints no stack trace.
/// </summary>
public sealed class RunScriptTests : IDisposable
{
    private readonly string _devDirectory = Directory.CreateTempSubdirectory("serverlessauth-run-").FullName;
    private readonly StringBuilder _output = new();

    public void Dispose() => Directory.Delete(_devDirectory, recursive: true);

    [LinuxFact]
    public async Task RunScript_StopsHostThenAzuriteWithoutStackTraceGivenSigterm()
    {
        var (script, baseAddress) = Start();
        using var client = new HttpClient { BaseAddress = baseAddress };
        await WaitHealthyAsync(client, script);

        // A key used once: its usage is still in memory, written by the host's last flush as it stops.
        var admin = File.ReadAllText(Path.Combine(_devDirectory, "admin-key")).Trim();
        client.DefaultRequestHeaders.Authorization = new("Bearer", admin);
        await TestApp.SendOkAsync(client, HttpMethod.Post, "/api/v1/tenants", new { id = "acme-run", name = "Acme", plan = "pro" });
        await TestApp.SendOkAsync(client, HttpMethod.Put, "/api/v1/tenants/acme-run/operators/alice", new { displayName = "Alice", role = "owner", permissions = new[] { "contacts:read" } });
        var key = (string)(await TestApp.SendOkAsync(client, HttpMethod.Post, "/api/v1/tenants/acme-run/keys", new { operatorId = "alice", name = "k", scopes = new[] { "contacts:read" } }))["key"]!;
        using var validate = new HttpRequestMessage(HttpMethod.Post, "/api/v1/validate") { Headers = { { "x-api-key", key } } };
        client.DefaultRequestHeaders.Authorization = null;
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(validate)).StatusCode);
        var children = Children();

        Signal(script, "TERM");

        Assert.True(script.WaitForExit(TimeSpan.FromSeconds(60)), "run.sh did not stop within 60 s of SIGTERM");

        // Once more without a timeout: only then has every line of its output been handed to the handlers.
        script.WaitForExit();
        Assert.Equal(143, script.ExitCode);
        Assert.Equal(2, children.Count);
        Assert.All(children, pid => Assert.False(IsRunning(pid), $"process {pid} outlived run.sh"));
        var output = Output();
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("warn: ServerlessAuth.ApiKeys", output, StringComparison.Ordinal);
        Assert.Contains("Azurite Table service successfully closed", output, StringComparison.Ordinal);
    }

    [LinuxFact]
    public async Task RunScript_LeavesNoProcessGivenSigkill()
    {
        var (script, baseAddress) = Start();
        using var client = new HttpClient { BaseAddress = baseAddress };
        await WaitHealthyAsync(client, script);
        var children = Children();

        script.Kill();

        Assert.Equal(2, children.Count);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (children.Any(IsRunning) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.All(children, pid => Assert.False(IsRunning(pid), $"process {pid} outlived a killed run.sh"));
    }

    private (Process Script, Uri BaseAddress) Start()
    {
        var port = FreePort();
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { Path.Combine(RepositoryRootAttribute.Value, "scripts", "run.sh"), "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in ProcessRunner.OnlyServerlessAuthSettings(new Dictionary<string, string?> { ["SERVERLESSAUTH_DEV_DIR"] = _devDirectory }))
        {
            start.Environment[name] = value;
        }
        var script = Process.Start(start)!;
        script.OutputDataReceived += (_, e) => Append(e.Data);
        script.ErrorDataReceived += (_, e) => Append(e.Data);
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        return (script, new Uri($"http://127.0.0.1:{port}"));
    }

    private async Task WaitHealthyAsync(HttpClient client, Process script)
    {
        // run.sh builds the host first: quick when the suite built it already, a minute or so otherwise.
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline && !script.HasExited)
        {
            try
            {
                if ((await client.GetAsync("/api/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        script.Kill(entireProcessTree: true);
        Assert.Fail($"run.sh never answered /api/health:\n{Output()}");
    }

    /// <summary>The host's and Azurite's process ids, as run.sh records them.</summary>
    private List<int> Children() =>
        [.. File.ReadAllLines(Path.Combine(_devDirectory, "run.pids")).Where(l => l.Length > 0).Select(int.Parse)];

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>Alive and not a zombie waiting to be reaped.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }
}
