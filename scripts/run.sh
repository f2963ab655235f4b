#!/usr/bin/env bash
# Runs ServerlessAuth locally: Azurite (blob, queue and table, in memory, on free ports) and the standalone host on
# http://localhost:7071 (override with --urls or ASPNETCORE_URLS; the issuer follows the address in Development).
#
# The admin key comes from ServerlessAuth__AdminKey if set; otherwise one is generated once into .dev/admin-key
# (git-ignored) and printed, so the README's walk-through can read it from there. SERVERLESSAUTH_DEV_DIR moves .dev
# (the tests run this script with a folder of their own).
#
# Stopping: Ctrl-C, or SIGINT/SIGTERM to this script's PID, stops the host first (so that its last usage flush still
# reaches storage), then Azurite. Where util-linux's setpriv exists (Linux), both also die with this script if it is
# killed outright; and a run that was killed some other way is cleaned up by the next one (.dev/run.pids).
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x node_modules/.bin/azurite ] || npm ci --no-audit --no-fund
dev="${SERVERLESSAUTH_DEV_DIR:-.dev}"
mkdir -p "$dev"

# Processes left by a run that could not clean up (SIGKILL without setpriv): only ours, recognised by command line.
if [ -s "$dev/run.pids" ]; then
  while read -r pid; do
    if ps -o args= -p "$pid" 2>/dev/null | grep -qE 'azurite|ServerlessAuth\.Web'; then
      echo "Stopping process $pid left by an earlier run."
      kill "$pid" 2>/dev/null || true
    fi
  done < "$dev/run.pids"
  sleep 1
fi
: > "$dev/run.pids"

# Both start in the background (`&`), in a subshell that `exec` replaces: $! is then the process itself.
# Children get SIGTERM if this script dies (Linux); elsewhere they are started plainly.
with_parent() { if command -v setpriv >/dev/null; then exec setpriv --pdeathsig TERM "$@"; else exec "$@"; fi; }
# Azurite in a session of its own: a terminal's Ctrl-C reaches the host and this script, not Azurite, which is stopped
# last by stop() below.
detached() { if command -v setsid >/dev/null; then with_parent setsid "$@"; else with_parent "$@"; fi; }
free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

host=""
azurite=""
stop() {
  trap - INT TERM EXIT
  if [ -n "$host" ] && kill -0 "$host" 2>/dev/null; then
    kill -TERM "$host" 2>/dev/null || true
    wait "$host" 2>/dev/null || true
  fi
  if [ -n "$azurite" ] && kill -0 "$azurite" 2>/dev/null; then
    kill -TERM "$azurite" 2>/dev/null || true
    wait "$azurite" 2>/dev/null || true
  fi
  : > "$dev/run.pids"
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap 'stop' EXIT

# Build before starting anything, so that a build error leaves nothing running.
dotnet build Functions/ServerlessAuth.Web -c Release --nologo -v quiet -clp:ErrorsOnly

blob=$(free_port); queue=$(free_port); table=$(free_port)
detached node_modules/.bin/azurite --silent --inMemoryPersistence --skipApiVersionCheck --disableTelemetry \
  --blobPort "$blob" --queuePort "$queue" --tablePort "$table" &
azurite=$!
echo "$azurite" >> "$dev/run.pids"
# The host's first requests (signing key, health) go to storage: start it once Azurite listens.
node -e "const n=require('net');const t=Date.now();(function f(){const c=n.connect($table,'127.0.0.1',()=>{c.end();process.exit(0)});c.on('error',()=>Date.now()-t>30000?process.exit(1):setTimeout(f,100))})()" \
  || { echo "Azurite did not start listening within 30 s." >&2; exit 1; }

if [ -z "${ServerlessAuth__AdminKey:-}" ]; then
  [ -s "$dev/admin-key" ] || echo "sa_admin_$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)" > "$dev/admin-key"
  export ServerlessAuth__AdminKey="$(cat "$dev/admin-key")"
fi
echo "Admin key (development): $ServerlessAuth__AdminKey   (also in $dev/admin-key)"

# Azurite's well-known development account key (public, documented by Microsoft; not a secret).
account="AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export ServerlessAuth__Storage__ConnectionString="DefaultEndpointsProtocol=http;$account;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://localhost:7071}"

# The built host itself (not `dotnet run`, whose extra process would not pass signals on).
with_parent dotnet Functions/ServerlessAuth.Web/bin/Release/net10.0/ServerlessAuth.Web.dll --contentRoot "$PWD/Functions/ServerlessAuth.Web" "$@" &
host=$!
echo "$host" >> "$dev/run.pids"

# Wait for the host; a signal interrupts the wait and runs stop() through the traps.
set +e
wait "$host"
status=$?
set -e
host=""
exit "$status"
