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
        "max_ms": d["max_ms"], "errors": d["errors"], "wraps": d["wraps"],
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
    a = ap.parse_args()
    logs = a.logs
    phases = []
    floors = {}
    for c, tag in ((1, "F"), (8, "G"), (32, "H")):
        f = floor_phase(logs, c)
        floors[c] = f["events_per_s"]
        f["ratio_to_floor"] = 1.0
        phases.append(f)
        i = wrk_phase(logs, f"ingest-c{c}", "ingest", c, tag)
        i["ratio_to_floor"] = round(i["events_per_s"] / floors[c], 2)
        phases.append(i)
    end = e2e(logs, floors[32])
    end["ratio_to_floor"] = round(end["events_per_s"] / floors[32], 2)
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
    doc = {"date": a.date, "machine": a.machine, "load_average_start_end": a.load, "postgres": a.postgres, "seed": a.seed, "quick": bool(a.quick),
           "phase_seconds": a.secs, "e2e_seconds": a.e2e_secs, "phases": phases, "end_to_end": end,
           "rss": memory, "targets": targets}
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")

    print()
    print(f"billing-worker benchmark  {a.date}  {'(QUICK: indicative only)' if a.quick else ''}")
    print(f"machine: {a.machine}; load average (1/5/15 min) at start / end: {a.load}")
    print(f"PostgreSQL {a.postgres} (fsync on, synchronous_commit on)")
    print()
    hdr = f"{'phase':<11} {'conc':>4} {'events/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'x floor':>8}"
    print(hdr)
    print("-" * len(hdr))
    for p in phases + [end]:
        print(f"{p['phase']:<11} {p['concurrency']:>4} {p['events_per_s']:>9.0f} {fmt(p['p50_ms']):>8} {fmt(p['p95_ms']):>8} "
              f"{fmt(p['p99_ms']):>8} {fmt(p['max_ms'], 1):>8} {p['ratio_to_floor']:>8.2f}")
    print("-" * len(hdr))
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
    print("targets (never asserted): " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in targets.items()))


if __name__ == "__main__":
    main()
