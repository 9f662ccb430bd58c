#!/usr/bin/env bash
# Certificates and trust anchors change under steady traffic between two simulated nodes, with
# zero failed requests: leaves live 20 s (weir-control --identity-cert-lifetime 20), so each
# proxy renews every ~14 s; then the trust anchors rotate as the README tells it — a bundle of
# the old and the new anchor on every host, a new issuer under the new anchor for weir-control,
# and, once every leaf comes from the new issuer, the new anchor alone. Two clients on node a
# talk to a server on node b all along: one on a new connection per request (each a tunnel on
# the proxies' pooled connection, which is replaced after each renewal), one over a kept-alive
# connection.
set -euo pipefail
source "$(dirname "$0")/../../../tools/lib/simnode.sh"
require_root
mount_bpffs
PEERS="$(cd "$(dirname "$0")/../../apps/peers" && pwd)"
TD=linkerd.cluster.local
id_of() { echo "$1.demo.serviceaccount.identity.$TD"; }

make_node a
make_node b
link_nodes a b 10.0.0.1 10.0.0.2
add_ip a 10.244.1.20/32   # client
add_ip b 10.244.2.10/32   # web
ip -n "$(node_ns a)" route add 10.244.2.0/24 via 10.0.0.2
ip -n "$(node_ns b)" route add 10.244.1.0/24 via 10.0.0.1
workload_cgroup a client >/dev/null
workload_cgroup b web >/dev/null

CONFIG="$E2E_TMP/config"
ID="$E2E_TMP/identity"
mkdir -p "$CONFIG"
{
  service_yaml demo web 10.96.0.10 80 8080
  workload_yaml demo client client 10.244.1.20 9 'weir.io/node: a'
  workload_yaml demo web web 10.244.2.10 8080 'weir.io/node: b'
} >"$CONFIG/mesh.yaml"

mesh_ca "$ID" a b
# Every host holds its own copy of the trust anchors, as separate machines would.
for n in control a b; do cp "$ID/ca.crt" "$ID/anchors-$n.crt"; done
# replace FILE SOURCE...: FILE becomes the concatenation of SOURCEs (written aside, renamed over).
replace() {
  local file="$1"; shift
  cat "$@" >"$file.next"
  mv "$file.next" "$file"
}

start_bg a control "$CONTROL" --config-dir "$CONFIG" --listen 0.0.0.0:8086 --admin 127.0.0.1:9990 \
  --identity-listen 0.0.0.0:8080 --identity-trust-anchors "$ID/anchors-control.crt" \
  --identity-issuer-cert "$ID/issuer.crt" --identity-issuer-key "$ID/issuer.key" \
  --identity-node-token-key "$ID/node-token.key" --identity-cert-lifetime 20
wait_for "weir-control" 10 in_node a curl -sf -o /dev/null http://127.0.0.1:9990/ready
# shellcheck disable=SC2046
start_agent_control a 127.0.0.1:8086 $(proxy_agent_args a) --proxy-inbound 10.0.0.1:4143 \
  --control-trust-anchors "$ID/anchors-a.crt"
# shellcheck disable=SC2046
start_agent_control b 10.0.0.1:8086 $(proxy_agent_args b) --proxy-inbound 10.0.0.2:4143 \
  --control-trust-anchors "$ID/anchors-b.crt"
start_in b web web python3 "$HTTP_PEER" 10.244.2.10:8080
wait_for "web" 10 in_node b curl -sf -o /dev/null http://10.244.2.10:8080/size/1
for n in a b; do
  start_proxy "$n" --destination 10.0.0.1:8086 --identity 10.0.0.1:8080 \
    --identity-trust-anchors "$ID/anchors-$n.crt" --identity-token-file "$ID/token-$n"
done

refreshes() { # refreshes NODE WORKLOAD
  proxy_metric "$1" "identity_cert_refresh_count\\{identity=\"$(id_of "$2")\""
}
control_metric() {
  in_node a curl -sf http://127.0.0.1:9990/metrics | awk -v re="$1" '$1 ~ re { s += $NF } END { printf "%.0f\n", s }'
}
# wait_renewals N: both proxies obtained N more certificates than now.
wait_renewals() {
  local want_a=$(($(refreshes a client) + $1)) want_b=$(($(refreshes b web) + $1))
  local deadline=$((SECONDS + 20 * $1 + 20))
  until (($(refreshes a client) >= want_a && $(refreshes b web) >= want_b)); do
    if ((SECONDS >= deadline)); then return 1; fi
    sleep 1
  done
}

# reaches N CMD...: CMD prints a number of at least N (wait_for runs it again and again).
reaches() { local n="$1"; shift; test "$("$@")" -ge "$n"; }
anchor_reloads() { proxy_metric "$1" 'weir_proxy_identity_anchor_reloads_total\{result="ok"'; }
issuer_reloads() { control_metric 'identity_issuer_reloads_total\{result="ok"'; }

STOP="$E2E_TMP/stop-load"
start_in a client load-new python3 "$PEERS/steady.py" 10.96.0.10:80 /size/1024 new 20 "$STOP" 180
LOAD_NEW=$LAST_PID
start_in a client load-keepalive python3 "$PEERS/steady.py" 10.96.0.10:80 /size/1024 keepalive 20 "$STOP" 180
LOAD_KEEP=$LAST_PID
sleep 2

# Certificate rotation: two renewals on each node under load.
expect "each proxy renews its certificate twice in about 30 s" wait_renewals 2

# Trust-anchor rotation, step 1: the bundle of the old and the new anchor everywhere.
mesh_ca "$ID/next"
for n in control a b; do replace "$ID/anchors-$n.crt" "$ID/ca.crt" "$ID/next/ca.crt"; done
expect "node a's proxy takes up the bundle" wait_for "anchor reload a" 10 reaches 1 anchor_reloads a
expect "node b's proxy takes up the bundle" wait_for "anchor reload b" 10 reaches 1 anchor_reloads b
expect "weir-control takes up the bundle" wait_for "control reload" 10 reaches 1 issuer_reloads

# Step 2: the new issuer for weir-control; every leaf renewed after it comes from the new issuer.
replace "$ID/issuer.key" "$ID/next/issuer.key"
replace "$ID/issuer.crt" "$ID/next/issuer.crt"
expect "weir-control takes up the new issuer" wait_for "issuer reload" 10 reaches 2 issuer_reloads
expect "each proxy renews under the new issuer" wait_renewals 1
# Nothing else shows which issuer signed a leaf: step 3 does. A leaf from the old issuer left
# anywhere fails its handshakes once the old anchor is gone.

# Step 3: the old anchor leaves every bundle.
for n in control a b; do replace "$ID/anchors-$n.crt" "$ID/next/ca.crt"; done
expect "node a's proxy takes up the new anchor alone" wait_for "anchor reload a" 10 reaches 2 anchor_reloads a
expect "node b's proxy takes up the new anchor alone" wait_for "anchor reload b" 10 reaches 2 anchor_reloads b
# weir-control serves its gRPC ports with a certificate from the new issuer: a client that holds
# only the new anchor gets through.
out=$(in_node b "$WEIR_CLI" diagnostics endpoints --destination 10.0.0.1:8086 \
  --trust-anchors "$ID/next/ca.crt" web.demo.svc.cluster.local:80 2>&1 || true)
expect "weir-control's own certificate follows the new issuer ($out)" grep -q 10.244.2.10 <<<"$out"
sleep 3
touch "$STOP"
wait "$LOAD_NEW" || true
wait "$LOAD_KEEP" || true

new_out=$(tail -1 "$E2E_TMP/load-new.log")
keep_out=$(tail -1 "$E2E_TMP/load-keepalive.log")
expect "requests on new connections: none failed ($new_out)" grep -q '^sent [0-9]* failed 0$' <<<"$new_out"
expect "and there were many ($new_out)" test "$(awk '{print $2}' <<<"$new_out")" -ge 400
expect "requests over a kept-alive connection: none failed ($keep_out)" grep -q '^sent [0-9]* failed 0$' <<<"$keep_out"
apps=$(proxy_metric a 'tcp_open_total\{direction="outbound",peer="src"')
tunnels=$(proxy_metric a 'weir_proxy_tunnels_total\{direction="outbound"')
carriers=$(proxy_metric a 'weir_proxy_tunnel_connections_total\{direction="outbound"')
# An application connection costs at most a tunnel (HTTP requests take pooled ones), and a
# tunnel a stream on one of a few connections, not a TLS handshake.
expect "node a carried $apps application connections in $tunnels tunnels over $carriers connections" \
  test "$apps" -ge 400 -a "$tunnels" -ge 1 -a "$tunnels" -le "$apps" -a "$((carriers * 20))" -le "$apps"
expect "node b saw the same tunnels" \
  test "$(proxy_metric b 'weir_proxy_tunnels_total\{direction="inbound"')" -ge "$tunnels"
expect "no handshake failed on either proxy" \
  test "$(proxy_metric a weir_proxy_tls_handshake_failures_total)$(proxy_metric b weir_proxy_tls_handshake_failures_total)" = "00"
expect "no Certify call failed" \
  test "$(proxy_metric a weir_proxy_identity_certify_failures_total)$(proxy_metric b weir_proxy_identity_certify_failures_total)" = "00"
expect "no anchor reload was refused" \
  test "$(proxy_metric a 'weir_proxy_identity_anchor_reloads_total\{result="error"')$(proxy_metric b 'weir_proxy_identity_anchor_reloads_total\{result="error"')" = "00"

finish
