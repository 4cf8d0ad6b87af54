#!/usr/bin/env bash
# Kafka sink and Kafka source throughput against a local tansu broker (in-memory storage),
# counting Sluice's own CPU per role, thread by thread from /proc/PID/task/*/stat:
#
#   sink case:   loadgen --TCP--> ingest shard (CPU $INGEST) --ring--> Kafka sink on the sink
#                shard (CPU $SINK) --> tansu. "Sink CPU" = the sink shard's thread plus every
#                librdkafka thread (rdk:*, the producer's polling thread).
#   source case: the topic the sink case filled --> Kafka source on the ingest shard
#                --ring--> blackhole. "Ingest CPU" = the ingest shard's thread plus every
#                librdkafka thread.
#
# Also prints the broker's CPU over the same window and the wall-clock rate, to show which
# side is the wall-clock bottleneck. Commit a run worth keeping to bench/results/kafka.md.
#
# usage: bench/kafka.sh [--lines 500000] [--compression none] [--ingest 0] [--sink 1]
set -euo pipefail
cd "$(dirname "$0")/.."

LINES=500000 COMP=none INGEST=0 SINK=1 CORPUS=bench/data/json600.jsonl
while [ $# -gt 0 ]; do
  case "$1" in
    --lines) LINES=$2; shift 2 ;;
    --compression) COMP=$2; shift 2 ;;
    --ingest) INGEST=$2; shift 2 ;;
    --sink) SINK=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

TANSU=${CARGO_HOME:-$HOME/.cargo}/bin/tansu
[ -x "$TANSU" ] || { echo "tansu is not installed (bash .ci/run installs it)" >&2; exit 1; }
cargo build --release -q --bin sluice -p sluice
cargo build --release -q --bin loadgen -p sluice-bench
BIN=target/release
TMP=$(mktemp -d)
SLUICE_PID="" BROKER_PID=""
trap 'kill $SLUICE_PID $BROKER_PID 2>/dev/null || true; rm -rf "$TMP"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
KPORT=$(port) PORT=$(port) ADMIN=$(port)

RUST_LOG=warn "$TANSU" broker --listener-url "tcp://127.0.0.1:$KPORT" \
  --advertised-listener-url "tcp://127.0.0.1:$KPORT" --storage-engine memory://tansu/ \
  >"$TMP/tansu.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$KPORT) 2>/dev/null && break; sleep 0.1; done
"$TANSU" topic create bench --broker "tcp://127.0.0.1:$KPORT" --partitions 4 >/dev/null

# CPU seconds (user+sys) per thread role: shard threads by CPU, librdkafka threads together.
threads_cpu() {
  for t in /proc/$1/task/*; do
    name=$(cat "$t/comm" 2>/dev/null || true)
    case "$name" in
      sluice-cpu*) awk -v n="$name" '{print n, ($14+$15)/100}' "$t/stat" ;;
      rdk:*|producer*) awk '{print "librdkafka", ($14+$15)/100}' "$t/stat" ;;
      *) awk '{print "other", ($14+$15)/100}' "$t/stat" ;;
    esac
  done
}
proc_cpu() { awk '{print ($14+$15)/100}' /proc/$1/stat; }
metric() { curl -sf "http://127.0.0.1:$ADMIN/metrics" | awk -v k="$1" '$1 == k {print $2}'; }
start_sluice() {
  RUST_LOG=warn $BIN/sluice run "$1" 2>"$TMP/sluice.err" &
  SLUICE_PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ADMIN/health" >/dev/null && break; sleep 0.1; done
}
report() { # case, bytes, seconds, before, after, broker cpu
  python3 - "$@" <<'PY'
import sys
case, nbytes, secs, before, after, broker, ingest, sink = sys.argv[1:9]
nbytes, secs, broker = float(nbytes), float(secs), float(broker)
def load(f):
    d = {}
    for l in open(f):
        n, v = l.split(); d[n] = d.get(n, 0.0) + float(v)
    return d
b, a = load(before), load(after)
used = {n: a[n] - b.get(n, 0.0) for n in a}
print(f"[{case}] {nbytes/1e6:.1f} MB in {secs:.2f} s wall: {nbytes/secs/1e6:.1f} MB/s")
for n in sorted(used):
    print(f"[{case}]   {n}: {used[n]:.2f} CPU-s")
rdk = used.get("librdkafka", 0.0)
if case == "sink":
    role = used.get(f"sluice-cpu{sink}", 0.0) + rdk
    print(f"[{case}] sink side (sluice-cpu{sink} + librdkafka) {role:.2f} CPU-s -> {nbytes/role/1e6:.1f} MB per sink CPU-second")
else:
    role = used.get(f"sluice-cpu{ingest}", 0.0) + rdk
    print(f"[{case}] ingest side (sluice-cpu{ingest} + librdkafka) {role:.2f} CPU-s -> {nbytes/role/1e6:.1f} MB per ingest CPU-second")
print(f"[{case}] broker (tansu) {broker:.2f} CPU-s over the same window ({broker/secs:.2f} cores busy)")
PY
}

# ---- sink case
cat > "$TMP/sink.toml" <<TOML
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
pipeline = "main"
[[pipeline]]
id = "main"
out = ["k"]
err = ["k"]
[[sink]]
id = "k"
type = "kafka"
brokers = ["127.0.0.1:$KPORT"]
topic = "bench"
compression = "$COMP"
TOML
start_sluice "$TMP/sink.toml"
threads_cpu $SLUICE_PID > "$TMP/sink.before"; B0=$(proc_cpu $BROKER_PID); T0=$(date +%s.%N)
$BIN/loadgen --file "$CORPUS" --tcp "127.0.0.1:$PORT" --connections 2 --count "$LINES" > "$TMP/loadgen.json"
BYTES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bytes"])' "$TMP/loadgen.json")
for _ in $(seq 1200); do
  GOT=$(metric 'sluice_sink_events_total{sink="k"}'); [ "${GOT%.*}" -ge "$LINES" ] 2>/dev/null && break; sleep 0.1
done
T1=$(date +%s.%N); threads_cpu $SLUICE_PID > "$TMP/sink.after"; B1=$(proc_cpu $BROKER_PID)
kill -TERM $SLUICE_PID; wait $SLUICE_PID || true
report sink "$BYTES" "$(echo "$T1 - $T0" | bc)" "$TMP/sink.before" "$TMP/sink.after" "$(echo "$B1 - $B0" | bc)" "$INGEST" "$SINK"

# ---- source case: read back what the sink case produced
cat > "$TMP/source.toml" <<TOML
[shards]
ingest = [$INGEST]
sink = [$SINK]
[admin]
listen = "127.0.0.1:$ADMIN"
[[source]]
id = "kin"
type = "kafka"
brokers = ["127.0.0.1:$KPORT"]
topics = ["bench"]
group_id = "bench"
pipeline = "main"
[[pipeline]]
id = "main"
out = ["hole"]
err = ["hole"]
[[sink]]
id = "hole"
type = "blackhole"
TOML
B0=$(proc_cpu $BROKER_PID); T0=$(date +%s.%N)
# A fresh process: everything its threads use from start-up on counts (start-up is tiny).
: > "$TMP/source.before"
start_sluice "$TMP/source.toml"
for _ in $(seq 1200); do
  GOT=$(metric 'sluice_sink_events_total{sink="hole"}'); [ "${GOT%.*}" -ge "$LINES" ] 2>/dev/null && break; sleep 0.1
done
T1=$(date +%s.%N); threads_cpu $SLUICE_PID > "$TMP/source.after"; B1=$(proc_cpu $BROKER_PID)
kill -TERM $SLUICE_PID; wait $SLUICE_PID || true
report source "$BYTES" "$(echo "$T1 - $T0" | bc)" "$TMP/source.before" "$TMP/source.after" "$(echo "$B1 - $B0" | bc)" "$INGEST" "$SINK"
