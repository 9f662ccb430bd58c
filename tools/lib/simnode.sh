# Simulated nodes for weir's e2e tests, benchmarks and demo: nodes are network namespaces (no route
# off the machine, so a missed VIP rewrite fails with ENETUNREACH), workloads are processes in
# their own cgroups, agents are the real weir-agent binary scoped to their node's cgroup subtree
# and bpffs dir. Everything created is named after WEIR_E2E_ID and removed by `e2e_cleanup`,
# which runs on exit even when the caller fails.
#
# Sourced with BIN_DIR set to the build's bin directory.

set -euo pipefail

WEIR_E2E_ID="we$$"
E2E_TMP=$(mktemp -d "/tmp/weir-e2e.XXXXXX")
E2E_PIDS=()
E2E_NETNS=()
E2E_AGENTS=()   # "node bpffs_dir cgroup_root" triples for uninstall on cleanup
FAILURES=0
PASSES=0

: "${BIN_DIR:?BIN_DIR must point at the bin directory of a build}"
AGENT="$BIN_DIR/weir-agent"
CONTROL="$BIN_DIR/weir-control"
WEIR_CLI="$BIN_DIR/weir"
ECHO_APP="$BIN_DIR/weir-echo"
PROXY="$BIN_DIR/weir-proxy"
HTTP_PEER="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tests/apps/peers/http_server.py"

cgroup2_mount() {
  awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' \
    /proc/self/mountinfo | \
    awk '$0 == "/sys/fs/cgroup" { best = $0 } { if (!first) first = $0 } END { print best ? best : first }'
}
CGROUP_MOUNT=$(cgroup2_mount)
CGROUP_TOP="$CGROUP_MOUNT/$WEIR_E2E_ID"
BPFFS_TOP="/sys/fs/bpf/$WEIR_E2E_ID"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

pass() { PASSES=$((PASSES + 1)); log "PASS $*"; }
fail() { FAILURES=$((FAILURES + 1)); log "FAIL $*"; }

# expect DESCRIPTION COMMAND...: the command must succeed.
expect() {
  local what="$1"; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

require_root() {
  if [[ $EUID -ne 0 ]]; then
    echo "e2e tests need root" >&2
    exit 77   # ctest SKIP_RETURN_CODE; tools/test fails a skip when it runs as root
  fi
}

e2e_cleanup() {
  local rc=$?
  set +e
  if [[ $rc -ne 0 ]]; then
    for f in "$E2E_TMP"/agent-*.log "$E2E_TMP"/proxy-*.log; do
      [[ -f "$f" ]] || continue
      log "--- last lines of $(basename "$f")"
      tail -n 20 "$f" >&2
    done
  fi
  for pid in "${E2E_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  for pid in "${E2E_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  for entry in "${E2E_AGENTS[@]}"; do
    read -r _node dir root <<<"$entry"
    "$AGENT" --uninstall --bpffs-dir "$dir" --cgroup-root "$root" --log-level warn 2>/dev/null
  done
  if [[ -d "$CGROUP_TOP" ]]; then
    # Kill whatever is left in our cgroups, deepest first, then remove them.
    find "$CGROUP_TOP" -name cgroup.procs | while read -r procs; do
      while read -r p; do kill -9 "$p" 2>/dev/null; done <"$procs"
    done
    sleep 0.2
    find "$CGROUP_TOP" -depth -type d -exec rmdir {} \; 2>/dev/null
  fi
  rm -rf "$BPFFS_TOP" 2>/dev/null
  for ns in "${E2E_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  [[ -n "${WEIR_E2E_KEEP:-}" ]] && log "kept $E2E_TMP" || rm -rf "$E2E_TMP"
  exit "$rc"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

mount_bpffs() {
  mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
}

# make_node NAME: a network namespace with loopback up and no route off the machine.
make_node() {
  local ns="$WEIR_E2E_ID-$1"
  ip netns add "$ns"
  E2E_NETNS+=("$ns")
  ip -n "$ns" link set lo up
  mkdir -p "$CGROUP_TOP/$1"
}

node_ns() { echo "$WEIR_E2E_ID-$1"; }
node_cgroup() { echo "$CGROUP_TOP/$1"; }
node_bpffs() { echo "$BPFFS_TOP/$1"; }

# in_node NODE CMD...: runs CMD in the node's network namespace. nsenter, not `ip netns exec`,
# which remounts /sys and would hide the bpffs pins.
in_node() {
  local ns; ns=$(node_ns "$1"); shift
  nsenter --net="/run/netns/$ns" "$@"
}

# add_ip NODE CIDR: a workload address on the node's loopback.
add_ip() { ip -n "$(node_ns "$1")" addr add "$2" dev lo; }

# link_nodes A B IP_A IP_B: a veth pair between two nodes on 10.0.0.0/24-style addresses.
link_nodes() {
  local a="$1" b="$2" ipa="$3" ipb="$4"
  ip link add "v$WEIR_E2E_ID$a" type veth peer name "v$WEIR_E2E_ID$b"
  ip link set "v$WEIR_E2E_ID$a" netns "$(node_ns "$a")"
  ip link set "v$WEIR_E2E_ID$b" netns "$(node_ns "$b")"
  ip -n "$(node_ns "$a")" addr add "$ipa/24" dev "v$WEIR_E2E_ID$a"
  ip -n "$(node_ns "$b")" addr add "$ipb/24" dev "v$WEIR_E2E_ID$b"
  ip -n "$(node_ns "$a")" link set "v$WEIR_E2E_ID$a" up
  ip -n "$(node_ns "$b")" link set "v$WEIR_E2E_ID$b" up
}

# workload_cgroup NODE NAME: creates the workload's cgroup, prints its path.
workload_cgroup() {
  local dir="$CGROUP_TOP/$1/$2"
  mkdir -p "$dir"
  echo "$dir"
}

# run_in NODE CGROUP_NAME CMD...: runs CMD in the node's netns inside the workload's cgroup.
# Foreground; its output is the command's.
run_in() {
  local node="$1" cg="$2"; shift 2
  local dir; dir=$(workload_cgroup "$node" "$cg")
  in_node "$node" sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$dir" "$@"
}

# start_in NODE CGROUP_NAME LOGNAME CMD...: like run_in, in the background. Sets LAST_PID (not
# printed: a command substitution would run it in a subshell that forgets the pid).
start_in() {
  local node="$1" cg="$2" name="$3"; shift 3
  local dir; dir=$(workload_cgroup "$node" "$cg")
  # nsenter itself goes to the background (not a shell function, whose $! would be a subshell),
  # and execs the workload: LAST_PID is the workload's pid.
  nsenter --net="/run/netns/$(node_ns "$node")" sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' \
    "$dir" "$@" >"$E2E_TMP/$name.log" 2>&1 &
  LAST_PID=$!
  E2E_PIDS+=("$LAST_PID")
}

# start_agent NODE CONFIG_DIR [extra args]: weir-agent scoped to the node's cgroup subtree and
# bpffs dir, running in the node's netns (admin on the node's 127.0.0.1:4192). Sets LAST_PID and
# returns once the agent is ready.
start_agent() {
  local node="$1" dir="$2"; shift 2
  local cg; cg=$(node_cgroup "$node")
  local fs; fs=$(node_bpffs "$node")
  E2E_AGENTS+=("$node $fs $cg")
  nsenter --net="/run/netns/$(node_ns "$node")" "$AGENT" --config-dir "$dir" --node "$node" \
    --cgroup-root "$cg" --bpffs-dir "$fs" "$@" >>"$E2E_TMP/agent-$node.log" 2>&1 &
  LAST_PID=$!
  E2E_PIDS+=("$LAST_PID")
  wait_for "agent $node ready" 10 in_node "$node" curl -sf -o /dev/null http://127.0.0.1:4192/ready
}

# start_bg NODE LOGNAME CMD...: a process in the node's netns (no cgroup), in the background.
# Sets LAST_PID to the process itself.
start_bg() {
  local node="$1" name="$2"; shift 2
  nsenter --net="/run/netns/$(node_ns "$node")" "$@" >"$E2E_TMP/$name.log" 2>&1 &
  LAST_PID=$!
  E2E_PIDS+=("$LAST_PID")
}

# start_agent_control NODE ADDRESS [extra args]: like start_agent, following weir-control's
# NodeSync at ADDRESS (as seen from the node) instead of a directory. Sets LAST_PID.
start_agent_control() {
  local node="$1" address="$2"; shift 2
  local cg; cg=$(node_cgroup "$node")
  local fs; fs=$(node_bpffs "$node")
  E2E_AGENTS+=("$node $fs $cg")
  nsenter --net="/run/netns/$(node_ns "$node")" "$AGENT" --control "$address" --node "$node" \
    --cgroup-root "$cg" --bpffs-dir "$fs" "$@" >>"$E2E_TMP/agent-$node.log" 2>&1 &
  LAST_PID=$!
  E2E_PIDS+=("$LAST_PID")
  wait_for "agent $node ready" 10 in_node "$node" curl -sf -o /dev/null http://127.0.0.1:4192/ready
}

# service_yaml NS NAME VIP PORT TARGET_PORT [ANNOTATIONS]: a Service selecting app=NAME.
# ANNOTATIONS is a flow mapping body, e.g. 'config.linkerd.io/opaque-ports: "25"'.
service_yaml() {
  cat <<YAML
---
apiVersion: v1
kind: Service
metadata: {name: $2, namespace: $1, annotations: {${6:-}}}
spec:
  clusterIP: $3
  selector: {app: $2}
  ports: [{name: p$4, port: $4, targetPort: $5}]
YAML
}

# workload_yaml NS NAME APP IP PORT [ANNOTATIONS]: an ExternalWorkload labelled app=APP whose
# processes are in the cgroup NAME (weir.io/cgroup), with service account APP.
workload_yaml() {
  cat <<YAML
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: $2
  namespace: $1
  labels: {app: $3}
  annotations: {weir.io/cgroup: $2, ${6:-}}
spec:
  meshTLS: {identity: $3.$1.serviceaccount.identity.linkerd.cluster.local, serverName: $3}
  workloadIPs: [{ip: $4}]
  ports: [{name: p$5, port: $5}]
YAML
}

# proxy_agent_args NODE: the weir-agent flags for a node with a proxy: services are steered to
# 127.0.0.1:4140, the proxy's cgroup is "proxy" (its hops to local workloads are short-circuited)
# and the workload directory goes where start_proxy reads it. Creates the proxy's cgroup.
proxy_agent_args() {
  workload_cgroup "$1" proxy >/dev/null
  echo "--proxy 127.0.0.1:4140 --proxy-cgroup proxy --workloads-file $E2E_TMP/workloads-$1.json"
}

# start_proxy NODE [extra args]: weir-proxy in the node's netns and its "proxy" cgroup, reading
# the node agent's pins and workload directory; admin on the node's 127.0.0.1:4191. Sets
# LAST_PID and returns once /ready answers.
start_proxy() {
  local node="$1"; shift
  start_in "$node" proxy "proxy-$node" "$PROXY" --node "$node" --bpffs-dir "$(node_bpffs "$node")" \
    --workloads-file "$E2E_TMP/workloads-$node.json" --admin 127.0.0.1:4191 "$@"
  wait_for "proxy $node ready" 10 in_node "$node" curl -sf -o /dev/null http://127.0.0.1:4191/ready
}

# mesh_ca DIR NODE...: a mesh CA in DIR (weir identity init: ca.crt, issuer.crt, issuer.key,
# node-token.key) and a node token DIR/token-NODE for each NODE.
mesh_ca() {
  local dir="$1"; shift
  "$WEIR_CLI" identity init --dir "$dir" --trust-domain cluster.local >/dev/null
  local n
  for n in "$@"; do
    "$WEIR_CLI" identity node-token --key "$dir/node-token.key" --node "$n" --out "$dir/token-$n" >/dev/null
  done
}

# ca_control_args DIR: weir-control's flags for the CA in DIR (Identity on 8080).
ca_control_args() { # ca_control_args DIR [IDENTITY_LISTEN]: weir-control's CA flags
  echo "--identity-listen ${2:-0.0.0.0:8080} --identity-trust-anchors $1/ca.crt" \
    "--identity-issuer-cert $1/issuer.crt --identity-issuer-key $1/issuer.key" \
    "--identity-node-token-key $1/node-token.key"
}

# ca_proxy_args DIR NODE CONTROL_IP: weir-proxy's flags to get NODE's certificates from the CA.
ca_agent_args() { # ca_agent_args DIR: NodeSync over TLS, weir-control checked against DIR's anchor
  echo "--control-trust-anchors $1/ca.crt"
}
ca_proxy_args() {
  echo "--identity $3:8080 --identity-trust-anchors $1/ca.crt --identity-token-file $1/token-$2"
}

# proxy_metric NODE SERIES_REGEX: sums the values of matching series from the node proxy's /metrics.
proxy_metric() {
  in_node "$1" curl -sf http://127.0.0.1:4191/metrics | \
    awk -v re="$2" '$0 !~ /^#/ && $1 ~ re { sum += $NF } END { printf "%.0f\n", sum }'
}

# promtool_check < EXPOSITION: promtool parses and lints it. Linkerd's own family names
# response_latency_ms and tcp_connection_duration_ms carry a unit abbreviation promtool's lint
# flags (exit 3); weir keeps those names so Linkerd's queries work. Any other finding, and any
# parse error, fails.
promtool_check() {
  local out rc=0
  out=$(promtool check metrics 2>&1) || rc=$?
  if [[ $rc -eq 0 ]]; then return 0; fi
  if [[ $rc -ne 3 ]]; then echo "$out" >&2; return 1; fi
  local other
  other=$(grep -v -E '^(response_latency_ms|tcp_connection_duration_ms) metric names should not contain abbreviated units$' <<<"$out" | grep -v '^$' || true)
  if [[ -n "$other" ]]; then echo "$other" >&2; return 1; fi
}

# wait_for DESCRIPTION SECONDS CMD...: polls CMD every 0.1 s; fails the test on timeout.
wait_for() {
  local what="$1" secs="$2"; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timeout waiting for $what"
      return 1
    fi
    sleep 0.1
  done
}

# metric NODE SERIES_REGEX: sums the values of matching series from the node agent's /metrics.
metric() {
  in_node "$1" curl -sf http://127.0.0.1:4192/metrics | \
    awk -v re="$2" '$0 !~ /^#/ && $1 ~ re { sum += $NF } END { printf "%.0f\n", sum }'
}

# dump_map NODE MAP: bpftool's JSON dump of a pinned map.
dump_map() { bpftool -j map dump pinned "$(node_bpffs "$1")/$2"; }

json_field() { # json_field JSON FIELD -> value (strings unquoted)
  sed -n "s/.*\"$2\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" <<<"$1" | tr -d '"'
}

finish() {
  log "$PASSES passed, $FAILURES failed"
  echo "$PASSES passed, $FAILURES failed"
  [[ $FAILURES -eq 0 ]]
}
