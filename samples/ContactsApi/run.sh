#!/usr/bin/env bash
# Runs the ContactsApi sample against a local ServerlessAuth, in one command:
#   - ServerlessAuth at $AUTHORITY (default http://localhost:7071): used if it answers /api/health, otherwise started with
#     ./scripts/run.sh (Azurite in memory + the standalone host) and stopped with this script;
#   - a demo tenant "contacts-demo", operator "alice" and an API key with contacts:read and contacts:write (admin key from
#     ServerlessAuth__AdminKey or .dev/admin-key, as scripts/run.sh writes it);
#   - the sample on $SAMPLE_URLS (default http://localhost:5080), in Development (http authority allowed).
# It prints curl commands to try, then runs until Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")/../.."

authority=${AUTHORITY:-http://localhost:7071}
urls=${SAMPLE_URLS:-http://localhost:5080}
mkdir -p .dev
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

wait_for() { # wait_for <url> <what> <pid>
  for _ in $(seq 1 240); do
    curl -sf "$1" >/dev/null 2>&1 && return 0
    kill -0 "$3" 2>/dev/null || { echo "$2 exited; see its log in .dev/" >&2; exit 1; }
    sleep 0.5
  done
  echo "$2 did not answer $1 within 2 minutes" >&2; exit 1
}

if ! curl -sf "$authority/api/health" >/dev/null 2>&1; then
  echo "Starting ServerlessAuth at $authority (./scripts/run.sh; log in .dev/serverlessauth.log)"
  ServerlessAuth__Issuer="$authority" setsid ./scripts/run.sh --urls "$authority" >.dev/serverlessauth.log 2>&1 &
  pids+=($!)
  wait_for "$authority/api/health" ServerlessAuth "${pids[-1]}"
fi

admin=${ServerlessAuth__AdminKey:-$(cat .dev/admin-key)}
api() { curl -s -X "$1" "$authority$2" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' ${3:+-d "$3"}; }
api POST /api/v1/tenants '{"id":"contacts-demo","name":"Contacts demo","plan":"pro"}' >/dev/null
api PUT /api/v1/tenants/contacts-demo/operators/alice '{"displayName":"Alice","role":"owner","permissions":["contacts:read","contacts:write"]}' >/dev/null
key=$(api POST /api/v1/tenants/contacts-demo/keys '{"operatorId":"alice","name":"ContactsApi sample","scopes":["contacts:read","contacts:write"]}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')

echo "Starting ContactsApi on $urls (log in .dev/contacts-api.log)"
ASPNETCORE_ENVIRONMENT=Development setsid dotnet run --project samples/ContactsApi -c Release -- --urls "$urls" --Authority "$authority" \
  >.dev/contacts-api.log 2>&1 &
pids+=($!)
wait_for "$urls/health" ContactsApi "${pids[-1]}"

cat <<MSG

ContactsApi is up. Try:
  KEY=$key
  curl -s $urls/contacts -H "Authorization: Bearer \$KEY"                                   # 200, the tenant's contacts
  curl -s $urls/contacts -H "x-api-key: \$KEY" -X POST -H 'Content-Type: application/json' -d '{"name":"Grace","email":"grace@example.com"}'   # 201
  curl -s -i $urls/contacts                                                                  # 401, WWW-Authenticate: Bearer
  curl -s -i $urls/contacts -H "Authorization: Bearer \${KEY%?}x"                            # 401 invalid_credential, no call to ServerlessAuth
Ctrl+C stops everything this script started.
MSG
wait "${pids[-1]}"
