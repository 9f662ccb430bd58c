#!/usr/bin/env bash
# e2e: two simulated nodes joined by veth, one agent each, scoped to its own cgroup subtree and
# bpffs dir, both following the same config directory. A client on n1 dials a service whose only
# endpoint is on n2: the connect is rewritten to the remote endpoint, and the bytes cross the veth
# as ordinary TCP — never short-circuited, because neither node's programs see the other's sockets.
# A second service with an endpoint on n1 takes the fast path in the same run, for contrast.
source "$(dirname "$0")/../../../tools/lib/simnode.sh"
require_root
mount_bpffs

make_node n1
make_node n2
link_nodes n1 n2 10.0.0.1 10.0.0.2
add_ip n1 10.244.1.20/32   # client, n1
add_ip n1 10.244.1.10/32   # local server, n1
add_ip n2 10.244.2.10/32   # remote server, n2
ip -n "$(node_ns n1)" route add 10.244.2.0/24 via 10.0.0.2
ip -n "$(node_ns n2)" route add 10.244.1.0/24 via 10.0.0.1
for w in client local-server; do workload_cgroup n1 "$w" >/dev/null; done
workload_cgroup n2 remote-server >/dev/null

CONF="$E2E_TMP/conf"
mkdir -p "$CONF"
workload() { # workload NAME IP APP NODE CGROUP
  cat <<YAML
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: $1
  namespace: demo
  labels:
    app: $3
  annotations:
    weir.io/node: $4
    weir.io/cgroup: $5
spec:
  meshTLS:
    identity: spiffe://cluster.local/ns/demo/sa/$3
    serverName: $1.demo.cluster.local
  workloadIPs:
  - ip: $2
  ports:
  - port: 8080
YAML
}
service() { # service NAME VIP APP
  cat <<YAML
---
apiVersion: v1
kind: Service
metadata:
  name: $1
  namespace: demo
spec:
  clusterIP: $2
  selector:
    app: $3
  ports:
  - port: 80
    targetPort: 8080
YAML
}
{ service remote 10.96.0.20 remote; service local 10.96.0.21 local; } >"$CONF/services.yaml"
{ workload client-1 10.244.1.20 client n1 client
  workload local-1 10.244.1.10 local n1 local-server
  workload remote-1 10.244.2.10 remote n2 remote-server; } >"$CONF/workloads.yaml"

start_in n2 remote-server remote "$ECHO_APP" serve 10.244.2.10:8080
start_in n1 local-server local "$ECHO_APP" serve 10.244.1.10:8080
wait_for "remote server listening" 5 in_node n2 bash -c 'ss -ltn | grep -q 10.244.2.10:8080'
wait_for "local server listening" 5 in_node n1 bash -c 'ss -ltn | grep -q 10.244.1.10:8080'
start_agent n1 "$CONF"
start_agent n2 "$CONF"

expect "n1 meshes only its own workloads (2 cgroups)" \
  test "$(dump_map n1 weir_workloads | grep -o '"ip4"' | wc -l)" -eq 2
expect "n2 meshes only its own workload (1 cgroup)" \
  test "$(dump_map n2 weir_workloads | grep -o '"ip4"' | wc -l)" -eq 1

veth="v${WEIR_E2E_ID}n1"
start_bg n1 tcpdump tcpdump --immediate-mode -U -i "$veth" -n -w "$E2E_TMP/veth.pcap" 'tcp port 8080'
TCPDUMP=$LAST_PID
sleep 1
out=$(run_in n1 client "$ECHO_APP" check 10.96.0.20:80 1048576) || true
log "cross-node client: $out"
sleep 0.5
kill -TERM "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null || true
expect "cross-node: 1 MiB echoed intact and in order with EOF" \
  test "$(json_field "$out" intact)/$(json_field "$out" eof)" = "true/true"
expect "cross-node: getpeername() still shows the VIP" test "$(json_field "$out" peer)" = "10.96.0.20:80"
payload=$(tcpdump -r "$E2E_TMP/veth.pcap" -n 'tcp and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)' 2>/dev/null | wc -l || true)
expect "cross-node bytes crossed the veth as TCP ($payload payload segments)" test "$payload" -gt 10
expect "n1 redirected nothing for the remote service" \
  test "$(metric n1 'weir_fastpath_events_total\{event="bytes_redirected"\}')" -eq 0
expect "n2 redirected nothing" \
  test "$(metric n2 'weir_fastpath_events_total\{event="bytes_redirected"\}')" -eq 0
expect "n1 rewrote the connect to the remote endpoint" \
  test "$(metric n1 'weir_service_connects_total\{.*dst_service="remote".*result="endpoint"')" -eq 1
expect "n1 tracked no fast-path socket for it" \
  test "$(metric n1 'weir_fastpath_events_total\{event="sock_added"\}')" -eq 0
expect "n1 removed the closed connection's original-destination records" \
  test "$(dump_map n1 weir_sock_orig)/$(dump_map n1 weir_orig_dst)" = "[]/[]"

out=$(run_in n1 client "$ECHO_APP" check 10.96.0.21:80 1048576) || true
expect "same-node service in the same run: intact" test "$(json_field "$out" intact)" = "true"
expect "same-node service took the fast path (bytes redirected on n1)" \
  test "$(metric n1 'weir_fastpath_events_total\{event="bytes_redirected"\}')" -ge 2097152
expect "n2 still redirected nothing" \
  test "$(metric n2 'weir_fastpath_events_total\{event="bytes_redirected"\}')" -eq 0

finish
