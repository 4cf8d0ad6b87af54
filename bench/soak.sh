#!/usr/bin/env bash
# Soak: Sluice at twice its measured capacity for a long time, over TCP and UDP at once.
#
# Offers CAPACITY lines/s over TCP (lossless: the senders are pushed back) plus CAPACITY
# lines/s over UDP (lossy: what does not fit is dropped), i.e. 2x the measured end-to-end
# capacity (bench/results/e2e.md: 890,488 events/s, median), into one ingest shard and a
# blackhole sink. Every SAMPLE seconds it records RSS and the counters; at the end it checks
# that RSS stayed bounded and that every line sent is accounted for: delivered, or dropped
# with a reason (UDP ring_full, kernel receive-buffer drops). Not run in CI.
#
# usage: bench/soak.sh [--duration 600] [--capacity 890488] [--ingest 0] [--sink 1]
#                      [--sample 10] [--out DIR] [--bin-dir target/release]
# --bin-dir uses already built `sluice` and `loadgen` binaries instead of building release ones.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=600 CAPACITY=890488 INGEST=0 SINK=1 SAMPLE=10 OUT="" BIN=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --capacity) CAPACITY=$2; shift 2 ;;
    --ingest) INGEST=$2; shift 2 ;;
    --sink) SINK=$2; shift 2 ;;
    --sample) SAMPLE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --bin-dir) BIN=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

if [ -z "$BIN" ]; then
  cargo build --release -q --bin sluice -p sluice
  cargo build --release -q --bin loadgen -p sluice-bench
  BIN=target/release
fi
TMP=$(mktemp -d)
OUT=${OUT:-$TMP}
mkdir -p "$OUT"
trap 'kill $SLUICE_PID $TCP_PID $UDP_PID 2>/dev/null || true; rm -rf "$TMP"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
TCP_PORT=$(port) UDP_PORT=$(port) ADMIN=$(port)

cat > "$TMP/soak.toml" <<TOML
[shards]
ingest = [$INGEST]
sink = [$SINK]
[admin]
listen = "127.0.0.1:$ADMIN"
metrics_interval = "1s"
[[source]]
id = "tcp"
type = "tcp"
listen = "127.0.0.1:$TCP_PORT"
preprocessors = ["separate"]
pipeline = "main"
[[source]]
id = "udp"
type = "udp"
listen = "127.0.0.1:$UDP_PORT"
recv_buffer = "8MiB"
pipeline = "main"
[[pipeline]]
id = "main"
out = ["hole"]
err = ["hole"]
[[sink]]
id = "hole"
type = "blackhole"
TOML

RUST_LOG=warn $BIN/sluice run "$TMP/soak.toml" 2> "$OUT/sluice.err" &
SLUICE_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ADMIN/health" >/dev/null && break; sleep 0.1; done

CORPUS=bench/data/json600.jsonl
$BIN/loadgen --file $CORPUS --tcp "127.0.0.1:$TCP_PORT" --connections 4 \
  --rate "$CAPACITY" --duration "$DURATION" > "$OUT/loadgen-tcp.json" &
TCP_PID=$!
$BIN/loadgen --file $CORPUS --udp "127.0.0.1:$UDP_PORT" --connections 2 \
  --rate "$CAPACITY" --duration "$DURATION" > "$OUT/loadgen-udp.json" &
UDP_PID=$!

# Samples: seconds, RSS KiB, then the counters that matter.
echo "t rss_kib tcp_events udp_events udp_ring_full udp_kernel_drops sink_events" > "$OUT/samples.txt"
START=$(date +%s)
sample() {
  local m rss
  m=$(curl -sf "http://127.0.0.1:$ADMIN/metrics" || true)
  rss=$(awk '/VmRSS/ {print $2}' /proc/$SLUICE_PID/status 2>/dev/null || echo 0)
  get() { awk -v k="$1" '$1 == k {print $2; f=1} END {if (!f) print 0}' <<<"$m"; }
  echo "$(( $(date +%s) - START )) $rss $(get 'sluice_source_events_total{source="tcp"}') \
$(get 'sluice_source_events_total{source="udp"}') \
$(get 'sluice_source_dropped_total{source="udp",reason="ring_full"}') \
$(get 'sluice_source_kernel_drops_total{source="udp"}') \
$(get 'sluice_sink_events_total{sink="hole"}')" >> "$OUT/samples.txt"
}
while kill -0 $TCP_PID 2>/dev/null || kill -0 $UDP_PID 2>/dev/null; do
  sample
  sleep "$SAMPLE"
done
wait $TCP_PID $UDP_PID || true
sleep 3
sample
HWM=$(awk '/VmHWM/ {print $2}' /proc/$SLUICE_PID/status)
kill -TERM $SLUICE_PID; wait $SLUICE_PID || true

python3 - "$OUT" "$DURATION" "$CAPACITY" "$HWM" <<'PY'
import json, sys
out, duration, capacity, hwm = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
tcp = json.load(open(f"{out}/loadgen-tcp.json"))
udp = json.load(open(f"{out}/loadgen-udp.json"))
rows = [l.split() for l in open(f"{out}/samples.txt").read().splitlines()[1:]]
rows = [[float(x) for x in r] for r in rows if len(r) == 7]
last = rows[-1]
rss = [r[1] / 1024 for r in rows]
third = max(1, len(rss) // 3)
print(f"offered:   {capacity:,} lines/s over TCP + {capacity:,} lines/s over UDP for {duration:.0f} s (2x capacity)")
print(f"sent:      TCP {tcp['lines']:,} lines ({tcp['lines']/tcp['seconds']:,.0f}/s, pushed back), UDP {udp['lines']:,} datagrams ({udp['lines']/udp['seconds']:,.0f}/s)")
print(f"received:  TCP {last[2]:,.0f} events, UDP {last[3]:,.0f} events; delivered to the sink {last[6]:,.0f}")
print(f"UDP drops: ring_full {last[4]:,.0f}, kernel receive buffer {last[5]:,.0f}")
# A datagram the kernel dropped never became an event; one dropped on a full ring did (it
# is in the source's events and in ring_full), so the sink got received - ring_full.
unacc_tcp = tcp['lines'] - last[2]
unacc_udp = udp['lines'] - last[3] - last[5]
undelivered = last[2] + last[3] - last[4] - last[6]
print(f"unaccounted: TCP {unacc_tcp:,.0f}, UDP {unacc_udp:,.0f} (sent - received - kernel drops)")
print(f"undelivered: {undelivered:,.0f} (received - ring_full drops - delivered)")
print(f"RSS:       first third max {max(rss[:third]):.1f} MiB, last third max {max(rss[-third:]):.1f} MiB, peak (VmHWM) {hwm/1024:.1f} MiB")
PY
