#!/usr/bin/env bash
# The ServerlessAuth benchmark: one command, one run, every figure a ratio against a baseline measured in the same
# run (machines here are shared and noisy). Starts a fresh in-memory Azurite and the standalone host (Release) on
# free loopback ports, seeds data, measures with wrk, prints a table and writes bench/results/latest.json.
# Everything it starts is stopped on exit. See bench/README.md.
#
# Knobs (environment): BENCH_TENANTS (300), BENCH_KEYS_PER_TENANT (10), BENCH_DURATION (10 s per scenario),
# BENCH_WARMUP (3 s), BENCH_CONNECTIONS (16), BENCH_THREADS (2), BENCH_LIFECYCLE_STORED (100000), BENCH_LIFECYCLE_DUE (1000),
# BENCH_JIT_ROUNDS (5, the most JIT warm-up rounds), BENCH_PROFILE (warm, bad, jwt or noop: profile that scenario
# instead; cost: per-request CPU and allocations only, BENCH_COST_ROUNDS (2) rounds; package: ServerlessAuth.AspNetCore
# in the sample API instead, 10 tenants x 10 keys by default; see below).
set -euo pipefail
cd "$(dirname "$0")/.."

tenants=${BENCH_TENANTS:-300}
keys_per_tenant=${BENCH_KEYS_PER_TENANT:-10}
[ "${BENCH_PROFILE:-}" = package ] && tenants=${BENCH_TENANTS:-10}
duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-3}
connections=${BENCH_CONNECTIONS:-16}
threads=${BENCH_THREADS:-2}
lc_stored=${BENCH_LIFECYCLE_STORED:-100000}
lc_due=${BENCH_LIFECYCLE_DUE:-1000}
flush=00:00:02

out=bench/results
work=$out/work
rm -rf "$work" && mkdir -p "$work"
[ -x node_modules/.bin/azurite-table ] || npm ci --no-audit --no-fund
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

azurite_pid=""
host_pid=""
sample_pids=()
stop_host() {
  if [ -n "$host_pid" ]; then kill -- "-$host_pid" 2>/dev/null || true; wait "$host_pid" 2>/dev/null || true; host_pid=""; fi
}
cleanup() {
  for pid in "${sample_pids[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  stop_host
  if [ -n "$azurite_pid" ]; then kill -- "-$azurite_pid" 2>/dev/null || true; wait "$azurite_pid" 2>/dev/null || true; fi
  if [ -n "${queue_pid:-}" ]; then kill -- "-$queue_pid" 2>/dev/null || true; wait "$queue_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT INT TERM

log "building (Release)"
dotnet build -c Release -nologo -v q Functions/ServerlessAuth.Web/ServerlessAuth.Web.csproj >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
dotnet build -c Release -nologo -v q bench/ServerlessAuth.Bench/ServerlessAuth.Bench.csproj >>"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
if [ "${BENCH_PROFILE:-}" = package ]; then
  dotnet build -c Release -nologo -v q samples/ContactsApi/ContactsApi.csproj >>"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
fi
bench_tool() { dotnet bench/ServerlessAuth.Bench/bin/Release/net10.0/ServerlessAuth.Bench.dll "$@"; }

azurite_port=$(free_port)
setsid node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort "$azurite_port" --inMemoryPersistence --silent \
  --skipApiVersionCheck --disableTelemetry >"$work/azurite.log" 2>&1 &
azurite_pid=$!
# The webhook queue (idle here: no scenario creates an endpoint), so the host's queue worker polls a local service.
queue_port=$(free_port)
setsid node_modules/.bin/azurite-queue --queueHost 127.0.0.1 --queuePort "$queue_port" --inMemoryPersistence --silent \
  --skipApiVersionCheck --disableTelemetry >"$work/azurite-queue.log" 2>&1 &
queue_pid=$!
# Azurite's well-known development account key (public, documented by Microsoft; not a secret).
connection="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:$azurite_port/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue_port/devstoreaccount1;"
admin_key="sa_admin_$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)"

# start_host <label> [VAR=value…]: the standalone host in its own process group, logs to $work/<label>.log.
start_host() {
  local label=$1; shift
  local port; port=$(free_port)
  base="http://127.0.0.1:$port"
  setsid env ASPNETCORE_ENVIRONMENT=Production \
    ServerlessAuth__KeyVault__AllowDevelopmentKeySource=true \
    ServerlessAuth__AdminKey="$admin_key" \
    ServerlessAuth__Storage__ConnectionString="$connection" \
    ServerlessAuth__Issuer="$base" \
    ServerlessAuth__Benchmark__NoOp=true \
    ServerlessAuth__Usage__FlushInterval=$flush \
    LIFECYCLE_SCHEDULE="0 0 0 1 1 *" \
    "$@" \
    dotnet run -c Release --no-build --project Functions/ServerlessAuth.Web -- --urls "$base" >"$work/$label.log" 2>&1 &
  host_pid=$!
  for _ in $(seq 1 120); do
    if curl -sf "$base/api/health" >/dev/null 2>&1; then break; fi
    kill -0 "$host_pid" 2>/dev/null || { cat "$work/$label.log"; echo "host exited" >&2; exit 1; }
    sleep 0.5
  done
  curl -sf "$base/api/health" >/dev/null || { echo "host not healthy after 60 s" >&2; exit 1; }
  # The server process itself (dotnet run's child), for its peak RSS.
  app_pid=$(pgrep -f -n "ServerlessAuth.Web.dll|bin/Release/net10.0/ServerlessAuth.Web" -s "$host_pid" || echo "")
  log "$label up at $base (pid ${app_pid:-?})"
}
peak_rss_mb() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$app_pid/status" 2>/dev/null || echo null; }
counters() { curl -sf "$base/bench/storage-requests"; }
process() { curl -sf "$base/bench/process"; }

# run_wrk <name> <path> [VAR=value…]: warm-up, then the measured window; the BENCH line goes to $work/<name>.json.
run_wrk() {
  local name=$1 path=$2; shift 2
  env "$@" wrk -t"$threads" -c"$connections" -d"${warmup}s" -s bench/wrk/post.lua "$base$path" >/dev/null
  process >"$work/$name.process.before"
  env "$@" wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s bench/wrk/post.lua "$base$path" >"$work/$name.wrk"
  process >"$work/$name.process.after"
  grep '^BENCH ' "$work/$name.wrk" | sed 's/^BENCH //' >"$work/$name.json"
  per_request "$name" >"$work/$name.cost.json"
  log "$name: $(cat "$work/$name.json") $(cat "$work/$name.cost.json")"
}

# per_request <name>: the host's CPU time and managed allocations per request of the measured window (from
# /bench/process before and after it): a cost per request that depends less on the machine's load than req/s.
per_request() {
  python3 - "$work/$1" <<'PY'
import json, sys
b, a, w = (json.load(open(sys.argv[1] + s)) for s in (".process.before", ".process.after", ".json"))
n = w["requests"] or 1
print(json.dumps({"cpuUsPerRequest": round((a["cpuMs"] - b["cpuMs"]) * 1000 / n, 1),
                  "allocatedBytesPerRequest": round((a["allocatedBytes"] - b["allocatedBytes"]) / n),
                  "gen0": a["gen0"] - b["gen0"], "gen1": a["gen1"] - b["gen1"], "gen2": a["gen2"] - b["gen2"],
                  "jitMethods": int(a["jitMethods"] - b["jitMethods"]), "jitMs": round(a["jitMs"] - b["jitMs"])}))
PY
}

# run_wrk_counted <name> <path> [VAR=value…]: as run_wrk, with the storage counters read just before and just after
# the measured window ($work/<name>.before and .after), so that the warm-up's requests are not counted.
run_wrk_counted() {
  local name=$1 path=$2; shift 2
  env "$@" wrk -t"$threads" -c"$connections" -d"${warmup}s" -s bench/wrk/post.lua "$base$path" >/dev/null
  counters >"$work/$name.before"; process >"$work/$name.process.before"
  env "$@" wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s bench/wrk/post.lua "$base$path" >"$work/$name.wrk"
  counters >"$work/$name.after"; process >"$work/$name.process.after"
  grep '^BENCH ' "$work/$name.wrk" | sed 's/^BENCH //' >"$work/$name.json"
  per_request "$name" >"$work/$name.cost.json"
  log "$name: $(cat "$work/$name.json") $(cat "$work/$name.cost.json")"
}

# ---- Host 1: default cache settings -------------------------------------------------------------------------
# The per-address failure throttle is off on host 1: scenario 3 sends every bad key from one address, and with the
# throttle on (60 failures a minute) all but the first 60 would be 429s from the throttle, not 401s from the
# checksum. A curl after the scenario checks that a bad key still gets 401.
# In package mode every tenant gets the highest hourly limit, so that no budget caps the sample API's load.
host1_env=(ServerlessAuth__RateLimiting__FailureLimit=0)
[ "${BENCH_PROFILE:-}" = package ] && host1_env+=(ServerlessAuth__TenantDefaults__RateLimitPerHour=1000000)
start_host host1 "${host1_env[@]}"
log "seeding over HTTP: $tenants tenants x $keys_per_tenant keys"
bench_tool seed "$base" "$admin_key" "$work" "$tenants" "$keys_per_tenant" | tee "$work/seed.txt"
seeded_writes=$(counters | python3 -c 'import json,sys; print(json.load(sys.stdin)["write"])')
[ "$seeded_writes" -gt 0 ] || { echo "storage counter reads zero after seeding: counter not wired" >&2; exit 1; }

warm=$(cat "$work/warm-key.txt"); usage_key=$(cat "$work/usage-key.txt"); bad=$(cat "$work/bad-key.txt"); jwt=$(cat "$work/jwt.txt")

# ---- BENCH_PROFILE=package: ServerlessAuth.AspNetCore in samples/ContactsApi ------------------------------------------
# Two more processes: the sample API with the package (Authority = this host) and the same API without authentication,
# its baseline. wrk GETs /contacts on each in turn (the seeded keys in turn, or the JWT), the no-authentication windows
# right before and after each scenario. The host counts what each window cost it (GET /bench/requests: requests served
# and validations), then a revoked key is timed until the sample refuses it. Table: bench/results/package.json.
if [ "${BENCH_PROFILE:-}" = package ]; then
  start_sample() { # start_sample <label> [VAR=value…]: the sample in its own process group; sets sample_base
    local label=$1; shift
    local port; port=$(free_port)
    sample_base="http://127.0.0.1:$port"
    setsid env ASPNETCORE_ENVIRONMENT=Production "$@" dotnet samples/ContactsApi/bin/Release/net10.0/ContactsApi.dll --urls "$sample_base" >"$work/$label.log" 2>&1 &
    sample_pids+=($!)
    for _ in $(seq 1 120); do
      if curl -sf "$sample_base/health" >/dev/null 2>&1; then break; fi
      kill -0 "${sample_pids[-1]}" 2>/dev/null || { cat "$work/$label.log"; echo "sample exited" >&2; exit 1; }
      sleep 0.5
    done
    log "$label up at $sample_base"
  }
  # run_sample <name> <url> <pid> [VAR=value…]: warm-up, then the measured window; around it the host's totals and the
  # sample process's CPU time (utime + stime), for its CPU per request, which depends less on the machine's load than req/s.
  run_sample() {
    local name=$1 url=$2 pid=$3; shift 3
    env BENCH_METHOD=GET "$@" wrk -t"$threads" -c"$connections" -d"${warmup}s" -s bench/wrk/post.lua "$url/contacts" >/dev/null
    curl -sf "$base/bench/requests" >"$work/$name.before"; awk '{print $14+$15}' "/proc/$pid/stat" >"$work/$name.cpu.before"
    env BENCH_METHOD=GET "$@" wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s bench/wrk/post.lua "$url/contacts" >"$work/$name.wrk"
    curl -sf "$base/bench/requests" >"$work/$name.after"; awk '{print $14+$15}' "/proc/$pid/stat" >"$work/$name.cpu.after"
    python3 - "$work/$name" "$(getconf CLK_TCK)" <<'PY'
import json, sys
w = json.loads(open(sys.argv[1] + ".wrk").read().split("BENCH ", 1)[1].splitlines()[0])
b, a = (json.load(open(sys.argv[1] + s)) for s in (".before", ".after"))
ticks = int(open(sys.argv[1] + ".cpu.after").read()) - int(open(sys.argv[1] + ".cpu.before").read())
w["calls"], w["serverRequests"] = a["validations"] - b["validations"], a["requests"] - b["requests"]
w["sampleCpuUsPerRequest"] = round(ticks / int(sys.argv[2]) * 1e6 / max(1, w["requests"]), 1)
json.dump(w, open(sys.argv[1] + ".json", "w"))
PY
    log "$name: $(cat "$work/$name.json")"
  }
  start_sample sample-auth Authority="$base" Authentication__Schemes__ServerlessAuth__RequireHttpsMetadata=false
  auth_base=$sample_base auth_pid=${sample_pids[-1]}
  start_sample sample-noauth Benchmark__NoAuthentication=true
  noauth_base=$sample_base noauth_pid=${sample_pids[-1]}
  for _ in 1 2 3; do  # JIT warm-up of both processes (and the sample's JWKS fetch)
    BENCH_METHOD=GET wrk -t"$threads" -c"$connections" -d"${warmup}s" -s bench/wrk/post.lua "$noauth_base/contacts" >/dev/null
    BENCH_METHOD=GET BENCH_KEYS_FILE="$work/keys.txt" wrk -t"$threads" -c"$connections" -d"${warmup}s" -s bench/wrk/post.lua "$auth_base/contacts" >/dev/null
    BENCH_METHOD=GET BENCH_AUTH="Bearer $jwt" wrk -t"$threads" -c"$connections" -d"${warmup}s" -s bench/wrk/post.lua "$auth_base/contacts" >/dev/null
  done
  run_sample sample-noauth-1 "$noauth_base" "$noauth_pid"
  run_sample sample-keys "$auth_base" "$auth_pid" BENCH_KEYS_FILE="$work/keys.txt"
  run_sample sample-noauth-2 "$noauth_base" "$noauth_pid"
  run_sample sample-jwt "$auth_base" "$auth_pid" BENCH_AUTH="Bearer $jwt"
  run_sample sample-noauth-3 "$noauth_base" "$noauth_pid"
  run_sample sample-onekey "$auth_base" "$auth_pid" BENCH_AUTH="Bearer $warm"  # the package's path without 100 distinct headers

  # Revocation across two processes: a fresh key, accepted once (now in the sample's cache), revoked on the host; then
  # the sample is asked every 100 ms until it refuses it.
  issued=$(curl -sf -X POST "$base/api/v1/tenants/bench-main/keys" -H "Authorization: Bearer $admin_key" -H 'Content-Type: application/json' \
    -d '{"operatorId":"owner","name":"revocation","scopes":["contacts:read"]}')
  revoke_key=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])' <<<"$issued")
  revoke_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$issued")
  status=$(curl -s -o /dev/null -w '%{http_code}' "$auth_base/contacts" -H "Authorization: Bearer $revoke_key")
  [ "$status" = 200 ] || { echo "the fresh key answered $status on the sample, not 200" >&2; exit 1; }
  curl -sf -X DELETE "$base/api/v1/tenants/bench-main/keys/$revoke_id" -H "Authorization: Bearer $admin_key" >/dev/null
  revoked_at=$(date +%s.%N); accepted=0
  while status=$(curl -s -o /dev/null -w '%{http_code}' "$auth_base/contacts" -H "Authorization: Bearer $revoke_key"); [ "$status" = 200 ]; do
    accepted=$((accepted + 1))
    [ "$accepted" -lt 600 ] || break
    sleep 0.1
  done
  python3 -c 'import json,sys; print(json.dumps({"seconds": float(sys.argv[2]) - float(sys.argv[1]), "accepted": int(sys.argv[3]), "finalStatus": int(sys.argv[4])}))' \
    "$revoked_at" "$(date +%s.%N)" "$accepted" "$status" >"$work/revocation.json"
  log "revocation: $(cat "$work/revocation.json")"
  python3 bench/report_package.py "$work" "$out/package.json" --meta keys="$(wc -l <"$work/keys.txt")" duration="$duration" \
    warmup="$warmup" connections="$connections" threads="$threads"
  exit 0
fi

# JIT warm-up. Tiered compilation settles slowly on 2 busy cores: after seeding, the first 15 s of load compiled
# 7-8k methods and the next 15 s about 900, on the background JIT thread, at the expense of whatever was being
# measured; after that a tail of a few hundred methods per 15 s (rarer paths reaching their call counts) stays. Before
# the first measurement: rounds of every HTTP scenario (BENCH_WARMUP s each, with a key and an app of their own)
# until the JIT spends less than 2 % of a round's time, at most BENCH_JIT_ROUNDS (5). Each measured window still
# reports what the JIT compiled during it (jitMethods, jitMs in its cost line).
warmup_key=$(cat "$work/warmup-key.txt"); warmup_jwt=$(cat "$work/warmup-jwt.txt")
if [ "${warmup_key: -1}" = A ]; then warmup_bad=${warmup_key%?}B; else warmup_bad=${warmup_key%?}A; fi
jit_warmup() {
  local round before started settled
  for round in $(seq 1 "${BENCH_JIT_ROUNDS:-5}"); do
    process >"$work/jit-warmup.before"; started=$(date +%s.%N)
    for spec in "/bench/noop|" "/api/v1/validate|Bearer $warmup_key" "/api/v1/validate|Bearer $warmup_bad" \
                "/api/v1/validate|Bearer $warmup_jwt"; do
      BENCH_AUTH="${spec#*|}" wrk -t"$threads" -c"$connections" -d"${warmup}s" -s bench/wrk/post.lua "$base${spec%%|*}" >/dev/null
    done
    BENCH_BODY="$(cat "$work/warmup-token-body.json")" wrk -t"$threads" -c"$connections" -d"${warmup}s" -s bench/wrk/post.lua "$base/api/v1/token" >/dev/null
    process >"$work/jit-warmup.after"
    settled=$(python3 - "$work/jit-warmup" "$started" "$(date +%s.%N)" <<'PY'
import json, sys
b, a = (json.load(open(sys.argv[1] + s)) for s in (".before", ".after"))
methods, ms, wall_ms = a["jitMethods"] - b["jitMethods"], a["jitMs"] - b["jitMs"], (float(sys.argv[3]) - float(sys.argv[2])) * 1000
print(f"{'yes' if ms < 0.02 * wall_ms else 'no'} {methods:.0f} methods compiled in {ms:.0f} ms of JIT time ({100 * ms / wall_ms:.1f} % of the round)")
PY
)
    log "JIT warm-up round $round: ${settled#* }"
    [ "${settled%% *}" = no ] || break
  done
}
jit_warmup

# BENCH_PROFILE=cost: no trace; BENCH_COST_ROUNDS (2) rounds of the no-op, the warm key, the bad key and the JWT in
# turn, each with its CPU time and allocations per request (see per_request), then stop. More rounds would spend the
# JWT's app's hourly budget (1,000,000) and measure 429s.
if [ "${BENCH_PROFILE:-}" = cost ]; then
  for round in $(seq 1 "${BENCH_COST_ROUNDS:-2}"); do
    run_wrk "noop-$round" /bench/noop
    # Two keys in turn, each with a budget of 1,000,000 an hour, which a round spends about half of.
    if [ $((round % 2)) = 1 ]; then key=$warm; else key=$usage_key; fi
    run_wrk "warm-$round" /api/v1/validate BENCH_AUTH="Bearer $key"
    run_wrk "bad-$round" /api/v1/validate BENCH_AUTH="Bearer $bad"
    run_wrk "jwt-$round" /api/v1/validate BENCH_AUTH="Bearer $jwt"
  done
  exit 0
fi
# BENCH_PROFILE=warm|bad|jwt|noop: instead of the benchmark, sample the host's threads (dotnet-trace, profile
# dotnet-sampled-thread-time, ~100 Hz) for BENCH_DURATION seconds of that scenario's load and print the top methods,
# exclusive and inclusive. Needs dotnet-trace (dotnet tool install -g dotnet-trace). The trace stays in results/work/.
if [ -n "${BENCH_PROFILE:-}" ]; then
  case $BENCH_PROFILE in
    warm) auth="Bearer $warm" path=/api/v1/validate ;;
    bad) auth="Bearer $bad" path=/api/v1/validate ;;
    jwt) auth="Bearer $jwt" path=/api/v1/validate ;;
    noop) auth="" path=/bench/noop ;;
    *) echo "BENCH_PROFILE is one of warm, bad, jwt, noop" >&2; exit 1 ;;
  esac
  trace_tool=$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")
  [ -x "$trace_tool" ] || { echo "dotnet-trace is required (dotnet tool install -g dotnet-trace)" >&2; exit 1; }
  run_wrk "profile-warmup" "$path" BENCH_AUTH="$auth"
  BENCH_AUTH="$auth" wrk -t"$threads" -c"$connections" -d"$((duration + 8))s" -s bench/wrk/post.lua "$base$path" >"$work/profile.wrk" &
  wrk_pid=$!
  sleep 2
  "$trace_tool" collect -p "$app_pid" --profile dotnet-sampled-thread-time --duration "$(printf '00:00:%02d:%02d' $((duration / 60)) $((duration % 60)))" \
    -o "$work/$BENCH_PROFILE.nettrace" >"$work/profile-collect.log" 2>&1
  wait "$wrk_pid"
  log "profile of $BENCH_PROFILE under load: $(grep -m1 'Requests/sec' "$work/profile.wrk")"
  "$trace_tool" report "$work/$BENCH_PROFILE.nettrace" topN -n 40
  "$trace_tool" report "$work/$BENCH_PROFILE.nettrace" topN -n 60 --inclusive
  exit 0
fi
# Each scenario divided by the no-op sits between two no-op windows, and its baseline is their mean: the machine's
# load drifts within a minute (no-op windows 80 s apart differed by up to 35 %), less within 13 s.
run_wrk noop-0 /bench/noop
run_wrk warm /api/v1/validate BENCH_AUTH="Bearer $warm"
run_wrk noop-1 /bench/noop  # also lets the warm key's usage flush (one interval + 1 s) before the bad key's counters
counters >"$work/bad.before"
run_wrk bad /api/v1/validate BENCH_AUTH="Bearer $bad"
counters >"$work/bad.after"
bad_status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/api/v1/validate" -H "Authorization: Bearer $bad")
[ "$bad_status" = 401 ] || { echo "a bad-checksum key answered $bad_status, not 401" >&2; exit 1; }
run_wrk noop-2 /bench/noop
run_wrk jwt /api/v1/validate BENCH_AUTH="Bearer $jwt"
run_wrk noop-3 /bench/noop
run_wrk token /api/v1/token BENCH_BODY="$(cat "$work/token-body.json")"

# Writes per validation of one key (its own, with a fresh hourly budget): flush what earlier runs left, count, load,
# wait one flush interval (+1 s), count.
sleep 3
counters >"$work/usage.before"
run_wrk usage /api/v1/validate BENCH_AUTH="Bearer $usage_key"
sleep 3
counters >"$work/usage.after"

# Lifecycle: an empty run first (JIT, cursors); then twice (due, due) stored; then enough more keys for (stored, due),
# twice. Each timed run has exactly BENCH_LIFECYCLE_DUE keys due (freshly seeded); the report takes the faster of each pair.
# Right before each timed run, the latency of single raw Azurite requests against the tables as they stand (the
# same-run baseline that tells how much slower the emulator itself got per request with more rows stored). Around
# each run, the CPU time of Azurite and of the host and the host's storage requests: where the run's time went.
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
lifecycle() {
  local a0 h0 a1 h1; a0=$(cpu_ticks "$azurite_pid"); h0=$(cpu_ticks "$app_pid"); counters >"$work/$1.before"
  curl -sf -X POST "$base/api/v1/admin/lifecycle/run" -H "Authorization: Bearer $admin_key" -o "$work/$1.json"
  a1=$(cpu_ticks "$azurite_pid"); h1=$(cpu_ticks "$app_pid"); counters >"$work/$1.after"
  awk -v a=$((a1 - a0)) -v h=$((h1 - h0)) -v t="$(getconf CLK_TCK)" \
    'BEGIN { printf "{\"azuriteCpuSeconds\":%.2f,\"hostCpuSeconds\":%.2f}\n", a / t, h / t }' >"$work/$1.cpu.json"
  log "$1: $(cat "$work/$1.json") $(cat "$work/$1.cpu.json")"
}
latency() { bench_tool storage-latency "$connection" 200 >"$work/$1.json"; log "$1: $(cat "$work/$1.json")"; }
lifecycle lifecycle-warmup
for i in 1 2; do
  bench_tool lifecycle-seed "$connection" "$work/tenants.txt" "$lc_due" "$lc_due" | tee -a "$work/lifecycle-seed.txt"
  latency "latency-small-$i"
  lifecycle "lifecycle-small-$i"
done
bench_tool lifecycle-seed "$connection" "$work/tenants.txt" "$((lc_stored - 3 * lc_due))" 0 | tee -a "$work/lifecycle-seed.txt"
for i in 1 2; do
  bench_tool lifecycle-seed "$connection" "$work/tenants.txt" "$lc_due" "$lc_due" | tee -a "$work/lifecycle-seed.txt"
  latency "latency-large-$i"
  lifecycle "lifecycle-large-$i"
done
rss1=$(peak_rss_mb)
stop_host
# The baseline of scenario 2, measured before and after it (averaged), like the no-op baseline of host 1.
log "raw Azurite point reads at $connections concurrent loops"
bench_tool point-reads "$connection" "$connections" "$duration" | tee "$work/point-reads-before.json"

# ---- Host 2: keys not cached, tenants and operators warm: every validation misses on its key only --------------
# Cache:Ttl=0 keeps no key in memory, so each of the ~3,000 keys presented in turn is read from storage every time;
# Cache:DirectoryTtl=5 min keeps the 300 tenants and operators warm for the whole scenario. Every key is presented
# once before (which also claims each key's slice of its hourly budget), so that the measured window holds nothing
# but key misses: the README's "one point read per miss". The counters around the measured window show whether
# that held (reads per validation). Usage is flushed every 10 min here (so, in practice, at shutdown): a flush reads
# each used key's daily counter (one read per key and interval, by the flusher, not by the validation), which the
# 2 s interval of host 1 would otherwise mix into this count; scenario 6 measures what usage tracking writes.
start_host host2 ServerlessAuth__Cache__Ttl=00:00:00 ServerlessAuth__Cache__DirectoryTtl=00:05:00 ServerlessAuth__Usage__FlushInterval=00:10:00
bench_tool present "$base" "$work/keys.txt" "$connections" | tee "$work/present.txt"
run_wrk_counted miss /api/v1/validate BENCH_KEYS_FILE="$work/keys.txt"
rss2=$(peak_rss_mb)
stop_host
log "raw Azurite point reads at $connections concurrent loops"
bench_tool point-reads "$connection" "$connections" "$duration" | tee "$work/point-reads-after.json"

python3 bench/report.py "$work" "$out/latest.json" \
  --meta tenants="$tenants" keys_per_tenant="$keys_per_tenant" duration="$duration" warmup="$warmup" \
  connections="$connections" threads="$threads" lc_stored="$lc_stored" lc_due="$lc_due" flush="$flush" \
  rss_host1_mb="$rss1" rss_host2_mb="$rss2"
