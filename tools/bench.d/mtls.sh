# tools/bench mtls: one JSON object on stdout; logs go to stderr. Run by tools/bench.
# shellcheck shell=bash
#
#   tools/bench mtls [--rounds N] [--seconds S]
#
# mtls: cross-node traffic with mutual TLS, weir against haproxy doing the same job, in one run
# on two simulated nodes joined by veth (tools/lib/simnode.sh). The client runs on node a, the
# backend (nginx, 1 KiB responses, HTTP/1.1 and h2c ports) on node b.
#   weir      the meshed client dials the Service VIP: node a's weir-proxy (1 worker) opens
#             mTLS to node b's weir-proxy (1 worker), which hands each request to nginx. The
#             certificates come from weir-control's CA.
#   haproxy   the client dials a haproxy on node a (nbthread 1, http-reuse always), which
#             originates TLS 1.3 with a client certificate to a haproxy on node b (nbthread 1),
#             which verifies it and hands each request to nginx. Their certificates come from
#             the same CA, for the same identities.
# Loads: HTTP/1.1 keep-alive (wrk, 64 connections), HTTP/2 (h2load, 8 connections x 8 streams),
# and new connections (wrk with "Connection: close": one request per application connection).
# Each round runs every target once, in a rotated order; figures are medians over rounds. CPU is
# both proxies' (node a's and node b's) from /proc/PID/stat around each run.
#
# BIN_DIR defaults to <repo>/build/bin.

set -euo pipefail

usage() {
  cat >&2 <<'EOF2'
usage: tools/bench mtls [--rounds N] [--seconds S]
  mtls   weir (two proxies, mTLS) vs haproxy (TLS origination + termination) across two nodes;
         prints one JSON object.
  --rounds N    rounds of every target and load (default 3)
  --seconds S   length of each load run (default 5)
EOF2
}

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
case "${1:-}" in
  -h | --help) usage; exit 0 ;;
esac
ROUNDS=3
SECONDS_PER_RUN=5
while (($#)); do
  (($# >= 2)) || { usage; exit 2; }
  case "$1" in
    --rounds) ROUNDS="$2" ;;
    --seconds) SECONDS_PER_RUN="$2" ;;
    *) usage; exit 2 ;;
  esac
  shift 2
done
for v in "$ROUNDS" "$SECONDS_PER_RUN"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { usage; exit 2; }
done
if [[ $EUID -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "bench: needs root (simulated nodes)" >&2; exit 2; }
  exec sudo BIN_DIR="${BIN_DIR:-}" "$REPO/tools/bench" mtls --rounds "$ROUNDS" --seconds "$SECONDS_PER_RUN"
fi
BIN_DIR="${BIN_DIR:-$REPO/build/bin}"
for b in weir-agent weir-proxy weir-control weir; do
  [[ -x "$BIN_DIR/$b" ]] || { echo "bench: $BIN_DIR/$b is missing; build first" >&2; exit 2; }
done
for tool in nginx haproxy wrk h2load openssl; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing: run tools/bootstrap" >&2; exit 2; }
done

source "$REPO/tools/lib/simnode.sh"
source "$REPO/tools/bench.d/common.sh"
die() { log "bench: $*"; exit 1; }

# --- two nodes, the backend, the CA ------------------------------------------------------------
mount_bpffs
make_node a
make_node b
link_nodes a b 10.0.0.1 10.0.0.2
add_ip a 10.244.1.20/32   # the meshed client
add_ip b 10.244.2.10/32   # nginx
ip -n "$(node_ns a)" route add 10.244.2.0/24 via 10.0.0.2
ip -n "$(node_ns b)" route add 10.244.1.0/24 via 10.0.0.1
for w in client plain; do workload_cgroup a "$w" >/dev/null; done
for w in web plain; do workload_cgroup b "$w" >/dev/null; done
CONFIG="$E2E_TMP/config"
ID="$E2E_TMP/identity"
mkdir -p "$CONFIG"
TD=linkerd.cluster.local
WEB_ID="web.bench.serviceaccount.identity.$TD"
CLIENT_ID="client.bench.serviceaccount.identity.$TD"
{
  service_yaml bench web 10.96.0.10 80 8080
  service_yaml bench web-h2 10.96.0.11 80 8081
  cat <<YAML
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: web
  namespace: bench
  labels: {app: web}
  annotations: {weir.io/cgroup: web, weir.io/node: b}
spec:
  meshTLS: {identity: $WEB_ID, serverName: web}
  workloadIPs: [{ip: 10.244.2.10}]
  ports: [{name: http, port: 8080}, {name: h2, port: 8081}]
YAML
  workload_yaml bench client client 10.244.1.20 9 'weir.io/node: a'
} >"$CONFIG/mesh.yaml"
sed -i 's/selector: {app: web-h2}/selector: {app: web}/' "$CONFIG/mesh.yaml"

mesh_ca "$ID" a b
mint() { # mint NAME IDENTITY: a leaf from the mesh's issuer, as haproxy's PEM (cert, key, issuer)
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
    -keyout "$E2E_TMP/$1.key" -out "$E2E_TMP/$1.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$2" >"$E2E_TMP/$1.ext"
  openssl x509 -req -in "$E2E_TMP/$1.csr" -CA "$ID/issuer.crt" -CAkey "$ID/issuer.key" \
    -CAcreateserial -days 1 -extfile "$E2E_TMP/$1.ext" -out "$E2E_TMP/$1.crt" 2>/dev/null
  cat "$E2E_TMP/$1.crt" "$E2E_TMP/$1.key" "$ID/issuer.crt" >"$E2E_TMP/$1.pem"
}
mint hap-client "$CLIENT_ID"
mint hap-server "$WEB_ID"

nginx_conf "$E2E_TMP/nginx.conf" 10.244.2.10
cat >"$E2E_TMP/haproxy-a.cfg" <<CFG
global
  nbthread 1
  maxconn 9000
  ssl-default-server-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
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
  server b 10.0.0.2:9443 ssl crt $E2E_TMP/hap-client.pem ca-file $ID/ca.crt verify required verifyhost $WEB_ID sni str($WEB_ID) ssl-min-ver TLSv1.3
frontend h2
  bind 127.0.0.1:8091 proto h2 backlog 4096
  default_backend h2
backend h2
  server b 10.0.0.2:9444 ssl crt $E2E_TMP/hap-client.pem ca-file $ID/ca.crt verify required verifyhost $WEB_ID sni str($WEB_ID) alpn h2 ssl-min-ver TLSv1.3
CFG
cat >"$E2E_TMP/haproxy-b.cfg" <<CFG
global
  nbthread 1
  maxconn 9000
defaults
  mode http
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  option http-keep-alive
  http-reuse always
frontend h1
  bind 10.0.0.2:9443 ssl crt $E2E_TMP/hap-server.pem ca-file $ID/ca.crt verify required ssl-min-ver TLSv1.3 backlog 4096
  default_backend h1
backend h1
  server nginx 10.244.2.10:8080
frontend h2
  bind 10.0.0.2:9444 ssl crt $E2E_TMP/hap-server.pem ca-file $ID/ca.crt verify required alpn h2 ssl-min-ver TLSv1.3 backlog 4096
  default_backend h2
backend h2
  server nginx 10.244.2.10:8081 proto h2
CFG

# shellcheck disable=SC2046
start_bg a control "$BIN_DIR/weir-control" --config-dir "$CONFIG" --listen 0.0.0.0:8086 \
  --admin 127.0.0.1:9990 $(ca_control_args "$ID") --log-level warn
wait_for "weir-control" 10 in_node a curl -sf -o /dev/null http://127.0.0.1:9990/ready || die "weir-control did not start"
# shellcheck disable=SC2046
start_agent_control a 127.0.0.1:8086 $(proxy_agent_args a) --proxy-inbound 10.0.0.1:4143 \
  $(ca_agent_args "$ID") --log-level warn
# shellcheck disable=SC2046
start_agent_control b 10.0.0.1:8086 $(proxy_agent_args b) --proxy-inbound 10.0.0.2:4143 \
  $(ca_agent_args "$ID") --log-level warn
start_in b web nginx nginx -c "$E2E_TMP/nginx.conf"
wait_for "nginx" 10 in_node b curl -sf -o /dev/null http://10.244.2.10:8080/ || die "nginx did not start"
declare -A PID=()
for n in a b; do
  # shellcheck disable=SC2046
  start_proxy "$n" --destination 10.0.0.1:8086 --workers 1 --log-level warn \
    $(ca_proxy_args "$ID" "$n" 10.0.0.1) || die "weir-proxy $n did not start"
  PID[weir.$n]=$LAST_PID
done
start_in b plain haproxy-b haproxy -f "$E2E_TMP/haproxy-b.cfg" -db
PID[haproxy.b]=$LAST_PID
start_in a plain haproxy-a haproxy -f "$E2E_TMP/haproxy-a.cfg" -db
PID[haproxy.a]=$LAST_PID
for port in 8090 8091; do
  wait_for "haproxy $port" 10 in_node a bash -c "ss -ltn | grep -q 127.0.0.1:$port" || die "haproxy did not start"
done
in_node a curl -sf -o /dev/null http://127.0.0.1:8090/ || die "haproxy's mTLS path does not work: $(tail -3 "$E2E_TMP/haproxy-a.log")"
run_in a client curl -sf -o /dev/null http://10.96.0.10/ || die "weir's mTLS path does not work"

declare -A CG=([weir]=client [haproxy]=plain)
declare -A H1=([weir]=10.96.0.10:80 [haproxy]=127.0.0.1:8090)
declare -A H2=([weir]=10.96.0.11:80 [haproxy]=127.0.0.1:8091)
cpu_ticks() { # cpu_ticks TARGET: both nodes' proxy processes
  local total=0 p
  for p in "${PID[$1.a]}" "${PID[$1.b]}"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$total"
}
HZ=$(getconf CLK_TCK)
record() { # record LOAD TARGET REQUESTS RPS P50 P99 TICKS
  local key="$1.$2"
  log "  $1 $2: $4 req/s p50 $5 ms p99 $6 ms cpu $7 ticks"
  add "$key.rps" "$4"
  add "$key.p50" "$5"
  add "$key.p99" "$6"
  add "$key.cpu" "$(awk -v t="$7" -v hz="$HZ" -v n="$3" 'BEGIN { printf "%.4f", t / hz / n * 100000 }')"
  add "$key.cores" "$(awk -v t="$7" -v hz="$HZ" -v s="$SECONDS_PER_RUN" 'BEGIN { printf "%.4f", t / hz / s }')"
}
run_wrk() { # run_wrk LOAD TARGET [wrk args]: h1 keep-alive, or "conn" with Connection: close
  local load="$1" t="$2" out c0 c1; shift 2
  c0=$(cpu_ticks "$t")
  out=$(run_in a "${CG[$t]}" timeout $((SECONDS_PER_RUN + 30)) wrk -t1 -c64 -d"${SECONDS_PER_RUN}s" \
    --latency "$@" "http://${H1[$t]}/") || die "wrk against $t failed: $out"
  c1=$(cpu_ticks "$t")
  if grep -q -e 'Socket errors' -e 'Non-2xx' <<<"$out"; then
    [[ "$t" == weir ]] && die "wrk ($load) against weir saw errors: $out"
    log "  $load $t saw errors: $(grep -e 'Socket errors' -e 'Non-2xx' <<<"$out" | tr '\n' ' ')"
    add "$load.$t.errors" 1
  fi
  record "$load" "$t" "$(awk '/requests in/ {print $1}' <<<"$out")" "$(awk '/^Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$out" | to_ms)" "$(awk '$1 == "99%" {print $2}' <<<"$out" | to_ms)" $((c1 - c0))
}
run_h2() { # run_h2 TARGET
  local t="$1" out c0 c1 logf="$E2E_TMP/h2load-$1.log" p50 p99
  rm -f "$logf"
  c0=$(cpu_ticks "$t")
  out=$(run_in a "${CG[$t]}" timeout $((SECONDS_PER_RUN + 30)) h2load -c 8 -m 8 -D "$SECONDS_PER_RUN" \
    --warm-up-time=1 --log-file="$logf" "http://${H2[$t]}/") || die "h2load against $t failed: $out"
  c1=$(cpu_ticks "$t")
  if ! grep -q ' 0 failed, 0 errored, 0 timeout' <<<"$out"; then
    [[ "$t" == weir ]] && die "h2load against weir saw failures: $(grep '^requests:' <<<"$out")"
    add "h2.$t.errors" 1
  fi
  read -r p50 p99 < <(awk '{print $3}' "$logf" | sort -n |
    awk '{ v[NR] = $1 } END { printf "%.3f %.3f\n", v[int(NR * 0.50) + 1] / 1000, v[int(NR * 0.99) + 1] / 1000 }')
  record h2 "$t" "$(awk '/^requests:/ {print $4}' <<<"$out")" "$(awk '/^finished in/ {print $4}' <<<"$out")" \
    "$p50" "$p99" $((c1 - c0))
}

TARGETS=(weir haproxy)
log "bench: $ROUNDS rounds x ${SECONDS_PER_RUN}s; kernel $(uname -r); $(nproc) CPUs"
for ((r = 0; r < ROUNDS; r++)); do
  order=("${TARGETS[@]:r % 2}" "${TARGETS[@]:0:r % 2}")
  log "round $((r + 1))/$ROUNDS: ${order[*]}"
  for t in "${order[@]}"; do run_wrk h1 "$t"; done
  for t in "${order[@]}"; do run_h2 "$t"; done
  for t in "${order[@]}"; do run_wrk conn "$t" -H "Connection: close"; done
done
failures=$(( $(proxy_metric a weir_proxy_tls_handshake_failures_total) + $(proxy_metric b weir_proxy_tls_handshake_failures_total) ))
((failures == 0)) || die "weir counted $failures failed handshakes"
handshakes=$(proxy_metric b 'tcp_open_total\{direction="inbound",peer="src"')
log "node b's proxy accepted $handshakes mTLS connections in all"

# --- the report --------------------------------------------------------------------------------
load_json() { # load_json LOAD
  local l="$1" t first=1
  printf '{'
  for t in "${TARGETS[@]}"; do
    ((first)) || printf ','
    first=0
    printf '"%s":{"rps":%s,"p50_ms":%s,"p99_ms":%s,"proxy_cores":%s,"cpu_s_per_100k":%s,"rps_per_core":%s,"runs_with_errors":%s}' \
      "$t" "$(m "$l.$t.rps")" "$(m "$l.$t.p50")" "$(m "$l.$t.p99")" "$(m "$l.$t.cores")" "$(m "$l.$t.cpu")" \
      "$(calc "$(m "$l.$t.rps") / $(m "$l.$t.cores")")" "$(wc -w <<<"${SAMPLES[$l.$t.errors]:-}")"
  done
  printf ',"rps_vs_haproxy":%s,"rps_per_core_vs_haproxy":%s,"p99_vs_haproxy":%s}' \
    "$(calc "$(m "$l.weir.rps") / $(m "$l.haproxy.rps")")" \
    "$(calc "($(m "$l.weir.rps") / $(m "$l.weir.cores")) / ($(m "$l.haproxy.rps") / $(m "$l.haproxy.cores"))")" \
    "$(calc "$(m "$l.weir.p99") / $(m "$l.haproxy.p99")")"
}
{
  printf '{"h1":%s,"h2":%s,"new_conns":%s' "$(load_json h1)" "$(load_json h2)" "$(load_json conn)"
  printf ',"rps_vs_haproxy":%s' "$(calc "$(m h1.weir.rps) / $(m h1.haproxy.rps)")"
  printf ',"new_conns_per_sec":%s,"new_conns_per_sec_per_core":%s' "$(m conn.weir.rps)" \
    "$(calc "$(m conn.weir.rps) / $(m conn.weir.cores)")"
  printf ',"setup":{"rounds":%s,"seconds_per_run":%s,"cpus":%s,"kernel":"%s","backend":"nginx 1 KiB on node b","h1_load":"wrk -t1 -c64","h2_load":"h2load -c8 -m8","new_conns_load":"wrk -t1 -c64 -H Connection: close","proxy_workers":1,"cpu":"both nodes proxies"}}\n' \
    "$ROUNDS" "$SECONDS_PER_RUN" "$(nproc)" "$(uname -r)"
}
