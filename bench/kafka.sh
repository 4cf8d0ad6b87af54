#!/usr/bin/env bash
# Kafka sink and Kafka source throughput against a local tansu broker (in-memory storage),
# counting Sluice's own CPU per role, thread by thread from /proc/PID/task/*/stat:
#
#   sink case:   loadgen --TCP--> ingest shard (CPU $INGEST) --ring--> Kafka sink on the sink
#                shard (CPU $SINK) --> tansu. "Sink CPU" = the sink shard's thread plus every
#                librdkafka thread (rdk:*, the producer's polling thread if there is one).
#   source case: the topic that round's sink case filled --> Kafka source on the ingest shard
#                --ring--> blackhole. "Ingest CPU" = the ingest shard's thread plus every
#                librdkafka thread.
#
# Also prints the broker's CPU over the same window and the wall-clock rate, to show which
# side is the wall-clock bottleneck, and at the end the median of every figure over the
# rounds. Commit a run worth keeping to bench/results/kafka.md.
#
# usage: bench/kafka.sh [--lines 500000] [--compression none] [--rounds 1] [--ingest 0] [--sink 1]
#   SLUICE=path     run that sluice binary instead of building one
#   SLUICE_B=path   A/B: every round runs both cases with SLUICE (A) and then SLUICE_B (B),
#                   interleaved, so both see the same machine; medians per variant at the end
#   SINK_EXTRA / SOURCE_EXTRA (and SINK_EXTRA_B / SOURCE_EXTRA_B): TOML lines added to the
#                   Kafka sink / source of variant A (B), e.g. SINK_EXTRA_B='linger = "20ms"';
#                   setting a *_B variable alone also makes an A/B run (same binary)
#   PERF_DIR=dir    record every case with `perf record -e cpu-clock -g` (or $PERF_OPTS)
#                   into dir/<case>-<variant><round>.data
set -euo pipefail
cd "$(dirname "$0")/.."

LINES=500000 COMP=none INGEST=0 SINK=1 ROUNDS=1 CORPUS=bench/data/json600.jsonl
while [ $# -gt 0 ]; do
  case "$1" in
    --lines) LINES=$2; shift 2 ;;
    --compression) COMP=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --ingest) INGEST=$2; shift 2 ;;
    --sink) SINK=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

TANSU=${CARGO_HOME:-$HOME/.cargo}/tansu-sluice/bin/tansu
[ -x "$TANSU" ] || { echo "tansu is not installed (bash .ci/run installs it)" >&2; exit 1; }
if [ -z "${SLUICE:-}" ]; then
  cargo build --release -q --bin sluice -p sluice
  SLUICE=target/release/sluice
fi
[ -x target/release/loadgen ] || cargo build --release -q --bin loadgen -p sluice-bench
VARIANTS="A"
if [ -n "${SLUICE_B:-}${SINK_EXTRA_B:-}${SOURCE_EXTRA_B:-}" ]; then VARIANTS="A B"; fi
BIN=target/release
TMP=$(mktemp -d)
SLUICE_PID="" BROKER_PID="" PERF_PID=""
trap 'kill $SLUICE_PID $BROKER_PID $PERF_PID 2>/dev/null || true; rm -rf "$TMP"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
KPORT=$(port) PORT=$(port) ADMIN=$(port)

RUST_LOG=warn "$TANSU" broker --listener-url "tcp://127.0.0.1:$KPORT" \
  --advertised-listener-url "tcp://127.0.0.1:$KPORT" --storage-engine memory://tansu/ \
  >"$TMP/tansu.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$KPORT) 2>/dev/null && break; sleep 0.1; done

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
start_sluice() { # config, binary, perf name
  RUST_LOG=warn "$2" run "$1" 2>"$TMP/sluice.err" &
  SLUICE_PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ADMIN/health" >/dev/null && break; sleep 0.1; done
  if [ -n "${PERF_DIR:-}" ]; then
    mkdir -p "$PERF_DIR"
    # shellcheck disable=SC2086 # PERF_OPTS is a list of options
    perf record -e cpu-clock ${PERF_OPTS:--g} -p "$SLUICE_PID" -o "$PERF_DIR/$3.data" 2>/dev/null &
    PERF_PID=$!
  fi
}
stop_sluice() {
  kill -TERM $SLUICE_PID; wait $SLUICE_PID || true
  if [ -n "$PERF_PID" ]; then wait $PERF_PID || true; PERF_PID=""; fi
}
wait_events() { # sink id: until the sink has counted $LINES events (2 minutes at most)
  for _ in $(seq 1200); do
    GOT=$(metric "sluice_sink_events_total{sink=\"$1\"}"); [ "${GOT%.*}" -ge "$LINES" ] 2>/dev/null && return; sleep 0.1
  done
  echo "timed out waiting for $LINES events at sink $1 (got ${GOT:-none})" >&2
}
report() { # case, variant, bytes, seconds, before, after, broker cpu
  python3 - "$@" "$INGEST" "$SINK" "$TMP/results" <<'PY'
import sys
case, var, nbytes, secs, before, after, broker, ingest, sink, out = sys.argv[1:11]
nbytes, secs, broker = float(nbytes), float(secs), float(broker)
def load(f):
    d = {}
    for l in open(f):
        n, v = l.split(); d[n] = d.get(n, 0.0) + float(v)
    return d
b, a = load(before), load(after)
used = {n: a[n] - b.get(n, 0.0) for n in a}
tag = f"[{case} {var}]"
print(f"{tag} {nbytes/1e6:.1f} MB in {secs:.2f} s wall: {nbytes/secs/1e6:.1f} MB/s")
for n in sorted(used):
    print(f"{tag}   {n}: {used[n]:.2f} CPU-s")
rdk = used.get("librdkafka", 0.0)
shard = f"sluice-cpu{sink}" if case == "sink" else f"sluice-cpu{ingest}"
role = used.get(shard, 0.0) + rdk
what = "sink" if case == "sink" else "ingest"
print(f"{tag} {what} side ({shard} + librdkafka) {role:.2f} CPU-s -> {nbytes/role/1e6:.1f} MB per {what} CPU-second")
print(f"{tag} broker (tansu) {broker:.2f} CPU-s over the same window ({broker/secs:.2f} cores busy)")
with open(out, "a") as f:
    f.write(f"{case} {var} {nbytes/role/1e6:.3f} {secs:.3f} {used.get(shard, 0.0):.3f} {rdk:.3f}\n")
PY
}

run_sink() { # variant, round, binary, extra sink lines
  local topic="bench-$1$2"
  "$TANSU" topic create "$topic" --broker "tcp://127.0.0.1:$KPORT" --partitions 4 >/dev/null
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
topic = "$topic"
compression = "$COMP"
$4
TOML
  start_sluice "$TMP/sink.toml" "$3" "sink-$1$2"
  threads_cpu $SLUICE_PID > "$TMP/sink.before"; B0=$(proc_cpu $BROKER_PID); T0=$(date +%s.%N)
  $BIN/loadgen --file "$CORPUS" --tcp "127.0.0.1:$PORT" --connections 2 --count "$LINES" > "$TMP/loadgen.json"
  BYTES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bytes"])' "$TMP/loadgen.json")
  wait_events k
  T1=$(date +%s.%N); threads_cpu $SLUICE_PID > "$TMP/sink.after"; B1=$(proc_cpu $BROKER_PID)
  stop_sluice
  report sink "$1" "$BYTES" "$(echo "$T1 - $T0" | bc)" "$TMP/sink.before" "$TMP/sink.after" "$(echo "$B1 - $B0" | bc)"
}

run_source() { # variant, round, binary, extra source lines: reads what run_sink put in its topic
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
topics = ["bench-$1$2"]
group_id = "bench-$1$2"
pipeline = "main"
$4
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
  start_sluice "$TMP/source.toml" "$3" "source-$1$2"
  wait_events hole
  T1=$(date +%s.%N); threads_cpu $SLUICE_PID > "$TMP/source.after"; B1=$(proc_cpu $BROKER_PID)
  stop_sluice
  report source "$1" "$BYTES" "$(echo "$T1 - $T0" | bc)" "$TMP/source.before" "$TMP/source.after" "$(echo "$B1 - $B0" | bc)"
}

for r in $(seq "$ROUNDS"); do
  for v in $VARIANTS; do
    if [ "$v" = A ]; then
      bin=$SLUICE sx=${SINK_EXTRA:-} ox=${SOURCE_EXTRA:-}
    else
      bin=${SLUICE_B:-$SLUICE} sx=${SINK_EXTRA_B:-} ox=${SOURCE_EXTRA_B:-}
    fi
    run_sink "$v" "$r" "$bin" "$sx"
    run_source "$v" "$r" "$bin" "$ox"
  done
done

echo "== medians over $ROUNDS round(s): MB per CPU-second (wall s; shard CPU-s; librdkafka CPU-s) =="
python3 - "$TMP/results" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1])]
for case in ("sink", "source"):
    for var in sorted({r[1] for r in rows}):
        got = [list(map(float, r[2:])) for r in rows if r[0] == case and r[1] == var]
        if not got:
            continue
        runs = " ".join(f"{g[0]:.1f}" for g in got)
        med = [st.median(g[i] for g in got) for i in range(4)]
        print(f"{case} {var}: runs {runs} -> median {med[0]:.1f} MB per CPU-s "
              f"(wall {med[1]:.2f} s; shard {med[2]:.2f}, librdkafka {med[3]:.2f} CPU-s)")
PY
