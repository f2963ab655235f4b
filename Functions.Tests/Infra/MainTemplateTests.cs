using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ServerlessAuth.Tests.Infra;

/// <summary>
/// The security and wiring properties of the compiled main.bicep: what an operator relies on when running
/// `azd up`, checked offline on the ARM JSON that Azure would receive.
/// </summary>
[Collection(SharedInfraBuild.Name)]
public sealed partial class MainTemplateTests(InfraBuild build)
{
    // Built-in role definition ids (the same in every tenant).
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string KeyVaultSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";

    private const string AppIdentity = "the app's user-assigned identity";
    private const string DeployingUser = "the deploying user";

    private const string StorageAccounts = "Microsoft.Storage/storageAccounts";
    private const string Vaults = "Microsoft.KeyVault/vaults";
    private const string Components = "Microsoft.Insights/components";
    private const string UserAssignedIdentities = "Microsoft.ManagedIdentity/userAssignedIdentities";

    /// <summary>SPEC §9 settings that the Azure deployment sets (the connection string is for local runs only).</summary>
    private static readonly string[] SpecSettings =
    [
        "ServerlessAuth__Storage__TableServiceUri",
        "ServerlessAuth__KeyVault__Uri",
        "ServerlessAuth__AdminKey",
        "ServerlessAuth__Issuer",
        "LIFECYCLE_SCHEDULE",
    ];

    private ArmDeployment Main => build.Main;

    private ArmResource Site => Assert.Single(Main.OfType("Microsoft.Web/sites"));

    private JsonObject AppSettings =>
        Assert.Single(Main.OfType("Microsoft.Web/sites/config"), c => c.Name.Contains("'appsettings'", StringComparison.Ordinal)).Properties;

    private string Setting(string name) =>
        AppSettings[name]?.GetValue<string>() ?? throw new Xunit.Sdk.XunitException($"App setting {name} is missing.");

    [Fact]
    public void Main_TargetsTheSubscriptionAndNamesTheResourceGroupRgDashEnvironment()
    {
        Assert.Contains("subscriptionDeploymentTemplate.json", Main.Template["$schema"]!.GetValue<string>(), StringComparison.Ordinal);
        var group = Assert.Single(Main.Resources, r => r.Type == "Microsoft.Resources/resourceGroups");
        Assert.Equal("[format('{0}{1}', variables('abbrs').resourcesResourceGroups, parameters('environmentName'))]", group.Name);
        Assert.Equal("rg-", Main.ResolveLiteral("[variables('abbrs').resourcesResourceGroups]"));
        Assert.Equal(
            "[toLower(uniqueString(subscription().id, parameters('environmentName'), parameters('location')))]",
            Main.Template["variables"]?["resourceToken"]?.GetValue<string>());
    }

    [Fact]
    public void StorageAccount_RefusesSharedKeysPublicBlobsAndOldTls()
    {
        var storage = Assert.Single(Main.OfType(StorageAccounts));
        Assert.False(storage.Flag("properties.allowSharedKeyAccess") ?? true, "allowSharedKeyAccess must be false.");
        Assert.Equal("TLS1_2", storage.Text("properties.minimumTlsVersion"));
        Assert.False(storage.Flag("properties.allowBlobPublicAccess") ?? true, "allowBlobPublicAccess must be false.");
        Assert.True(storage.Flag("properties.supportsHttpsTrafficOnly"), "supportsHttpsTrafficOnly must be true.");
    }

    [Fact]
    public void KeyVault_UsesRbacSoftDeleteAndPurgeProtection()
    {
        var vault = Assert.Single(Main.OfType(Vaults));
        Assert.True(vault.Flag("properties.enableRbacAuthorization"), "enableRbacAuthorization must be true.");
        Assert.True(vault.Flag("properties.enableSoftDelete"), "enableSoftDelete must be true.");
        Assert.True(vault.Flag("properties.enablePurgeProtection"), "enablePurgeProtection must be true.");
        Assert.Empty(vault.At("properties.accessPolicies")?.AsArray() ?? []);
    }

    [Fact]
    public void FunctionApp_RunsDotnetIsolated10OnFlexConsumption()
    {
        var plan = Assert.Single(Main.OfType("Microsoft.Web/serverfarms"));
        Assert.Equal("FC1", plan.Text("sku.name"));
        Assert.Equal("FlexConsumption", plan.Text("sku.tier"));
        Assert.Equal("dotnet-isolated", Site.Text("properties.functionAppConfig.runtime.name"));
        Assert.Equal("10.0", Site.Text("properties.functionAppConfig.runtime.version"));
        Assert.Contains("functionapp", Site.Text("kind"), StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionApp_AcceptsHttpsOnlyWithTls12AndNoFtp()
    {
        Assert.True(Site.Flag("properties.httpsOnly"), "httpsOnly must be true.");
        Assert.Equal("1.2", Site.Text("properties.siteConfig.minTlsVersion"));
        Assert.Equal("1.2", Site.Text("properties.siteConfig.scmMinTlsVersion"));
        Assert.Equal("Disabled", Site.Text("properties.siteConfig.ftpsState"));
    }

    [Fact]
    public void FunctionApp_DisablesBasicPublishingCredentialsForScmAndFtp()
    {
        var policies = Main.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies");
        foreach (var name in new[] { "scm", "ftp" })
        {
            var policy = Assert.Single(policies, p => p.Name.Contains($"'{name}'", StringComparison.Ordinal));
            Assert.False(policy.Flag("properties.allow") ?? true, $"Basic publishing credentials for {name} must be disallowed.");
        }
    }

    [Fact]
    public void FunctionApp_RunsAsTheOneUserAssignedIdentity()
    {
        Assert.Single(Main.OfType(UserAssignedIdentities));
        Assert.Equal("UserAssigned", Site.Text("identity.type"));
        var identities = Site.At("identity.userAssignedIdentities")!.AsObject();
        AssertIdentityOutput(Assert.Single(identities).Key, Site.Deployment, "id");
        AssertIdentityOutput(Site.Text("properties.keyVaultReferenceIdentity"), Site.Deployment, "id");
        Assert.Equal("UserAssignedIdentity", Site.Text("properties.functionAppConfig.deployment.storage.authentication.type"));
        AssertIdentityOutput(Site.Text("properties.functionAppConfig.deployment.storage.authentication.userAssignedIdentityResourceId"), Site.Deployment, "id");
        AssertIdentityOutput(Setting("AZURE_CLIENT_ID"), Site.Deployment, "clientId");
    }

    [Fact]
    public void FunctionApp_DeploysFromTheContainerTheStorageModuleCreates()
    {
        Assert.Equal("blobContainer", Site.Text("properties.functionAppConfig.deployment.storage.type"));
        var value = Site.Text("properties.functionAppConfig.deployment.storage.value")!;
        var match = BlobUrlOfContainer().Match(value);
        Assert.True(match.Success, value);
        var container = Assert.Single(Main.OfType("Microsoft.Storage/storageAccounts/blobServices/containers"));
        Assert.Equal(
            Site.Deployment.ResolveLiteral($"[{match.Groups["container"].Value}]"),
            container.Deployment.ResolveLiteral($"[{ContainerName().Match(container.Name).Groups["container"].Value}]"));
        Assert.Equal("None", container.Text("properties.publicAccess"));
    }

    [Fact]
    public void FunctionApp_IsTaggedWithTheServiceNameOfAzureYaml()
    {
        var tags = Site.Text("tags")!;
        var match = ServiceTag().Match(tags);
        Assert.True(match.Success, tags);
        Assert.Equal(AzureYamlFile.ServiceName, Site.Deployment.ResolveLiteral($"[{match.Groups["value"].Value}]"));
    }

    [Fact]
    public void AppSettings_WireEverySpecSettingForAzure()
    {
        foreach (var name in SpecSettings)
        {
            Assert.True(AppSettings.ContainsKey(name), $"SPEC §9 setting {name} is not wired.");
        }

        // A connection string would take precedence over the identity-based table endpoint, and would carry a key.
        Assert.False(AppSettings.ContainsKey("ServerlessAuth__Storage__ConnectionString"));
        Assert.Contains("primaryEndpoints.table", Setting("ServerlessAuth__Storage__TableServiceUri"), StringComparison.Ordinal);
        Assert.Contains("vaultUri", Setting("ServerlessAuth__KeyVault__Uri"), StringComparison.Ordinal);
        Assert.Matches(@"^\[format\('https://\{0\}', reference\(resourceId\('Microsoft\.Web/sites', [^)]+\)\), '[^']+'\)\.defaultHostName\)\]$", Setting("ServerlessAuth__Issuer"));
    }

    [Fact]
    public void AppSettings_DisableTheHostHomepage()
    {
        // Otherwise '/' answers the Functions host's HTML page instead of ServerlessAuth's 404.
        Assert.Equal("true", Setting("AzureWebJobsDisableHomepage"));
    }

    [Fact]
    public void AppSettings_LifecycleScheduleDefaultsToEveryFiveMinutes()
    {
        var (expression, where) = Site.Deployment.Trace(Setting("LIFECYCLE_SCHEDULE"));
        Assert.Same(Main, where);
        Assert.Equal("[parameters('lifecycleSchedule')]", expression);
        Assert.Equal("0 */5 * * * *", Main.Template["parameters"]?["lifecycleSchedule"]?["defaultValue"]?.GetValue<string>());
    }

    [Fact]
    public void AppSettings_AdminKeyIsAKeyVaultReferenceToTheSecretTheHookSeeds()
    {
        var match = KeyVaultReference().Match(Setting("ServerlessAuth__AdminKey"));
        Assert.True(match.Success, Setting("ServerlessAuth__AdminKey"));
        var vaultName = Site.Deployment.Trace($"[{match.Groups["vault"].Value}]").Expression;
        Assert.Contains("'Microsoft.Resources/deployments', 'keyVault'", vaultName, StringComparison.Ordinal);
        var secret = Site.Deployment.ResolveLiteral($"[{match.Groups["secret"].Value}]");
        Assert.Equal(secret, Main.ResolveLiteral(Main.Outputs["AZURE_KEY_VAULT_ADMIN_KEY_SECRET_NAME"]!["value"]!.GetValue<string>()));
        Assert.Contains($"secret_name=\"${{AZURE_KEY_VAULT_ADMIN_KEY_SECRET_NAME:-{secret}}}\"", File.ReadAllText(Path.Combine(InfraPaths.Infra, "hooks", "postprovision.sh")), StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_ReachHostStorageThroughTheIdentityWithoutKeys()
    {
        Assert.Equal("managedidentity", Setting("AzureWebJobsStorage__credential"));
        AssertIdentityOutput(Setting("AzureWebJobsStorage__clientId"), Site.Deployment, "clientId");
        Assert.Contains("primaryEndpoints.blob", Setting("AzureWebJobsStorage__blobServiceUri"), StringComparison.Ordinal);
        Assert.Contains("primaryEndpoints.table", Setting("AzureWebJobsStorage__tableServiceUri"), StringComparison.Ordinal);
        // AzureWebJobsStorage itself would be a connection string; a queue endpoint would need a queue role nobody has.
        Assert.False(AppSettings.ContainsKey("AzureWebJobsStorage"));
        Assert.False(AppSettings.ContainsKey("AzureWebJobsStorage__queueServiceUri"));
    }

    [Fact]
    public void AppSettings_ReachTheWebhookQueueThroughTheIdentityForTheLibraryAndTheQueueTrigger()
    {
        // The library's queue client and the Functions queue trigger (connection ServerlessAuthQueue) both use the
        // identity: no connection string, and the trigger's identity-based form names the user-assigned identity.
        Assert.Contains("primaryEndpoints.queue", Setting("ServerlessAuth__Storage__QueueServiceUri"), StringComparison.Ordinal);
        Assert.Contains("primaryEndpoints.queue", Setting("ServerlessAuthQueue__queueServiceUri"), StringComparison.Ordinal);
        Assert.Equal("managedidentity", Setting("ServerlessAuthQueue__credential"));
        AssertIdentityOutput(Setting("ServerlessAuthQueue__clientId"), Site.Deployment, "clientId");
        Assert.False(AppSettings.ContainsKey("ServerlessAuthQueue"));
    }

    [Fact]
    public void StorageAccount_DeclaresTheWebhookQueueTheTriggerListensOn()
    {
        var queue = Assert.Single(Main.OfType("Microsoft.Storage/storageAccounts/queueServices/queues"));
        Assert.EndsWith("parameters('webhookQueueName'))]", queue.Name, StringComparison.Ordinal);

        // The module's default (main.bicep passes none) is the queue the library and the trigger use.
        Assert.Equal(ServerlessAuth.Storage.WebhookQueue.Name, queue.Deployment.Template["parameters"]!["webhookQueueName"]!["defaultValue"]!.GetValue<string>());
    }

    [Fact]
    public void ApplicationInsights_AcceptsEntraTokensFromTheIdentityOnly()
    {
        var component = Assert.Single(Main.OfType(Components));
        Assert.True(component.Flag("properties.DisableLocalAuth"), "DisableLocalAuth must be true.");
        var match = AuthenticationString().Match(Setting("APPLICATIONINSIGHTS_AUTHENTICATION_STRING"));
        Assert.True(match.Success, Setting("APPLICATIONINSIGHTS_AUTHENTICATION_STRING"));
        AssertIdentityOutput($"[{match.Groups["clientId"].Value}]", Site.Deployment, "clientId");
        Assert.True(AppSettings.ContainsKey("APPLICATIONINSIGHTS_CONNECTION_STRING"));
    }

    [Fact]
    public void AppSettings_HoldNoSecret()
    {
        foreach (var (name, node) in AppSettings)
        {
            var value = node?.ToJsonString() ?? "";
            Assert.DoesNotMatch(SecretMaterial(), value);
            // A setting named like a secret must be a Key Vault reference. The Application Insights connection string
            // is the exception Microsoft documents: with local auth disabled its instrumentation key is no credential.
            if (SecretName().IsMatch(name.Split("__")[^1]) && name != "APPLICATIONINSIGHTS_CONNECTION_STRING")
            {
                Assert.Matches(KeyVaultReference(), node!.GetValue<string>());
            }
        }
    }

    [Fact]
    public void Outputs_HoldNoSecretInAnyTemplate()
    {
        foreach (var deployment in Main.SelfAndModules)
        {
            foreach (var (name, output) in deployment.Outputs)
            {
                var type = output!["type"]!.GetValue<string>();
                Assert.False(type.StartsWith("secure", StringComparison.OrdinalIgnoreCase), $"{deployment.Name} output {name} is {type}.");
                Assert.DoesNotMatch(SecretMaterial(), output["value"]!.ToJsonString());
                Assert.DoesNotMatch(SecretName(), name.Replace("SECRET_NAME", "", StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void Main_CallsNoListFunctionAnywhere()
    {
        // listKeys(), listSecrets(), listAccountSas()... are how keys leak into settings and deployment history.
        Assert.DoesNotMatch(@"(?i)\blist\w*\(", Main.Template.ToJsonString());
    }

    [Fact]
    public void Outputs_IncludeWhatAzdTheHooksAndTheSmokeTestRead()
    {
        string[] expected =
        [
            "AZURE_LOCATION", "AZURE_TENANT_ID", "RESOURCE_GROUP", "SERVICE_API_NAME", "SERVICE_API_URI",
            "AZURE_KEY_VAULT_NAME", "AZURE_KEY_VAULT_URI", "AZURE_TABLE_ENDPOINT", "AZURE_FUNCTION_APP_NAME",
            "AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID",
        ];
        foreach (var name in expected)
        {
            Assert.True(Main.Outputs.ContainsKey(name), $"Output {name} is missing.");
        }

        // Every azd variable the scripts read is an output (AZURE_ENV_NAME is azd's own).
        foreach (var script in new[] { "hooks/postprovision.sh", "hooks/postprovision.ps1", "scripts/smoke-test.sh" })
        {
            var text = File.ReadAllText(Path.Combine(InfraPaths.Infra, script));
            foreach (var variable in AzdVariable().Matches(text).Select(m => m.Value).Distinct())
            {
                Assert.True(variable == "AZURE_ENV_NAME" || Main.Outputs.ContainsKey(variable), $"{script} reads {variable}, which main.bicep does not output.");
            }
        }

        AssertIdentityOutput(Main.Outputs["AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID"]!["value"]!.GetValue<string>(), Main, "clientId");
    }

    [Fact]
    public void RoleAssignments_GrantExactlyTheExpectedRolesToTheExpectedPrincipals()
    {
        var expected = new[]
        {
            (StorageBlobDataOwner, AppIdentity, StorageAccounts),
            (StorageTableDataContributor, AppIdentity, StorageAccounts),
            (StorageQueueDataContributor, AppIdentity, StorageAccounts),
            (MonitoringMetricsPublisher, AppIdentity, Components),
            (KeyVaultSecretsOfficer, AppIdentity, Vaults),
            (KeyVaultSecretsOfficer, DeployingUser, Vaults),
            (StorageTableDataContributor, DeployingUser, StorageAccounts),
        };
        var known = expected.Select(e => e.Item1).ToHashSet();

        var actual = Main.OfType("Microsoft.Authorization/roleAssignments")
            .Select(a => (Role: RoleOf(a), Principal: PrincipalOf(a), Scope: ScopeTypeOf(a)))
            .ToList();

        foreach (var assignment in actual)
        {
            Assert.True(known.Contains(assignment.Role), $"Unexpected role {assignment.Role} for {assignment.Principal}.");
            Assert.True(assignment.Principal is AppIdentity or DeployingUser, assignment.Principal);
        }

        Assert.Equal(expected.Order(), actual.Order());
    }

    [Fact]
    public void RoleAssignments_AreNamedWithGuidAndGrantTheUserOnlyGivenAPrincipalId()
    {
        foreach (var assignment in Main.OfType("Microsoft.Authorization/roleAssignments"))
        {
            Assert.StartsWith("[guid(", assignment.Name, StringComparison.Ordinal);
            if (PrincipalOf(assignment) == DeployingUser)
            {
                var condition = assignment.Node["condition"]?.GetValue<string>();
                Assert.Equal("[not(empty(parameters('principalId')))]", condition);
                Assert.Equal("[parameters('principalId')]", assignment.Deployment.Trace(condition!.Replace("[not(empty(", "[", StringComparison.Ordinal).Replace(")))]", ")]", StringComparison.Ordinal)).Expression);
            }
            else
            {
                Assert.Equal("ServicePrincipal", assignment.Text("properties.principalType"));
            }
        }
    }

    [Fact]
    public void Parameters_MapEveryRequiredParameterToAnAzdVariable()
    {
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(InfraPaths.Infra, "main.parameters.json")))!["parameters"]!.AsObject();
        var declared = Main.Template["parameters"]!.AsObject();
        foreach (var (name, _) in file)
        {
            Assert.True(declared.ContainsKey(name), $"main.parameters.json sets {name}, which main.bicep does not declare.");
        }

        foreach (var (name, parameter) in declared)
        {
            Assert.True(parameter!["defaultValue"] is not null || file.ContainsKey(name), $"Required parameter {name} is not in main.parameters.json.");
        }

        Assert.Equal("${AZURE_ENV_NAME}", file["environmentName"]?["value"]?.GetValue<string>());
        Assert.Equal("${AZURE_LOCATION}", file["location"]?["value"]?.GetValue<string>());
        Assert.Equal("${AZURE_PRINCIPAL_ID}", file["principalId"]?["value"]?.GetValue<string>());
    }

    private static string RoleOf(ArmResource assignment)
    {
        var expression = assignment.Text("properties.roleDefinitionId")!;
        var match = RoleDefinition().Match(expression);
        Assert.True(match.Success, $"roleDefinitionId is not a built-in role by id: {expression}");
        var argument = match.Groups["id"].Value;
        return argument.StartsWith('\'') ? argument.Trim('\'') : assignment.Deployment.ResolveLiteral($"[{argument}]");
    }

    private static string PrincipalOf(ArmResource assignment)
    {
        var expression = assignment.Text("properties.principalId")!;
        var (traced, where) = assignment.Deployment.Trace(expression);
        if (where.Parent is null && traced == "[parameters('principalId')]")
        {
            return DeployingUser;
        }

        if (IdentityPrincipal().Match(expression) is { Success: true } match && IsIdentityOutput($"[{match.Groups["name"].Value}]", assignment.Deployment, "name"))
        {
            return AppIdentity;
        }

        return IsIdentityOutput(expression, assignment.Deployment, "principalId") ? AppIdentity : $"an unexpected principal: {expression}";
    }

    private static string ScopeTypeOf(ArmResource assignment)
    {
        var scope = assignment.Text("scope") ?? "(resource group)";
        var match = ScopeType().Match(scope);
        return match.Success ? match.Groups["type"].Value : scope;
    }

    private static void AssertIdentityOutput(string? expression, ArmDeployment where, string output) =>
        Assert.True(expression is not null && IsIdentityOutput(expression, where, output), $"'{expression}' is not the user-assigned identity's {output}.");

    /// <summary>
    /// Whether an expression comes down to an output of a module whose only resource is the user-assigned identity,
    /// and whether that output is computed from that identity.
    /// </summary>
    private static bool IsIdentityOutput(string expression, ArmDeployment where, string output)
    {
        var (traced, at) = where.Trace(expression);
        var match = ModuleOutput().Match(traced);
        if (!match.Success || match.Groups["output"].Value != output)
        {
            return false;
        }

        var module = at.Module(match.Groups["module"].Value);
        var resource = Assert.Single(module.Resources);
        var value = module.Outputs[output]?["value"]?.GetValue<string>() ?? "";
        return resource.Type == UserAssignedIdentities
            && (value == resource.Name || value.Contains($"'{UserAssignedIdentities}', {resource.Name[1..^1]})", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^\[subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions', (?<id>.+)\)\]$")]
    private static partial Regex RoleDefinition();

    [GeneratedRegex(@"^\[reference\(resourceId\('Microsoft\.ManagedIdentity/userAssignedIdentities', (?<name>.+)\), '[^']+'\)\.principalId\]$")]
    private static partial Regex IdentityPrincipal();

    [GeneratedRegex(@"'Microsoft\.Resources/deployments', '(?<module>[^']+)'\), '[^']+'\)\.outputs\.(?<output>\w+)\.value\]$")]
    private static partial Regex ModuleOutput();

    [GeneratedRegex(@"^\[(extension)?[rR]esourceId\('(?<type>[^']+)'")]
    private static partial Regex ScopeType();

    [GeneratedRegex(@"^\[format\('@Microsoft\.KeyVault\(VaultName=\{0\};SecretName=\{1\}\)', (?<vault>[^,]+), (?<secret>[^,]+)\)\]$")]
    private static partial Regex KeyVaultReference();

    [GeneratedRegex(@"^\[format\('ClientId=\{0\};Authorization=AAD', (?<clientId>.+)\)\]$")]
    private static partial Regex AuthenticationString();

    [GeneratedRegex(@"^\[format\('\{0\}\{1\}', reference\(resourceId\('Microsoft\.Storage/storageAccounts', [^)]+\)\), '[^']+'\)\.primaryEndpoints\.blob, (?<container>.+)\)\]$")]
    private static partial Regex BlobUrlOfContainer();

    [GeneratedRegex(@"'(?:default|blobServices)'\)?, (?<container>parameters\('[^']+'\)|variables\('[^']+'\))\)\]$")]
    private static partial Regex ContainerName();

    [GeneratedRegex(@"createObject\('azd-service-name', (?<value>[^)]+\))\)\)\]$")]
    private static partial Regex ServiceTag();

    [GeneratedRegex(@"(?i)\blist\w*\(|AccountKey=|SharedAccessKey|SharedAccessSignature|[?&]sig=|primaryKey|secondaryKey|password|DefaultEndpointsProtocol|InstrumentationKey=")]
    private static partial Regex SecretMaterial();

    [GeneratedRegex(@"(?i)(key|secret|password|token|connection_?string)$")]
    private static partial Regex SecretName();

    [GeneratedRegex(@"\b(AZURE|SERVICE)_[A-Z0-9_]+\b")]
    private static partial Regex AzdVariable();
}
