using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Infra;

/// <summary>
/// The Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package, restored by NuGet like any dependency:
/// no download at test time and no network (the templates use local modules only, hence --no-restore).
/// </summary>
internal static class BicepCli
{
    private static readonly Lazy<string> Binary = new(Locate);

    public static Task<ProcessResult> RunAsync(params string[] arguments) =>
        ProcessRunner.RunAsync(Binary.Value, arguments, InfraPaths.Infra, timeout: TimeSpan.FromMinutes(3));

    private static string Locate()
    {
        var root = BicepPathAttribute.PackageRoot;
        var binary = Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "bicep", SearchOption.AllDirectories).FirstOrDefault()
            : null;
        if (binary is null)
        {
            throw new FileNotFoundException($"No bicep binary in the restored package folder '{root}'.");
        }

        // NuGet does not keep the executable bit of package files on every machine.
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(binary);
            if (!mode.HasFlag(UnixFileMode.UserExecute))
            {
                File.SetUnixFileMode(binary, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }

        return binary;
    }
}
