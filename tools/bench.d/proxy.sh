# tools/bench proxy: one JSON object on stdout; logs go to stderr. Run by tools/bench.
# shellcheck shell=bash
#
#   tools/bench proxy [--rounds N] [--seconds S] [--conns N] [--no-rss]
#
# proxy: weir-proxy against haproxy and nghttpx doing the same job, and against no proxy at
# all, in one run on one simulated node (tools/lib/simnode.sh), with the same backend (nginx,
# 1 KiB responses) and the same load generators:
#   direct    the client dials nginx itself (no proxy);
#   weir      the meshed client dials the Service VIP: the kernel steers the connection to
#             weir-proxy (1 worker), which sends each request to nginx;
#   haproxy   the client dials haproxy (nbthread 1, http-reuse always), which sends to nginx;
#   nghttpx   the client dials nghttpx (1 worker), which sends to nginx.
# HTTP/1.1: wrk, 64 keep-alive connections. HTTP/2: h2load, 8 connections x 8 streams (64
# concurrent streams), prior knowledge, against nginx's h2c port; h2load logs every request's
# time, from which the percentiles are computed. Each round runs every target once, in a rotated
# order; each figure is the median over the rounds. A proxy's CPU time is read from
# /proc/PID/stat around each run, so "requests per second per proxy core" is requests per
# second divided by the cores the proxy kept busy. Then RSS: each proxy idle, and holding 1,000
# and --conns (default 10,000) idle keep-alive client connections (tests/apps/peers/hold.py).
#
# BIN_DIR defaults to <repo>/build/bin.

set -euo pipefail

usage() {
  cat >&2 <<'EOF'
usage: tools/bench proxy [--rounds N] [--seconds S] [--conns N] [--no-rss]
  proxy   weir-proxy vs haproxy vs nghttpx vs no proxy, HTTP/1.1 (wrk) and HTTP/2 (h2load);
          prints one JSON object.
  --rounds N    rounds of every target and protocol (default 3)
  --seconds S   length of each load run (default 5)
  --conns N     most idle connections held for the RSS figure (default 10000)
  --no-rss      skip the RSS measurements
EOF
}

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
case "${1:-}" in
  -h | --help) usage; exit 0 ;;
esac

ROUNDS=3
SECONDS_PER_RUN=5
CONNS=10000
RSS=1
while (($#)); do
  case "$1" in
    --no-rss) RSS=0; shift; continue ;;
  esac
  (($# >= 2)) || { usage; exit 2; }
  case "$1" in
    --rounds) ROUNDS="$2" ;;
    --seconds) SECONDS_PER_RUN="$2" ;;
    --conns) CONNS="$2" ;;
    *) usage; exit 2 ;;
  esac
  shift 2
done
for v in "$ROUNDS" "$SECONDS_PER_RUN" "$CONNS"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { usage; exit 2; }
done

if [[ $EUID -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "bench: needs root (simulated nodes)" >&2; exit 2; }
  exec sudo BIN_DIR="${BIN_DIR:-}" "$REPO/tools/bench" proxy --rounds "$ROUNDS" \
    --seconds "$SECONDS_PER_RUN" --conns "$CONNS" $( ((RSS)) || echo --no-rss)
fi

BIN_DIR="${BIN_DIR:-$REPO/build/bin}"
for b in weir-agent weir-proxy; do
  [[ -x "$BIN_DIR/$b" ]] || { echo "bench: $BIN_DIR/$b is missing; build first" >&2; exit 2; }
done
for tool in nginx haproxy nghttpx wrk h2load python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing: run tools/bootstrap" >&2; exit 2; }
done

source "$REPO/tools/lib/simnode.sh"
source "$REPO/tools/bench.d/common.sh"
PEERS="$REPO/tests/apps/peers"
die() { log "bench: $*"; exit 1; }

# --- the node, the backend, weir --------------------------------------------------------------
mount_bpffs
make_node n1
add_ip n1 10.244.1.10/32   # nginx
add_ip n1 10.244.1.20/32   # the meshed client
for w in web client plain; do workload_cgroup n1 "$w" >/dev/null; done
CONFIG="$E2E_TMP/config"
mkdir -p "$CONFIG"
{
  service_yaml bench web 10.96.0.10 80 8080
  service_yaml bench web-h2 10.96.0.11 80 8081
  cat <<'YAML'
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: web
  namespace: bench
  labels: {app: web}
  annotations: {weir.io/cgroup: web}
spec:
  meshTLS: {identity: web.bench.serviceaccount.identity.linkerd.cluster.local, serverName: web}
  workloadIPs: [{ip: 10.244.1.10}]
  ports: [{name: http, port: 8080}, {name: h2, port: 8081}]
YAML
  workload_yaml bench client client 10.244.1.20 9
} >"$CONFIG/mesh.yaml"
# web-h2 selects the same nginx (its h2c port).
sed -i 's/selector: {app: web-h2}/selector: {app: web}/' "$CONFIG/mesh.yaml"

nginx_conf "$E2E_TMP/nginx.conf" 10.244.1.10
cat >"$E2E_TMP/haproxy.cfg" <<'CFG'
global
  nbthread 1
  maxconn 9900
defaults
  mode http
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  option http-keep-alive
  http-reuse always
frontend h1
  bind 127.0.0.1:8090 backlog 4096
  default_backend h1
backend h1
  server nginx 10.244.1.10:8080
frontend h2
  bind 127.0.0.1:8091 proto h2 backlog 4096
  default_backend h2
backend h2
  server nginx 10.244.1.10:8081 proto h2
CFG

# shellcheck disable=SC2046
start_agent n1 "$CONFIG" $(proxy_agent_args n1) --log-level warn || die "weir-agent did not start"
start_in n1 web nginx nginx -c "$E2E_TMP/nginx.conf"
wait_for "nginx" 10 in_node n1 curl -sf -o /dev/null http://10.244.1.10:8080/ || die "nginx did not start"
start_proxy n1 --workers 1 --log-level warn || die "weir-proxy did not start"
declare -A PID=([weir]=$LAST_PID)
start_in n1 plain haproxy haproxy -f "$E2E_TMP/haproxy.cfg" -db
PID[haproxy]=$LAST_PID
: >"$E2E_TMP/nghttpx.conf"   # an empty configuration: only the flags count
start_in n1 plain nghttpx-h1 nghttpx --conf="$E2E_TMP/nghttpx.conf" --errorlog-file=/dev/stderr \
  --frontend=127.0.0.1,8092\;no-tls \
  --backend=10.244.1.10,8080 --workers=1 --no-ocsp --log-level=WARN \
  --backend-keep-alive-timeout=300 --frontend-keep-alive-timeout=300 --pid-file=/dev/null
PID[nghttpx_h1]=$LAST_PID
start_in n1 plain nghttpx-h2 nghttpx --conf="$E2E_TMP/nghttpx.conf" --errorlog-file=/dev/stderr \
  --frontend=127.0.0.1,8093\;no-tls \
  --backend=10.244.1.10,8081\;\;proto=h2 --workers=1 --no-ocsp --log-level=WARN \
  --backend-keep-alive-timeout=300 --frontend-keep-alive-timeout=300 --pid-file=/dev/null
PID[nghttpx_h2]=$LAST_PID
for port in 8090 8091 8092 8093; do
  wait_for "listener $port" 10 in_node n1 bash -c "ss -ltn | grep -q 127.0.0.1:$port" ||
    die "a peer did not start on $port"
done

# Where each target is dialled from (cgroup) and at what address, per protocol.
declare -A CG=([direct]=plain [weir]=client [haproxy]=plain [nghttpx]=plain)
declare -A H1=([direct]=10.244.1.10:8080 [weir]=10.96.0.10:80 [haproxy]=127.0.0.1:8090 [nghttpx]=127.0.0.1:8092)
declare -A H2=([direct]=10.244.1.10:8081 [weir]=10.96.0.11:80 [haproxy]=127.0.0.1:8091 [nghttpx]=127.0.0.1:8093)
proxy_pid() { # proxy_pid TARGET PROTOCOL
  case "$1" in
    weir) echo "${PID[weir]}" ;;
    haproxy) echo "${PID[haproxy]}" ;;
    nghttpx) echo "${PID[nghttpx_$2]}" ;;
    *) echo "" ;;
  esac
}
# The nghttpx master forks its worker: its CPU time is the worker's (cutime is only counted on
# exit), so every process of the instance is summed.
cpu_ticks() {
  local pid="$1" total=0 p
  [[ -n "$pid" ]] || { echo 0; return; }
  for p in "$pid" $(pgrep -P "$pid" || true); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$total"
}
HZ=$(getconf CLK_TCK)


run_h1() { # run_h1 TARGET
  local t="$1" pid out c0 c1
  pid=$(proxy_pid "$t" h1)
  c0=$(cpu_ticks "$pid")
  out=$(run_in n1 "${CG[$t]}" timeout $((SECONDS_PER_RUN + 30)) wrk -t1 -c64 \
    -d"${SECONDS_PER_RUN}s" --latency "http://${H1[$t]}/") || die "wrk against $t failed: $out"
  c1=$(cpu_ticks "$pid")
  if grep -q -e 'Socket errors' -e 'Non-2xx' <<<"$out"; then
    # weir must not fail a request; a peer that does is reported, not the end of the run.
    [[ "$t" == weir ]] && die "wrk against weir saw errors: $out"
    log "  h1 $t saw errors: $(grep -e 'Socket errors' -e 'Non-2xx' <<<"$out" | tr '\n' ' ')"
    add "h1.$t.errors" 1
  fi
  local requests rps p50 p99
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out" | to_ms)
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out" | to_ms)
  log "  h1 $t: $rps req/s p50 ${p50} ms p99 ${p99} ms cpu $(((c1 - c0))) ticks"
  add "h1.$t.rps" "$rps"
  add "h1.$t.p50" "$p50"
  add "h1.$t.p99" "$p99"
  add "h1.$t.cpu" "$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.4f", t / hz / n * 100000 }')"
  add "h1.$t.cores" "$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v s="$SECONDS_PER_RUN" 'BEGIN { printf "%.4f", t / hz / s }')"
}


run_h2() { # run_h2 TARGET
  local t="$1" pid out c0 c1 logf="$E2E_TMP/h2load-$1.log"
  pid=$(proxy_pid "$t" h2)
  rm -f "$logf"
  c0=$(cpu_ticks "$pid")
  out=$(run_in n1 "${CG[$t]}" timeout $((SECONDS_PER_RUN + 30)) h2load -c 8 -m 8 \
    -D "$SECONDS_PER_RUN" --warm-up-time=1 --log-file="$logf" "http://${H2[$t]}/") ||
    die "h2load against $t failed: $out"
  c1=$(cpu_ticks "$pid")
  if ! grep -q ' 0 failed, 0 errored, 0 timeout' <<<"$out"; then
    [[ "$t" == weir ]] && die "h2load against weir saw failures: $(grep '^requests:' <<<"$out")"
    log "  h2 $t saw failures: $(grep '^requests:' <<<"$out")"
    add "h2.$t.errors" 1
  fi
  local requests rps p50 p99
  requests=$(awk '/^requests:/ {print $4}' <<<"$out")
  rps=$(awk '/^finished in/ {print $4}' <<<"$out")
  # The log: start time, status, microseconds per request.
  read -r p50 p99 < <(awk '{print $3}' "$logf" | sort -n |
    awk '{ v[NR] = $1 } END { printf "%.3f %.3f\n", v[int(NR * 0.50) + 1] / 1000, v[int(NR * 0.99) + 1] / 1000 }')
  log "  h2 $t: $rps req/s p50 ${p50} ms p99 ${p99} ms cpu $(((c1 - c0))) ticks"
  add "h2.$t.rps" "$rps"
  add "h2.$t.p50" "$p50"
  add "h2.$t.p99" "$p99"
  add "h2.$t.cpu" "$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.4f", t / hz / n * 100000 }')"
  add "h2.$t.cores" "$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v s="$SECONDS_PER_RUN" 'BEGIN { printf "%.4f", t / hz / s }')"
}

TARGETS=(direct weir haproxy nghttpx)
log "bench: $ROUNDS rounds x ${SECONDS_PER_RUN}s; kernel $(uname -r); $(nproc) CPUs"
for ((r = 0; r < ROUNDS; r++)); do
  order=("${TARGETS[@]:r % 4}" "${TARGETS[@]:0:r % 4}")
  log "round $((r + 1))/$ROUNDS: ${order[*]}"
  for t in "${order[@]}"; do run_h1 "$t"; done
  for t in "${order[@]}"; do run_h2 "$t"; done
done
redirected=$(metric n1 'weir_fastpath_events_total\{event="msg_redirected"\}')
log "kernel: $redirected sends redirected by sk_msg (the client<->weir and weir<->nginx hops)"
((redirected > 0)) || die "weir's hops were not short-circuited"

# --- RSS -----------------------------------------------------------------------------------------
rss_mb() { # rss_mb PID...: resident MiB of the processes (and their children)
  local total=0 p
  for p in "$@" $(for q in "$@"; do pgrep -P "$q" || true; done); do
    total=$((total + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status")))
  done
  awk -v k="$total" 'BEGIN { printf "%.1f", k / 1024 }'
}
declare -A RSS_MB=()
hold() { # hold TARGET COUNT: RSS of the target's h1 proxy with COUNT idle client connections
  local t="$1" n="$2" pid
  pid=$(proxy_pid "$t" h1)
  start_in n1 "${CG[$t]}" "hold-$t-$n" python3 "$PEERS/hold.py" "${H1[$t]}" "$n" 120
  local holder=$LAST_PID
  if wait_for "$t holding $n connections" 90 grep -q "^open $n" "$E2E_TMP/hold-$t-$n.log"; then
    sleep 1
    RSS_MB[$t.$n]=$(rss_mb "$pid")
  else
    log "  $t could not hold $n connections: $(tail -1 "$E2E_TMP/hold-$t-$n.log")"
    RSS_MB[$t.$n]=null
  fi
  kill "$holder" 2>/dev/null || true
  wait "$holder" 2>/dev/null || true
  sleep 2
  log "  rss $t with $n connections: ${RSS_MB[$t.$n]} MiB"
}
if ((RSS)); then
  # Idle: a fresh weir-proxy (the one above has served the load); the peers as they are now.
  kill "${PID[weir]}"
  wait "${PID[weir]}" 2>/dev/null || true
  start_proxy n1 --workers 1 --log-level warn || die "weir-proxy did not restart"
  PID[weir]=$LAST_PID
  sleep 1
  RSS_MB[weir.0]=$(rss_mb "${PID[weir]}")
  RSS_MB[haproxy.0]=$(rss_mb "${PID[haproxy]}")
  RSS_MB[nghttpx.0]=$(rss_mb "${PID[nghttpx_h1]}")
  log "rss idle: weir ${RSS_MB[weir.0]} MiB, haproxy ${RSS_MB[haproxy.0]} MiB, nghttpx ${RSS_MB[nghttpx.0]} MiB"
  for n in 1000 "$CONNS"; do
    for t in weir haproxy nghttpx; do hold "$t" "$n"; done
  done
fi

# --- the report --------------------------------------------------------------------------------

protocol_json() { # protocol_json h1|h2
  local p="$1" t first=1
  printf '{'
  for t in "${TARGETS[@]}"; do
    ((first)) || printf ','
    first=0
    printf '"%s":{"rps":%s,"p50_ms":%s,"p99_ms":%s,"runs_with_errors":%s' "$t" "$(m "$p.$t.rps")" \
      "$(m "$p.$t.p50")" "$(m "$p.$t.p99")" "$(wc -w <<<"${SAMPLES[$p.$t.errors]:-}")"
    if [[ "$t" != direct ]]; then
      local cores; cores=$(m "$p.$t.cores")
      printf ',"proxy_cores":%s,"cpu_s_per_100k":%s,"rps_per_core":%s,"added_p50_ms":%s,"added_p99_ms":%s' \
        "$cores" "$(m "$p.$t.cpu")" "$(calc "$(m "$p.$t.rps") / $cores")" \
        "$(calc "$(m "$p.$t.p50") - $(m "$p.direct.p50")")" "$(calc "$(m "$p.$t.p99") - $(m "$p.direct.p99")")"
    fi
    printf '}'
  done
  local weir haproxy nghttpx
  weir=$(calc "$(m "$p.weir.rps") / $(m "$p.weir.cores")")
  haproxy=$(calc "$(m "$p.haproxy.rps") / $(m "$p.haproxy.cores")")
  nghttpx=$(calc "$(m "$p.nghttpx.rps") / $(m "$p.nghttpx.cores")")
  local addedWeir addedHaproxy
  addedWeir=$(calc "$(m "$p.weir.p99") - $(m "$p.direct.p99")")
  addedHaproxy=$(calc "$(m "$p.haproxy.p99") - $(m "$p.direct.p99")")
  printf ',"rps_per_core_vs_haproxy":%s,"rps_per_core_vs_nghttpx":%s,"added_p99_vs_haproxy":%s}' \
    "$(calc "$weir / $haproxy")" "$(calc "$weir / $nghttpx")" \
    "$(calc "($addedHaproxy > 0) ? $addedWeir / $addedHaproxy : 0")"
}

{
  printf '{"h1":%s,"h2":%s' "$(protocol_json h1)" "$(protocol_json h2)"
  if ((RSS)); then
    printf ',"rss_idle_mb":%s,"rss_mb":{' "${RSS_MB[weir.0]}"
    first=1
    for t in weir haproxy nghttpx; do
      ((first)) || printf ','
      first=0
      printf '"%s":{"idle":%s,"conns_1000":%s,"conns_%s":%s}' "$t" "${RSS_MB[$t.0]}" \
        "${RSS_MB[$t.1000]}" "$CONNS" "${RSS_MB[$t.$CONNS]}"
    done
    printf '}'
  fi
  printf ',"setup":{"rounds":%s,"seconds_per_run":%s,"cpus":%s,"kernel":"%s","backend":"nginx 1 KiB","h1_load":"wrk -t1 -c64","h2_load":"h2load -c8 -m8","proxy_workers":1}}\n' \
    "$ROUNDS" "$SECONDS_PER_RUN" "$(nproc)" "$(uname -r)"
}
