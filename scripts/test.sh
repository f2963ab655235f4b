#!/usr/bin/env bash
# Runs every check and test of ServerlessAuth on a fresh machine: installs Azurite (pinned in package.json)
# if missing, verifies formatting, builds with warnings as errors, and runs the whole suite (which starts and
# stops its own Azurite). Ends with a plain "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x node_modules/.bin/azurite-table ] || npm ci --no-audit --no-fund

dotnet format ServerlessAuth.sln --verify-no-changes
dotnet build ServerlessAuth.sln -c Release --nologo

log=$(mktemp)
set +e
dotnet test ServerlessAuth.sln -c Release --no-build --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

summary=$(grep -E '(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+' "$log" | tail -n 1 || true)
rm -f "$log"
if [ -n "$summary" ]; then
  failed=$(sed -E 's/.*Failed: +([0-9]+),.*/\1/' <<<"$summary")
  passed=$(sed -E 's/.*Passed: +([0-9]+),.*/\1/' <<<"$summary")
  skipped=$(sed -E 's/.*Skipped: +([0-9]+),.*/\1/' <<<"$summary")
  echo "$passed passed, $failed failed, $skipped skipped"
fi
if [ "$status" -ne 0 ]; then
  # Also when no test failed: a class fixture's cleanup (e.g. the secrets-in-logs check) can fail the run.
  echo "the test run FAILED (exit $status): see the errors above" >&2
fi
exit "$status"
