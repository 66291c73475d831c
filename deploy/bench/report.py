#!/usr/bin/env python3
"""Turns the logs of one deploy/local/bench run into its table (stdout) and JSON (--out)."""
import argparse
import glob
import json
import os
import re

SETTLED = ("processed", "ignored", "unmatched", "failed")
QUEUED = ("received", "retry", "processing")


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def floor_phase(logs, c):
    text = open(os.path.join(logs, f"floor-c{c}.txt")).read()
    tps = float(re.search(r"^tps = ([0-9.]+)", text, re.M).group(1))
    tx = int(re.search(r"number of transactions actually processed: (\d+)", text).group(1))
    failed = re.search(r"number of failed transactions: (\d+)", text)
    lat = []
    for path in glob.glob(os.path.join(logs, f"pgbench-c{c}", "txn*")):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2].isdigit():
                    lat.append(int(parts[2]) / 1000.0)
    lat.sort()
    return {
        "phase": "floor", "concurrency": c, "events_per_s": round(tps, 1), "transactions": tx,
        "failed": int(failed.group(1)) if failed else 0,
        "p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95), "p99_ms": percentile(lat, 99),
        "max_ms": lat[-1] if lat else None,
    }


def wrk_phase(logs, name, phase, c, tag):
    d = json.load(open(os.path.join(logs, f"{name}.json")))
    req = json.load(open(os.path.join(logs, f"requests-{tag}.json")))
    return {
        "phase": phase, "concurrency": c, "events_per_s": round(d["rps"], 1), "requests": d["requests"],
        "seconds": d["seconds"], "p50_ms": d["p50_ms"], "p95_ms": d["p95_ms"], "p99_ms": d["p99_ms"],
        "max_ms": d["max_ms"], "mean_ms": d.get("mean_ms"), "errors": d["errors"], "wraps": d["wraps"],
        # Little's law: requests in flight = rate x mean latency, at most the connections. More means
        # wrk's clock-based latencies (gettimeofday) are not real request times in this phase.
        "implied_in_flight": round(d["rps"] * d["mean_ms"] / 1000.0, 1) if d.get("mean_ms") is not None else None,
        "prepared_requests": req["requests"], "prepared_duplicates": req["duplicates"],
        "mean_body_bytes": req["mean_body_bytes"], "event_types": req["types"],
    }


def read_samples(logs):
    samples = []
    for line in open(os.path.join(logs, "e2e-samples.txt")):
        parts = line.split()
        if not parts:
            continue
        counts = dict((kv.split("=")[0], int(kv.split("=")[1])) for kv in parts[1:])
        samples.append((float(parts[0]), counts))
    samples.sort(key=lambda s: s[0])
    return samples


def e2e(logs, floor32):
    w = wrk_phase(logs, "e2e", "end-to-end", 32, "E")
    start = float(open(os.path.join(logs, "e2e-start")).read())
    end = start + w["seconds"]
    drain_end = float(open(os.path.join(logs, "drain-end")).read())
    samples = read_samples(logs)
    series = []
    prev = None
    for t, counts in samples:
        settled = sum(counts.get(s, 0) for s in SETTLED)
        depth = sum(counts.get(s, 0) for s in QUEUED)
        total = sum(counts.values())
        rate = None
        if prev and t > prev[0]:
            rate = round((settled - prev[1]) / (t - prev[0]), 1)
        series.append({"t_s": round(t - start, 1), "stored": total, "settled": settled, "queue_depth": depth,
                       "processed_per_s": rate})
        prev = (t, settled)
    during = [s for s in series if 0 <= s["t_s"] <= end - start + 0.5]
    processed_per_s = None
    slope = None
    if len(during) >= 2:
        a, b = during[0], during[-1]
        processed_per_s = round((b["settled"] - a["settled"]) / max(0.001, b["t_s"] - a["t_s"]), 1)
        half = [s for s in during if s["t_s"] >= (end - start) / 2] or during
        if len(half) >= 2:
            n = len(half)
            mx = sum(s["t_s"] for s in half) / n
            my = sum(s["queue_depth"] for s in half) / n
            var = sum((s["t_s"] - mx) ** 2 for s in half)
            slope = round(sum((s["t_s"] - mx) * (s["queue_depth"] - my) for s in half) / var, 1) if var else 0.0
    final = series[-1] if series else None
    outcomes = {}
    path = os.path.join(logs, "e2e-outcomes.txt")
    if os.path.exists(path):
        for line in open(path):
            k, v = line.split()
            outcomes[k] = int(v)
    w.update({
        "processed_per_s": processed_per_s,
        "processed_ratio_to_floor": round(processed_per_s / floor32, 2) if processed_per_s and floor32 else None,
        "queue_depth_first": during[0]["queue_depth"] if during else None,
        "queue_depth_max": max((s["queue_depth"] for s in during), default=None),
        "queue_depth_end_of_load": during[-1]["queue_depth"] if during else None,
        "queue_slope_second_half_per_s": slope,
        "queue_depth_after_drain": final["queue_depth"] if final else None,
        "drain_seconds": round(drain_end - end, 1),
        "outcomes": outcomes,
        "series": series,
    })
    return w


def cpu(logs, name, events):
    """CPU per event over a phase (deploy/bench/cpu.py snapshots): µs of the service, of PostgreSQL and of
    the whole machine, and the machine's busy share. None when the snapshots are missing."""
    try:
        a = json.load(open(os.path.join(logs, f"cpu-{name}.start.json")))
        b = json.load(open(os.path.join(logs, f"cpu-{name}.end.json")))
    except (OSError, ValueError):
        return None
    hz = float(a["hz"])

    def per_event(key):
        if a.get(key) is None or b.get(key) is None or not events:
            return None
        return round((b[key] - a[key]) / hz / events * 1e6, 1)

    total = b["machine_total"] - a["machine_total"]
    return {
        "events": events, "seconds": round(b["t"] - a["t"], 2),
        "service_us_per_event": per_event("service"), "postgres_us_per_event": per_event("postgres"),
        "machine_us_per_event": per_event("machine_busy"),
        "machine_busy_pct": round(100.0 * (b["machine_busy"] - a["machine_busy"]) / total, 1) if total else None,
        "load_average_start": a.get("loadavg"),
    }


def ceiling(logs, floor32):
    """PostgreSQL's ceiling: the floor's inserts, 16 rows per commit, at concurrency 8."""
    path = os.path.join(logs, "ceiling.txt")
    if not os.path.exists(path):
        return None
    text = open(path).read()
    tps = float(re.search(r"^tps = ([0-9.]+)", text, re.M).group(1))
    tx = int(re.search(r"number of transactions actually processed: (\d+)", text).group(1))
    lat = []
    for p in glob.glob(os.path.join(logs, "pgbench-ceiling", "txn*")):
        with open(p) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2].isdigit():
                    lat.append(int(parts[2]) / 1000.0)
    lat.sort()
    rows_per_s = tps * 16
    return {
        "phase": "ceiling", "concurrency": 8, "rows_per_commit": 16, "events_per_s": round(rows_per_s, 1),
        "commits_per_s": round(tps, 1), "rows": tx * 16,
        "p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95), "p99_ms": percentile(lat, 99),
        "max_ms": lat[-1] if lat else None,
        "ratio_to_floor": round(rows_per_s / floor32, 2) if floor32 else None,
        "cpu": cpu(logs, "ceiling", tx * 16),
    }


def replay(logs, wanted):
    """`billing-worker replay` runs: events, seconds, events/s, the summary line, the process's CPU."""
    runs = []
    for run in ("first", "again"):
        summary = os.path.join(logs, f"replay-{run}.summary")
        if not os.path.exists(summary):
            continue
        line = open(summary).read().strip()
        m = re.match(r"(\d+) event\(s\).*?: (\d+) changed, (\d+) unchanged, (\d+) failed", line)
        events = int(m.group(1)) if m else 0
        start = float(open(os.path.join(logs, f"replay-{run}-start")).read())
        end = float(open(os.path.join(logs, f"replay-{run}-end")).read())
        secs = end - start
        r = {"run": run, "events": events, "seconds": round(secs, 2),
             "events_per_s": round(events / secs, 1) if secs > 0 and events else None,
             "changed": int(m.group(2)) if m else None, "unchanged": int(m.group(3)) if m else None,
             "failed": int(m.group(4)) if m else None, "summary": line,
             "cpu": cpu(logs, f"replay-{run}", events)}
        times = os.path.join(logs, f"replay-{run}.times")
        if os.path.exists(times) and r["cpu"] is not None and events:
            lines = open(times).read().split("\n")
            if len(lines) >= 2:
                def secs_of(t):
                    mm, ss = t.rstrip("s").split("m")
                    return int(mm) * 60 + float(ss)
                u, sy = lines[1].split()[:2]
                r["cpu"]["service_us_per_event"] = round((secs_of(u) + secs_of(sy)) / events * 1e6, 1)
        runs.append(r)
    return {"stored_events_wanted": wanted, "runs": runs} if runs else None


def rss(logs, name):
    p = os.path.join(logs, f"rss-{name}.kb")
    return round(int(open(p).read().strip()) / 1024.0, 1) if os.path.exists(p) else None


def fmt(v, nd=2):
    if v is None:
        return "-"
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--logs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--secs", type=int)
    ap.add_argument("--e2e-secs", type=int)
    ap.add_argument("--quick", type=int, default=0)
    ap.add_argument("--machine", default="")
    ap.add_argument("--load", default="", help="load average at the start / at the end")
    ap.add_argument("--postgres", default="")
    ap.add_argument("--date", default="")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--replay-events", type=int, default=0)
    a = ap.parse_args()
    logs = a.logs
    phases = []
    floors = {}
    for c, tag in ((1, "F"), (8, "G"), (32, "H")):
        f = floor_phase(logs, c)
        floors[c] = f["events_per_s"]
        f["ratio_to_floor"] = 1.0
        f["cpu"] = cpu(logs, f"floor-c{c}", f["transactions"])
        phases.append(f)
        i = wrk_phase(logs, f"ingest-c{c}", "ingest", c, tag)
        i["ratio_to_floor"] = round(i["events_per_s"] / floors[c], 2)
        i["cpu"] = cpu(logs, f"ingest-c{c}", i["requests"])
        phases.append(i)
    http_floor = None
    if os.path.exists(os.path.join(logs, "http-floor.json")):
        d = json.load(open(os.path.join(logs, "http-floor.json")))
        http_floor = {"phase": "http floor", "concurrency": 32, "requests_per_s": round(d["rps"], 1),
                      "requests": d["requests"], "p99_ms": d["p99_ms"], "errors": d["errors"],
                      "cpu": cpu(logs, "http-floor", d["requests"])}
    end = e2e(logs, floors[32])
    end["ratio_to_floor"] = round(end["events_per_s"] / floors[32], 2)
    end["cpu"] = cpu(logs, "e2e", end["requests"])
    baseline = cpu(logs, "baseline", 1)
    ceil = ceiling(logs, floors[32])
    rep = replay(logs, a.replay_events)
    memory = {"ingest_only_max_mib": rss(logs, "serve-ingest"), "with_processor_max_mib": rss(logs, "serve-e2e")}
    memory["max_mib"] = max(v for v in memory.values() if v is not None) if any(memory.values()) else None
    ing32 = phases[-1]
    targets = {
        "ingest_32_ratio_ge_1_5": ing32["ratio_to_floor"] >= 1.5,
        "ingest_32_p99_le_20ms": ing32["p99_ms"] <= 20,
        "e2e_32_ratio_ge_1_0": (end["processed_ratio_to_floor"] or 0) >= 1.0 and end["ratio_to_floor"] >= 1.0,
        "e2e_queue_not_growing": end["queue_slope_second_half_per_s"] is not None
                                 and end["queue_slope_second_half_per_s"] <= 0.01 * end["events_per_s"],
        "rss_le_80mib": memory["max_mib"] is not None and memory["max_mib"] <= 80,
    }
    # Issue 19's targets, from the same run.
    def us(p, key):
        return (p.get("cpu") or {}).get(key)
    ceil_row_us = us(ceil, "machine_us_per_event") if ceil else None
    again = next((r for r in (rep or {}).get("runs", []) if r["run"] == "again"), None)
    targets.update({
        "ingest_32_ratio_ge_1_0": ing32["ratio_to_floor"] >= 1.0,
        "ingest_32_ge_0_8_ceiling": bool(ceil) and ing32["events_per_s"] >= 0.8 * ceil["events_per_s"],
        "ingest_32_machine_cpu_le_1_3_ceiling": ceil_row_us is not None and us(ing32, "machine_us_per_event") is not None
                                                and us(ing32, "machine_us_per_event") <= 1.3 * ceil_row_us,
        "ingest_32_service_cpu_le_100us": us(ing32, "service_us_per_event") is not None
                                          and us(ing32, "service_us_per_event") <= 100,
        "e2e_32_ratio_ge_0_7": end["ratio_to_floor"] >= 0.7 and (end["processed_ratio_to_floor"] or 0) >= 0.7,
        "e2e_service_cpu_le_160us": us(end, "service_us_per_event") is not None and us(end, "service_us_per_event") <= 160,
        "replay_ge_5000_per_s": bool(again and again["events_per_s"] and again["events_per_s"] >= 5000),
    })
    doc = {"date": a.date, "machine": a.machine, "load_average_start_end": a.load, "postgres": a.postgres, "seed": a.seed, "quick": bool(a.quick),
           "phase_seconds": a.secs, "e2e_seconds": a.e2e_secs, "phases": phases, "end_to_end": end,
           "ceiling": ceil, "replay": rep, "http_floor": http_floor,
           "machine_busy_pct_before_load": baseline["machine_busy_pct"] if baseline else None,
           "rss": memory, "targets": targets}
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")

    print()
    print(f"billing-worker benchmark  {a.date}  {'(QUICK: indicative only)' if a.quick else ''}")
    print(f"machine: {a.machine}; load average (1/5/15 min) at start / end: {a.load}")
    print(f"PostgreSQL {a.postgres} (fsync on, synchronous_commit on)")
    if baseline:
        print(f"machine busy before the load: {baseline['machine_busy_pct']} % over {baseline['seconds']} s "
              f"(other processes; the whole-machine CPU figures below include them)")
    print()
    hdr = f"{'phase':<11} {'conc':>4} {'events/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'x floor':>8}"
    print(hdr)
    print("-" * len(hdr))
    for p in phases + [end]:
        print(f"{p['phase']:<11} {p['concurrency']:>4} {p['events_per_s']:>9.0f} {fmt(p['p50_ms']):>8} {fmt(p['p95_ms']):>8} "
              f"{fmt(p['p99_ms']):>8} {fmt(p['max_ms'], 1):>8} {p['ratio_to_floor']:>8.2f}")
    print("-" * len(hdr))
    for p in phases + [end]:
        flight = p.get("implied_in_flight")
        if flight is not None and flight > 1.2 * p["concurrency"]:
            print(f"WARNING: {p['phase']} at {p['concurrency']}: rate x mean latency = {flight:.0f} requests in flight "
                  f"with {p['concurrency']} connections; wrk's latencies in this phase are not real request times")
    print(f"end-to-end processed: {fmt(end['processed_per_s'], 0)} events/s ({fmt(end['processed_ratio_to_floor'])} x floor at 32); "
          f"queue depth (received+retry) first {end['queue_depth_first']}, max {end['queue_depth_max']}, "
          f"end of load {end['queue_depth_end_of_load']}, slope over the 2nd half {end['queue_slope_second_half_per_s']}/s; "
          f"{end['queue_depth_after_drain']} left {end['drain_seconds']} s after the load")
    depths = ", ".join(f"{s['t_s']:.0f}s:{s['queue_depth']}" for s in end["series"])
    print(f"queue depth over time: {depths}")
    print(f"outcomes: {', '.join(f'{k} {v}' for k, v in end['outcomes'].items())}")
    print(f"RSS max: {fmt(memory['max_mib'], 1)} MiB (ingest only {fmt(memory['ingest_only_max_mib'], 1)}, "
          f"with the processor {fmt(memory['with_processor_max_mib'], 1)})")
    errs = sum(sum(p["errors"].values()) for p in phases + [end] if "errors" in p)
    wraps = sum(p.get("wraps", 0) for p in phases + [end])
    print(f"HTTP errors/non-2xx: {errs}; request-file wraps: {wraps}; mean body {ing32['mean_body_bytes']} B, "
          f"~10 % redeliveries")
    print()
    hdr = (f"{'CPU per event':<15} {'conc':>4} {'events/s':>9} {'service us':>10} {'postgres us':>11} "
           f"{'machine us':>10} {'busy %':>7}")
    print(hdr)
    print("-" * len(hdr))
    rows = [(f"{p['phase']}", p) for p in phases] + ([("ceiling (rows)", ceil)] if ceil else []) + [("end-to-end", end)]
    rows += [(f"replay {r['run']}", dict(r, concurrency="-")) for r in (rep or {}).get("runs", [])]
    for name, p in rows:
        c = p.get("cpu") or {}
        print(f"{name:<15} {p['concurrency']:>4} {fmt(p['events_per_s'], 0) if p['events_per_s'] is not None else '-':>9} "
              f"{fmt(c.get('service_us_per_event'), 0):>10} {fmt(c.get('postgres_us_per_event'), 0):>11} "
              f"{fmt(c.get('machine_us_per_event'), 0):>10} {fmt(c.get('machine_busy_pct'), 0):>7}")
    print("-" * len(hdr))
    print("floor and ceiling: per stored row; ingest: per delivery (service without processing); end-to-end: per "
          "delivery, from the load's start to the drained queue (processing included); replay: per event, service = "
          "the replay process")
    if ceil:
        print(f"ceiling: {ceil['events_per_s']:.0f} rows/s ({ceil['commits_per_s']:.0f} commits/s of 16 rows, c=8) = "
              f"{fmt(ceil['ratio_to_floor'])} x the floor at 32; machine CPU per row: floor at 32 "
              f"{fmt(us(phases[-2], 'machine_us_per_event'), 0)} us, ceiling {fmt(ceil_row_us, 0)} us; ingest at 32 per delivery "
              f"{fmt(us(ing32, 'machine_us_per_event'), 0)} us")
    if http_floor and http_floor["cpu"]:
        hf = http_floor["cpu"]
        print(f"http floor: GET /healthz at 32, {http_floor['requests_per_s']:.0f} requests/s: service "
              f"{fmt(hf['service_us_per_event'], 0)} us per request (the HTTP stack with no work; ingest at 32 "
              f"{fmt(us(ing32, 'service_us_per_event'), 0)} us per delivery)")
    for r in (rep or {}).get("runs", []):
        print(f"replay ({r['run']}): {r['events']} events in {r['seconds']:.1f} s = {fmt(r['events_per_s'], 0)} events/s; {r['summary']}")
    print("targets (never asserted): " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in targets.items()))


if __name__ == "__main__":
    main()
