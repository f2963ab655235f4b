"""The table of BENCH_PROFILE=package (ServerlessAuth.AspNetCore in the sample API) and bench/results/package.json."""
import datetime
import json
import os
import platform
import sys

from report import load, print_table, ratio


def main():
    work, out = sys.argv[1], sys.argv[2]
    meta = dict(a.split("=", 1) for a in sys.argv[4:]) if len(sys.argv) > 3 and sys.argv[3] == "--meta" else {}
    keys, jwt, revocation = load(work, "sample-keys.json"), load(work, "sample-jwt.json"), load(work, "revocation.json")
    bases = [r for r in (load(work, f"sample-noauth-{i}.json") for i in (1, 2, 3)) if r is not None]

    def mean(runs):
        return None if not runs else {k: sum(r[k] for r in runs) / len(runs) for k in ("rps", "p50_ms", "p99_ms")}

    def describe(r):
        return "not measured" if r is None else f"{r['rps']:.0f} req/s (p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms)"

    def cpu(*runs):
        values = [r["sampleCpuUsPerRequest"] for r in runs if r is not None and "sampleCpuUsPerRequest" in r]
        return None if not values else sum(values) / len(values)

    def errors(r):
        return "not measured" if r is None else f"{r['non2xx']} non-2xx, {r['socket_errors']} socket errors"

    # The no-authentication baseline of each scenario: the windows right before and after it.
    around_keys, around_jwt = mean(bases[0:2]), mean(bases[1:3])
    rows = []

    def row(scenario, measured, baseline, value, goal, op, note=""):
        met = None if value is None or goal is None else (value >= goal if op == ">=" else value <= goal)
        rows.append({"scenario": scenario, "measured": measured, "baseline": baseline, "ratio": value,
                     "goal": "none (reported)" if goal is None else f"{op} {goal}", "met": met, "note": note})

    base_text = "same API without authentication: " + describe(around_keys) + " (mean of the windows before and after)"
    row(f"P1. sample API with the package, API keys ({meta.get('keys')} keys), req/s", describe(keys), base_text,
        ratio(None if keys is None else keys["rps"], None if around_keys is None else around_keys["rps"]), 0.8, ">=", errors(keys))
    row("P1b. the same, p99 latency", None if keys is None else f"p99 {keys['p99_ms']:.2f} ms",
        None if around_keys is None else f"p99 {around_keys['p99_ms']:.2f} ms",
        ratio(None if keys is None else keys["p99_ms"], None if around_keys is None else around_keys["p99_ms"]), 1.5, "<=")

    base_cpu = cpu(*bases)
    row("P1c. the sample process's CPU per request (API keys / JWT / without authentication)",
        None if cpu(keys) is None else f"API keys {cpu(keys):.1f} µs, JWT {cpu(jwt) or 0:.1f} µs, one API key {cpu(load(work, 'sample-onekey.json')) or 0:.1f} µs",
        None if base_cpu is None else f"without authentication {base_cpu:.1f} µs (mean of the three windows)",
        ratio(base_cpu, cpu(keys)), None, "info", "ratio column = without ÷ with the package (API keys): the share of req/s left if CPU-bound")

    # The keys window's calls, plus the reports of its last uses that the package's sweep sends once the load has
    # stopped (they land in the next window, where the sample with the package gets no request).
    after = bases[1] if len(bases) > 1 else None
    calls = None if keys is None or "calls" not in keys else keys["calls"] + (after or {}).get("calls", 0)
    per10k = None if calls is None else calls * 10000 / keys["requests"]
    row("P2. calls to ServerlessAuth per 10,000 sample-API requests (API keys, steady state)",
        None if calls is None else f"{calls} validate calls (counted by ServerlessAuth; {keys['calls']} during the window, "
                                   f"{calls - keys['calls']} reports of its last uses after it) in {keys['requests']} requests",
        f"{meta.get('keys')} keys, cache TTL 5 s (server and package)", per10k, 100, "<=", "ratio column = calls per 10,000 requests")

    jwt_calls = None if jwt is None else jwt.get("serverRequests")
    row("P3. JWT requests: requests to ServerlessAuth after the first JWKS fetch", None if jwt is None else f"{jwt_calls} in {jwt['requests']} requests",
        "discovery document and JWKS fetched once, during the warm-up", jwt_calls, 0, "<=", errors(jwt))
    row("P3b. sample API with the package, JWT, req/s", describe(jwt), "same API without authentication: " + describe(around_jwt),
        ratio(None if jwt is None else jwt["rps"], None if around_jwt is None else around_jwt["rps"]), None, "info",
        "each request verifies the ES256 signature locally")

    seconds = None if revocation is None else revocation["seconds"]
    row("P4. revocation: a revoked key refused by the sample API (two processes)",
        None if revocation is None else f"refused {seconds:.1f} s after the revocation returned ({revocation['accepted']} requests accepted meanwhile)",
        "bound: ServerlessAuth Cache:Ttl 5 s + package CacheTtl 5 s", seconds, 10, "<=",
        "revoked through the same ServerlessAuth instance, whose own cache drops the key at once: what is measured is the package's TTL")

    result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "load": os.getloadavg()}, "settings": meta,
              "scenarios": rows, "raw": {n: load(work, n + ".json") for n in
                                         ("sample-noauth-1", "sample-keys", "sample-noauth-2", "sample-jwt", "sample-noauth-3", "sample-onekey", "revocation")}}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)

    print_table(f"ServerlessAuth.AspNetCore benchmark, {result['date']}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}", rows, out)

if __name__ == "__main__":
    main()
