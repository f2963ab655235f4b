#!/usr/bin/env bash
# azd postprovision hook (bash; postprovision.ps1 is the Windows twin and does the same).
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
set -euo pipefail
# Everything this hook writes (the key on its way to Key Vault, local.settings.json) is for this user only.
umask 077

vault="${AZURE_KEY_VAULT_NAME:?AZURE_KEY_VAULT_NAME is not set: run this through azd (azd provision / azd up).}"
vault_uri="${AZURE_KEY_VAULT_URI:?AZURE_KEY_VAULT_URI is not set: run this through azd.}"
table_endpoint="${AZURE_TABLE_ENDPOINT:?AZURE_TABLE_ENDPOINT is not set: run this through azd.}"
secret_name="${AZURE_KEY_VAULT_ADMIN_KEY_SECRET_NAME:-admin-key}"
# Role assignments can take a few minutes to reach Key Vault after provisioning: retry "forbidden" that long.
retry_attempts="${SERVERLESSAUTH_HOOK_RETRY_ATTEMPTS:-30}"
retry_delay="${SERVERLESSAUTH_HOOK_RETRY_DELAY_SECONDS:-10}"

root="$(cd "$(dirname "$0")/../.." && pwd)"
project_dir="$root/Functions/ServerlessAuth.Functions"
settings="$project_dir/local.settings.json"
marker="written by the azd postprovision hook (infra/hooks)"

work="$(mktemp -d)"
chmod 700 "$work"
trap 'rm -rf "$work"' EXIT

fail() { echo "postprovision: $*" >&2; exit 1; }

case "$vault_uri" in https://*) ;; *) fail "AZURE_KEY_VAULT_URI is not an https URI." ;; esac
case "$table_endpoint" in https://*) ;; *) fail "AZURE_TABLE_ENDPOINT is not an https URI." ;; esac

command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is required to seed the admin key: https://aka.ms/azure-cli"
az account show --output none 2>/dev/null || fail "the Azure CLI is not logged in: run 'az login' (or 'azd config set auth.useAzCliAuth true') and 'azd provision' again."

# Runs az with its stderr in $work/err; retries while Key Vault answers "forbidden" (RBAC not yet propagated).
az_kv() {
  local attempt=1
  while :; do
    if az "$@" 2>"$work/err"; then
      return 0
    fi
    if grep -qiE 'forbidden|not authorized|does not have (secrets )?.*permission' "$work/err" && [ "$attempt" -lt "$retry_attempts" ]; then
      echo "postprovision: Key Vault '$vault' does not accept this login yet (role assignment propagating); retrying in ${retry_delay}s ($attempt/$retry_attempts)." >&2
      attempt=$((attempt + 1))
      sleep "$retry_delay"
      continue
    fi
    return 1
  done
}

is_not_found() { grep -qiE 'SecretNotFound|Secret not found|secret with .* was not found' "$work/err"; }

read_admin_key() {
  az_kv keyvault secret show --vault-name "$vault" --name "$secret_name" --query value --output tsv
}

admin_key=""
if admin_key="$(read_admin_key)"; then
  echo "postprovision: the admin key already exists in Key Vault '$vault' (secret '$secret_name'); left unchanged."
elif ! is_not_found; then
  cat "$work/err" >&2
  fail "could not read secret '$secret_name' from Key Vault '$vault'."
elif az_kv keyvault secret show-deleted --vault-name "$vault" --name "$secret_name" --query id --output tsv >/dev/null; then
  # A deleted admin key is still the admin key: recover it instead of minting a second one under the same name.
  echo "postprovision: secret '$secret_name' is soft-deleted in Key Vault '$vault'; recovering it."
  az_kv keyvault secret recover --vault-name "$vault" --name "$secret_name" --output none || { cat "$work/err" >&2; fail "could not recover secret '$secret_name'."; }
  for _ in $(seq 1 "$retry_attempts"); do
    if admin_key="$(read_admin_key)"; then break; fi
    sleep "$retry_delay"
  done
  [ -n "$admin_key" ] || fail "secret '$secret_name' was recovered but cannot be read yet; run 'azd provision' again in a minute."
else
  is_not_found || { cat "$work/err" >&2; fail "could not check for a deleted secret '$secret_name'."; }
  # 43 base62 characters: 256 bits. Uniform: base64 characters are uniform over 64, and dropping '+' and '/'
  # leaves each remaining one uniform over the 62 letters and digits.
  random="$(head -c 96 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
  [ "${#random}" -ge 43 ] || fail "could not gather enough randomness."
  admin_key="sa_admin_${random:0:43}"
  # Through a private file rather than --value, so the key never appears in a process list.
  printf '%s' "$admin_key" > "$work/admin-key"
  az_kv keyvault secret set --vault-name "$vault" --name "$secret_name" --file "$work/admin-key" --encoding utf-8 \
    --content-type "text/plain; serverlessauth admin key" --output none \
    || { cat "$work/err" >&2; fail "could not write secret '$secret_name' to Key Vault '$vault'."; }
  echo "postprovision: generated a new admin key and stored it in Key Vault '$vault' as secret '$secret_name'."
fi

echo "postprovision: read it when needed with: az keyvault secret show --vault-name $vault --name $secret_name --query value --output tsv"

if command -v sha256sum >/dev/null 2>&1; then
  admin_key_hash="$(printf '%s' "$admin_key" | sha256sum | cut -d' ' -f1)"
else
  admin_key_hash="$(printf '%s' "$admin_key" | shasum -a 256 | cut -d' ' -f1)"
fi
[[ "$admin_key_hash" =~ ^[0-9a-f]{64}$ ]] || fail "could not hash the admin key."

if [ ! -d "$project_dir" ]; then
  echo "postprovision: $project_dir does not exist; local.settings.json not written."
  exit 0
fi

if [ -f "$settings" ] && ! grep -qF "$marker" "$settings"; then
  echo "postprovision: $settings exists and was not written by this hook; left unchanged."
  echo "postprovision: delete it and run 'azd provision' (or 'azd hooks run postprovision') to get one for the provisioned resources."
  exit 0
fi

# The local Functions host keeps its own state (timer leases) in Azurite; ServerlessAuth's data and keys are
# the provisioned ones, reached as the developer (Storage Table Data Contributor and Key Vault Secrets Officer).
cat > "$settings" <<JSON
{
  "IsEncrypted": false,
  "Values": {
    "SERVERLESSAUTH_LOCAL_SETTINGS_SOURCE": "$marker, azd environment '${AZURE_ENV_NAME:-}'",
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "AzureWebJobsDisableHomepage": "true",
    "FUNCTIONS_WORKER_RUNTIME": "dotnet-isolated",
    "ServerlessAuth__Storage__TableServiceUri": "$table_endpoint",
    "ServerlessAuth__KeyVault__Uri": "$vault_uri",
    "ServerlessAuth__AdminKeyHash": "$admin_key_hash",
    "ServerlessAuth__Issuer": "http://localhost:7071",
    "LIFECYCLE_SCHEDULE": "0 */5 * * * *"
  }
}
JSON
echo "postprovision: wrote $settings (endpoints and the admin key's SHA-256 only; run 'func start' there, after 'az login')."
