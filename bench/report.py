"""Turns the files bench/run.sh left in its work directory into the table and bench/results/latest.json."""
import datetime
import json
import os
import platform
import sys


def load(work, name):
    path = os.path.join(work, name)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        text = f.read().strip()
    try:
        return json.loads(text) if text else None
    except json.JSONDecodeError:
        return None


def delta(work, name, kind):
    before, after = load(work, name + ".before"), load(work, name + ".after")
    return None if before is None or after is None else after[kind] - before[kind]


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def parse_time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def print_table(title, rows, out):
    """The Markdown table of the scenarios (as README.md and bench/README.md show it), their notes, and where it was written."""
    print()
    print(title)
    print()
    print("| scenario | measured | baseline | ratio | goal | met? |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        value = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        met = "" if r["met"] is None else ("yes" if r["met"] else "**NO**")
        measured = r["measured"] if r["measured"] is not None else "not measured"
        print(f"| {r['scenario']} | {measured} | {r['baseline']} | {value} | {r['goal']} | {met} |")
    print()
    for r in rows:
        if r["note"]:
            print(f"- {r['scenario']}: {r['note']}")
    print(f"\nwritten: {out}")


def main():
    work, out = sys.argv[1], sys.argv[2]
    meta = dict(a.split("=", 1) for a in sys.argv[4:]) if len(sys.argv) > 3 and sys.argv[3] == "--meta" else {}
    warm, bad, token, jwt, usage, miss = (load(work, n + ".json") for n in ("warm", "bad", "token", "jwt", "usage", "miss"))
    # Each scenario's no-op baseline: the mean of the no-op windows right before and right after it (run.sh
    # alternates them), so that the baseline met the same machine load as the scenario.
    def noop_around(*names):
        runs = [r for r in (load(work, n + ".json") for n in names) if r is not None]
        mean = None if not runs else {k: sum(r[k] for r in runs) / len(runs) for k in ("rps", "p50_ms", "p99_ms")}
        each = " and ".join(str(round(r["rps"])) for r in runs)
        text = "not measured" if mean is None else \
            f"no-op {mean['rps']:.0f} req/s (p50 {mean['p50_ms']:.2f} ms, p99 {mean['p99_ms']:.2f} ms; mean of {each})"
        return mean, text
    # The raw point-read baseline is measured twice too, before and after scenario 2.
    points = [r for r in (load(work, "point-reads-before.json"), load(work, "point-reads-after.json")) if r is not None]
    point = None if not points else {"readsPerSecond": sum(r["readsPerSecond"] for r in points) / len(points),
                                     "concurrency": points[0]["concurrency"], "runs": " and ".join(f"{r['readsPerSecond']:.0f}" for r in points)}
    rows = []

    def row(scenario, measured, baseline, value, goal, op, note="", not_measured=None):
        met = None if value is None or goal is None else (value >= goal if op == ">=" else value <= goal)
        rows.append({"scenario": scenario, "measured": measured, "baseline": baseline, "ratio": value,
                     "goal": f"{op} {goal}", "met": met, "note": note if not_measured is None else not_measured})

    def rps(r):
        return None if r is None else r["rps"]

    def lat(r):
        return "" if r is None else f"p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms"

    def errors(r, expect_non2xx=False):
        if r is None:
            return "not measured"
        wrong = (r["requests"] - r["non2xx"]) if expect_non2xx else r["non2xx"]
        return f"{wrong} unexpected statuses, {r['socket_errors']} socket errors"

    noop, base_txt = noop_around("noop-0", "noop-1")
    row("1. validate, warm API key", None if warm is None else f"{warm['rps']:.0f} req/s ({lat(warm)})", base_txt,
        ratio(rps(warm), rps(noop)), 0.7, ">=",
        "" if warm is None or noop is None else f"p50 ratio (no-op/validate) {noop['p50_ms'] / warm['p50_ms']:.2f}, p99 ratio {noop['p99_ms'] / warm['p99_ms']:.2f}; {errors(warm)}")

    reads = delta(work, "miss", "read")
    per = None if miss is None or reads is None else reads / miss["requests"]
    row("2. validate, key-cache misses (keys uncached, tenants/operators warm)", None if miss is None else f"{miss['rps']:.0f} req/s ({lat(miss)}), {per:.2f} storage reads/validation",
        "not measured" if point is None else f"raw Azurite point reads {point['readsPerSecond']:.0f}/s at {point['concurrency']} loops (mean of {point['runs']})",
        ratio(rps(miss), None if point is None else point["readsPerSecond"]), 0.9, ">=", errors(miss))

    bad_reads = delta(work, "bad", "read")
    bad_queries = delta(work, "bad", "query")
    noop, base_txt = noop_around("noop-1", "noop-2")
    row("3. validate, bad checksum", None if bad is None else f"{bad['rps']:.0f} req/s ({lat(bad)}), storage reads {bad_reads} queries {bad_queries}",
        base_txt, ratio(rps(bad), rps(noop)), 0.8, ">=", errors(bad, expect_non2xx=True) + ("" if bad_reads == 0 and bad_queries == 0 else "; STORAGE WAS READ"))
    if rows[-1]["met"] and not (bad_reads == 0 and bad_queries == 0):
        rows[-1]["met"] = False

    noop, base_txt = noop_around("noop-3")
    row("4a. token endpoint (client credentials -> JWT)", None if token is None else f"{token['rps']:.0f} req/s ({lat(token)})", base_txt,
        ratio(rps(token), rps(noop)), None, "info", errors(token))
    rows[-1]["goal"], rows[-1]["met"] = "none (req/s reported)", None
    noop, base_txt = noop_around("noop-2", "noop-3")
    row("4b. validate, JWT", None if jwt is None else f"{jwt['rps']:.0f} req/s ({lat(jwt)})", base_txt, ratio(rps(jwt), rps(noop)), 0.6, ">=", errors(jwt))

    def run_seconds(r):
        return None if r is None else (parse_time(r["finishedAt"]) - parse_time(r["startedAt"])).total_seconds()

    def fastest(prefix):
        named = [(f"{prefix}-{i}", r) for i in (1, 2) if (r := load(work, f"{prefix}-{i}.json")) is not None]
        if not named:
            return None, [], None
        name, best = min(named, key=lambda n: run_seconds(n[1]))
        return best, [r for _, r in named], name

    (small, smalls, small_name), (large, larges, large_name) = fastest("lifecycle-small"), fastest("lifecycle-large")
    s_sec, l_sec = run_seconds(small), run_seconds(large)
    stored, due = int(meta.get("lc_stored", 0)), int(meta.get("lc_due", 0))

    def k(n):
        return f"{n / 1000:g}k"

    def cost(name):
        # What the run cost: the host's storage requests, and the CPU seconds of the host and of Azurite meanwhile.
        cpu = None if name is None else load(work, name + ".cpu.json")
        kinds = [delta(work, name, kind) for kind in ("read", "query", "write")] if name else [None] * 3
        requests = "" if None in kinds else f", {sum(kinds)} storage requests ({kinds[0]} reads, {kinds[1]} queries, {kinds[2]} writes)"
        return requests + ("" if cpu is None else f", CPU: host {cpu['hostCpuSeconds']:.2f} s, Azurite {cpu['azuriteCpuSeconds']:.2f} s")

    def describe(r, runs, name):
        return None if r is None else f"{run_seconds(r):.2f} s (runs: {', '.join(f'{run_seconds(x):.2f}' for x in runs)} s), expired {r['expired']}, entries read {r['entriesRead']}{cost(name)}"

    ok = all(r["expired"] == due and not r["failures"] for r in smalls + larges)
    row(f"5. lifecycle run ({k(stored)} stored, {k(due)} due) / ({k(due)}, {k(due)})", describe(large, larges, large_name), describe(small, smalls, small_name),
        ratio(l_sec, s_sec), 1.3, "<=", "" if ok else "A RUN EXPIRED FEWER KEYS THAN WERE DUE OR REPORTED FAILURES")
    if not ok:
        rows[-1]["met"] = False

    def azurite_cpu(name):
        cpu = None if name is None else load(work, name + ".cpu.json")
        return None if cpu is None else cpu["azuriteCpuSeconds"]

    a_small, a_large = azurite_cpu(small_name), azurite_cpu(large_name)
    row(f"5b. Azurite CPU during the lifecycle run ({k(stored)} stored) / ({k(due)}, {k(due)})",
        None if a_large is None else f"{a_large:.2f} s", None if a_small is None else f"{a_small:.2f} s", ratio(a_large, a_small), None, "info",
        "the emulator's own work for the same requests (the faster run of each pair): how much of ratio 5 is Azurite's")
    rows[-1]["goal"], rows[-1]["met"] = "none (baseline of 5)", None

    # The emulator's own slowdown: single raw requests at both table sizes (the faster of the two measurements each).
    def latency(prefix):
        runs = [r for r in (load(work, f"latency-{prefix}-{i}.json") for i in (1, 2)) if r is not None]
        return None if not runs else {k: min(r[k] for r in runs) for k in ("readMedianMs", "tenantsWriteMedianMs", "dueWriteMedianMs")}

    lat_small, lat_large = latency("small"), latency("large")

    def describe_latency(r):
        return None if r is None else f"read {r['readMedianMs']:.2f} ms, write {r['tenantsWriteMedianMs']:.2f} ms (Tenants), {r['dueWriteMedianMs']:.2f} ms (Due)"

    # The ratio of a read plus a Tenants write: the two requests an expiry costs the job.
    per_key = None if lat_small is None or lat_large is None else ratio(
        lat_large["readMedianMs"] + lat_large["tenantsWriteMedianMs"], lat_small["readMedianMs"] + lat_small["tenantsWriteMedianMs"])
    row(f"5c. raw Azurite request latency ({k(stored)} stored) / ({k(due)}, {k(due)})", describe_latency(lat_large), describe_latency(lat_small),
        per_key, None, "info",
        "" if lat_small is None or lat_large is None else
        f"median of single requests, one at a time; ratio of read + Tenants write (an expiry's two requests); read {ratio(lat_large['readMedianMs'], lat_small['readMedianMs']):.2f}, "
        f"Tenants write {ratio(lat_large['tenantsWriteMedianMs'], lat_small['tenantsWriteMedianMs']):.2f}, Due write {ratio(lat_large['dueWriteMedianMs'], lat_small['dueWriteMedianMs']):.2f}")
    rows[-1]["goal"], rows[-1]["met"] = "none (baseline of 5)", None

    writes = delta(work, "usage", "write")
    per10k = None if usage is None or writes is None else writes * 10000 / usage["requests"]
    row("6. storage writes per 10k validations of one key", None if per10k is None else f"{writes} writes in {usage['requests']} validations",
        f"usage flush interval {meta.get('flush')}", per10k, 2, "<=", "ratio column = writes per 10k validations")

    rss = [float(v) for v in (meta.get("rss_host1_mb"), meta.get("rss_host2_mb")) if v not in (None, "", "null")]
    rows.append({"scenario": "7. peak memory of the host (VmHWM)", "measured": f"{max(rss):.0f} MB" if rss else None,
                 "baseline": f"host 1 (scenarios 1,3-6): {meta.get('rss_host1_mb')} MB; host 2 (scenario 2): {meta.get('rss_host2_mb')} MB",
                 "ratio": None, "goal": "none (reported)", "met": None, "note": ""})

    # The host's CPU time and allocations per request of each HTTP scenario's measured window (/bench/process): less
    # sensitive to the machine's load than req/s. The ratio is the no-op's CPU per request ÷ the warm key's.
    costs = {n: load(work, n + ".cost.json") for n in ("noop-0", "warm", "noop-1", "bad", "noop-2", "jwt", "noop-3", "token")}

    def per_request(name):
        c = costs[name]
        return None if c is None else f"{name} {c['cpuUsPerRequest']:.1f} µs, {c['allocatedBytesPerRequest'] / 1024:.1f} KB (JIT {c['jitMethods']} methods)"

    noop_cpu = [c["cpuUsPerRequest"] for n, c in costs.items() if n in ("noop-0", "noop-1") and c is not None]
    warm_cpu = None if costs["warm"] is None else costs["warm"]["cpuUsPerRequest"]
    measured = [t for t in (per_request(n) for n in ("warm", "bad", "jwt", "token")) if t]
    row("8. host CPU and allocations per request (from the process's counters)", "; ".join(measured) if measured else None,
        "; ".join(t for t in (per_request(n) for n in ("noop-0", "noop-1", "noop-2", "noop-3")) if t) or "not measured",
        ratio(sum(noop_cpu) / len(noop_cpu) if noop_cpu else None, warm_cpu), None, "info",
        "ratio column = the no-op's CPU per request (mean of the windows around the warm key's) ÷ the warm key's; JIT = methods the JIT compiled during the measured window")
    rows[-1]["goal"], rows[-1]["met"] = "none (reported)", None

    result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cores": os.cpu_count(), "platform": platform.platform()}, "settings": meta,
              "seed": open(os.path.join(work, "seed.txt"), encoding="utf-8").read().strip() if os.path.exists(os.path.join(work, "seed.txt")) else None,
              "scenarios": rows,
              "raw": {n: load(work, n + ".json") for n in ("noop-0", "noop-1", "noop-2", "noop-3", "warm", "bad", "token", "jwt", "usage", "miss", "point-reads-before", "point-reads-after", "lifecycle-small-1", "lifecycle-small-2", "lifecycle-large-1", "lifecycle-large-2",
                                                 "latency-small-1", "latency-small-2", "latency-large-1", "latency-large-2",
                                                 "lifecycle-small-1.cpu", "lifecycle-small-2.cpu", "lifecycle-large-1.cpu", "lifecycle-large-2.cpu",
                                                 "noop-0.cost", "noop-1.cost", "noop-2.cost", "noop-3.cost", "warm.cost", "bad.cost", "token.cost", "jwt.cost",
                                                 "usage.cost", "miss.cost")}}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)

    print_table(f"ServerlessAuth benchmark, {result['date']}, {os.cpu_count()} cores; {result['seed']}", rows, out)


if __name__ == "__main__":
    main()
