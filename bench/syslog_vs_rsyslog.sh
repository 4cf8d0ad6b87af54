#!/usr/bin/env bash
# Syslog side by side: RFC 5424 over TCP with octet counting (RFC 6587) into a file of JSON
# lines, Sluice against rsyslog, driven in the same run by the same sender (syslog-ng's
# `loggen`) with the same command. Prints messages per CPU-second of each whole process
# (utime+stime of every thread, from /proc/PID/stat) and the ratio, and checks that each
# output file holds one line per message sent. Commit a run worth keeping to
# bench/results/syslog.md.
#
# rsyslog runs in the foreground (-n) with its own config, pid file and work directory in a
# temp dir: imtcp on a free port, no system inputs (no imuxsock, no imklog), one omfile
# action with a JSON template. Sluice runs the release build: tcp source with
# `textual-length-prefixed` framing, the syslog codec, a file sink with the json codec.
#
# Needs rsyslog and loggen. Debian's rsyslog and syslog-ng-core conflict (both are system
# log daemons), so when /usr/bin/loggen is missing the script unpacks syslog-ng-core's .deb
# into target/loggen (apt-get download + dpkg -x) and runs loggen from there.
#
# usage: bench/syslog_vs_rsyslog.sh [--messages 2000000] [--size 300] [--conns 1]
#                                   [--runs 3] [--ingest 0] [--sink 1] [--sluice BIN]
#                                   [--baseline BIN] [--rate 100000000] [--loggen-cpu LIST]
#                                   [--sluice-sink file|blackhole]
# (--sluice: another sluice binary; --baseline: a second sluice binary, e.g. a build from
# before a change, run in every run right after the first, for an A/B in the same run;
# --rate: loggen's messages per second per connection, default as fast as it can: at a rate
# both daemons keep up with, they are compared at the same offered load; --loggen-cpu: pin
# the sender with taskset, e.g. 1 = the CPU of Sluice's sink shard, not its ingest shard:
# where the sender runs decides how many messages each of Sluice's wakeups finds, see
# bench/results/syslog.md; default unpinned; --sluice-sink blackhole: Sluice's JSON goes to a
# blackhole sink instead of the file, counted from its metrics, to show what the file writes
# cost: that ratio is not the target's measure, rsyslog still writes its file)
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES=2000000 SIZE=300 CONNS=1 RUNS=3 INGEST=0 SINK=1 SLUICE="" BASELINE="" RATE=100000000 LOGGEN_CPU="" SLUICE_SINK=file
while [ $# -gt 0 ]; do
  case "$1" in
    --messages) MESSAGES=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --conns) CONNS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --ingest) INGEST=$2; shift 2 ;;
    --sink) SINK=$2; shift 2 ;;
    --sluice) SLUICE=$(realpath "$2"); shift 2 ;;
    --baseline) BASELINE=$(realpath "$2"); shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --loggen-cpu) LOGGEN_CPU=$2; shift 2 ;;
    --sluice-sink) SLUICE_SINK=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

# --- tools ---------------------------------------------------------------------------------
if ! command -v rsyslogd >/dev/null; then
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q rsyslog >/dev/null
fi
LOGGEN=/usr/bin/loggen
LOGGEN_ENV=()
if [ ! -x "$LOGGEN" ]; then
  LG_ROOT=$PWD/target/loggen/root
  if [ ! -x "$LG_ROOT/usr/bin/loggen" ]; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q libivykis0 libnet1 libjson-c5 \
      libwrap0 libglib2.0-0 libpcre3 libcap2 >/dev/null
    mkdir -p target/loggen
    (cd target/loggen && rm -f syslog-ng-core_*.deb && apt-get download -q syslog-ng-core >/dev/null \
      && dpkg -x syslog-ng-core_*.deb root)
  fi
  LOGGEN=$LG_ROOT/usr/bin/loggen
  LOGGEN_ENV=(SYSLOGNG_PREFIX="$LG_ROOT/usr" LD_LIBRARY_PATH="$LG_ROOT/usr/lib/syslog-ng")
fi
if [ -z "$SLUICE" ]; then
  cargo build --release -q --bin sluice -p sluice
  SLUICE=target/release/sluice
fi

TMP=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null || true; done; rm -rf "$TMP"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# CPU-seconds of the whole process (all its threads): utime + stime, fields 14 and 15.
proc_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.3f\n", ($12 + $13) / hz }' "/proc/$1/stat"; }
lines_of() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
# Waits until file $1 holds $2 lines or stops growing for 3 s.
wait_lines() {
  local last=-1 still=0 n
  while :; do
    n=$(lines_of "$1")
    [ "$n" -ge "$2" ] && return 0
    if [ "$n" = "$last" ]; then still=$((still + 1)); [ $still -ge 30 ] && return 0; else still=0; fi
    last=$n; sleep 0.1
  done
}
# Waits until Sluice's `json` sink has counted $2 events (admin port $1) or the count stops
# moving for 3 s; prints the count.
wait_counted() {
  local last=-1 still=0 n
  while :; do
    n=$(curl -sf "http://127.0.0.1:$1/metrics" | awk '/^sluice_sink_events_total\{sink="json"\}/ {print $2}')
    n=${n:-0}
    [ "$n" -ge "$2" ] && break
    if [ "$n" = "$last" ]; then still=$((still + 1)); [ $still -ge 30 ] && break; else still=0; fi
    last=$n; sleep 0.1
  done
  echo "$n"
}
TOTAL=$((MESSAGES * CONNS))
# Data that other work left dirty (a build) is written back during the first runs and
# lands on whichever daemon runs first after rsyslog (bench/results/syslog.md, round 6):
# write it out before the first run, and each output file is removed once counted.
sync
# loggen: RFC 5424 (-P) with its default octet-counting framing, fixed message size, as fast
# as it can unless --rate says otherwise (-r is per connection), MESSAGES per connection.
drive() {
  local pin=()
  if [ -n "$LOGGEN_CPU" ]; then pin=(taskset -c "$LOGGEN_CPU"); fi
  env "${LOGGEN_ENV[@]}" "${pin[@]}" "$LOGGEN" --inet --stream --syslog-proto --size "$SIZE" \
    --rate "$RATE" --number "$MESSAGES" --interval 600 --active-connections "$CONNS" \
    --quiet 127.0.0.1 "$1" > "$TMP/loggen.out" 2>&1
}

run_rsyslog() {
  local port; port=$(port)
  local d="$TMP/rsyslog"; rm -rf "$d"; mkdir -p "$d/work"
  cat > "$d/rsyslog.conf" <<CONF
global(workDirectory="$d/work")
module(load="imtcp")
template(name="json" type="list" option.jsonf="on") {
  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="severity" name="syslogseverity-text" format="jsonf")
  property(outname="facility" name="syslogfacility-text" format="jsonf")
  property(outname="appname" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="structured_data" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
}
ruleset(name="bench") {
  action(type="omfile" file="$d/out.jsonl" template="json")
}
input(type="imtcp" port="$port" ruleset="bench")
CONF
  rsyslogd -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid" 2> "$d/err" &
  local pid=$!; PIDS+=($pid)
  wait_port "$port"
  local before; before=$(proc_cpu $pid)
  local t0; t0=$(date +%s.%N)
  drive "$port"
  wait_lines "$d/out.jsonl" "$TOTAL"
  local t1; t1=$(date +%s.%N)
  local after; after=$(proc_cpu $pid)
  kill -TERM $pid; wait $pid 2>/dev/null || true
  report rsyslog "$(lines_of "$d/out.jsonl")" "$before" "$after" "$t0" "$t1"
  head -c 600 "$d/out.jsonl" > "$TMP/rsyslog.sample"
  # Counted: drop it now, so its dirty pages are not written back during the next runs.
  rm -f "$d/out.jsonl"
}

# run_sluice [BIN NAME]: the binary under test, or another one under another name.
run_sluice() {
  local bin=${1:-$SLUICE} name=${2:-sluice}
  local port admin; port=$(port); admin=$(port)
  local d="$TMP/$name"; rm -rf "$d"; mkdir -p "$d"
  local SINK_LINES="type = \"file\"
path = \"$d/out.jsonl\""
  [ "$SLUICE_SINK" = blackhole ] && SINK_LINES='type = "blackhole"'
  cat > "$d/sluice.toml" <<TOML
[shards]
ingest = [$INGEST]
sink = [$SINK]
[admin]
listen = "127.0.0.1:$admin"
[[source]]
id = "syslog"
type = "tcp"
listen = "127.0.0.1:$port"
preprocessors = ["textual-length-prefixed"]
codec = "syslog"
pipeline = "main"
[[pipeline]]
id = "main"
out = ["json"]
err = ["errors"]
[[sink]]
id = "json"
$SINK_LINES
codec = "json"
postprocessors = ["separate"]
[[sink]]
id = "errors"
type = "file"
path = "$d/errors.jsonl"
codec = "json"
postprocessors = ["separate"]
TOML
  RUST_LOG=warn "$bin" run "$d/sluice.toml" 2> "$d/err" &
  local pid=$!; PIDS+=($pid)
  wait_port "$port"
  local before; before=$(proc_cpu $pid)
  local t0; t0=$(date +%s.%N)
  drive "$port"
  local got
  if [ "$SLUICE_SINK" = blackhole ]; then
    got=$(wait_counted "$admin" "$TOTAL")
  else
    wait_lines "$d/out.jsonl" "$TOTAL"
    got=$(lines_of "$d/out.jsonl")
  fi
  local t1; t1=$(date +%s.%N)
  local after; after=$(proc_cpu $pid)
  kill -TERM $pid; wait $pid 2>/dev/null || true
  local errs; errs=$(lines_of "$d/errors.jsonl")
  [ "$errs" -eq 0 ] || { echo "$name: $errs messages failed to decode:" >&2; head -c 600 "$d/errors.jsonl" >&2; }
  report "$name" "$got" "$before" "$after" "$t0" "$t1"
  if [ -f "$d/out.jsonl" ]; then head -c 600 "$d/out.jsonl" > "$TMP/$name.sample"; else echo "(blackhole sink)" > "$TMP/$name.sample"; fi
  rm -f "$d/out.jsonl"
}

# report NAME LINES CPU_BEFORE CPU_AFTER T0 T1: one result line, and the rate into $TMP/NAME.rates
report() {
  python3 - "$@" "$TOTAL" >> "$TMP/$1.rates" <<'PY'
import sys
name, lines, b, a, t0, t1, total = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:7]), int(sys.argv[7])
cpu = a - b
ok = "ok" if lines == total else f"MISMATCH: {lines} lines for {total} messages"
print(f"{lines / cpu:.0f}")
print(f"{name:8s} {lines} lines ({ok}) in {t1 - t0:.2f} s wall, {cpu:.2f} CPU-s -> {lines / cpu:,.0f} msg per CPU-second ({lines / (t1 - t0):,.0f} msg/s wall)", file=sys.stderr)
PY
}

echo "loggen: RFC 5424, octet counting, $SIZE-byte messages, $MESSAGES per connection x $CONNS, rate $RATE, loggen on CPUs ${LOGGEN_CPU:-any}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$RUNS"); do
  echo "run $r:"
  run_rsyslog
  run_sluice
  if [ -n "$BASELINE" ]; then run_sluice "$BASELINE" baseline; fi
done
echo "sample rsyslog line: $(head -n1 "$TMP/rsyslog.sample")"
echo "sample sluice line:  $(head -n1 "$TMP/sluice.sample")"
python3 - "$TMP/rsyslog.rates" "$TMP/sluice.rates" <<'PY'
import statistics, sys
rs = [float(x) for x in open(sys.argv[1])]
sl = [float(x) for x in open(sys.argv[2])]
mr, ms = statistics.median(rs), statistics.median(sl)
print(f"median over {len(rs)} runs: rsyslog {mr:,.0f} msg per CPU-second, sluice {ms:,.0f}; ratio {ms / mr:.2f}x")
print("per-run ratios: " + ", ".join(f"{s / r:.2f}x" for r, s in zip(rs, sl)))
PY
if [ -n "$BASELINE" ]; then
  echo "sample baseline line: $(head -n1 "$TMP/baseline.sample")"
  python3 - "$TMP/rsyslog.rates" "$TMP/sluice.rates" "$TMP/baseline.rates" <<'PY'
import statistics, sys
rs, sl, bl = ([float(x) for x in open(f)] for f in sys.argv[1:4])
mr, ms, mb = statistics.median(rs), statistics.median(sl), statistics.median(bl)
print(f"baseline: median {mb:,.0f} msg per CPU-second, ratio to rsyslog {mb / mr:.2f}x; sluice / baseline {ms / mb:.2f}x")
print("per-run sluice / baseline: " + ", ".join(f"{s / b:.2f}x" for s, b in zip(sl, bl)))
PY
fi
