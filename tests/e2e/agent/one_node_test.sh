#!/usr/bin/env bash
# e2e: one simulated node, weir-agent in host mode, a client and a server workload in their own
# cgroups. The client dials the service VIP and must reach the server through the kernel fast
# path: bytes intact and in order both ways, half-close seen, no payload on the wire, counters
# growing; an unmeshed process is not rewritten; kill -9 of the agent mid-transfer disturbs
# nothing; --uninstall returns the node to plain TCP.
source "$(dirname "$0")/../../../tools/lib/simnode.sh"
require_root
mount_bpffs

make_node n1
add_ip n1 10.244.1.10/32   # server workload
add_ip n1 10.244.1.20/32   # client workload
add_ip n1 10.244.1.11/32   # dual-stack server workload (listens on [::])
add_ip n1 10.244.1.21/32   # a client that opted out of the fast path
workload_cgroup n1 server >/dev/null
workload_cgroup n1 dual >/dev/null
workload_cgroup n1 slow >/dev/null
workload_cgroup n1 client >/dev/null
workload_cgroup n1 plain >/dev/null

CONF="$E2E_TMP/conf"
mkdir -p "$CONF"
cat >"$CONF/web.yaml" <<YAML
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: demo
spec:
  clusterIP: 10.96.0.10
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: dual
  namespace: demo
spec:
  clusterIP: 10.96.0.11
  selector:
    app: dual
  ports:
  - port: 80
    targetPort: 8081
YAML
cat >"$CONF/workloads.yaml" <<YAML
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: web-1
  namespace: demo
  labels:
    app: web
  annotations:
    weir.io/cgroup: server
spec:
  meshTLS:
    identity: spiffe://cluster.local/ns/demo/sa/web
    serverName: web-1.demo.cluster.local
  workloadIPs:
  - ip: 10.244.1.10
  ports:
  - port: 8080
    name: http
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: dual-1
  namespace: demo
  labels:
    app: dual
  annotations:
    weir.io/cgroup: dual
spec:
  meshTLS:
    identity: spiffe://cluster.local/ns/demo/sa/dual
    serverName: dual-1.demo.cluster.local
  workloadIPs:
  - ip: 10.244.1.11
  ports:
  - port: 8081
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: slow-1
  namespace: demo
  labels:
    app: slow
  annotations:
    weir.io/cgroup: slow
    weir.io/fast-path: "false"
spec:
  meshTLS:
    identity: spiffe://cluster.local/ns/demo/sa/slow
    serverName: slow-1.demo.cluster.local
  workloadIPs:
  - ip: 10.244.1.21
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: client-1
  namespace: demo
  labels:
    app: client
  annotations:
    weir.io/cgroup: client
spec:
  meshTLS:
    identity: spiffe://cluster.local/ns/demo/sa/client
    serverName: client-1.demo.cluster.local
  workloadIPs:
  - ip: 10.244.1.20
YAML

start_in n1 server server "$ECHO_APP" serve 10.244.1.10:8080 --origdst
wait_for "server listening" 5 in_node n1 bash -c 'ss -ltn | grep -q 10.244.1.10:8080'
start_agent n1 "$CONF"
AGENT_PID=$LAST_PID

# --- the fast path: 1 MiB both ways, in order, half-close, original destination, no wire bytes
start_bg n1 tcpdump tcpdump --immediate-mode -U -i lo -n -w "$E2E_TMP/lo.pcap" 'tcp port 8080'
TCPDUMP=$LAST_PID
sleep 1
out=$(run_in n1 client "$ECHO_APP" check 10.96.0.10:80 1048576 --origdst) || true
log "client: $out"
sleep 0.5
kill -TERM "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null || true
expect "1 MiB echoed intact and in order, EOF after half-close" \
  test "$(json_field "$out" intact)/$(json_field "$out" eof)" = "true/true"
expect "client's getpeername() shows the VIP" test "$(json_field "$out" peer)" = "10.96.0.10:80"
expect "server's SO_ORIGINAL_DST shows the VIP" test "$(json_field "$out" origdst)" = "10.96.0.10:80"
payload=$(tcpdump -r "$E2E_TMP/lo.pcap" -n 'tcp and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)' 2>/dev/null | wc -l || true)
handshake=$(tcpdump -r "$E2E_TMP/lo.pcap" -n 'tcp[tcpflags] & tcp-syn != 0' 2>/dev/null | wc -l || true)
expect "tcpdump saw the handshake ($handshake SYN segments)" test "$handshake" -ge 2
expect "tcpdump on lo saw no payload segments (saw $payload)" test "$payload" -eq 0
redirected=$(metric n1 'weir_fastpath_events_total\{event="bytes_redirected"\}')
expect "redirect counters grew (bytes_redirected=$redirected >= 2 MiB)" test "$redirected" -ge 2097152
written=$(metric n1 'tcp_write_bytes_total\{.*direction="outbound".*dst_service="web"')
expect "tcp_write_bytes_total for the client's outbound connection ($written >= 1 MiB)" \
  test "$written" -ge 1048576
closes=$(metric n1 'tcp_close_total\{.*direction="inbound"')
expect "tcp_close_total counts the server side close ($closes)" test "$closes" -ge 1
connects=$(metric n1 'weir_service_connects_total\{.*dst_service="web".*result="endpoint"')
expect "per-service connects counted ($connects)" test "$connects" -ge 1
conns=$(dump_map n1 weir_conns | grep -o '"cgroup_id"' | wc -l || true)
expect "closed connections left weir_conns ($conns entries)" test "$conns" -eq 0

# --- dual-stack sockets: a server on [::] (as Go and nginx listen) accepts IPv4 clients on IPv6
# sockets with IPv4-mapped addresses; a client on an IPv6 socket dials the IPv4-mapped VIP
start_in n1 dual dual "$ECHO_APP" serve '[::]:8081' --origdst
wait_for "dual-stack server listening" 5 in_node n1 bash -c 'ss -ltn | grep -q "\*:8081"'
passed_before=$(metric n1 'weir_fastpath_events_total\{event="msg_passed"\}')
bytes_before=$(metric n1 'weir_fastpath_events_total\{event="bytes_redirected"\}')
out=$(run_in n1 client "$ECHO_APP" check 10.96.0.11:80 1048576 --origdst) || true
expect "IPv4 client to a dual-stack server: intact, original destination over SOL_IPV6 ($out)" \
  test "$(json_field "$out" intact)/$(json_field "$out" origdst)" = "true/[::ffff:10.96.0.11]:80"
out=$(run_in n1 client "$ECHO_APP" check '[::ffff:10.96.0.11]:80' 1048576 --origdst) || true
expect "IPv6 client dialling the IPv4-mapped VIP is steered by connect6, getpeername6 shows the VIP" \
  test "$(json_field "$out" intact)/$(json_field "$out" peer)" = "true/[::ffff:10.96.0.11]:80"
expect "both dual-stack connections took the fast path (no send fell back to TCP)" \
  test "$(metric n1 'weir_fastpath_events_total\{event="msg_passed"\}')" -eq "$passed_before"
expect "both dual-stack connections' bytes were redirected" \
  test "$(( $(metric n1 'weir_fastpath_events_total\{event="bytes_redirected"\}') - bytes_before ))" -ge 4194304

# --- weir.io/fast-path: "false": steered to the endpoint, bytes over plain TCP
added_before=$(metric n1 'weir_fastpath_events_total\{event="sock_added"\}')
bytes_before=$(metric n1 'weir_fastpath_events_total\{event="bytes_redirected"\}')
out=$(run_in n1 slow "$ECHO_APP" check 10.96.0.10:80 1048576 --origdst) || true
expect "opted-out client: steered (peer and original destination are the VIP), intact ($out)" \
  test "$(json_field "$out" intact)/$(json_field "$out" peer)/$(json_field "$out" origdst)" = \
  "true/10.96.0.10:80/10.96.0.10:80"
expect "opted-out client's sockets never entered the sockhash" \
  test "$(metric n1 'weir_fastpath_events_total\{event="sock_added"\}')" -eq "$added_before"
expect "opted-out client's bytes were not redirected" \
  test "$(metric n1 'weir_fastpath_events_total\{event="bytes_redirected"\}')" -eq "$bytes_before"

# --- an unmeshed process dialling the VIP is untouched: no route, ENETUNREACH
out=$(run_in n1 plain "$ECHO_APP" check 10.96.0.10:80 16) || true
expect "unmeshed process is not rewritten ($out)" \
  grep -q '"error":"Network is unreachable"' <<<"$out"

# --- kill -9 of the agent mid-transfer; a new agent adopts the pinned state
start_in n1 client long "$ECHO_APP" check 10.96.0.10:80 4294967296 --origdst
LONG=$LAST_PID
sleep 0.3
expect "the long transfer is under way when the agent is killed" kill -0 "$LONG"
services_before=$(dump_map n1 weir_services)
kill -9 "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
out=$(run_in n1 client "$ECHO_APP" check 10.96.0.10:80 65536 --origdst) || true
expect "new connections work while no agent runs" test "$(json_field "$out" intact)" = "true"
start_agent n1 "$CONF"
AGENT_PID=$LAST_PID
wait "$LONG" || true
long=$(grep connected "$E2E_TMP/long.log" || true)
log "long transfer: $long"
expect "4 GiB transfer across the agent's kill -9 and restart arrived intact" \
  test "$(json_field "$long" intact)/$(json_field "$long" eof)" = "true/true"
expect "restarted agent adopted the pinned maps unchanged" \
  test "$services_before" = "$(dump_map n1 weir_services)"
expect "restarted agent logged the adoption" grep -q 'adopted workloads=4 services=2 backends=2' "$E2E_TMP/agent-n1.log"
out=$(run_in n1 client "$ECHO_APP" check 10.96.0.10:80 65536 --origdst) || true
expect "a new connection after the restart is steered and intact" \
  test "$(json_field "$out" intact)/$(json_field "$out" origdst)" = "true/10.96.0.10:80"
redirected2=$(metric n1 'weir_fastpath_events_total\{event="bytes_redirected"\}')
expect "counters survived the restart ($redirected2 > $redirected)" test "$redirected2" -gt "$redirected"

# --- --uninstall: nothing of weir left, plain TCP again
kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true
"$AGENT" --uninstall --bpffs-dir "$(node_bpffs n1)" --cgroup-root "$(node_cgroup n1)"
expect "no pins left after --uninstall" test ! -e "$(node_bpffs n1)"
expect "no weir program left attached to the node's cgroup" \
  test -z "$(bpftool cgroup show "$(node_cgroup n1)" 2>/dev/null | grep weir_ || true)"
out=$(run_in n1 client "$ECHO_APP" check 10.96.0.10:80 16) || true
expect "after --uninstall the VIP is plain TCP again (unreachable)" \
  grep -q '"error":"Network is unreachable"' <<<"$out"
out=$(run_in n1 client "$ECHO_APP" check 10.244.1.10:8080 65536 --origdst) || true
expect "direct connections still work over plain TCP" test "$(json_field "$out" intact)" = "true"

finish
