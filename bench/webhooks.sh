#!/usr/bin/env bash
# The webhook benchmark row: a burst of lifecycle events (10,000 keys of 100 tenants expiring at once) delivered by
# the in-process standalone host, over its own in-memory Azurite (tables and queue), to a Kestrel receiver on
# loopback. Reports the lifecycle run's time, the time to the last delivery, and the storage requests per event by
# table and kind; fails unless every event arrived exactly once, signed. See bench/README.md.
#
# Knobs (environment): BENCH_WEBHOOK_KEYS (10000), BENCH_WEBHOOK_TENANTS (100), BENCH_WEBHOOK_BASELINE (1: the same
# run with endpoints that take none of its events, for the lifecycle job's time and requests without webhooks).
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x node_modules/.bin/azurite-queue ] || npm ci --no-audit --no-fund
mkdir -p bench/results
suffix=""; [ "${BENCH_WEBHOOK_BASELINE:-0}" = 1 ] && suffix=-baseline
out=bench/results/webhooks-latest$suffix.txt

dotnet build -c Release -nologo -v q Functions.Tests/ServerlessAuth.Tests.csproj >/dev/null
SERVERLESSAUTH_LONG_TESTS=1 \
SERVERLESSAUTH_WEBHOOK_BENCH_KEYS="${BENCH_WEBHOOK_KEYS:-10000}" \
SERVERLESSAUTH_WEBHOOK_BENCH_TENANTS="${BENCH_WEBHOOK_TENANTS:-100}" \
SERVERLESSAUTH_WEBHOOK_BENCH_BASELINE="${BENCH_WEBHOOK_BASELINE:-0}" \
  dotnet test Functions.Tests -c Release --no-build --filter "FullyQualifiedName~WebhookBurstBenchmark" \
  --logger "console;verbosity=detailed" 2>&1 | tee bench/results/webhooks-work.log | grep -E "RESULT|seeded|Passed!|Failed!" | sed 's/^ *//' | tee "$out"
grep -q "Passed!" "$out"
