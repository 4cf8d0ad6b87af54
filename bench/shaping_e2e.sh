#!/usr/bin/env bash
# The real-workflow benchmark, end to end: ~600-byte JSON log records over TCP, decoded,
# classified by ops/examples/shaping.tremor (match on service and level, a tag test with
# array::contains, `$class`, `$rate`, `$dimensions` = host, `$priority`), shaped per class
# and host (the bucket, with ops/examples/shaping.toml's priorities), re-encoded (JSON with
# sorted keys: not the raw passthrough path) into a blackhole sink that records
# ingest-to-sink latency; over-rate events go to a second re-encoding blackhole.
#
# Prints events/s and MB/s (wall, and per CPU-second of the ingest shard thread), events
# passed/overflowed, p50/p99/p99.9/max latency and peak RSS.
#
# usage: bench/shaping_e2e.sh [--ingest 0] [--sink 1] [--conns 4] [--duration 10]
#                             [--corpus bench/data/script_logs.ndjson] [--rate-scale 1]
#                             [--no-shaper]
# --rate-scale multiplies every class rate (e.g. 1000 so that almost everything passes);
# --no-shaper runs the same pipeline without the bucket (the shaper's share by difference).
set -euo pipefail
cd "$(dirname "$0")/.."

INGEST=0 SINK=1 CONNS=4 DURATION=10 CORPUS=bench/data/script_logs.ndjson SCALE=1 NOSHAPER=0
while [ $# -gt 0 ]; do
  case "$1" in
    --ingest) INGEST=$2; shift 2 ;;
    --sink) SINK=$2; shift 2 ;;
    --conns) CONNS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --corpus) CORPUS=$2; shift 2 ;;
    --rate-scale) SCALE=$2; shift 2 ;;
    --no-shaper) NOSHAPER=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

cargo build --release -q --bin sluice -p sluice
cargo build --release -q --bin loadgen -p sluice-bench
BIN=target/release
TMP=$(mktemp -d)
trap 'kill $SLUICE_PID 2>/dev/null || true; rm -rf "$TMP"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(port) ADMIN=$(port)

# The example's script with its rates scaled.
python3 - "$SCALE" ops/examples/shaping.tremor > "$TMP/shaping.tremor" <<'PY'
import re, sys
scale = float(sys.argv[1])
text = open(sys.argv[2]).read()
print(re.sub(r"let \$rate = (\d+)", lambda m: "let $rate = %g" % (float(m.group(1)) * scale), text), end="")
PY
SHAPER=$(grep '^shaper = ' ops/examples/shaping.toml)
[ "$NOSHAPER" = 1 ] && SHAPER=""

cat > "$TMP/shaping.toml" <<TOML
[shards]
ingest = [$INGEST]
sink = [$SINK]
[admin]
listen = "127.0.0.1:$ADMIN"
[[source]]
id = "in"
type = "tcp"
listen = "127.0.0.1:$PORT"
preprocessors = ["separate"]
codec = "json"
pipeline = "main"
[[pipeline]]
id = "main"
script_file = "shaping.tremor"
out = ["hole"]
err = ["errors"]
ports = { overflow = ["over"] }
$SHAPER
[[sink]]
id = "hole"
type = "blackhole"
codec = { name = "json", sorted = true }
hgrm = "$TMP/latency.hgrm"
[[sink]]
id = "over"
type = "blackhole"
codec = { name = "json", sorted = true }
[[sink]]
id = "errors"
type = "blackhole"
TOML

RUST_LOG=warn $BIN/sluice run "$TMP/shaping.toml" 2> "$TMP/sluice.err" &
SLUICE_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ADMIN/health" >/dev/null && break; sleep 0.1; done

shard_cpu() {
  for t in /proc/$SLUICE_PID/task/*; do
    name=$(cat "$t/comm" 2>/dev/null || true)
    case "$name" in sluice-cpu*) awk -v n="$name" '{print n, ($14+$15)/100}' "$t/stat" ;; esac
  done
}
shard_cpu > "$TMP/cpu.before"
$BIN/loadgen --file "$CORPUS" --tcp "127.0.0.1:$PORT" --connections "$CONNS" --duration "$DURATION" > "$TMP/loadgen.json"
SENT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lines"])' "$TMP/loadgen.json")
total() {
  curl -sf "http://127.0.0.1:$ADMIN/metrics" | awk '/^sluice_sink_events_total\{sink="(hole|over|errors)"\}/ {s += $2} END {print s+0}'
}
for _ in $(seq 300); do
  GOT=$(total)
  [ "${GOT%.*}" -ge "$SENT" ] && break; sleep 0.1
done
shard_cpu > "$TMP/cpu.after"
RSS=$(awk '/VmHWM/ {print $2}' /proc/$SLUICE_PID/status)
kill -TERM $SLUICE_PID; wait $SLUICE_PID || true

python3 - "$TMP" "$INGEST" "$SINK" "$CONNS" "$DURATION" "$RSS" "$SCALE" <<'PY'
import json, sys, re
tmp, ingest, sink, conns, duration, rss, scale = sys.argv[1:8]
lg = json.load(open(f"{tmp}/loadgen.json"))
def cpu(f):
    d = {}
    for l in open(f):
        n, v = l.split(); d[n] = d.get(n, 0.0) + float(v)
    return d
b, a = cpu(f"{tmp}/cpu.before"), cpu(f"{tmp}/cpu.after")
summary = open(f"{tmp}/sluice.err").read()
def sink_events(name):
    m = re.search(rf"sink {name}\s+(\d+) events", summary)
    return int(m.group(1)) if m else 0
passed, over, errs = sink_events("hole"), sink_events("over"), sink_events("errors")
hg = open(f"{tmp}/latency.hgrm").read()
def q(p):
    for l in hg.splitlines():
        c = l.split()
        if len(c) >= 3 and not l.startswith("#"):
            try:
                v, pct = float(c[0]), float(c[1])
            except ValueError:
                continue
            if pct >= p:
                return v
mx = re.search(r"Max\s+=\s+([\d.]+)", hg)
secs = lg["seconds"]
events = lg["lines"]
print(f"layout: ingest CPU {ingest}, sink CPU {sink}; {conns} TCP connections for {duration}s; corpus {lg['bytes']//max(events,1)} B/line; rate scale {scale}")
print(f"sent:      {events} lines, {lg['bytes']/1e6:.1f} MB")
print(f"out:       {passed} passed, {over} overflowed, {errs} errors ({passed+over+errs} of {events})")
print(f"wall:      {events/secs:,.0f} events/s, {lg['bytes']/secs/1e6:.1f} MB/s")
for n in sorted(a):
    used = a[n] - b.get(n, 0.0)
    role = "ingest" if n == f"sluice-cpu{ingest}" else "sink"
    if used > 0:
        print(f"{n} ({role}{'+sink' if ingest == sink else ''}): {used:.2f} CPU-s -> {events/used:,.0f} events and {lg['bytes']/used/1e6:.1f} MB per CPU-second")
print(f"latency:   p50 {q(0.5)} ms, p99 {q(0.99)} ms, p99.9 {q(0.999)} ms, max {mx.group(1) if mx else '?'} ms")
print(f"peak RSS:  {int(rss)/1024:.1f} MiB")
for line in summary.splitlines():
    if "shaper" in line or line.startswith("    class"):
        print(line)
PY
