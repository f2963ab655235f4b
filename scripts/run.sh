#!/usr/bin/env bash
# Runs ServerlessAuth locally: Azurite (Table and Queue Storage, in memory, on free ports) and the standalone host
# on http://localhost:7071 (override with --urls or ASPNETCORE_URLS). Stops Azurite when the host stops.
#
# The admin key comes from ServerlessAuth__AdminKey if set; otherwise one is generated once into
# .dev/admin-key (git-ignored) and printed, so the README's walk-through can read it from there.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x node_modules/.bin/azurite-table ] || npm ci --no-audit --no-fund

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
port=$(free_port)
queue_port=$(free_port)
node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort "$port" --inMemoryPersistence --silent --skipApiVersionCheck --disableTelemetry &
azurite=$!
# The webhook delivery queue.
node_modules/.bin/azurite-queue --queueHost 127.0.0.1 --queuePort "$queue_port" --inMemoryPersistence --silent --skipApiVersionCheck --disableTelemetry &
azurite_queue=$!
trap 'kill "$azurite" "$azurite_queue" 2>/dev/null || true' EXIT INT TERM

if [ -z "${ServerlessAuth__AdminKey:-}" ]; then
  mkdir -p .dev
  [ -s .dev/admin-key ] || echo "sa_admin_$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)" > .dev/admin-key
  export ServerlessAuth__AdminKey="$(cat .dev/admin-key)"
fi
echo "Admin key (development): $ServerlessAuth__AdminKey   (also in .dev/admin-key)"

# Azurite's well-known development account key (public, documented by Microsoft; not a secret).
export ServerlessAuth__Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:$port/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue_port/devstoreaccount1;"
export ServerlessAuth__Issuer="${ServerlessAuth__Issuer:-http://localhost:7071}"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"

urls="${ASPNETCORE_URLS:-http://localhost:7071}"
dotnet run --project Functions/ServerlessAuth.Web -c Release -- --urls "$urls" "$@"
