#!/usr/bin/env bash
# Two simulated nodes joined by veth, weir-control on node a, an agent and a weir-proxy on each.
# The proxies learn endpoints from Destination: a client on node a calling a service with one
# endpoint on each node has its requests balanced per request over both — the local one dialled
# directly, the remote one through node b's proxy inbound listener (transport header), where
# node b's proxy counts them as inbound for its workload. The Service's load-balancer
# annotation is honoured, a removed endpoint drains, an endpoint that refuses connections is
# skipped without a failed request, and opaque TCP crosses nodes intact.
set -euo pipefail
source "$(dirname "$0")/../../../tools/lib/simnode.sh"
require_root
mount_bpffs

make_node a
make_node b
link_nodes a b 10.0.0.1 10.0.0.2
add_ip a 10.244.1.10/32   # web-1
add_ip a 10.244.1.20/32   # client
add_ip b 10.244.2.10/32   # web-2
add_ip b 10.244.2.11/32   # web-3 (declared, never started: refuses connections)
add_ip b 10.244.2.30/32   # db (opaque)
ip -n "$(node_ns a)" route add 10.244.2.0/24 via 10.0.0.2
ip -n "$(node_ns b)" route add 10.244.1.0/24 via 10.0.0.1
for w in web-1 client; do workload_cgroup a "$w" >/dev/null; done
for w in web-2 web-3 db; do workload_cgroup b "$w" >/dev/null; done

CONFIG="$E2E_TMP/config"
mkdir -p "$CONFIG"
write_config() { # write_config ANNOTATIONS_OF_WEB [extra endpoints...]
  {
    service_yaml demo web 10.96.0.10 80 8080 "$1"
    service_yaml demo db 10.96.0.30 5432 5432 'config.linkerd.io/opaque-ports: "5432"'
    workload_yaml demo web-1 web 10.244.1.10 8080 'weir.io/node: a'
    workload_yaml demo client client 10.244.1.20 9 'weir.io/node: a'
    workload_yaml demo db db 10.244.2.30 5432 'weir.io/node: b'
    for extra in "${@:2}"; do "$extra"; done
  } >"$CONFIG/mesh.yaml.tmp"
  mv "$CONFIG/mesh.yaml.tmp" "$CONFIG/mesh.yaml"
}
web2() { workload_yaml demo web-2 web 10.244.2.10 8080 'weir.io/node: b'; }
web3() { workload_yaml demo web-3 web 10.244.2.11 8080 'weir.io/node: b'; }
write_config 'linkerd.io/load-balancer: round-robin' web2

start_bg a control "$CONTROL" --config-dir "$CONFIG" --listen 0.0.0.0:8086 --admin 127.0.0.1:9990
wait_for "weir-control" 10 in_node a curl -sf -o /dev/null http://127.0.0.1:9990/ready
# shellcheck disable=SC2046
start_agent_control a 127.0.0.1:8086 $(proxy_agent_args a) --proxy-inbound 10.0.0.1:4143
# shellcheck disable=SC2046
start_agent_control b 10.0.0.1:8086 $(proxy_agent_args b) --proxy-inbound 10.0.0.2:4143
start_in a web-1 web-1 python3 "$HTTP_PEER" 10.244.1.10:8080
start_in b web-2 web-2 python3 "$HTTP_PEER" 10.244.2.10:8080
start_in b db db "$ECHO_APP" serve 10.244.2.30:5432
wait_for "web-1" 10 in_node a curl -sf -o /dev/null http://10.244.1.10:8080/size/1
wait_for "web-2" 10 in_node b curl -sf -o /dev/null http://10.244.2.10:8080/size/1
start_proxy a --destination 127.0.0.1:8086 --workers 2 --connect-timeout-ms 300
start_proxy b --destination 10.0.0.1:8086 --workers 2 --connect-timeout-ms 300

client() { run_in a client "$@"; }
endpoints() {
  in_node a "$WEIR_CLI" diagnostics endpoints web.demo.svc.cluster.local:80 --destination 127.0.0.1:8086
}
endpoints_have() { endpoints | grep -q "$1"; }
endpoints_lack() { ! endpoints | grep -q "$1"; }
# whoami N: N requests on one keep-alive connection; prints which endpoint answered each.
whoami() {
  local urls=()
  for ((i = 0; i < $1; i++)); do urls+=(http://10.96.0.10/whoami); done
  client curl -sS -m 10 "${urls[@]}"
}

out=$(whoami 10)
expect "round-robin: 10 requests on one connection, 5 to each endpoint" \
  test "$(sort <<<"$out" | uniq -c | awk '{print $1}' | tr '\n' ' ')" = "5 5 "
expect "the remote endpoint answered through node b's proxy" grep -q '^10.244.2.10:8080' <<<"$out"
expect "node b's proxy counts them as inbound for web-2" \
  test "$(proxy_metric b 'request_total\{direction="inbound",namespace="demo",external_workload="web-2"')" -ge 5
expect "node a labels the outbound requests with their destination" \
  test "$(proxy_metric a 'request_total\{direction="outbound".*dst_external_workload="web-2"')" -ge 5
expect "and with the service's name as authority" \
  grep -q 'authority="web.demo.svc.cluster.local:80"' <<<"$(in_node a curl -sf http://127.0.0.1:4191/metrics)"
rejected=$(proxy_metric b 'weir_proxy_inbound_rejected_total')
expect "no inbound connection was rejected" test "$rejected" -eq 0

# An endpoint that refuses connections is skipped (backed off), not a failed request. Round-robin
# would send it every third request; web-3's node proxy closes the connection for it, and node a
# retries elsewhere.
write_config 'linkerd.io/load-balancer: round-robin' web2 web3
wait_for "web-3 in Destination" 10 endpoints_have 10.244.2.11
codes=$(for i in $(seq 1 30); do client curl -sS -m 5 -o /dev/null -w '%{http_code}\n' http://10.96.0.10/whoami; done | sort | uniq -c)
expect "30 requests with web-3 refusing: all answered 200" test "$(awk '{print $1" "$2}' <<<"$codes")" = "30 200"
expect "node b closed the connections for web-3" \
  test "$(proxy_metric b 'tcp_close_total\{direction="inbound",peer="src",namespace="demo",external_workload="web-3"')" -ge 1

# A removed endpoint drains: requests go to what is left.
write_config 'linkerd.io/load-balancer: p2c'
wait_for "web-2 and web-3 gone from Destination" 10 endpoints_lack 10.244.2
sleep 0.5
out=$(whoami 10)
expect "after removing web-2 every request goes to web-1" \
  test "$(sort -u <<<"$out")" = "10.244.1.10:8080"

# Opaque TCP to the other node: through both proxies, bytes intact both ways. Eight times: a
# send into a full socket buffer once completed with EAGAIN (O_NONBLOCK sockets) and cut about
# one round trip in ten short.
round_trips() {
  for i in 1 2 3 4 5 6 7 8; do run_in a client "$ECHO_APP" check 10.96.0.30:5432 4194304 || return 1; done
}
expect "eight opaque 4 MiB round trips to node b through both proxies" round_trips
expect "node b relayed it inbound" \
  test "$(proxy_metric b 'tcp_open_total\{direction="inbound",peer="src",namespace="demo",external_workload="db"')" -ge 1

finish
