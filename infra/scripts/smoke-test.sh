#!/usr/bin/env bash
# Smoke test of a deployed ServerlessAuth: the README's curl walk-through against the real app.
#
#   health → create tenant (admin key) → put operator → issue API key → validate (200)
#          → revoke → validate (401 credential_revoked)
#
# Reads SERVICE_API_URI, AZURE_KEY_VAULT_NAME and AZURE_KEY_VAULT_ADMIN_KEY_SECRET_NAME from
# `azd env get-values` (run it from the repository, after `azd up`), and the admin key from Key Vault with the
# Azure CLI. Either can be given instead: SERVICE_API_URI=http://localhost:7071 SERVERLESSAUTH_ADMIN_KEY=...
# runs the same walk-through against a local host.
#
# It creates a tenant named smoke-<time>-<random> and leaves it behind with its API switched off (there is no
# tenant deletion in the API); its one key is revoked. Needs bash, curl, and the Azure CLI unless the admin key
# is given. Never prints the admin key or the issued API key.
set -euo pipefail

azd_value() {
  command -v azd >/dev/null 2>&1 || return 0
  azd env get-values 2>/dev/null | sed -n "s/^$1=\"\{0,1\}\([^\"]*\)\"\{0,1\}$/\1/p" | head -n 1
}

base="${SERVICE_API_URI:-$(azd_value SERVICE_API_URI)}"
[ -n "$base" ] || { echo "smoke-test: SERVICE_API_URI is not set and 'azd env get-values' has none: run 'azd up' first." >&2; exit 2; }
base="${base%/}"

admin_key="${SERVERLESSAUTH_ADMIN_KEY:-}"
if [ -z "$admin_key" ]; then
  vault="${AZURE_KEY_VAULT_NAME:-$(azd_value AZURE_KEY_VAULT_NAME)}"
  secret="${AZURE_KEY_VAULT_ADMIN_KEY_SECRET_NAME:-$(azd_value AZURE_KEY_VAULT_ADMIN_KEY_SECRET_NAME)}"
  secret="${secret:-admin-key}"
  [ -n "$vault" ] || { echo "smoke-test: no admin key: set SERVERLESSAUTH_ADMIN_KEY or run from an azd environment." >&2; exit 2; }
  admin_key="$(az keyvault secret show --vault-name "$vault" --name "$secret" --query value --output tsv)"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# call METHOD PATH CREDENTIAL [JSON]: the status code on stdout, the body in $work/body.
# Credentials go through a header file, not the command line, so no process list shows them.
call() {
  local method="$1" path="$2" credential="$3" body="${4:-}"
  printf 'x-api-key: %s\n' "$credential" > "$work/headers"
  local args=(--silent --show-error --max-time 30 --output "$work/body" --write-out '%{http_code}' -X "$method" -H "@$work/headers")
  [ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data "$body")
  curl "${args[@]}" "$base$path" || echo "000"
}

# json_field NAME: a top-level string field of $work/body (the API answers compact JSON).
json_field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$work/body" | head -n 1; }

check() {
  local what="$1" expected="$2" actual="$3"
  if [ "$actual" = "$expected" ]; then
    echo "ok    $what ($actual)"
    passed=$((passed + 1))
  else
    echo "FAIL  $what: expected $expected, got $actual: $(head -c 500 "$work/body" 2>/dev/null)"
    failed=$((failed + 1))
  fi
}

finish() {
  echo "$passed passed, $failed failed"
  if [ "$failed" -eq 0 ]; then exit 0; fi
  exit 1
}

echo "smoke-test: $base"

# A Flex Consumption app scales to zero: the first request after a while starts an instance.
status=000
for _ in $(seq 1 30); do
  status="$(curl --silent --max-time 30 --output "$work/body" --write-out '%{http_code}' "$base/api/health" || echo 000)"
  [ "$status" = "200" ] && break
  sleep 5
done
check "GET /api/health" 200 "$status"
[ "$status" = "200" ] || finish

tenant="smoke-$(date +%s)-$((RANDOM % 10000))"
operator="smoke-owner"

status="$(call POST /api/v1/tenants "$admin_key" "{\"id\":\"$tenant\",\"name\":\"Smoke test $tenant\"}")"
check "POST /api/v1/tenants (admin key)" 201 "$status"
[ "$status" = "201" ] || finish

status="$(call PUT "/api/v1/tenants/$tenant/operators/$operator" "$admin_key" '{"displayName":"Smoke test owner","role":"owner","permissions":["smoke:read"]}')"
check "PUT operator" 201 "$status"

status="$(call POST "/api/v1/tenants/$tenant/keys" "$admin_key" "{\"operatorId\":\"$operator\",\"name\":\"smoke\",\"scopes\":[\"smoke:read\"]}")"
check "POST key (issue)" 201 "$status"
key="$(json_field key)"
key_id="$(json_field id)"
[ -n "$key" ] && [ -n "$key_id" ] || { check "issued key has id and secret" "yes" "no"; finish; }

status="$(call POST /api/v1/validate "$key" '{"requiredScopes":["smoke:read"]}')"
check "POST /api/v1/validate (active key)" 200 "$status"
check "validate says active" true "$(sed -nE 's/.*"active":(true|false).*/\1/p' "$work/body")"

status="$(call DELETE "/api/v1/tenants/$tenant/keys/$key_id" "$admin_key")"
check "DELETE key (revoke)" 200 "$status"

# Revocation reaches every instance within the validation cache's lifetime (ServerlessAuth:Cache:Ttl, 5 s by default).
for _ in $(seq 1 10); do
  status="$(call POST /api/v1/validate "$key")"
  [ "$status" = "401" ] && break
  sleep 1
done
check "POST /api/v1/validate (revoked key)" 401 "$status"
check "problem code" credential_revoked "$(json_field code)"

status="$(call PATCH "/api/v1/tenants/$tenant" "$admin_key" '{"apiEnabled":false}')"
check "PATCH tenant (switch the smoke tenant's API off)" 200 "$status"

finish
