#!/usr/bin/env bash
# HTTP/2 and gRPC through weir-proxy on two nodes (weir-control on node a): grpc-js calls
# balanced per request over one client connection to endpoints on both nodes, gRPC errors and
# server streams with their trailers, h2load (HTTP/2 with prior knowledge) against nghttpd on the
# other node, a 16 MiB download through end-to-end flow control, and golden metrics with
# grpc_status.
set -euo pipefail
source "$(dirname "$0")/../../../tools/lib/simnode.sh"
require_root
mount_bpffs
GRPC_DIR="$(cd "$(dirname "$0")/../../apps/grpc" && pwd)"

make_node a
make_node b
link_nodes a b 10.0.0.1 10.0.0.2
add_ip a 10.244.1.10/32   # grpc-1
add_ip a 10.244.1.20/32   # client
add_ip b 10.244.2.10/32   # grpc-2
add_ip b 10.244.2.20/32   # h2 (nghttpd)
ip -n "$(node_ns a)" route add 10.244.2.0/24 via 10.0.0.2
ip -n "$(node_ns b)" route add 10.244.1.0/24 via 10.0.0.1
for w in grpc-1 client; do workload_cgroup a "$w" >/dev/null; done
for w in grpc-2 h2; do workload_cgroup b "$w" >/dev/null; done

CONFIG="$E2E_TMP/config"
mkdir -p "$CONFIG" "$E2E_TMP/www"
{
  service_yaml demo grpc 10.96.0.50 9000 9000
  service_yaml demo h2 10.96.0.60 80 8080
  workload_yaml demo grpc-1 grpc 10.244.1.10 9000 'weir.io/node: a'
  workload_yaml demo grpc-2 grpc 10.244.2.10 9000 'weir.io/node: b'
  workload_yaml demo h2 h2 10.244.2.20 8080 'weir.io/node: b'
  workload_yaml demo client client 10.244.1.20 9 'weir.io/node: a'
} >"$CONFIG/mesh.yaml"
head -c 1024 /dev/urandom >"$E2E_TMP/www/1k"
head -c 16777216 /dev/urandom >"$E2E_TMP/www/16m"

start_bg a control "$CONTROL" --config-dir "$CONFIG" --listen 0.0.0.0:8086 --admin 127.0.0.1:9990
wait_for "weir-control" 10 in_node a curl -sf -o /dev/null http://127.0.0.1:9990/ready
# shellcheck disable=SC2046
start_agent_control a 127.0.0.1:8086 $(proxy_agent_args a) --proxy-inbound 10.0.0.1:4143
# shellcheck disable=SC2046
start_agent_control b 10.0.0.1:8086 $(proxy_agent_args b) --proxy-inbound 10.0.0.2:4143
start_in a grpc-1 grpc-1 node "$GRPC_DIR/server.js" 10.244.1.10:9000
start_in b grpc-2 grpc-2 node "$GRPC_DIR/server.js" 10.244.2.10:9000
start_in b h2 h2 nghttpd --no-tls -d "$E2E_TMP/www" -a 10.244.2.20 8080
wait_for "grpc-1" 10 grep -q listening "$E2E_TMP/grpc-1.log"
wait_for "grpc-2" 10 grep -q listening "$E2E_TMP/grpc-2.log"
start_proxy a --destination 127.0.0.1:8086 --workers 2
start_proxy b --destination 10.0.0.1:8086 --workers 2

client() { run_in a client "$@"; }

out=$(client node "$GRPC_DIR/client.js" 10.96.0.50:9000 say 200)
expect "200 unary gRPC calls through the VIP succeed ($out)" grep -q '^ok 200 failed 0' <<<"$out"
expect "balanced per request over endpoints on both nodes" \
  grep -q 'servers 10.244.1.10:9000,10.244.2.10:9000$' <<<"$out"
out=$(client node "$GRPC_DIR/client.js" 10.96.0.50:9000 fail 5)
expect "a gRPC error keeps its status through both proxies ($out)" test "$out" = "code 5"
out=$(client node "$GRPC_DIR/client.js" 10.96.0.50:9000 stream 1000)
expect "a server stream of 1000 messages arrives whole ($out)" test "$out" = "received 1000"

out=$(client timeout 30 h2load -n 40000 -c 4 -m 16 http://10.96.0.60/1k || true)
expect "h2load: 40000 HTTP/2 requests (40 MB, more than any connection window) to nghttpd on node b, none failed" \
  grep -q "requests: 40000 total, 40000 started, 40000 done, 40000 succeeded, 0 failed" <<<"$out"
sum=$(sha256sum <"$E2E_TMP/www/16m" | cut -d' ' -f1)
got=$(client timeout 30 nghttp http://10.96.0.60/16m | sha256sum | cut -d" " -f1)
expect "a 16 MiB HTTP/2 download through both proxies arrives intact" test "$got" = "$sum"

ok=$(proxy_metric a 'response_total\{direction="outbound".*authority="grpc.demo.svc.cluster.local:9000".*classification="success",grpc_status="0"')
expect "successful gRPC responses counted with grpc_status=0 ($ok)" test "$ok" -ge 201
bad=$(proxy_metric a 'response_total\{direction="outbound".*classification="failure",grpc_status="5"')
expect "the failed call counted as a failure with grpc_status=5" test "$bad" -eq 1
expect "node b counted its gRPC requests as inbound" \
  test "$(proxy_metric b 'request_total\{direction="inbound",namespace="demo",external_workload="grpc-2"')" -ge 50
expect "promtool accepts node b's exposition" \
  promtool_check <<<"$(in_node b curl -sf http://127.0.0.1:4191/metrics)"

finish
