# tools/bench control: one JSON object on stdout; logs go to stderr. Run by tools/bench.
# shellcheck shell=bash
#
#   tools/bench control [--changes N] [--streams N] [--services N] [--timeout S]
#
# control: how fast weir-control carries a configuration change to its agents, and what it costs.
#   mesh      --services Services (default 1,000; VIP 10.96.x.y, one port) with 10 ExternalWorkloads
#             each (selected by label), spread over --streams nodes load-0.. by weir.io/node, in
#             one file per 100 services (tools/bench.d/control_config.awk). One endpoint per file
#             runs on n1, a simulated node (tools/lib/simnode.sh) with real cgroups.
#   agents    the real weir-agent on n1 following weir-control (--control), and weir-nodesync-load:
#             --streams real NodeSync streams (default 50, nodes load-0..) from one process, each on
#             its own connection, acking every message and logging when it received each version.
#   changes   --changes edits (default 200), one at a time: each rewrites one file (written beside
#             the directory, renamed into place) flipping the weight of n1's endpoint in that
#             file's first service between 2 and 1. weir-map-probe takes the time, renames, polls
#             the pinned weir_backends entry every 1 ms until its weight_end shows the new weight,
#             then polls weir-control's /metrics until n1's agent acked the version.
# Measured per change, from just before the rename (all CLOCK_REALTIME):
#   to_kernel     until n1's kernel map holds the new weight;
#   to_all_acks   until all --streams load streams received the version and n1's agent acked it;
#   to_first/last_receive   the first and last of the load streams to receive it (where the time
#                 goes: reload and planning for one node vs the fan-out to every node).
# Percentiles are nearest-rank over the changes. weir-control's RSS (VmRSS, VmHWM) is read at the
# end; its CPU seconds (utime + stime) over its whole life and over the changes alone (n1's agent's
# too).
# Fails (exit 1, the JSON still printed when the run got that far) if any change is not seen in
# the kernel, acknowledged, or received by every stream within --timeout seconds.

set -euo pipefail

usage() {
  cat >&2 <<'EOF'
usage: tools/bench control [--changes N] [--streams N] [--services N] [--timeout S]
  control   a configuration change from the config directory through weir-control to N NodeSync
            streams and one real agent's kernel map; prints one JSON object.
  --changes N    configuration changes, one at a time (default 200)
  --streams N    load NodeSync streams, one per node load-0..load-N-1 (default 50)
  --services N   services, a multiple of 100; 10 endpoints each (default 1000)
  --timeout S    seconds each change may take to reach the kernel, every ack and every stream
                 (default 30)
EOF
}

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)

case "${1:-}" in
  -h | --help) usage; exit 0 ;;
esac

CHANGES=200
STREAMS=50
SERVICES=1000
TIMEOUT=30
PER_FILE=100      # services per file: a change rewrites one file
PER_SERVICE=10    # endpoints (ExternalWorkloads) per service

while (($#)); do
  (($# >= 2)) || { usage; exit 2; }
  case "$1" in
    --changes) CHANGES="$2" ;;
    --streams) STREAMS="$2" ;;
    --services) SERVICES="$2" ;;
    --timeout) TIMEOUT="$2" ;;
    *) usage; exit 2 ;;
  esac
  shift 2
done
for v in "$CHANGES" "$STREAMS" "$SERVICES" "$TIMEOUT"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { usage; exit 2; }
done
((SERVICES % PER_FILE == 0)) || { usage; exit 2; }
FILES=$((SERVICES / PER_FILE))
((FILES <= 200)) || { echo "bench: at most 20000 services (n1's addresses)" >&2; exit 2; }

if [[ $EUID -ne 0 ]]; then
  if ! command -v sudo >/dev/null; then
    echo "bench: simulated nodes need root, and sudo is not installed; run as root" >&2
    exit 2
  fi
  echo "bench: simulated nodes need root; re-running through sudo" >&2
  exec sudo BIN_DIR="${BIN_DIR:-}" "$REPO/tools/bench" control --changes "$CHANGES" \
    --streams "$STREAMS" --services "$SERVICES" --timeout "$TIMEOUT"
fi

BIN_DIR="${BIN_DIR:-$REPO/build/bin}"
for b in weir-control weir-agent weir-nodesync-load weir-map-probe; do
  if [[ ! -x "$BIN_DIR/$b" ]]; then
    echo "bench: $BIN_DIR/$b is missing; build it first (ninja -C $REPO/build" \
      "weir-control weir-agent weir-nodesync-load weir-map-probe), or set BIN_DIR" >&2
    exit 2
  fi
done
LOAD="$BIN_DIR/weir-nodesync-load"
PROBE="$BIN_DIR/weir-map-probe"
GEN="$REPO/tools/bench.d/control_config.awk"

# From here on everything created (netns, cgroups, bpffs pins, processes, temp files) is removed
# on exit by simnode.sh's trap.
source "$REPO/tools/lib/simnode.sh"

die() {
  log "bench: $*"
  exit 1
}

CONTROL_ADMIN=127.0.0.1:9990
CLK_TCK=$(getconf CLK_TCK)

control_metric() { # control_metric SERIES: its value on weir-control's /metrics (n1's netns)
  in_node n1 curl -sf "http://$CONTROL_ADMIN/metrics" | awk -v s="$1" '$1 == s { print $2 }'
}
cpu_seconds() { # utime + stime of PID, in seconds
  awk -v tck="$CLK_TCK" '{ sub(/.*\) /, ""); printf "%.2f\n", ($12 + $13) / tck }' "/proc/$1/stat"
}
status_mb() { # status_mb PID FIELD: a kB field of /proc/PID/status, in MiB
  awk -v f="$2:" '$1 == f { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status"
}
gen_file() { # gen_file K WEIGHT: file K of the mesh, n1's endpoint in it weighing WEIGHT
  awk -v file="$1" -v weight="$2" -v per_file="$PER_FILE" -v per_service="$PER_SERVICE" \
    -v nodes="$STREAMS" -f "$GEN"
}
vip_of() { # vip_of SERVICE_INDEX
  echo "10.96.$(($1 / 250)).$(($1 % 250 + 1))"
}

# --- n1: the real node, with a cgroup and an address for its endpoint in every file --------------
mount_bpffs
make_node n1
for ((k = 0; k < FILES; k++)); do
  add_ip n1 "10.244.1.$((10 + k))/32"   # as control_config.awk places n1's endpoint of file k
  workload_cgroup n1 "n1w-$k" >/dev/null
done

CONF="$E2E_TMP/conf"
STAGE="$E2E_TMP/stage"   # beside CONF, same file system: rename(2) moves a whole file in
mkdir -p "$CONF" "$STAGE"
for ((k = 0; k < FILES; k++)); do
  gen_file "$k" 1 >"$CONF/services-$k.yaml"
done
log "bench: config $SERVICES services, $((SERVICES * PER_SERVICE)) endpoints, $FILES files," \
  "$(du -sh "$CONF" | cut -f1); $STREAMS load nodes + n1; kernel $(uname -r)"

# --- weir-control, n1's agent, the load streams -----------------------------------------------
start_bg n1 control "$CONTROL" --config-dir "$CONF" --listen 127.0.0.1:8086 --admin "$CONTROL_ADMIN"
CONTROL_PID=$LAST_PID
started=$(date +%s%N)
wait_for "weir-control ready" 60 in_node n1 curl -sf -o /dev/null "http://$CONTROL_ADMIN/ready" ||
  die "weir-control did not become ready ($E2E_TMP/control.log)"
log "bench: weir-control ready in $((($(date +%s%N) - started) / 1000000)) ms," \
  "RSS $(status_mb "$CONTROL_PID" VmRSS) MiB"

start_agent_control n1 127.0.0.1:8086 ||
  die "weir-agent did not become ready ($E2E_TMP/agent-n1.log)"
AGENT_PID=$LAST_PID

RECEIPTS="$E2E_TMP/receipts"   # VERSION NODE RECEIVE_NS KIND BYTES, one line per message
# $E2E_TMP/changes (kept with WEIR_E2E_KEEP=1): CHANGE VERSION CHANGE_NS KERNEL_NS ACK_NS
# FIRST_RECEIVE_NS LAST_RECEIVE_NS per change.
start_bg n1 nodesync-load "$LOAD" 127.0.0.1:8086 --streams "$STREAMS" --out "$RECEIPTS"
LOAD_PID=$LAST_PID

received_by_all() { # received_by_all VERSION: every load stream has a line for it
  local n; n=$(awk -v v="$1" '$1 == v { n++ } END { print n + 0 }' "$RECEIPTS" 2>/dev/null)
  [[ "$n" == "$STREAMS" ]]
}
V0=$(control_metric weir_control_config_version)
[[ "$V0" =~ ^[0-9]+$ ]] || die "weir-control has no config version"
agent_acked() { # agent_acked VERSION: weir-control has n1's ack for it
  [[ "$(control_metric "weir_control_nodesync_acked_version{node=\"n1\"}")" -ge "$1" ]]
}
wait_for "n1's agent at version $V0" 60 agent_acked "$V0" ||
  die "n1's agent did not ack version $V0"
wait_for "$STREAMS streams at version $V0" 120 received_by_all "$V0" ||
  die "the load streams did not all receive version $V0 ($E2E_TMP/nodesync-load.log)"
log "bench: version $V0 acked by n1 and received by $STREAMS streams" \
  "$((($(date +%s%N) - started) / 1000000)) ms after weir-control started;" \
  "weir-control RSS $(status_mb "$CONTROL_PID" VmRSS) MiB," \
  "peak $(status_mb "$CONTROL_PID" VmHWM) MiB"

# The probe: a coprocess in n1's netns (it reads weir-control's /metrics on 127.0.0.1).
# exec: PROBE_IO_PID is the probe itself (nsenter execs it too).
coproc PROBE_IO { exec nsenter --net="/run/netns/$(node_ns n1)" "$PROBE" \
  --map "$(node_bpffs n1)/weir_backends" --metrics "$CONTROL_ADMIN" --node n1 \
  --timeout-ms "$((TIMEOUT * 1000))" 2>>"$E2E_TMP/probe.log"; }
E2E_PIDS+=("$PROBE_IO_PID")
exec {PROBE_IN}>&"${PROBE_IO[1]}" {PROBE_OUT}<&"${PROBE_IO[0]}"

# --- the changes --------------------------------------------------------------------------------
cpu_before=$(cpu_seconds "$CONTROL_PID")
agent_cpu_before=$(cpu_seconds "$AGENT_PID")
TO_KERNEL=() TO_ACKS=() TO_FIRST=() TO_LAST=()
FAILED=0
log "bench: $CHANGES changes, one at a time"
for ((c = 0; c < CHANGES; c++)); do
  k=$((c % FILES))
  weight=$(((c / FILES) % 2 == 0 ? 2 : 1))
  version=$((V0 + c + 1))
  svc=$((k * PER_FILE))
  gen_file "$k" "$weight" >"$STAGE/services-$k.yaml"
  # n1's endpoint has the highest address of its service: the last slot, after 9 of weight 1.
  echo "change $version $STAGE/services-$k.yaml $CONF/services-$k.yaml $(vip_of "$svc") 80" \
    "$PER_SERVICE $((PER_SERVICE - 1 + weight))" >&"$PROBE_IN"
  if ! read -r -t "$((2 * TIMEOUT + 5))" answer <&"$PROBE_OUT"; then
    die "change $c: the probe did not answer ($E2E_TMP/probe.log)"
  fi
  read -r v t0 t_kernel t_ack <<<"$answer"
  if [[ "$v" != "$version" || ! "$t_ack" =~ ^[0-9]+$ ]]; then
    log "FAIL change $c (version $version, svc-$svc weight $weight): probe says: $answer"
    FAILED=$((FAILED + 1))
    ((FAILED < 3)) || break
    continue
  fi
  if ! wait_for "version $version at every stream" "$TIMEOUT" received_by_all "$version"; then
    log "FAIL change $c: version $version did not reach every load stream"
    FAILED=$((FAILED + 1))
    ((FAILED < 3)) || break
    continue
  fi
  read -r first last < <(awk -v v="$version" '
    $1 == v { if (!f || $3 < f) f = $3; if ($3 > l) l = $3 } END { print f, l }' "$RECEIPTS")
  all=$((last > t_ack ? last : t_ack))
  echo "$c $version $t0 $t_kernel $t_ack $first $last" >>"$E2E_TMP/changes"
  TO_KERNEL+=("$(((t_kernel - t0) / 1000))")
  TO_ACKS+=("$(((all - t0) / 1000))")
  TO_FIRST+=("$(((first - t0) / 1000))")
  TO_LAST+=("$(((last - t0) / 1000))")
  now_version=$(control_metric weir_control_config_version)
  if [[ "$now_version" != "$version" ]]; then
    log "FAIL change $c: weir-control is at version $now_version, expected $version" \
      "(one reload per change)"
    FAILED=$((FAILED + 1))
    ((FAILED < 3)) || break
  fi
  if (((c + 1) % 20 == 0)); then
    log "  $((c + 1))/$CHANGES: last to_kernel $(((t_kernel - t0) / 1000000)) ms," \
      "to_all_acks $(((all - t0) / 1000000)) ms;" \
      "weir-control RSS $(status_mb "$CONTROL_PID" VmRSS) MiB"
  fi
  kill -0 "$CONTROL_PID" "$AGENT_PID" "$LOAD_PID" 2>/dev/null ||
    die "a process died during the changes"
done
delta() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
cpu_changes=$(delta "$cpu_before" "$(cpu_seconds "$CONTROL_PID")")
agent_cpu_changes=$(delta "$agent_cpu_before" "$(cpu_seconds "$AGENT_PID")")

# --- the report -------------------------------------------------------------------------------
# pct P MICROS...: the nearest-rank P-th percentile, in ms.
pct() {
  local p="$1"; shift
  (($#)) || { echo null; return; }
  printf '%s\n' "$@" | sort -n | awk -v p="$p" '{ v[NR] = $1 } END {
    if (NR == 0) { print "null"; exit }
    i = int(p * NR / 100); if (i < p * NR / 100) i++; if (i < 1) i = 1
    printf "%.1f\n", v[i] / 1000 }'
}
diff_bytes=$(awk -v v="$V0" '$1 > v && $4 == "diff" { print $5 }' "$RECEIPTS" | sort -n |
  awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "null" }')
measured=${#TO_KERNEL[@]}

printf '{"benchmark":"control","kernel":"%s","cpus":%d,' "$(uname -r)" "$(nproc)"
printf '"services":%d,"endpoints":%d,"files":%d,"streams":%d,"changes":%d,"changes_measured":%d,' \
  "$SERVICES" "$((SERVICES * PER_SERVICE))" "$FILES" "$STREAMS" "$CHANGES" "$measured"
printf '"changes_failed":%d,' "$FAILED"
printf '"p50_ms_to_all_acks":%s,"p99_ms_to_all_acks":%s,"max_ms_to_all_acks":%s,' \
  "$(pct 50 "${TO_ACKS[@]}")" "$(pct 99 "${TO_ACKS[@]}")" "$(pct 100 "${TO_ACKS[@]}")"
printf '"p50_ms_to_kernel":%s,"p99_ms_to_kernel":%s,"max_ms_to_kernel":%s,' \
  "$(pct 50 "${TO_KERNEL[@]}")" "$(pct 99 "${TO_KERNEL[@]}")" "$(pct 100 "${TO_KERNEL[@]}")"
printf '"p50_ms_to_first_receive":%s,"p99_ms_to_first_receive":%s,' \
  "$(pct 50 "${TO_FIRST[@]}")" "$(pct 99 "${TO_FIRST[@]}")"
printf '"p50_ms_to_last_receive":%s,"p99_ms_to_last_receive":%s,' \
  "$(pct 50 "${TO_LAST[@]}")" "$(pct 99 "${TO_LAST[@]}")"
printf '"diff_bytes_p50":%s,' "$diff_bytes"
printf '"control_rss_mb":%s,"control_peak_rss_mb":%s,' \
  "$(status_mb "$CONTROL_PID" VmRSS)" "$(status_mb "$CONTROL_PID" VmHWM)"
printf '"control_cpu_seconds":%s,"control_cpu_seconds_changes":%s,' \
  "$(cpu_seconds "$CONTROL_PID")" "$cpu_changes"
printf '"agent_rss_mb":%s,"agent_cpu_seconds_changes":%s}\n' "$(status_mb "$AGENT_PID" VmRSS)" \
  "$agent_cpu_changes"

((FAILED == 0 && measured == CHANGES)) ||
  die "$FAILED changes failed, $measured of $CHANGES measured"
