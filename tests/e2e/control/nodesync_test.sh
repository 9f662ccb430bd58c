#!/usr/bin/env bash
# e2e: weir-control follows a config directory and drives a real weir-agent over NodeSync. Edits
# reach the kernel maps as diffs; with weir-control killed the kernel keeps its state and traffic
# flows; a restarted weir-control resyncs the agent without a single spurious map write; a bad file
# is rejected by the control plane and never reaches the node.
source "$(dirname "$0")/../../../tools/lib/simnode.sh"
require_root
mount_bpffs

make_node n1
add_ip n1 10.244.1.10/32
add_ip n1 10.244.1.11/32
add_ip n1 10.244.1.20/32
for w in server server2 client; do workload_cgroup n1 "$w" >/dev/null; done

CONF="$E2E_TMP/conf"
mkdir -p "$CONF"
workload() { # workload NAME IP APP CGROUP [WEIGHT]
  cat <<YAML
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: $1
  namespace: demo
  labels: {app: $3}
  annotations: {weir.io/cgroup: $4, weir.io/weight: "${5:-1}", weir.io/node: n1}
spec:
  meshTLS: {identity: spiffe://cluster.local/ns/demo/sa/$3, serverName: $1.demo}
  workloadIPs: [{ip: $2}]
  ports: [{port: 8080, name: http}]
YAML
}
service() { # service NAME VIP
  cat <<YAML
apiVersion: v1
kind: Service
metadata: {name: $1, namespace: demo}
spec:
  clusterIP: $2
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
YAML
}
put() { cat >"$E2E_TMP/.$1.tmp" && mv "$E2E_TMP/.$1.tmp" "$CONF/$1"; }

service web 10.96.0.10 | put web.yaml
{ workload web-1 10.244.1.10 web server; workload client-1 10.244.1.20 client client; } | put workloads.yaml

start_in n1 server server "$ECHO_APP" serve 10.244.1.10:8080
start_in n1 server2 server2 "$ECHO_APP" serve 10.244.1.11:8080
wait_for "servers listening" 5 in_node n1 bash -c 'ss -ltn | grep -q 10.244.1.11:8080'

start_control() {
  start_bg n1 control "$CONTROL" --config-dir "$CONF" --listen 127.0.0.1:8086 --admin 127.0.0.1:9990
  CONTROL_PID=$LAST_PID
  wait_for "weir-control ready" 10 in_node n1 curl -sf -o /dev/null http://127.0.0.1:9990/ready
}
start_control
start_agent_control n1 127.0.0.1:8086

backends() { dump_map n1 weir_backends | grep -o '"weight_end": *[0-9]*' | tr -d ' "' | sort -t: -k2 -n | tr '\n' ' '; }
backends_are() { [[ "$(backends)" == "$1" ]]; }
services_are() { [[ "$(dump_map n1 weir_services | grep -o '"vip4"' | wc -l)" == "$1" ]]; }
writes() { metric n1 'weir_agent_map_writes_total'; }
acked() { in_node n1 curl -sf http://127.0.0.1:9990/metrics | awk '/^weir_control_nodesync_acked_version\{node="n1"\}/ { print $2 }'; }
version() { in_node n1 curl -sf http://127.0.0.1:9990/metrics | awk '/^weir_control_config_version / { print $2 }'; }
agent_at_current() { [[ -n "$(version)" && "$(acked)" == "$(version)" ]]; }
traffic_ok() {
  local out; out=$(run_in n1 client "$ECHO_APP" check 10.96.0.10:80 65536) || true
  [[ "$(json_field "$out" intact)" == true ]]
}

wait_for "first version in the kernel" 10 backends_are "weight_end:1 " || true
expect "the control plane's first version reached the kernel ($(backends))" backends_are "weight_end:1 "
expect "traffic through the VIP via the control plane's state" traffic_ok
expect "the agent acknowledged the current version" agent_at_current

# --- Destination and Policy are served beside NodeSync, by the same binary
endpoints() { in_node n1 "$WEIR_CLI" diagnostics endpoints web.demo.svc.cluster.local:80 --destination 127.0.0.1:8086; }
endpoints_show() { endpoints | grep -Eq "^demo +$1 +8080 +$2 +web *$"; }
expect "weir diagnostics endpoints lists web-1 from Destination" endpoints_show 10.244.1.10 web-1
unknown_refused() { ! in_node n1 "$WEIR_CLI" diagnostics endpoints nope.demo.svc.cluster.local:80 --destination 127.0.0.1:8086 2>/dev/null; }
expect "an unknown authority is reported as unknown" unknown_refused
policy_listening() { in_node n1 ss -ltn | grep -q ':8090 '; }
expect "Policy listens on 8090" policy_listening

# --- edits arrive as diffs
{ workload web-1 10.244.1.10 web server; workload web-2 10.244.1.11 web server2 3
  workload client-1 10.244.1.20 client client; } | put workloads.yaml
wait_for "endpoint added" 10 backends_are "weight_end:1 weight_end:4 " || true
expect "add an endpoint with weight 3: slots 1,4 ($(backends))" backends_are "weight_end:1 weight_end:4 "
expect "Destination follows: web-2 listed" endpoints_show 10.244.1.11 web-2
{ workload web-1 10.244.1.10 web server; workload web-2 10.244.1.11 web server2 1
  workload client-1 10.244.1.20 client client; } | put workloads.yaml
wait_for "weight changed" 10 backends_are "weight_end:1 weight_end:2 " || true
expect "change a weight: slots 1,2 ($(backends))" backends_are "weight_end:1 weight_end:2 "
{ workload web-1 10.244.1.10 web server; workload client-1 10.244.1.20 client client; } | put workloads.yaml
wait_for "endpoint removed" 10 backends_are "weight_end:1 " || true
expect "remove an endpoint: slot 1 only ($(backends))" backends_are "weight_end:1 "
service api 10.96.0.11 | put api.yaml
wait_for "second service" 10 services_are 2 || true
expect "add a service" services_are 2
rm -f "$CONF/api.yaml"
wait_for "service deleted" 10 services_are 1 || true
expect "delete a service" services_are 1
wait_for "agent caught up" 10 agent_at_current || true
expect "every version acknowledged" agent_at_current

# --- a bad file never reaches the node
good=$(dump_map n1 weir_backends)
printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: broken\n  spec: [\n' | put broken.yaml
wait_for "rejection" 10 bash -c "grep -q 'broken.yaml:6: malformed YAML' '$E2E_TMP/control.log'" || true
expect "weir-control rejected the bad file with file and line" \
  grep -q 'broken.yaml:6: malformed YAML' "$E2E_TMP/control.log"
expect "the node's maps did not change" test "$good" = "$(dump_map n1 weir_backends)"
rm -f "$CONF/broken.yaml"

# --- weir-control killed: the kernel keeps its state, traffic flows
before=$(writes)
maps_before=$(for m in weir_workloads weir_services weir_backends; do dump_map n1 $m; done)
kill -9 "$CONTROL_PID"; wait "$CONTROL_PID" 2>/dev/null || true
for i in 1 2 3; do traffic_ok || fail "traffic while weir-control is down"; done
expect "traffic flows with weir-control down" traffic_ok
expect "maps unchanged with weir-control down" \
  test "$maps_before" = "$(for m in weir_workloads weir_services weir_backends; do dump_map n1 $m; done)"

# --- restarted: the agent resyncs (a new epoch: a snapshot) and writes nothing that was right
start_control
wait_for "agent resynced" 15 agent_at_current || true
expect "the agent resynced with the restarted weir-control" agent_at_current
expect "the resync wrote no map entry ($before -> $(writes))" test "$(writes)" -eq "$before"
expect "traffic after the resync" traffic_ok

finish
