#!/usr/bin/env bash
# What TLS costs on the ingest path: 600-byte JSON lines (bench/data/json600.jsonl) from
# loadgen over plain TCP and over TLS (loadgen --tls-ca: rustls, TLS 1.3) into one Sluice
# with two tcp sources on the same ingest shard (CPU 0), `separate` + json codec -> one
# blackhole sink (CPU 1). Rounds alternate plain, TLS, plain, TLS, ... in one process so that
# the machine's load falls on both alike; each round's figure is MB of JSON per CPU-second of
# the ingest shard's thread (user+sys from /proc), and the medians are compared.
# Issue 10's target: TLS costs at most 30% of plain TCP throughput on the same JSON path.
# Commit a run worth keeping to bench/results/tls.md.
#
# --sender python sends with Python's ssl (OpenSSL) instead of loadgen, the same sender for
# both kinds; SLUICE_BIN=path uses that sluice binary instead of building one (the figure
# is a ratio within one run, so any release build of the same source path will do).
#
# usage: bench/tls.sh [--rounds 5] [--duration 5] [--connections 2] [--sender loadgen|python]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=5 DURATION=5 CONNS=2 SENDER=loadgen
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --sender) SENDER=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
SLUICE=${SLUICE_BIN:-}
if [ -z "$SLUICE" ]; then
  cargo build --release -q --bin sluice -p sluice
  SLUICE=target/release/sluice
fi
if [ "$SENDER" = loadgen ]; then cargo build --release -q --bin loadgen -p sluice-bench; fi
BIN=target/release
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

# A CA and a server certificate for 127.0.0.1 (RSA 2048, as the tests make them).
( cd "$TMP"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench-ca -keyout ca.key -out ca.pem 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=server -keyout server.key -out server.csr 2>/dev/null
  echo "subjectAltName=IP:127.0.0.1" > server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.pem 2>/dev/null )

ADMIN=$(port) PLAIN=$(port) TLS=$(port)
cat > "$TMP/tls.toml" <<TOML
[shards]
ingest = [0]
sink = [1]
[admin]
listen = "127.0.0.1:$ADMIN"
[[source]]
id = "plain"
type = "tcp"
listen = "127.0.0.1:$PLAIN"
preprocessors = ["separate"]
codec = "json"
pipeline = "main"
[[source]]
id = "tls"
type = "tcp"
listen = "127.0.0.1:$TLS"
tls = { cert = "$TMP/server.pem", key = "$TMP/server.key" }
preprocessors = ["separate"]
codec = "json"
pipeline = "main"
[[pipeline]]
id = "main"
out = ["hole"]
err = ["hole"]
[[sink]]
id = "hole"
type = "blackhole"
TOML
RUST_LOG=warn $SLUICE run "$TMP/tls.toml" 2> "$TMP/sluice.err" &
SLUICE_PID=$!; PIDS+=($SLUICE_PID)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ADMIN/health" >/dev/null && break; sleep 0.1; done

round() { # kind port [loadgen options...] -> "kind MB CPU-s MB/CPU-s"
  local kind=$1 p=$2; shift 2
  local had; had=$(metric "sluice_source_bytes_total{source=\"$kind\"}"); had=${had:-0}
  local before; before=$(thread_cpu $SLUICE_PID 0)
  if [ "$SENDER" = python ]; then
    taskset -c 1 python3 - "$p" "$CONNS" "$DURATION" "$@" > "$TMP/lg.json" <<'PY'
import socket, ssl, sys, threading, time
port, conns, dur = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
ca = sys.argv[5] if len(sys.argv) > 5 else None
chunk = open("bench/data/json600.jsonl", "rb").read()
sent = [0] * conns
def run(k):
    s = socket.create_connection(("127.0.0.1", port))
    if ca:
        s = ssl.create_default_context(cafile=ca).wrap_socket(s, server_hostname="127.0.0.1")
    end = time.time() + dur
    while time.time() < end:
        s.sendall(chunk); sent[k] += len(chunk)
    s.shutdown(socket.SHUT_WR)
    s.close()
ts = [threading.Thread(target=run, args=(k,)) for k in range(conns)]
[t.start() for t in ts]; [t.join() for t in ts]
print('{"bytes": %d}' % sum(sent))
PY
  else
    $BIN/loadgen --file bench/data/json600.jsonl --tcp "127.0.0.1:$p" --connections "$CONNS" \
      --cpus 1 --duration "$DURATION" "$@" > "$TMP/lg.json" 2>/dev/null
  fi
  local sent; sent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bytes"])' "$TMP/lg.json")
  # Wait until the source has read all of it (its bytes count the decrypted stream).
  for _ in $(seq 600); do
    awk -v a="$(metric "sluice_source_bytes_total{source=\"$kind\"}")" -v b="$had" -v s="$sent" 'BEGIN {exit !(a - b >= s)}' && break
    sleep 0.05
  done
  local after; after=$(thread_cpu $SLUICE_PID 0)
  python3 -c "import sys; s,b,a=int(sys.argv[2]),float(sys.argv[3]),float(sys.argv[4]); print(sys.argv[1], f'{s/1e6:.1f}', f'{a-b:.2f}', f'{s/(a-b)/1e6:.1f}')" "$kind" "$sent" "$before" "$after"
}

echo "# $(date -u +%FT%TZ) $(uname -n) $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# rounds=$ROUNDS duration=${DURATION}s connections=$CONNS sender=$SENDER (pinned to CPU 1, ingest shard CPU 0) sluice=$SLUICE"
echo "# kind MB_sent ingest_CPU_s MB_per_ingest_CPU_s"
for r in $(seq "$ROUNDS"); do
  round plain "$PLAIN" | tee -a "$TMP/rounds"
  round tls "$TLS" --tls-ca "$TMP/ca.pem" | tee -a "$TMP/rounds"
done
kill -TERM $SLUICE_PID; wait $SLUICE_PID || true
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$TMP/rounds" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {k: statistics.median(float(r[3]) for r in rows if r[0] == k) for k in ("plain", "tls")}
cost = 1 - med["tls"] / med["plain"]
print(f"median MB per ingest CPU-second: plain {med['plain']:.1f}, TLS {med['tls']:.1f}; "
      f"TLS costs {cost*100:.1f}% (target: at most 30%: {'met' if cost <= 0.30 else 'MISSED'})")
PY
