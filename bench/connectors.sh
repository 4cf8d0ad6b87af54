#!/usr/bin/env bash
# Throughput of the HTTP and file connectors, per CPU-second of the shard that does the work
# (user+sys of its thread from /proc), on a chosen layout (ingest CPU 0, sink CPU 1):
#   http   HTTP /write with 5,000-line Influx bodies (Python http.client, keep-alive, 2
#          connections) -> blackhole with the json codec: lines per ingest CPU-second.
#   es     600-byte JSON lines over TCP (loadgen) -> elasticsearch sink -> the _bulk test
#          server in --fast mode (tests/support/es_bulk_server.py, a test server, not
#          Elasticsearch): MB of documents per sink CPU-second.
#   tail   a file of 600-byte JSON lines (bench/data/json600.jsonl repeated) -> blackhole:
#          MB per ingest CPU-second.
#   influx Influx line protocol over TCP (loadgen, the /write bench's lines, 2 connections)
#          -> file sink with the json codec (JSON lines): lines per ingest CPU-second; the
#          output's line count is checked against what loadgen sent.
# Commit a run worth keeping to bench/results/connectors.md.
#
# usage: bench/connectors.sh [http|es|tail|influx|all] [--duration 10] [--tail-mb 400]
# SLUICE_BIN=path runs another sluice binary (an A/B against an older build in one session).
# HTTP_ACK=written|queued sets the http source's `ack` (unset: the binary's default).
# NO_BUILD=1 skips the release build (both binaries must exist); LOADGEN_BIN=path picks the
# load generator. PERF_OUT=file records a profile of the whole run (perf record -g).
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-all}; shift || true
DURATION=10 TAIL_MB=400
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --tail-mb) TAIL_MB=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "${NO_BUILD:-}" ]; then
  cargo build --release -q --bin sluice -p sluice
  cargo build --release -q --bin loadgen -p sluice-bench
fi
BIN=target/release
LOADGEN=${LOADGEN_BIN:-$BIN/loadgen}
TMP=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null || true; done; rm -rf "$TMP"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
metric() { curl -sf "http://127.0.0.1:$ADMIN/metrics" | awk -v k="$1" '$1 == k {print $2}'; }
thread_cpu() { # CPU-seconds of sluice-cpu$2 in process $1
  for t in /proc/$1/task/*; do
    case "$(cat "$t/comm" 2>/dev/null)" in "sluice-cpu$2"*) awk '{s += ($14+$15)/100} END {print s}' "$t/stat" ;; esac
  done | awk '{s += $1} END {printf "%.3f\n", s}'
}
start() { # config file -> SLUICE_PID
  RUST_LOG=warn "${SLUICE_BIN:-$BIN/sluice}" run "$1" 2> "$TMP/sluice.err" &
  SLUICE_PID=$!; PIDS+=($SLUICE_PID)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ADMIN/health" >/dev/null && break; sleep 0.1; done
  if [ -n "${PERF_OUT:-}" ]; then
    perf record -e cpu-clock -g -o "$PERF_OUT" -p $SLUICE_PID 2> "$TMP/perf.err" &
    PERF_PID=$!
  fi
}
stop() {
  if [ -n "${PERF_PID:-}" ]; then kill -INT $PERF_PID; wait $PERF_PID || true; PERF_PID=; fi
  kill -TERM $SLUICE_PID; wait $SLUICE_PID || true
}

bench_http() {
  ADMIN=$(port) PORT=$(port)
  local ACK_LINE=""
  if [ -n "${HTTP_ACK:-}" ]; then ACK_LINE="ack = \"$HTTP_ACK\""; fi
  cat > "$TMP/http.toml" <<TOML
[shards]
ingest = [0]
sink = [1]
[admin]
listen = "127.0.0.1:$ADMIN"
[[source]]
id = "web"
type = "http"
listen = "127.0.0.1:$PORT"
pipeline = "main"
$ACK_LINE
[[pipeline]]
id = "main"
out = ["hole"]
err = ["hole"]
[[sink]]
id = "hole"
type = "blackhole"
codec = "json"
TOML
  start "$TMP/http.toml"
  local before; before=$(thread_cpu $SLUICE_PID 0)
  python3 - "$PORT" "$DURATION" > "$TMP/http.out" <<'PY'
import http.client, sys, threading, time
port, dur = int(sys.argv[1]), float(sys.argv[2])
body = "".join("cpu,host=web-%03d,cpu=cpu%d,dc=eu-west-1 usage_user=%d.25,usage_system=3.125,usage_idle=84.5,n=%di %d\n"
               % (i % 100, i % 8, i % 90, i, 1700000000000000000 + i) for i in range(5000)).encode()
sent = [0, 0]
def run(k):
    c = http.client.HTTPConnection("127.0.0.1", port)
    end = time.time() + dur
    while time.time() < end:
        c.request("POST", "/write?db=bench", body)
        r = c.getresponse(); r.read()
        assert r.status == 204, r.status
        sent[k] += 5000
ts = [threading.Thread(target=run, args=(k,)) for k in range(2)]
[t.start() for t in ts]; [t.join() for t in ts]
print(sum(sent), len(body))
PY
  read LINES BODY < "$TMP/http.out"
  for _ in $(seq 300); do [ "$(metric 'sluice_sink_events_total{sink="hole"}')" -ge "$LINES" ] 2>/dev/null && break; sleep 0.1; done
  local after; after=$(thread_cpu $SLUICE_PID 0)
  stop
  python3 -c "import sys; l,b,a,body,d=int(sys.argv[1]),float(sys.argv[2]),float(sys.argv[3]),int(sys.argv[4]),float(sys.argv[5]); u=a-b; print(f'http /write (ack ${HTTP_ACK:-default}): {l} lines in 5,000-line bodies of {body} bytes over {d:.0f}s; ingest CPU {u:.2f} s -> {l/u/1e6:.2f} M lines per ingest CPU-second ({l/d/1e6:.2f} M lines/s wall)')" "$LINES" "$before" "$after" "$BODY" "$DURATION"
}

bench_es() {
  ADMIN=$(port) PORT=$(port)
  python3 tests/support/es_bulk_server.py --fast > "$TMP/es.port" &
  PIDS+=($!)
  for _ in $(seq 50); do [ -s "$TMP/es.port" ] && break; sleep 0.1; done
  ES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$TMP/es.port")
  cat > "$TMP/es.toml" <<TOML
[shards]
ingest = [0]
sink = [1]
batch_size = "1MiB"
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
out = ["es"]
err = ["es"]
[[sink]]
id = "es"
type = "elasticsearch"
url = "http://127.0.0.1:$ES"
index = "bench"
batch_events = 2000
TOML
  start "$TMP/es.toml"
  local before; before=$(thread_cpu $SLUICE_PID 1)
  $LOADGEN --file bench/data/json600.jsonl --tcp "127.0.0.1:$PORT" --connections 2 --duration "$DURATION" > "$TMP/lg.json"
  SENT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lines"])' "$TMP/lg.json")
  DOCB=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["bytes"])' "$TMP/lg.json")
  for _ in $(seq 600); do [ "$(metric 'sluice_sink_events_total{sink="es"}')" -ge "$SENT" ] 2>/dev/null && break; sleep 0.1; done
  local after; after=$(thread_cpu $SLUICE_PID 1)
  local bulk; bulk=$(metric 'sluice_sink_bytes_total{sink="es"}')
  stop
  python3 -c "import sys; n,doc,bulk,b,a,d=int(sys.argv[1]),int(sys.argv[2]),float(sys.argv[3]),float(sys.argv[4]),float(sys.argv[5]),float(sys.argv[6]); u=a-b; print(f'elasticsearch sink: {n} documents, {doc/1e6:.1f} MB of documents ({bulk/1e6:.1f} MB of _bulk bodies) in {d:.0f}s; sink CPU {u:.2f} s -> {doc/u/1e6:.0f} MB of documents per sink CPU-second')" "$SENT" "$DOCB" "$bulk" "$before" "$after" "$DURATION"
}

bench_tail() {
  ADMIN=$(port)
  mkdir -p "$TMP/logs" "$TMP/state"
  local reps=$(( TAIL_MB * 1000000 / 601000 ))
  for _ in $(seq $reps); do cat bench/data/json600.jsonl; done > "$TMP/big.json"
  local size; size=$(stat -c %s "$TMP/big.json")
  cat > "$TMP/tail.toml" <<TOML
[shards]
ingest = [0]
sink = [1]
[admin]
listen = "127.0.0.1:$ADMIN"
[[source]]
id = "logs"
type = "tail"
paths = ["$TMP/logs/*.log"]
state_dir = "$TMP/state"
pipeline = "main"
[[pipeline]]
id = "main"
out = ["hole"]
err = ["hole"]
[[sink]]
id = "hole"
type = "blackhole"
TOML
  start "$TMP/tail.toml"
  local before; before=$(thread_cpu $SLUICE_PID 0)
  local t0; t0=$(date +%s.%N)
  mv "$TMP/big.json" "$TMP/logs/app.log"
  for _ in $(seq 1200); do [ "$(metric 'sluice_source_bytes_total{source="logs"}')" -ge "$size" ] 2>/dev/null && break; sleep 0.05; done
  local t1; t1=$(date +%s.%N)
  local after; after=$(thread_cpu $SLUICE_PID 0)
  stop
  python3 -c "import sys; s,b,a,t0,t1=int(sys.argv[1]),float(sys.argv[2]),float(sys.argv[3]),float(sys.argv[4]),float(sys.argv[5]); u=a-b; print(f'tail: {s/1e6:.0f} MB of 600-byte JSON lines; ingest CPU {u:.2f} s -> {s/u/1e6:.0f} MB per ingest CPU-second ({s/(t1-t0)/1e6:.0f} MB/s wall, includes up to one poll interval)')" "$size" "$before" "$after" "$t0" "$t1"
}

bench_influx() {
  ADMIN=$(port) PORT=$(port)
  python3 -c '
import sys
for i in range(50000):
    sys.stdout.write("cpu,host=web-%03d,cpu=cpu%d,dc=eu-west-1 usage_user=%d.25,usage_system=3.125,usage_idle=84.5,n=%di %d\n"
                     % (i % 100, i % 8, i % 90, i, 1700000000000000000 + i))' > "$TMP/influx.lp"
  cat > "$TMP/influx.toml" <<TOML
[shards]
ingest = [0]
sink = [1]
[admin]
listen = "127.0.0.1:$ADMIN"
[[source]]
id = "lp"
type = "tcp"
listen = "127.0.0.1:$PORT"
preprocessors = ["separate"]
codec = "influx"
pipeline = "main"
[[pipeline]]
id = "main"
out = ["file"]
err = ["file"]
[[sink]]
id = "file"
type = "file"
path = "$TMP/influx.jsonl"
codec = "json"
postprocessors = ["separate"]
TOML
  start "$TMP/influx.toml"
  local before; before=$(thread_cpu $SLUICE_PID 0)
  $LOADGEN --file "$TMP/influx.lp" --tcp "127.0.0.1:$PORT" --connections 2 --duration "$DURATION" > "$TMP/lg.json"
  SENT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lines"])' "$TMP/lg.json")
  for _ in $(seq 600); do [ "$(metric 'sluice_sink_events_total{sink="file"}')" -ge "$SENT" ] 2>/dev/null && break; sleep 0.1; done
  local after; after=$(thread_cpu $SLUICE_PID 0)
  stop
  local got; got=$(wc -l < "$TMP/influx.jsonl")
  local bad; bad=$(grep -c '"error"' "$TMP/influx.jsonl" || true)
  python3 -c "import sys; n,got,bad,b,a,d=int(sys.argv[1]),int(sys.argv[2]),int(sys.argv[3]),float(sys.argv[4]),float(sys.argv[5]),float(sys.argv[6]); u=a-b; ok='ok' if got==n and bad==0 else f'MISMATCH: {got} JSON lines, {bad} errors'; print(f'influx over tcp -> json file: {n} lines ({ok}) in {d:.0f}s; ingest CPU {u:.2f} s -> {n/u/1e6:.2f} M lines per ingest CPU-second')" "$SENT" "$got" "$bad" "$before" "$after" "$DURATION"
  head -n1 "$TMP/influx.jsonl"
}

case "$WHAT" in
  http) bench_http ;;
  influx) bench_influx ;;
  es) bench_es ;;
  tail) bench_tail ;;
  all) bench_http; bench_influx; bench_es; bench_tail ;;
  *) echo "usage: $0 [http|es|tail|influx|all]" >&2; exit 2 ;;
esac
