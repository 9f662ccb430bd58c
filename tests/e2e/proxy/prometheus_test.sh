#!/usr/bin/env bash
# A real Prometheus server scrapes weir-proxy every second while a client sends a known mix at a
# known rate: 25 requests/s for 12 s, each block of 50 being 30 fast (~12 ms, 5 of them 500s),
# 17 medium (~120 ms) and 3 slow (~600 ms). Linkerd's golden-metric queries must then answer
# what that traffic implies: success rate 0.9, about 25 requests per second, and latency
# quantiles in the histogram buckets the mix falls in (p50 interpolated within 10-20 ms, p95 and
# p99 within 500-1000 ms).
set -euo pipefail
source "$(dirname "$0")/../../../tools/lib/simnode.sh"
require_root
mount_bpffs
PEERS="$(dirname "$HTTP_PEER")"

make_node a
add_ip a 10.244.1.10/32
add_ip a 10.244.1.20/32
for w in web-1 client; do workload_cgroup a "$w" >/dev/null; done
CONFIG="$E2E_TMP/config"
mkdir -p "$CONFIG"
{
  service_yaml demo web 10.96.0.10 80 8080
  workload_yaml demo web-1 web 10.244.1.10 8080
  workload_yaml demo client client 10.244.1.20 9
} >"$CONFIG/mesh.yaml"
# shellcheck disable=SC2046
start_agent a "$CONFIG" $(proxy_agent_args a)
start_in a web-1 web-1 python3 "$HTTP_PEER" 10.244.1.10:8080
wait_for "web-1" 10 in_node a curl -sf -o /dev/null http://10.244.1.10:8080/size/1
start_proxy a --workers 2

cat >"$E2E_TMP/prometheus.yml" <<'YAML'
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: weir-proxy
    static_configs: [{targets: ['127.0.0.1:4191']}]
YAML
start_bg a prometheus prometheus --config.file "$E2E_TMP/prometheus.yml" \
  --storage.tsdb.path "$E2E_TMP/tsdb" --web.listen-address 127.0.0.1:9090 \
  --web.enable-lifecycle --log.level warn
wait_for "prometheus" 20 in_node a curl -sf -o /dev/null http://127.0.0.1:9090/-/ready

# query PROMQL [TIME]: the instant value of a scalar-valued query (at TIME, a Unix time), as a
# number.
query() {
  in_node a curl -sf --data-urlencode "query=$1" ${2:+--data-urlencode "time=$2"} \
    http://127.0.0.1:9090/api/v1/query | \
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "nan")'
}
# within VALUE LOW HIGH: LOW <= VALUE <= HIGH.
within() { python3 -c "import sys; v=float('$1'); sys.exit(0 if $2 <= v <= $3 else 1)"; }

paths=()
for i in $(seq 1 50); do
  if ((i <= 25)); then paths+=("/slow/12")
  elif ((i <= 30)); then paths+=("/slow/12?status=500")
  elif ((i <= 47)); then paths+=("/slow/120")
  else paths+=("/slow/600"); fi
done
# Interleave, so that every window of the run holds the same mix.
mapfile -t paths < <(printf '%s\n' "${paths[@]}" | awk '{print NR % 10, NR, $0}' | sort -n -k1,1 -k2,2 | cut -d' ' -f3-)
scraped() { [[ "$(query 'up{job="weir-proxy"}')" == 1 ]]; }
wait_for "prometheus scraping the proxy" 20 scraped
out=$(run_in a client python3 "$PEERS/load.py" 10.96.0.10:80 25 300 "${paths[@]}")
ended=$(date +%s)
expect "300 requests sent and answered ($out)" test "$out" = "sent 300 ok 300"
sleep 2  # two more scrapes after the last response

sel='direction="outbound",namespace="demo",external_workload="client"'
success=$(query "sum(rate(response_total{$sel,classification=\"success\"}[30s])) / sum(rate(response_total{$sel}[30s]))")
log "success rate $success"
expect "success rate is 0.9 ($success)" within "$success" 0.88 0.92
# Over 8 s that lie inside the 12 s of traffic.
rps=$(query "sum(rate(request_total{$sel}[8s]))" $((ended - 2)))
log "requests per second $rps"
expect "requests per second is 25 ($rps)" within "$rps" 24 26
for q in 0.5 0.95 0.99; do
  v=$(query "histogram_quantile($q, sum by (le) (rate(response_latency_ms_bucket{$sel}[30s])))")
  log "p${q#0.} latency ${v} ms"
  case $q in
    0.5) expect "p50 within 10-20 ms ($v)" within "$v" 10 20 ;;
    0.95) expect "p95 within 500-1000 ms ($v)" within "$v" 500 1000 ;;
    0.99) expect "p99 within 500-1000 ms ($v)" within "$v" 500 1000 ;;
  esac
done
tcp=$(query "sum(tcp_open_connections{direction=\"outbound\",peer=\"src\"})")
expect "no client connection left open ($tcp)" within "$tcp" 0 0

finish
