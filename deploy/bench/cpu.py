#!/usr/bin/env python3
"""CPU counters for deploy/local/bench: one JSON line, taken at the start and at the end of a phase.

  cpu.py [--service-pid PID] [--pg-data DIR]

- machine: /proc/stat's first line, in clock ticks: busy (user, nice, system, irq, softirq, steal) and
  total (busy + idle + iowait). Guest time is already inside user and nice.
- service: /proc/PID/stat utime + stime of the billing-worker process (ticks), or null.
- postgres: the postmaster of DIR (DIR/postmaster.pid) — its utime + stime + cutime + cstime (backends that
  exited were reaped by it, so their time is there) plus utime + stime of its live children (ticks), or null.
  A backend alive at the start and gone at the end is counted whole at the end, so deltas stay right.
- t: wall clock (s); hz: clock ticks per second.

Per-event figures are (end - start) / hz / events, computed by report.py.
"""
import argparse
import json
import os
import time


def proc_stat_fields(pid):
    """Fields of /proc/PID/stat after the command name (field 3 first), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def process_ticks(pid, children=False):
    f = proc_stat_fields(pid)
    if f is None:
        return None
    # field 14 utime, 15 stime, 16 cutime, 17 cstime; f[0] is field 3
    ticks = int(f[11]) + int(f[12])
    if children:
        ticks += int(f[13]) + int(f[14])
    return ticks


def postgres_ticks(data_dir):
    try:
        with open(os.path.join(data_dir, "postmaster.pid")) as f:
            postmaster = int(f.readline().strip())
    except (OSError, ValueError):
        return None
    total = process_ticks(postmaster, children=True)
    if total is None:
        return None
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == postmaster:
            continue
        f = proc_stat_fields(name)
        if f is not None and int(f[1]) == postmaster:  # f[1] is field 4, ppid
            total += int(f[11]) + int(f[12])
    return total


def machine_ticks():
    with open("/proc/stat") as f:
        parts = f.readline().split()
    assert parts[0] == "cpu", parts
    v = [int(x) for x in parts[1:]]
    user, nice, system, idle, iowait, irq, softirq = v[:7]
    steal = v[7] if len(v) > 7 else 0
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--service-pid", type=int, default=0)
    ap.add_argument("--pg-data", default="")
    a = ap.parse_args()
    busy, total = machine_ticks()
    doc = {
        "t": time.time(),
        "hz": os.sysconf("SC_CLK_TCK"),
        "cores": os.cpu_count(),
        "machine_busy": busy,
        "machine_total": total,
        "service": process_ticks(a.service_pid) if a.service_pid else None,
        "postgres": postgres_ticks(a.pg_data) if a.pg_data else None,
        "loadavg": open("/proc/loadavg").read().split()[:3],
    }
    print(json.dumps(doc))


if __name__ == "__main__":
    main()
