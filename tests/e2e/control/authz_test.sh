#!/usr/bin/env bash
# e2e: the kernel fast path enforces Server + AuthorizationPolicy + MeshTLSAuthentication. Two
# meshed clients on one node dial a service whose endpoint is on the same node; weir-control
# compiles the policy (admitting only client A) into the node's L4 authorizations; the agent
# writes them into weir_authz. A connects, B's connect is refused with EPERM and counted; an edit
# of the policy file admitting B reaches the kernel as a diff and B connects. Then the agent in
# host mode (--config-dir, no weir-control) compiles the very same entries from the same files.
source "$(dirname "$0")/../../../tools/lib/simnode.sh"
require_root
mount_bpffs

make_node n1
add_ip n1 10.244.1.10/32   # web-1, the server
add_ip n1 10.244.1.20/32   # client-a
add_ip n1 10.244.1.30/32   # client-b
for w in server a b; do workload_cgroup n1 "$w" >/dev/null; done

CONF="$E2E_TMP/conf"
mkdir -p "$CONF"
put() { cat >"$E2E_TMP/.$1.tmp" && mv "$E2E_TMP/.$1.tmp" "$CONF/$1"; }
identity() { echo "$1.demo.serviceaccount.identity.linkerd.cluster.local"; }
workload() { # workload NAME IP APP CGROUP
  cat <<YAML
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: $1
  namespace: demo
  labels: {app: $3}
  annotations: {weir.io/cgroup: $4, weir.io/node: n1}
spec:
  meshTLS: {identity: $(identity "$3"), serverName: $1.demo}
  workloadIPs: [{ip: $2}]
  ports: [{port: 8080, name: http}]
YAML
}
policy() { # policy IDENTITY...: the Server on web's port and who may connect to it
  cat <<YAML
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: web-http, namespace: demo}
spec:
  podSelector: {matchLabels: {app: web}}
  port: http
  proxyProtocol: opaque
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: web-clients, namespace: demo}
spec:
  targetRef: {group: policy.linkerd.io, kind: Server, name: web-http}
  requiredAuthenticationRefs:
  - {group: policy.linkerd.io, kind: MeshTLSAuthentication, name: web-clients}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata: {name: web-clients, namespace: demo}
spec:
  identities:
YAML
  for id in "$@"; do echo "  - $(identity "$id")"; done
}

cat <<YAML | put web.yaml
apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec:
  clusterIP: 10.96.0.10
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
YAML
{ workload web-1 10.244.1.10 web server; workload client-a 10.244.1.20 a a
  workload client-b 10.244.1.30 b b; } | put workloads.yaml
policy a | put policy.yaml

start_in n1 server server "$ECHO_APP" serve 10.244.1.10:8080
wait_for "server listening" 5 in_node n1 bash -c 'ss -ltn | grep -q 10.244.1.10:8080'

start_bg n1 control "$CONTROL" --config-dir "$CONF" --listen 127.0.0.1:8086 --admin 127.0.0.1:9990
CONTROL_PID=$LAST_PID
wait_for "weir-control ready" 10 in_node n1 curl -sf -o /dev/null http://127.0.0.1:9990/ready
start_agent_control n1 127.0.0.1:8086
AGENT_PID=$LAST_PID

# The map's entries, as bpftool prints them with their BTF types.
authz_entries() { dump_map n1 weir_authz | grep -o '"server_cgroup_id"' | wc -l; }
authz_entries_are() { [[ "$(authz_entries)" -eq "$1" ]]; }
denied() { metric n1 'weir_authz_denied_total\{reason="deny"\}'; }
connect() { # connect CGROUP: the client's JSON line
  run_in n1 "$1" "$ECHO_APP" check 10.96.0.10:80 65536 || true
}
connects() { [[ "$(json_field "$(connect "$1")" intact)" == true ]]; }
refused() { grep -q '"error":"Operation not permitted"' <<<"$(connect "$1")"; }

# web-1's port: the default (DENY) and client-a's ALLOW.
wait_for "authorizations in the kernel" 10 authz_entries_are 2 || true
expect "weir_authz holds web-1's port default and client-a's entry, typed ($(authz_entries))" \
  test "$(authz_entries)" -eq 2
log "weir_authz: $(dump_map n1 weir_authz)"
expect "bpftool prints the verdicts by field" grep -q '"verdict": *[12]' <<<"$(dump_map n1 weir_authz)"

out=$(connect a)
expect "client A (admitted) connects through the VIP ($out)" test "$(json_field "$out" intact)" = true
before=$(denied)
out=$(connect b)
expect "client B (not admitted) gets a refused connect ($out)" \
  grep -q '"error":"Operation not permitted"' <<<"$out"
expect "the refusal was counted ($before -> $(denied))" test "$(denied)" -eq $((before + 1))
expect "... and per service" \
  test "$(metric n1 'weir_service_connects_total\{.*dst_service="web".*result="denied"')" -ge 1

# --- the policy file edited (renamed into place) to admit B: a diff, and B connects
policy a b | put policy.yaml
wait_for "B admitted" 10 connects b || true
expect "after the edit client B connects" connects b
expect "client A still connects" connects a
expect "no refusal since the edit ($(denied))" test "$(denied)" -eq $((before + 1))
expect "weir_authz: the default and one entry per admitted client ($(authz_entries))" \
  test "$(authz_entries)" -eq 3
control_map=$(dump_map n1 weir_authz)

# --- host mode compiles the same entries from the same files
kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true
kill "$CONTROL_PID"; wait "$CONTROL_PID" 2>/dev/null || true
start_agent n1 "$CONF"
AGENT_PID=$LAST_PID
expect "host mode: weir_authz is exactly what weir-control's compile gave" \
  test "$control_map" = "$(dump_map n1 weir_authz)"
policy a | put policy.yaml
wait_for "host mode: B refused again" 10 refused b || true
out=$(connect b)
expect "host mode: the edit back to A alone refuses B ($out)" \
  grep -q '"error":"Operation not permitted"' <<<"$out"
expect "host mode: client A connects" connects a

finish
