#!/usr/bin/env bash
# e2e: bad configuration never reaches the kernel. weir-agent runs on a good config directory;
# each bad file dropped into it is rejected with file, line, field and reason in the log, counted
# in weir_agent_config_reloads_total{result="rejected"}, leaves every kernel map unchanged and
# traffic flowing; removing it brings the directory back to a good state. Then a good edit
# (a new endpoint, a weight change, a service removal) reaches the maps as a diff.
source "$(dirname "$0")/../../../tools/lib/simnode.sh"
require_root
mount_bpffs

make_node n1
add_ip n1 10.244.1.10/32
add_ip n1 10.244.1.11/32
add_ip n1 10.244.1.20/32
workload_cgroup n1 server >/dev/null
workload_cgroup n1 client >/dev/null

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
  labels:
    app: $3
  annotations:
    weir.io/cgroup: $4
    weir.io/weight: "${5:-1}"
spec:
  meshTLS:
    identity: spiffe://cluster.local/ns/demo/sa/$3
    serverName: $1.demo.cluster.local
  workloadIPs:
  - ip: $2
  ports:
  - port: 8080
    name: http
YAML
}
service() { # service NAME VIP PORT
  cat <<YAML
apiVersion: v1
kind: Service
metadata:
  name: $1
  namespace: demo
spec:
  clusterIP: $2
  selector:
    app: web
  ports:
  - port: $3
    targetPort: http
YAML
}
# Files are written beside the directory and renamed in, as config management tools do.
put() { cat >"$E2E_TMP/.$1.tmp" && mv "$E2E_TMP/.$1.tmp" "$CONF/$1"; }

service web 10.96.0.10 80 | put web.yaml
{ workload web-1 10.244.1.10 web server; workload client-1 10.244.1.20 client client; } | put workloads.yaml

start_in n1 server server "$ECHO_APP" serve 10.244.1.10:8080
wait_for "server listening" 5 in_node n1 bash -c 'ss -ltn | grep -q 10.244.1.10:8080'
start_agent n1 "$CONF"

maps() { for m in weir_workloads weir_services weir_backends weir_config; do dump_map n1 "$m"; done; }
rejected() { metric n1 'weir_agent_config_reloads_total\{result="rejected"\}'; }
loaded() { metric n1 'weir_agent_config_reloads_total\{result="ok"\}'; }
rejected_above() { [[ "$(rejected)" -gt "$1" ]]; }
loaded_above() { [[ "$(loaded)" -gt "$1" ]]; }
traffic_ok() {
  local out; out=$(run_in n1 client "$ECHO_APP" check 10.96.0.10:80 65536) || true
  [[ "$(json_field "$out" intact)" == true ]]
}
expect "traffic flows on the good config" traffic_ok
good=$(maps)

# bad_case NAME FILE EXPECTED_LOG_TEXT < content
bad_case() {
  local name="$1" file="$2" want="$3"
  local before; before=$(rejected)
  put "$file"
  if wait_for "rejection of $name" 5 rejected_above "$before"; then
    pass "$name: rejected and counted"
  else
    fail "$name: rejected and counted"
  fi
  expect "$name: log names it: $want" grep -qF -- "$want" "$E2E_TMP/agent-n1.log" ||
    grep 'config rejected error' "$E2E_TMP/agent-n1.log" | tail -n 1 >&2
  expect "$name: kernel maps unchanged" test "$good" = "$(maps)"
  expect "$name: traffic still flows" traffic_ok
  local ok; ok=$(loaded)
  rm -f "$CONF/$file"
  if wait_for "recovery after $name" 5 loaded_above "$ok"; then
    pass "$name: removing the file restores a good state"
  else
    fail "$name: removing the file restores a good state"
  fi
}

bad_case "malformed YAML" broken.yaml "broken.yaml:6: malformed YAML: end of sequence flow not found" \
  < <(printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: broken\n  spec: [\n')
bad_case "unknown kind" widget.yaml 'widget.yaml:2: Widget/w: kind: unknown kind "Widget"' \
  < <(printf 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n')
bad_case "duplicate VIP" dup.yaml \
  "spec.clusterIP: 10.96.0.10:80 already used by Service/web-copy (${CONF}/dup.yaml:7)" \
  < <(service web-copy 10.96.0.10 80)
bad_case "out-of-range port" big.yaml \
  "big.yaml:11: Service/big: spec.ports[0].port: must be between 1 and 65535, got 70000" \
  < <(service big 10.96.0.11 70000)
bad_case "missing cgroup path" ghost.yaml \
  "ExternalWorkload/ghost: metadata.annotations[weir.io/cgroup]: cgroup $(node_cgroup n1)/no-such-cgroup" \
  < <(workload ghost 10.244.1.30 web no-such-cgroup)
bad_case "workload IP claimed twice" twin.yaml \
  "spec.workloadIPs[0].ip: 10.244.1.10 already claimed by ExternalWorkload/twin" \
  < <(workload twin 10.244.1.10 web server)

# --- good edits arrive as diffs: only the entries that changed are written
backends() { dump_map n1 weir_backends | grep -o '"weight_end": *[0-9]*' | tr -d ' "' | sort -t: -k2 -n | tr '\n' ' '; }
updates() { metric n1 'weir_agent_map_writes_total\{op="update"\}'; }
backends_are() { [[ "$(backends)" == "$1" ]]; }
services_empty() { [[ "$(dump_map n1 weir_services)" == "[]" ]]; }
workload_cgroup n1 server2 >/dev/null
start_in n1 server2 server2 "$ECHO_APP" serve 10.244.1.11:8080
wait_for "second server listening" 5 in_node n1 bash -c 'ss -ltn | grep -q 10.244.1.11:8080'

before=$(updates)
{ workload web-1 10.244.1.10 web server; workload web-2 10.244.1.11 web server2 3
  workload client-1 10.244.1.20 client client; } | put workloads.yaml
wait_for "second endpoint in the kernel" 5 backends_are "weight_end:1 weight_end:4 " || true
expect "new endpoint with weight 3 lands as cumulative weights 1,4 ($(backends))" \
  test "$(backends)" = "weight_end:1 weight_end:4 "
expect "adding an endpoint wrote 3 entries (its workload, its slot, the service): $(( $(updates) - before ))" \
  test "$(( $(updates) - before ))" -eq 3
for i in $(seq 20); do traffic_ok || fail "traffic during the weighted split"; done
hits=$(metric n1 'tcp_open_total\{.*direction="inbound".*external_workload="web-2"')
expect "the weighted endpoint took connections ($hits of 21)" test "$hits" -ge 5

before=$(updates)
{ workload web-1 10.244.1.10 web server; workload web-2 10.244.1.11 web server2 1
  workload client-1 10.244.1.20 client client; } | put workloads.yaml
wait_for "weight change in the kernel" 5 backends_are "weight_end:1 weight_end:2 " || true
expect "weight change lands as cumulative weights 1,2 ($(backends))" \
  test "$(backends)" = "weight_end:1 weight_end:2 "
expect "a weight change wrote 2 entries (the slot, the service's total): $(( $(updates) - before ))" \
  test "$(( $(updates) - before ))" -eq 2

rm -f "$CONF/web.yaml"
wait_for "service removed from the kernel" 5 services_empty || true
expect "deleting the Service empties weir_services" test "$(dump_map n1 weir_services)" = "[]"
expect "deleting the Service empties weir_backends" test "$(dump_map n1 weir_backends)" = "[]"
out=$(run_in n1 client "$ECHO_APP" check 10.96.0.10:80 16) || true
expect "the deleted VIP is plain (unreachable) again" grep -q 'Network is unreachable' <<<"$out"

finish
