#!/usr/bin/env python3
"""Ingest-to-sink latency at full load and at half of it, with a percentile plot.

Runs bench/e2e.sh (TCP JSON lines into a blackhole that records latency) unpaced `--runs`
times to find the maximum load (median events/s), then alternates runs at half that rate and
unpaced runs, `--runs` of each, so background noise on a shared machine falls on both alike.
Prints every run, the load average before it, and the medians; keeps every run's `.hgrm`
in OUT_DIR and draws OUT_DIR/latency.svg from the median run of each case (bench/plot_hgrm.py).

usage: bench/latency.py [--runs 3] [--duration 10] [--out bench/results/latency]
                        [--max EVENTS_PER_S] [-- extra e2e.sh options]
SLUICE=path/to/sluice uses that binary (see bench/e2e.sh). Options after `--` go to every
e2e.sh run, e.g. `-- --park-spin 200us` to measure with `[shards] park_spin` set.
"""
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def e2e(rate, duration, hgrm, extra):
    cmd = ["bash", os.path.join(HERE, "e2e.sh"), "--duration", str(duration), "--rate", str(rate),
           "--hgrm-out", hgrm] + extra
    load = open("/proc/loadavg").read().split()[0]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    r = {"load": float(load), "rate": rate, "hgrm": hgrm, "text": out}
    m = re.search(r"wall:\s+([\d,]+) events/s, ([\d.]+) MB/s", out)
    r["eps"] = int(m.group(1).replace(",", "")) if m else 0
    r["mbs"] = float(m.group(2)) if m else 0.0
    m = re.search(r"latency:\s+p50 ([\d.]+) ms, p99 ([\d.]+) ms, p99.9 ([\d.]+) ms, max ([\d.]+) ms", out)
    if m:
        r["p50"], r["p99"], r["p999"], r["max"] = (float(x) * 1000 for x in m.groups())
    m = re.search(r"peak RSS:\s+([\d.]+) MiB", out)
    r["rss"] = float(m.group(1)) if m else 0.0
    return r


def show(tag, r):
    print(f"{tag:<10} load {r['load']:5.2f}  {r['eps']:>9,} ev/s {r['mbs']:7.1f} MB/s  "
          f"p50 {r.get('p50', 0):7.0f} µs  p99 {r.get('p99', 0):7.0f} µs  "
          f"p99.9 {r.get('p999', 0):7.0f} µs  max {r.get('max', 0):8.0f} µs  RSS {r['rss']:.1f} MiB",
          flush=True)


def medians(tag, rs):
    med = {k: statistics.median(r.get(k, 0) for r in rs) for k in ("eps", "mbs", "p50", "p99", "p999", "max", "rss", "load")}
    print(f"median {tag:<10} {med['eps']:>9,.0f} ev/s {med['mbs']:7.1f} MB/s  p50 {med['p50']:.0f} µs  "
          f"p99 {med['p99']:.0f} µs  p99.9 {med['p999']:.0f} µs  max {med['max']:.0f} µs  "
          f"peak RSS {med['rss']:.1f} MiB  (load avg {med['load']:.2f})")
    # The run whose p99 is the median one, for the plot.
    return sorted(rs, key=lambda r: r.get("p99", 0))[len(rs) // 2]


def main(argv):
    runs, duration, out, fixed_max, extra = 3, 10, os.path.join(HERE, "results", "latency"), 0, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            extra = argv[i + 1:]
            break
        if a in ("--runs", "--duration", "--out", "--max") and i + 1 < len(argv):
            v = argv[i + 1]
            if a == "--runs":
                runs = int(v)
            elif a == "--duration":
                duration = int(v)
            elif a == "--out":
                out = v
            else:
                fixed_max = int(v)
            i += 2
            continue
        print(__doc__, file=sys.stderr)
        return 2
    os.makedirs(out, exist_ok=True)
    full = []
    if fixed_max:
        top = fixed_max
    else:
        for k in range(runs):
            r = e2e(0, duration, os.path.join(out, f"max-{k + 1}.hgrm"), extra)
            show(f"max #{k + 1}", r)
            full.append(r)
        top = int(statistics.median(r["eps"] for r in full))
    half_rate = top // 2
    print(f"maximum load: {top:,} events/s; half: {half_rate:,} events/s", flush=True)
    half = []
    for k in range(runs):
        r = e2e(half_rate, duration, os.path.join(out, f"half-{k + 1}.hgrm"), extra)
        show(f"half #{k + 1}", r)
        half.append(r)
        r = e2e(0, duration, os.path.join(out, f"full-{k + 1}.hgrm"), extra)
        show(f"full #{k + 1}", r)
        full.append(r)
    h = medians("half", half)
    f = medians("full", full)
    svg = os.path.join(out, "latency.svg")
    subprocess.run([sys.executable, os.path.join(HERE, "plot_hgrm.py"), svg,
                    "--title", "Sluice ingest-to-sink latency (TCP JSON lines -> blackhole)",
                    f"half load ({half_rate:,}/s)={h['hgrm']}",
                    f"full load (unpaced)={f['hgrm']}"], check=True)
    print(f"plot: {svg} (median-p99 runs: {os.path.basename(h['hgrm'])}, {os.path.basename(f['hgrm'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
