using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ServerlessAuth.Tests.Infra;

/// <summary>
/// infra/hooks/postprovision.sh run by bash against a stand-in for the Azure CLI that keeps a Key Vault in a
/// folder and records every command line it is given. (The PowerShell twin needs pwsh, which the build machines
/// do not have.)
/// </summary>
public sealed class PostprovisionHookTests : IDisposable
{
    private const string Vault = "kv-test";
    private const string ExistingKey = "sa_admin_ExistingExistingExistingExistingExist";

    // The subset of `az` the hook uses. Errors are worded as the real CLI words them.
    private const string FakeAz = """
        #!/usr/bin/env bash
        set -euo pipefail
        dir="$FAKE_KV_DIR"
        printf '%s\n' "$*" >> "$dir/calls.log"
        if [ "$1 $2" = "account show" ]; then
          [ -f "$dir/logged-in" ] && exit 0
          echo "Please run 'az login' to setup account." >&2; exit 1
        fi
        cmd="$1 $2 $3"; shift 3
        vault=""; name=""; file=""
        while [ $# -gt 0 ]; do
          case "$1" in --vault-name) vault=$2; shift 2;; --name) name=$2; shift 2;; --file) file=$2; shift 2;; *) shift;; esac
        done
        if [ -f "$dir/forbidden-remaining" ] && [ "$(cat "$dir/forbidden-remaining")" -gt 0 ]; then
          echo $(( $(cat "$dir/forbidden-remaining") - 1 )) > "$dir/forbidden-remaining"
          echo "(Forbidden) Caller is not authorized to perform action on resource. Code: ForbiddenByRbac" >&2; exit 1
        fi
        case "$cmd" in
          "keyvault secret show")
            [ -f "$dir/$vault/$name" ] || { echo "(SecretNotFound) A secret with (name/id) $name was not found in this key vault." >&2; exit 3; }
            cat "$dir/$vault/$name"; echo ;;
          "keyvault secret show-deleted")
            [ -f "$dir/$vault/deleted/$name" ] || { echo "(SecretNotFound) Deleted Secret not found" >&2; exit 3; }
            echo "https://$vault.vault.azure.net/deletedsecrets/$name" ;;
          "keyvault secret recover") mv "$dir/$vault/deleted/$name" "$dir/$vault/$name" ;;
          "keyvault secret set") mkdir -p "$dir/$vault"; cp "$file" "$dir/$vault/$name" ;;
          *) echo "fake az: unsupported command: $cmd" >&2; exit 2 ;;
        esac
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("serverlessauth-hook-").FullName;

    public PostprovisionHookTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "repo", "infra", "hooks"));
        Directory.CreateDirectory(ProjectDirectory);
        Directory.CreateDirectory(Path.Combine(KeyVault, Vault, "deleted"));
        Directory.CreateDirectory(Path.Combine(_root, "bin"));
        File.Copy(Path.Combine(InfraPaths.Infra, "hooks", "postprovision.sh"), Path.Combine(_root, "repo", "infra", "hooks", "postprovision.sh"));
        File.WriteAllText(Path.Combine(_root, "bin", "az"), FakeAz.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(_root, "bin", "az"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        File.WriteAllText(Path.Combine(KeyVault, "logged-in"), "");
    }

    private string ProjectDirectory => Path.Combine(_root, "repo", "Functions", "ServerlessAuth.Functions");

    private string LocalSettings => Path.Combine(ProjectDirectory, "local.settings.json");

    private string KeyVault => Path.Combine(_root, "kv");

    private string AdminKeySecret => Path.Combine(KeyVault, Vault, "admin-key");

    private string Calls => File.Exists(Path.Combine(KeyVault, "calls.log")) ? File.ReadAllText(Path.Combine(KeyVault, "calls.log")) : "";

    [Fact]
    public async Task Postprovision_SeedsARandomAdminKeyWithoutShowingItGivenNoSecret()
    {
        var run = await RunHookAsync();

        Assert.True(run.ExitCode == 0, run.ToString());
        var key = File.ReadAllText(AdminKeySecret);
        Assert.Matches("^sa_admin_[A-Za-z0-9]{43}$", key);
        Assert.DoesNotContain(key, run.StandardOutput + run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(key, Calls, StringComparison.Ordinal);
        Assert.Contains($"Key Vault '{Vault}'", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("secret 'admin-key'", run.StandardOutput, StringComparison.Ordinal);

        var second = await RunHookAsync();
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(key, File.ReadAllText(AdminKeySecret));

        // Another vault (the secret gone for good) gets another key: it is drawn at random, not derived.
        File.Delete(AdminKeySecret);
        var third = await RunHookAsync();
        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.NotEqual(key, File.ReadAllText(AdminKeySecret));
        Assert.True(key[9..].Distinct().Count() > 20, "The admin key has too few distinct characters to be random.");
    }

    [Fact]
    public async Task Postprovision_KeepsTheAdminKeyGivenItExists()
    {
        File.WriteAllText(AdminKeySecret, ExistingKey);

        var run = await RunHookAsync();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(ExistingKey, File.ReadAllText(AdminKeySecret));
        Assert.DoesNotContain("keyvault secret set", Calls, StringComparison.Ordinal);
        Assert.DoesNotContain(ExistingKey, run.StandardOutput + run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postprovision_RecoversTheAdminKeyGivenItIsSoftDeleted()
    {
        File.WriteAllText(Path.Combine(KeyVault, Vault, "deleted", "admin-key"), ExistingKey);

        var run = await RunHookAsync();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(ExistingKey, File.ReadAllText(AdminKeySecret));
        Assert.DoesNotContain("keyvault secret set", Calls, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postprovision_RetriesGivenKeyVaultForbidsAccessWhileTheRolePropagates()
    {
        File.WriteAllText(Path.Combine(KeyVault, "forbidden-remaining"), "3");

        var run = await RunHookAsync();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(AdminKeySecret));
        Assert.Contains("retrying", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postprovision_FailsWithoutWritingGivenTheAzureCliIsNotLoggedIn()
    {
        File.Delete(Path.Combine(KeyVault, "logged-in"));

        var run = await RunHookAsync();

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("az login", run.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(AdminKeySecret));
        Assert.False(File.Exists(LocalSettings));
    }

    [Fact]
    public async Task Postprovision_WritesLocalSettingsWithEndpointsAndTheKeyHashOnly()
    {
        File.WriteAllText(AdminKeySecret, ExistingKey);

        var run = await RunHookAsync();

        Assert.True(run.ExitCode == 0, run.ToString());
        var text = File.ReadAllText(LocalSettings);
        Assert.DoesNotContain(ExistingKey, text, StringComparison.Ordinal);
        var values = JsonNode.Parse(text)!["Values"]!.AsObject();
        Assert.Equal("https://sttest.table.core.windows.net/", values["ServerlessAuth__Storage__TableServiceUri"]?.GetValue<string>());
        Assert.Equal("https://kv-test.vault.azure.net/", values["ServerlessAuth__KeyVault__Uri"]?.GetValue<string>());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ExistingKey))), values["ServerlessAuth__AdminKeyHash"]?.GetValue<string>());
        Assert.False(values.ContainsKey("ServerlessAuth__AdminKey"));
        Assert.False(values.ContainsKey("ServerlessAuth__Storage__ConnectionString"));
        Assert.Equal("dotnet-isolated", values["FUNCTIONS_WORKER_RUNTIME"]?.GetValue<string>());
        Assert.Equal("true", values["AzureWebJobsDisableHomepage"]?.GetValue<string>());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(LocalSettings));
        }
    }

    [Fact]
    public async Task Postprovision_LeavesLocalSettingsAloneGivenTheDeveloperWroteThem()
    {
        const string Own = """{ "Values": { "ServerlessAuth__Storage__ConnectionString": "UseDevelopmentStorage=true" } }""";
        File.WriteAllText(LocalSettings, Own);

        var run = await RunHookAsync();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(Own, File.ReadAllText(LocalSettings));
        Assert.Contains("left unchanged", run.StandardOutput, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Task<ProcessResult> RunHookAsync() =>
        ProcessRunner.RunAsync(
            "bash",
            [Path.Combine(_root, "repo", "infra", "hooks", "postprovision.sh")],
            _root,
            new Dictionary<string, string?>
            {
                ["PATH"] = $"{Path.Combine(_root, "bin")}:{Environment.GetEnvironmentVariable("PATH")}",
                ["FAKE_KV_DIR"] = KeyVault,
                ["AZURE_ENV_NAME"] = "test",
                ["AZURE_KEY_VAULT_NAME"] = Vault,
                ["AZURE_KEY_VAULT_URI"] = "https://kv-test.vault.azure.net/",
                ["AZURE_TABLE_ENDPOINT"] = "https://sttest.table.core.windows.net/",
                ["AZURE_KEY_VAULT_ADMIN_KEY_SECRET_NAME"] = null,
                ["SERVERLESSAUTH_HOOK_RETRY_DELAY_SECONDS"] = "0",
            },
            TimeSpan.FromSeconds(60));
}
