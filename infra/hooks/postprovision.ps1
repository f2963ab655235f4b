# azd postprovision hook (PowerShell 7; the Windows twin of postprovision.sh, which says the same in bash).
#
# 1. Seeds the deployment-wide admin key into Key Vault if the secret is absent: a fresh random value,
#    written with the deploying user's login. An existing secret is never replaced (rotation is a deliberate
#    act, see infra/README.md), and a soft-deleted one is recovered rather than shadowed by a new value.
#    The value is never printed, logged, passed on a command line or stored in an azd environment.
# 2. Writes Functions/ServerlessAuth.Functions/local.settings.json for running the Functions app locally
#    against the provisioned tables and vault (as the developer, through DefaultAzureCredential). It holds
#    endpoints and the admin key's SHA-256 (ServerlessAuth__AdminKeyHash), never the admin key itself. An
#    existing local.settings.json that this hook did not write is left alone.
#
# Needs the Azure CLI, logged in as the deploying user (`az login`, or `azd config set auth.useAzCliAuth true`
# so that azd and az share one login). azd passes the Bicep outputs as environment variables.
$ErrorActionPreference = 'Stop'
# az reports failures through its exit code, which this script inspects itself.
$PSNativeCommandUseErrorActionPreference = $false
Set-StrictMode -Version Latest

function Fail([string] $message) {
    Write-Error "postprovision: $message" -ErrorAction Continue
    exit 1
}

function Require([string] $name) {
    $value = [Environment]::GetEnvironmentVariable($name)
    if ([string]::IsNullOrEmpty($value)) { Fail "$name is not set: run this through azd (azd provision / azd up)." }
    return $value
}

$vault = Require 'AZURE_KEY_VAULT_NAME'
$vaultUri = Require 'AZURE_KEY_VAULT_URI'
$tableEndpoint = Require 'AZURE_TABLE_ENDPOINT'
$secretName = if ($env:AZURE_KEY_VAULT_ADMIN_KEY_SECRET_NAME) { $env:AZURE_KEY_VAULT_ADMIN_KEY_SECRET_NAME } else { 'admin-key' }
# Role assignments can take a few minutes to reach Key Vault after provisioning: retry "forbidden" that long.
$retryAttempts = if ($env:SERVERLESSAUTH_HOOK_RETRY_ATTEMPTS) { [int] $env:SERVERLESSAUTH_HOOK_RETRY_ATTEMPTS } else { 30 }
$retryDelay = if ($env:SERVERLESSAUTH_HOOK_RETRY_DELAY_SECONDS) { [int] $env:SERVERLESSAUTH_HOOK_RETRY_DELAY_SECONDS } else { 10 }

$root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$projectDir = Join-Path $root 'Functions/ServerlessAuth.Functions'
$settings = Join-Path $projectDir 'local.settings.json'
$marker = 'written by the azd postprovision hook (infra/hooks)'

if (-not $vaultUri.StartsWith('https://')) { Fail 'AZURE_KEY_VAULT_URI is not an https URI.' }
if (-not $tableEndpoint.StartsWith('https://')) { Fail 'AZURE_TABLE_ENDPOINT is not an https URI.' }

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    Fail 'the Azure CLI (az) is required to seed the admin key: https://aka.ms/azure-cli'
}
az account show --output none 2>$null
if ($LASTEXITCODE -ne 0) {
    Fail "the Azure CLI is not logged in: run 'az login' (or 'azd config set auth.useAzCliAuth true') and 'azd provision' again."
}

# Runs az; retries while Key Vault answers "forbidden" (RBAC not yet propagated).
# Returns @{ Ok; Output; Error } so that callers can tell "not found" from other failures.
function Invoke-Az([string[]] $arguments) {
    for ($attempt = 1; ; $attempt++) {
        $errPath = (New-TemporaryFile).FullName
        try {
            $output = & az @arguments 2>$errPath
            $ok = $LASTEXITCODE -eq 0
            $err = Get-Content -Raw -LiteralPath $errPath
        }
        finally {
            Remove-Item -LiteralPath $errPath -Force
        }
        if ($ok) { return @{ Ok = $true; Output = ($output -join "`n"); Error = '' } }
        if ($err -match '(?i)forbidden|not authorized|does not have (secrets )?.*permission' -and $attempt -lt $retryAttempts) {
            Write-Host "postprovision: Key Vault '$vault' does not accept this login yet (role assignment propagating); retrying in ${retryDelay}s ($attempt/$retryAttempts)."
            Start-Sleep -Seconds $retryDelay
            continue
        }
        return @{ Ok = $false; Output = ''; Error = "$err" }
    }
}

function Test-NotFound([hashtable] $result) {
    return $result.Error -match '(?i)SecretNotFound|Secret not found|secret with .* was not found'
}

function Read-AdminKey {
    return Invoke-Az @('keyvault', 'secret', 'show', '--vault-name', $vault, '--name', $secretName, '--query', 'value', '--output', 'tsv')
}

# 43 base62 characters: 256 bits, drawn by rejection sampling so that every character is uniform.
function New-AdminKey {
    $alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
    $builder = [System.Text.StringBuilder]::new('sa_admin_')
    $buffer = [byte[]]::new(64)
    while ($builder.Length -lt 9 + 43) {
        [System.Security.Cryptography.RandomNumberGenerator]::Fill($buffer)
        foreach ($b in $buffer) {
            if ($b -lt 248 -and $builder.Length -lt 9 + 43) { [void] $builder.Append($alphabet[$b % 62]) }
        }
    }
    return $builder.ToString()
}

$adminKey = $null
$read = Read-AdminKey
if ($read.Ok) {
    $adminKey = $read.Output.Trim()
    Write-Host "postprovision: the admin key already exists in Key Vault '$vault' (secret '$secretName'); left unchanged."
}
elseif (-not (Test-NotFound $read)) {
    Write-Host $read.Error
    Fail "could not read secret '$secretName' from Key Vault '$vault'."
}
else {
    $deleted = Invoke-Az @('keyvault', 'secret', 'show-deleted', '--vault-name', $vault, '--name', $secretName, '--query', 'id', '--output', 'tsv')
    if ($deleted.Ok) {
        # A deleted admin key is still the admin key: recover it instead of minting a second one under the same name.
        Write-Host "postprovision: secret '$secretName' is soft-deleted in Key Vault '$vault'; recovering it."
        $recover = Invoke-Az @('keyvault', 'secret', 'recover', '--vault-name', $vault, '--name', $secretName, '--output', 'none')
        if (-not $recover.Ok) { Write-Host $recover.Error; Fail "could not recover secret '$secretName'." }
        for ($i = 0; $i -lt $retryAttempts -and -not $adminKey; $i++) {
            $read = Read-AdminKey
            if ($read.Ok) { $adminKey = $read.Output.Trim() } else { Start-Sleep -Seconds $retryDelay }
        }
        if (-not $adminKey) { Fail "secret '$secretName' was recovered but cannot be read yet; run 'azd provision' again in a minute." }
    }
    elseif (-not (Test-NotFound $deleted)) {
        Write-Host $deleted.Error
        Fail "could not check for a deleted secret '$secretName'."
    }
    else {
        $adminKey = New-AdminKey
        # Through a private file rather than --value, so the key never appears in a process list.
        $keyFile = New-TemporaryFile
        try {
            if (-not $IsWindows) { & chmod 600 $keyFile.FullName }
            [System.IO.File]::WriteAllText($keyFile.FullName, $adminKey)
            $set = Invoke-Az @('keyvault', 'secret', 'set', '--vault-name', $vault, '--name', $secretName, '--file', $keyFile.FullName,
                '--encoding', 'utf-8', '--content-type', 'text/plain; serverlessauth admin key', '--output', 'none')
        }
        finally {
            Remove-Item -LiteralPath $keyFile.FullName -Force
        }
        if (-not $set.Ok) { Write-Host $set.Error; Fail "could not write secret '$secretName' to Key Vault '$vault'." }
        Write-Host "postprovision: generated a new admin key and stored it in Key Vault '$vault' as secret '$secretName'."
    }
}

Write-Host "postprovision: read it when needed with: az keyvault secret show --vault-name $vault --name $secretName --query value --output tsv"

$hash = [System.Security.Cryptography.SHA256]::HashData([System.Text.Encoding]::UTF8.GetBytes($adminKey))
$adminKeyHash = [Convert]::ToHexString($hash).ToLowerInvariant()
$adminKey = $null

if (-not (Test-Path -LiteralPath $projectDir -PathType Container)) {
    Write-Host "postprovision: $projectDir does not exist; local.settings.json not written."
    exit 0
}

if ((Test-Path -LiteralPath $settings) -and -not (Select-String -LiteralPath $settings -SimpleMatch $marker -Quiet)) {
    Write-Host "postprovision: $settings exists and was not written by this hook; left unchanged."
    Write-Host "postprovision: delete it and run 'azd provision' (or 'azd hooks run postprovision') to get one for the provisioned resources."
    exit 0
}

# The local Functions host keeps its own state (timer leases) in Azurite; ServerlessAuth's data and keys are
# the provisioned ones, reached as the developer (Storage Table Data Contributor and Key Vault Secrets Officer).
$localSettings = [ordered]@{
    IsEncrypted = $false
    Values      = [ordered]@{
        SERVERLESSAUTH_LOCAL_SETTINGS_SOURCE     = "$marker, azd environment '$env:AZURE_ENV_NAME'"
        AzureWebJobsStorage                      = 'UseDevelopmentStorage=true'
        AzureWebJobsDisableHomepage              = 'true'
        FUNCTIONS_WORKER_RUNTIME                 = 'dotnet-isolated'
        ServerlessAuth__Storage__TableServiceUri = $tableEndpoint
        ServerlessAuth__KeyVault__Uri            = $vaultUri
        ServerlessAuth__AdminKeyHash             = $adminKeyHash
        ServerlessAuth__Issuer                   = 'http://localhost:7071'
        LIFECYCLE_SCHEDULE                       = '0 */5 * * * *'
    }
}
$localSettings | ConvertTo-Json -Depth 3 | Set-Content -LiteralPath $settings -Encoding utf8NoBOM
Write-Host "postprovision: wrote $settings (endpoints and the admin key's SHA-256 only; run 'func start' there, after 'az login')."
