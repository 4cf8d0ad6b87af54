#!/usr/bin/env bash
# End-to-end throughput and latency of Sluice on a chosen shard layout.
#
# Starts `sluice` (release build) with one TCP JSON-lines source and a blackhole sink that
# records ingest-to-sink latency, drives it with `loadgen` replaying a fixed corpus, and
# prints events/s, MB/s (wall clock and per CPU-second of each ingest shard thread),
# p50/p99/p99.9/max latency and peak RSS. Commit a run worth keeping to bench/results/e2e.md.
# With --script FILE the pipeline runs that tremor-script on every event (decode, run,
# re-encode whatever the script changed) instead of passing the original bytes through.
#
# usage: bench/e2e.sh [--ingest 0] [--sink 1] [--conns 4] [--duration 10]
#                     [--corpus bench/data/json600.jsonl] [--loadgen-cpus 1] [--rate 0]
#                     [--script bench/data/classify_enrich.tremor] [--hgrm-out FILE] [--nice N]
#                     [--park-spin 50us] [--shard-nice -10] [--loadgen-idle]
# --hgrm-out keeps the blackhole's latency histogram (HdrHistogram percentile text, ms) for
# bench/plot_hgrm.py. SLUICE=path/to/sluice runs that binary instead of building one (A/B).
# --park-spin sets `[shards] park_spin` (how long the sink shard polls its rings after a batch
# before it parks; "0s" turns it off); without it the config leaves the default.
# --shard-nice sets `[shards] nice` (the shard threads' nice value; below 0 needs root or
# CAP_SYS_NICE): the shards then win their CPUs over loadgen, which shares them here.
# --loadgen-idle runs loadgen under SCHED_IDLE: it gets only the CPU time Sluice leaves, the
# nearest a 2-CPU box comes to a sender on another host (Sluice's own settings unchanged).
# --nice -19 runs Sluice and loadgen at that niceness (needs root): on a box shared with
# builds it keeps their scheduling delays out of the latency tail, as dedicated cores would.
set -euo pipefail
cd "$(dirname "$0")/.."

INGEST=0 SINK=1 CONNS=4 DURATION=10 CORPUS=bench/data/json600.jsonl LG_CPUS="" RATE=0 SCRIPT="" HGRM_OUT="" NICE=0 PARK_SPIN="" SHARD_NICE="" LG_IDLE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --ingest) INGEST=$2; shift 2 ;;
    --sink) SINK=$2; shift 2 ;;
    --conns) CONNS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --corpus) CORPUS=$2; shift 2 ;;
    --loadgen-cpus) LG_CPUS=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --script) SCRIPT=$(realpath "$2"); shift 2 ;;
    --hgrm-out) HGRM_OUT=$2; shift 2 ;;
    --nice) NICE=$2; shift 2 ;;
    --park-spin) PARK_SPIN=$2; shift 2 ;;
    --shard-nice) SHARD_NICE=$2; shift 2 ;;
    --loadgen-idle) LG_IDLE=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

[ -n "${SLUICE:-}" ] || cargo build --release -q --bin sluice -p sluice
[ -x target/release/loadgen ] && [ -n "${SLUICE:-}" ] || cargo build --release -q --bin loadgen -p sluice-bench
BIN=target/release
SLUICE=${SLUICE:-$BIN/sluice}
TMP=$(mktemp -d)
trap 'kill $SLUICE_PID 2>/dev/null || true; rm -rf "$TMP"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(port) ADMIN=$(port)

SCRIPT_LINE=""
[ -n "$SCRIPT" ] && SCRIPT_LINE="script_file = \"$SCRIPT\""
SPIN_LINE=""
[ -n "$PARK_SPIN" ] && SPIN_LINE="park_spin = \"$PARK_SPIN\""
NICE_LINE=""
[ -n "$SHARD_NICE" ] && NICE_LINE="nice = $SHARD_NICE"
cat > "$TMP/e2e.toml" <<TOML
[shards]
ingest = [$INGEST]
sink = [$SINK]
$SPIN_LINE
$NICE_LINE
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
out = ["hole"]
err = ["hole"]
$SCRIPT_LINE
[[sink]]
id = "hole"
type = "blackhole"
hgrm = "$TMP/latency.hgrm"
TOML

RUST_LOG=warn nice -n "$NICE" "$SLUICE" run "$TMP/e2e.toml" 2> "$TMP/sluice.err" &
SLUICE_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ADMIN/health" >/dev/null && break; sleep 0.1; done

# CPU seconds (user+sys) of each sluice shard thread, from /proc.
shard_cpu() {
  for t in /proc/$SLUICE_PID/task/*; do
    name=$(cat "$t/comm" 2>/dev/null || true)
    # A shard's threads (its executor, glommio's helper thread) are all `sluice-cpu<N>`
    # (possibly with a `-<id>` suffix); fold them by CPU.
    case "$name" in sluice-cpu*) n=${name%%-[0-9]*}; awk -v n="$n" '{print n, ($14+$15)/100}' "$t/stat" ;; esac
  done
}
shard_cpu > "$TMP/cpu.before"
LG_ARGS=(--file "$CORPUS" --tcp "127.0.0.1:$PORT" --connections "$CONNS" --duration "$DURATION" --rate "$RATE")
[ -n "$LG_CPUS" ] && LG_ARGS+=(--cpus "$LG_CPUS")
LG_PREFIX=()
[ -n "$LG_IDLE" ] && LG_PREFIX=(chrt --idle 0)
nice -n "$NICE" "${LG_PREFIX[@]}" $BIN/loadgen "${LG_ARGS[@]}" > "$TMP/loadgen.json"
SENT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lines"])' "$TMP/loadgen.json")
# Wait until the blackhole has seen everything that was sent.
for _ in $(seq 300); do
  GOT=$(curl -sf "http://127.0.0.1:$ADMIN/metrics" | awk '/^sluice_sink_events_total\{sink="hole"\}/ {print $2}')
  [ "${GOT:-0}" -ge "$SENT" ] && break; sleep 0.1
done
shard_cpu > "$TMP/cpu.after"
RSS=$(awk '/VmHWM/ {print $2}' /proc/$SLUICE_PID/status)
kill -TERM $SLUICE_PID; wait $SLUICE_PID || true
[ -n "$HGRM_OUT" ] && cp "$TMP/latency.hgrm" "$HGRM_OUT"

python3 - "$TMP" "$INGEST" "$SINK" "$CONNS" "$DURATION" "$RSS" "$SCRIPT" <<'PY'
import json, sys, re
tmp, ingest, sink, conns, duration, rss, script = sys.argv[1:8]
lg = json.load(open(f"{tmp}/loadgen.json"))
def cpu(f):
    d = {}
    for l in open(f):
        n, v = l.split(); d[n] = d.get(n, 0.0) + float(v)
    return d
b, a = cpu(f"{tmp}/cpu.before"), cpu(f"{tmp}/cpu.after")
summary = open(f"{tmp}/sluice.err").read()
m = re.search(r"sink hole\s+(\d+) events, (\d+) bytes", summary)
events, nbytes = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
hg = open(f"{tmp}/latency.hgrm").read()
def q(p):
    best = None
    for l in hg.splitlines():
        c = l.split()
        if len(c) >= 3 and not l.startswith("#"):
            try:
                v, pct = float(c[0]), float(c[1])
            except ValueError:
                continue
            if pct >= p and best is None: best = v
    return best
mx = re.search(r"Max\s+=\s+([\d.]+)", hg)
secs = lg["seconds"]
print(f"layout: ingest CPU {ingest}, sink CPU {sink}; {conns} TCP connections for {duration}s; corpus {lg['bytes']//max(lg['lines'],1)} B/line")
if script: print(f"script:    {script}")
print(f"sent:      {lg['lines']} lines, {lg['bytes']/1e6:.1f} MB")
print(f"delivered: {events} events to the blackhole")
print(f"wall:      {events/secs:,.0f} events/s, {lg['bytes']/secs/1e6:.1f} MB/s")
for n in sorted(a):
    used = a[n] - b.get(n, 0.0)
    role = "ingest" if n == f"sluice-cpu{ingest}" else "sink"
    if used > 0:
        print(f"{n} ({role}{'+sink' if ingest == sink else ''}): {used:.2f} CPU-s -> {lg['bytes']/used/1e6:.1f} MB per CPU-second")
print(f"latency:   p50 {q(0.5)} ms, p99 {q(0.99)} ms, p99.9 {q(0.999)} ms, max {mx.group(1) if mx else '?'} ms")
print(f"peak RSS:  {int(rss)/1024:.1f} MiB")
PY
