# tools/bench fastpath: one JSON object on stdout; logs go to stderr. Run by tools/bench.
# shellcheck shell=bash
#
#   tools/bench fastpath [--rounds N] [--count N] [--warmup N] [--stream-bytes N] [--cpu N]
#
# fastpath: the kernel fast path against plain loopback TCP, same machine, same run, same two
# programs (weir-echo server and client), same simulated node (tools/lib/simnode.sh):
#   plain     the client runs in a cgroup the agent does not mesh and dials the server workload's
#             address directly (10.244.1.10:8080): TCP over lo, no weir involvement;
#   fastpath  the meshed client dials the Service VIP (10.96.0.10:80); connect4 steers it to the
#             same server and sk_msg redirects every send into the peer socket.
# Measured: 64-byte request/response (p50/p99/mean round trip) and streaming with 64 KiB writes
# into a sink (10.96.0.10:81 -> 10.244.1.10:8081). Plain and fastpath runs are interleaved,
# alternating which goes first, and each metric reports the median over the rounds, so drift on a
# shared machine hits both sides alike. Fails (exit 1) if any run fails or if the agent's
# bytes_redirected counter grew by less than the bytes streamed through the fast path.
#
# BIN_DIR defaults to <repo>/build/bin.

set -euo pipefail

usage() {
  cat >&2 <<'EOF'
usage: tools/bench fastpath [--rounds N] [--count N] [--warmup N] [--stream-bytes N] [--cpu N]
  fastpath   weir's kernel fast path (connect4 + sockmap redirect) vs plain loopback TCP;
             prints one JSON object.
  --rounds N          interleaved plain/fastpath rounds per measurement (default 5)
  --count N           ping-pong round trips measured per run (default 20000)
  --warmup N          ping-pong round trips discarded first (default 2000)
  --stream-bytes N    bytes streamed per run (default 1073741824)
  --cpu N|any         pin servers and clients to CPU N (default: the last CPU; "any" lets
                      the scheduler place them, which on a 2-core VM decides more than weir)
EOF
}

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)

case "${1:-}" in
  -h | --help) usage; exit 0 ;;
esac

ROUNDS=5
COUNT=20000
WARMUP=2000
STREAM_BYTES=$((1 << 30))
MESSAGE_BYTES=64
WRITE_BYTES=65536
RUN_TIMEOUT=120   # seconds; every single run is bounded
CPU="$(( $(nproc) - 1 ))"

while (($#)); do
  (($# >= 2)) || { usage; exit 2; }
  case "$1" in
    --rounds) ROUNDS="$2" ;;
    --count) COUNT="$2" ;;
    --warmup) WARMUP="$2" ;;
    --stream-bytes) STREAM_BYTES="$2" ;;
    --cpu) CPU="$2" ;;
    *) usage; exit 2 ;;
  esac
  shift 2
done
for v in "$ROUNDS" "$COUNT" "$STREAM_BYTES"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { usage; exit 2; }
done
[[ "$CPU" == any ]] && CPU=""
[[ "$WARMUP" =~ ^[0-9]+$ && "$CPU" =~ ^[0-9]*$ ]] || { usage; exit 2; }

if [[ $EUID -ne 0 ]]; then
  if ! command -v sudo >/dev/null; then
    echo "bench: simulated nodes need root, and sudo is not installed; run as root" >&2
    exit 2
  fi
  echo "bench: simulated nodes need root; re-running through sudo" >&2
  exec sudo BIN_DIR="${BIN_DIR:-}" "$REPO/tools/bench" fastpath --rounds "$ROUNDS" --count "$COUNT" \
    --warmup "$WARMUP" --stream-bytes "$STREAM_BYTES" ${CPU:+--cpu "$CPU"}
fi

BIN_DIR="${BIN_DIR:-$REPO/build/bin}"
for b in weir-agent weir-echo; do
  if [[ ! -x "$BIN_DIR/$b" ]]; then
    echo "bench: $BIN_DIR/$b is missing; run ./tools/test or build first" \
      "(ninja -C $REPO/build weir-agent weir-echo), or set BIN_DIR" >&2
    exit 2
  fi
done

# From here on everything created (netns, cgroups, bpffs pins, processes, temp files) is removed
# on exit by simnode.sh's trap.
source "$REPO/tools/lib/simnode.sh"

die() {
  log "bench: $*"
  exit 1
}

# --- one simulated node: a meshed server and client, an unmeshed client, the agent ------------
mount_bpffs
make_node n1
add_ip n1 10.244.1.10/32   # server workload
add_ip n1 10.244.1.20/32   # meshed client workload
workload_cgroup n1 server >/dev/null
workload_cgroup n1 client >/dev/null
workload_cgroup n1 plain >/dev/null   # not declared anywhere: never meshed

CONF="$E2E_TMP/conf"
mkdir -p "$CONF"
cat >"$CONF/web.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: bench
spec:
  clusterIP: 10.96.0.10
  selector:
    app: web
  ports:
  - name: echo
    port: 80
    targetPort: 8080
  - name: sink
    port: 81
    targetPort: 8081
YAML
cat >"$CONF/workloads.yaml" <<'YAML'
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: web-1
  namespace: bench
  labels:
    app: web
  annotations:
    weir.io/cgroup: server
spec:
  meshTLS:
    identity: spiffe://cluster.local/ns/bench/sa/web
    serverName: web-1.bench.cluster.local
  workloadIPs:
  - ip: 10.244.1.10
  ports:
  - port: 8080
    name: echo
  - port: 8081
    name: sink
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: client-1
  namespace: bench
  labels:
    app: client
  annotations:
    weir.io/cgroup: client
spec:
  meshTLS:
    identity: spiffe://cluster.local/ns/bench/sa/client
    serverName: client-1.bench.cluster.local
  workloadIPs:
  - ip: 10.244.1.20
YAML

# Both sides run the same binaries under the same placement: taskset pins them to --cpu.
PIN=()
[[ -z "$CPU" ]] || PIN=(taskset -c "$CPU")
start_in n1 server echo-server "${PIN[@]}" "$ECHO_APP" serve 10.244.1.10:8080
start_in n1 server sink-server "${PIN[@]}" "$ECHO_APP" serve 10.244.1.10:8081 --sink
wait_for "servers listening" 5 in_node n1 bash -c \
  'ss -ltn | grep -q 10.244.1.10:8080 && ss -ltn | grep -q 10.244.1.10:8081' ||
  die "weir-echo servers did not start"
start_agent n1 "$CONF" --log-level warn || die "weir-agent did not become ready ($E2E_TMP/agent-n1.log)"

counter() { metric n1 "weir_fastpath_events_total\\{event=\"$1\"\\}"; }

# Each side: the cgroup its client runs in and the addresses it dials.
declare -A CGROUP=([plain]=plain [fastpath]=client)
declare -A ECHO_ADDR=([plain]=10.244.1.10:8080 [fastpath]=10.96.0.10:80)
declare -A SINK_ADDR=([plain]=10.244.1.10:8081 [fastpath]=10.96.0.10:81)

# Samples per side and metric, space separated.
declare -A SAMPLES=()
add_sample() { SAMPLES[$1.$2]+="${SAMPLES[$1.$2]:+ }$3"; }

# number JSON FIELD: the field's value, or fails if it is not a number.
number() {
  local v; v=$(json_field "$1" "$2")
  [[ "$v" =~ ^[0-9]+(\.[0-9]+)?$ ]] || return 1
  echo "$v"
}

run_pingpong() {
  local side="$1" out
  out=$(run_in n1 "${CGROUP[$side]}" timeout "$RUN_TIMEOUT" "${PIN[@]}" \
    "$ECHO_APP" pingpong "${ECHO_ADDR[$side]}" "$MESSAGE_BYTES" "$COUNT" "$WARMUP") ||
    die "$side pingpong failed: ${out:-no output}"
  log "  $side pingpong $out"
  local p50 p99 mean
  p50=$(number "$out" p50_us) && p99=$(number "$out" p99_us) && mean=$(number "$out" mean_us) ||
    die "$side pingpong printed no result: $out"
  add_sample "$side" p50 "$p50"
  add_sample "$side" p99 "$p99"
  add_sample "$side" mean "$mean"
}

run_stream() {
  local side="$1" out
  out=$(run_in n1 "${CGROUP[$side]}" timeout "$RUN_TIMEOUT" "${PIN[@]}" \
    "$ECHO_APP" stream "${SINK_ADDR[$side]}" "$WRITE_BYTES" "$STREAM_BYTES") ||
    die "$side stream failed: ${out:-no output}"
  log "  $side stream $out"
  local bytes bps
  bytes=$(number "$out" bytes) && bps=$(number "$out" bytes_per_second) ||
    die "$side stream printed no result: $out"
  ((bytes >= STREAM_BYTES)) || die "$side stream moved $bytes of $STREAM_BYTES bytes"
  add_sample "$side" bps "$bps"
}

# --- the interleaved runs ---------------------------------------------------------------------
redirected_before=$(counter bytes_redirected)
msgs_redirected_before=$(counter msg_redirected)
msgs_passed_before=$(counter msg_passed)

log "bench: $ROUNDS rounds; pingpong $MESSAGE_BYTES B x $COUNT (+$WARMUP warm-up);" \
  "stream $STREAM_BYTES B in $WRITE_BYTES B writes; cpu ${CPU:-any}; kernel $(uname -r)"
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2)); then order=(plain fastpath); else order=(fastpath plain); fi
  log "round $r/$ROUNDS: ${order[*]}"
  for side in "${order[@]}"; do run_pingpong "$side"; done
  for side in "${order[@]}"; do run_stream "$side"; done
done

redirected=$(($(counter bytes_redirected) - redirected_before))
msgs_redirected=$(($(counter msg_redirected) - msgs_redirected_before))
msgs_passed=$(($(counter msg_passed) - msgs_passed_before))
streamed=$((ROUNDS * STREAM_BYTES))
log "fast path counters: bytes_redirected +$redirected, msg_redirected +$msgs_redirected," \
  "msg_passed +$msgs_passed (fast path streamed $streamed bytes)"
((redirected >= streamed)) ||
  die "the fast path was not used: bytes_redirected grew by $redirected, less than the $streamed bytes streamed"

# --- the report -------------------------------------------------------------------------------
median() { tr ' ' '\n' <<<"$1" | sort -g | awk '{ v[NR] = $1 } END {
  if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
json_array() { echo "[${1// /,}]"; }

side_json() {
  local s="$1"
  printf '{"rtt_p50_us":%s,"rtt_p99_us":%s,"rtt_mean_us":%s,"throughput_bytes_per_second":%.0f,' \
    "$(median "${SAMPLES[$s.p50]}")" "$(median "${SAMPLES[$s.p99]}")" \
    "$(median "${SAMPLES[$s.mean]}")" "$(median "${SAMPLES[$s.bps]}")"
  printf '"samples":{"rtt_p50_us":%s,"rtt_p99_us":%s,"rtt_mean_us":%s,"throughput_bytes_per_second":%s}}' \
    "$(json_array "${SAMPLES[$s.p50]}")" "$(json_array "${SAMPLES[$s.p99]}")" \
    "$(json_array "${SAMPLES[$s.mean]}")" "$(json_array "${SAMPLES[$s.bps]}")"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
m() { median "${SAMPLES[$1.$2]}"; }

printf '{"benchmark":"fastpath","kernel":"%s","cpu":"%s","rounds":%d,"message_bytes":%d,' \
  "$(uname -r)" "${CPU:-any}" "$ROUNDS" "$MESSAGE_BYTES"
printf '"pingpong_count":%d,"pingpong_warmup":%d,"write_bytes":%d,"stream_bytes":%d,' \
  "$COUNT" "$WARMUP" "$WRITE_BYTES" "$STREAM_BYTES"
printf '"rtt_p50_ratio":%s,"rtt_p99_ratio":%s,"rtt_mean_ratio":%s,"throughput_ratio":%s,' \
  "$(ratio "$(m fastpath p50)" "$(m plain p50)")" "$(ratio "$(m fastpath p99)" "$(m plain p99)")" \
  "$(ratio "$(m fastpath mean)" "$(m plain mean)")" "$(ratio "$(m fastpath bps)" "$(m plain bps)")"
printf '"plain":%s,"fastpath":%s,' "$(side_json plain)" "$(side_json fastpath)"
printf '"fastpath_bytes_redirected":%d,"fastpath_msgs_redirected":%d,"fastpath_msgs_passed":%d}\n' \
  "$redirected" "$msgs_redirected" "$msgs_passed"
