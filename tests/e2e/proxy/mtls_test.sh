#!/usr/bin/env bash
# Automatic mTLS between two simulated nodes: weir-control's CA (weir identity init) certifies
# each node's workloads for that node's proxy only; HTTP/1.1, HTTP/2, gRPC and opaque TCP from a
# workload on node a to workloads on node b cross the veth as TLS — a capture there holds none of
# the test's payload, while the same request straight to the pod does. Node b's proxy records the
# client's identity, node a's the server's. A server on node b's proxy port presenting another
# identity, an expired certificate, a certificate from another trust anchor, or no TLS at all is
# refused and counted, and gets none of the payload; a node asking for another node's workload
# identity is refused.
set -euo pipefail
source "$(dirname "$0")/../../../tools/lib/simnode.sh"
require_root
mount_bpffs
GRPC_DIR="$(cd "$(dirname "$0")/../../apps/grpc" && pwd)"
TD=linkerd.cluster.local
id_of() { echo "$1.demo.serviceaccount.identity.$TD"; }

make_node a
make_node b
link_nodes a b 10.0.0.1 10.0.0.2
add_ip a 10.244.1.20/32   # client
add_ip b 10.244.2.10/32   # web (HTTP/1.1)
add_ip b 10.244.2.20/32   # h2 (nghttpd)
add_ip b 10.244.2.30/32   # grpc
add_ip b 10.244.2.40/32   # db (opaque)
ip -n "$(node_ns a)" route add 10.244.2.0/24 via 10.0.0.2
ip -n "$(node_ns b)" route add 10.244.1.0/24 via 10.0.0.1
workload_cgroup a client >/dev/null
for w in web h2 grpc db; do workload_cgroup b "$w" >/dev/null; done

CONFIG="$E2E_TMP/config"
ID="$E2E_TMP/identity"
mkdir -p "$CONFIG" "$E2E_TMP/www"
{
  service_yaml demo web 10.96.0.10 80 8080
  service_yaml demo h2 10.96.0.60 80 8080
  service_yaml demo grpc 10.96.0.50 9000 9000
  service_yaml demo db 10.96.0.30 5432 5432 'config.linkerd.io/opaque-ports: "5432"'
  workload_yaml demo client client 10.244.1.20 9 'weir.io/node: a'
  workload_yaml demo web web 10.244.2.10 8080 'weir.io/node: b'
  workload_yaml demo h2 h2 10.244.2.20 8080 'weir.io/node: b'
  workload_yaml demo grpc grpc 10.244.2.30 9000 'weir.io/node: b'
  workload_yaml demo db db 10.244.2.40 5432 'weir.io/node: b'
} >"$CONFIG/mesh.yaml"
head -c 1024 /dev/urandom >"$E2E_TMP/www/1k"

mesh_ca "$ID" a b
expect "the issuer key and node credentials are readable by root only" \
  test "$(stat -c %a "$ID/issuer.key" "$ID/token-a" | sort -u)" = "600"

# shellcheck disable=SC2046
start_bg a control "$CONTROL" --config-dir "$CONFIG" --listen 0.0.0.0:8086 --admin 127.0.0.1:9990 \
  $(ca_control_args "$ID")
wait_for "weir-control" 10 in_node a curl -sf -o /dev/null http://127.0.0.1:9990/ready
# shellcheck disable=SC2046
start_agent_control a 127.0.0.1:8086 $(proxy_agent_args a) --proxy-inbound 10.0.0.1:4143 $(ca_agent_args "$ID")
# shellcheck disable=SC2046
start_agent_control b 10.0.0.1:8086 $(proxy_agent_args b) --proxy-inbound 10.0.0.2:4143 $(ca_agent_args "$ID")
start_in b web web python3 "$HTTP_PEER" 10.244.2.10:8080
start_in b h2 h2 nghttpd --no-tls -d "$E2E_TMP/www" -a 10.244.2.20 8080
start_in b grpc grpc node "$GRPC_DIR/server.js" 10.244.2.30:9000
start_in b db db "$ECHO_APP" serve 10.244.2.40:5432
wait_for "web" 10 in_node b curl -sf -o /dev/null http://10.244.2.10:8080/size/1
wait_for "grpc" 10 grep -q listening "$E2E_TMP/grpc.log"
# shellcheck disable=SC2046
start_proxy a --destination 127.0.0.1:8086 --workers 2 $(ca_proxy_args "$ID" a 10.0.0.1)
# shellcheck disable=SC2046
start_proxy b --destination 10.0.0.1:8086 --workers 2 $(ca_proxy_args "$ID" b 10.0.0.1)
PROXY_B=$LAST_PID
expect "node a's proxy holds a certificate for its workload" \
  test "$(proxy_metric a "identity_cert_refresh_count\\{identity=\"$(id_of client)\"")" -ge 1
expect "node b's proxy holds one for each of its four" \
  test "$(in_node b curl -sf http://127.0.0.1:4191/metrics | grep -c '^identity_cert_expiration_timestamp_seconds{')" -eq 4
expect "the certificate expires in about 24 hours" \
  test "$(( $(proxy_metric a identity_cert_expiration_timestamp_seconds) - $(date +%s) ))" -gt 86000

client() { run_in a client "$@"; }
SECRET="weir-secret-$RANDOM$RANDOM"

# Everything that crosses the veth while the workloads talk, captured on node a's side.
capture_start() {
  in_node a tcpdump -i "v${WEIR_E2E_ID}a" --immediate-mode -U -s 0 -w "$E2E_TMP/$1.pcap" tcp >"$E2E_TMP/$1.tcpdump.log" 2>&1 &
  CAPTURE_PID=$!
  E2E_PIDS+=("$CAPTURE_PID")
  wait_for "tcpdump listening" 10 grep -q "listening on" "$E2E_TMP/$1.tcpdump.log"
}
capture_stop() { sleep 1; kill "$CAPTURE_PID"; wait "$CAPTURE_PID" 2>/dev/null || true; }
captured() { grep -c -a "$SECRET" "$E2E_TMP/$1.pcap" || true; }

capture_start mesh
out=$(client curl -sS -m 10 --data-binary "$SECRET-http1" http://10.96.0.10/echo)
expect "HTTP/1.1 to node b through both proxies ($out)" test "$out" = "$SECRET-http1"
out=$(client curl -sS -m 10 --http2-prior-knowledge -o /dev/null -w '%{http_code} %{http_version}' \
  -H "x-secret: $SECRET-h2" http://10.96.0.60/1k)
expect "HTTP/2 to node b ($out)" test "$out" = "200 2"
out=$(client node "$GRPC_DIR/client.js" 10.96.0.50:9000 say 50)
expect "50 gRPC calls to node b ($out)" grep -q '^ok 50 failed 0' <<<"$out"
out=$(client timeout 10 "$ECHO_APP" check 10.96.0.30:5432 1048576 && echo intact)
expect "opaque TCP to node b, 1 MiB each way" grep -q intact <<<"$out"
capture_stop
expect "the capture saw the proxies' TLS on 4143" \
  test "$(tcpdump -r "$E2E_TMP/mesh.pcap" -nn 'tcp port 4143' 2>/dev/null | wc -l)" -gt 20
expect "not one copy of the payload crossed the veth in the clear" test "$(captured mesh)" -eq 0
expect "and nothing but port 4143 (and the control plane) crossed it" \
  test "$(tcpdump -r "$E2E_TMP/mesh.pcap" -nn 'tcp and not port 4143 and not port 8086 and not port 8080' 2>/dev/null | wc -l)" -eq 0

capture_start direct
out=$(in_node a curl -sS -m 10 --data-binary "$SECRET-direct" http://10.244.2.10:8080/echo)
capture_stop
expect "the same request straight to the pod, without weir, shows the payload on the wire ($out)" \
  test "$(captured direct)" -ge 2

expect "node b's proxy knows the client's identity (tls=true, client_id)" \
  test "$(proxy_metric b "request_total\\{direction=\"inbound\".*tls=\"true\",client_id=\"$(id_of client)\"")" -ge 50
expect "node a's proxy knows the server's (tls=true, server_id)" \
  test "$(proxy_metric a "request_total\\{direction=\"outbound\".*tls=\"true\",server_id=\"$(id_of web)\"")" -ge 1
expect "no handshake failed" \
  test "$(proxy_metric a weir_proxy_tls_handshake_failures_total)$(proxy_metric b weir_proxy_tls_handshake_failures_total)" = "00"

# The control plane's ports are TLS too: node b's node token (Certify) and its Destination
# lookups cross the veth encrypted, and weir-control must prove its identity.
TOKEN_B=$(cut -d. -f2 "$ID/token-b")
capture_start control
out=$(in_node b "$WEIR_CLI" identity certify --addr 10.0.0.1:8080 --trust-anchors "$ID/ca.crt" \
  --token-file "$ID/token-b" --identity "$(id_of web)" 2>&1)
expect "node b's Certify over TLS ($out)" grep -q "^identity=$(id_of web)" <<<"$out"
out=$(in_node b "$WEIR_CLI" diagnostics endpoints --destination 10.0.0.1:8086 \
  --trust-anchors "$ID/ca.crt" web.demo.svc.cluster.local:80 2>&1)
expect "node b's Destination lookup over TLS ($out)" grep -q 10.244.2.10 <<<"$out"
capture_stop
expect "the capture saw both (ports 8080 and 8086)" \
  test "$(tcpdump -r "$E2E_TMP/control.pcap" -nn 'tcp port 8080' 2>/dev/null | wc -l)" -gt 4 -a \
  "$(tcpdump -r "$E2E_TMP/control.pcap" -nn 'tcp port 8086' 2>/dev/null | wc -l)" -gt 4
expect "node b's token never crossed the veth in the clear" \
  test "$(grep -c -a -F "$TOKEN_B" "$E2E_TMP/control.pcap" || true)" -eq 0
out=$(in_node b "$WEIR_CLI" identity certify --addr 10.0.0.1:8080 --token-file "$ID/token-b" \
  --identity "$(id_of web)" 2>&1 || true)
expect "a client that speaks plaintext to weir-control gets nowhere ($out)" grep -q UNAVAILABLE <<<"$out"
mesh_ca "$E2E_TMP/other-ca"
out=$(in_node b "$WEIR_CLI" diagnostics endpoints --destination 10.0.0.1:8086 \
  --trust-anchors "$E2E_TMP/other-ca/ca.crt" web.demo.svc.cluster.local:80 2>&1 || true)
expect "nor one that trusts another anchor" grep -q "certificate verify failed" <<<"$out"
out=$(in_node b "$WEIR_CLI" diagnostics endpoints --destination 10.0.0.1:8086 \
  --trust-anchors "$ID/ca.crt" --control-identity "$(id_of web)" web.demo.svc.cluster.local:80 2>&1 || true)
expect "nor one that expects another identity" grep -q "is not in peer certificate" <<<"$out"

# Node b asks for the client's identity, which runs on node a: refused, counted.
out=$(in_node b "$WEIR_CLI" identity certify --addr 10.0.0.1:8080 --trust-anchors "$ID/ca.crt" \
  --token-file "$ID/token-b" --identity "$(id_of client)" 2>&1 || true)
expect "a CSR for a workload on another node is refused ($out)" grep -q PERMISSION_DENIED <<<"$out"
expect "and counted" \
  test "$(in_node a curl -sf http://127.0.0.1:9990/metrics | awk '/^identity_certify_total\{result="permission_denied"\}/ {print $2}')" -ge 1

# Impostors on node b's proxy port. Each is a real TLS server (openssl s_server) that prints
# what it receives; node a's proxy must refuse it before sending a byte of the request.
mint() { # mint NAME IDENTITY CA_CERT CA_KEY: a leaf for IDENTITY signed by CA
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
    -keyout "$E2E_TMP/$1.key" -out "$E2E_TMP/$1.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$2" >"$E2E_TMP/$1.ext"
  openssl x509 -req -in "$E2E_TMP/$1.csr" -CA "$3" -CAkey "$4" -CAcreateserial -days 1 \
    -extfile "$E2E_TMP/$1.ext" -out "$E2E_TMP/$1.crt" 2>/dev/null
}
mint wrong "$(id_of other)" "$ID/issuer.crt" "$ID/issuer.key"
# The right identity from the right issuer, expired a year ago (openssl ca sets the dates).
mkdir -p "$E2E_TMP/expired-ca" && touch "$E2E_TMP/expired-ca/index.txt" && echo 01 >"$E2E_TMP/expired-ca/serial"
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/index.txt\nnew_certs_dir=%s\nserial=%s/serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' \
  "$E2E_TMP/expired-ca" "$E2E_TMP/expired-ca" "$E2E_TMP/expired-ca" >"$E2E_TMP/expired-ca/ca.cnf"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$(id_of web)" \
  -keyout "$E2E_TMP/expired.key" -out "$E2E_TMP/expired.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$(id_of web)" >"$E2E_TMP/expired.ext"
openssl ca -batch -notext -config "$E2E_TMP/expired-ca/ca.cnf" -cert "$ID/issuer.crt" -keyfile "$ID/issuer.key" \
  -in "$E2E_TMP/expired.csr" -out "$E2E_TMP/expired.crt" -extfile "$E2E_TMP/expired.ext" \
  -startdate "$(date -u -d '-400 days' +%Y%m%d000000Z)" -enddate "$(date -u -d '-365 days' +%Y%m%d000000Z)" 2>/dev/null
"$WEIR_CLI" identity init --dir "$E2E_TMP/foreign" --trust-domain cluster.local >/dev/null
mint foreign "$(id_of web)" "$E2E_TMP/foreign/issuer.crt" "$E2E_TMP/foreign/issuer.key"

kill "$PROXY_B"
wait "$PROXY_B" 2>/dev/null || true
impostor() { # impostor NAME REASON [s_server args...]
  local name="$1" reason="$2"; shift 2
  local before; before=$(proxy_metric a "weir_proxy_tls_handshake_failures_total\\{direction=\"outbound\",reason=\"$reason\"")
  start_bg b "impostor-$name" openssl s_server -accept 10.0.0.2:4143 -naccept 3 -quiet "$@"
  local pid=$LAST_PID
  sleep 0.5
  local code; code=$(client curl -sS -m 10 -o /dev/null -w '%{http_code}' --data-binary "$SECRET-$name" http://10.96.0.10/echo 2>/dev/null || true)
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sleep 0.6  # node a's connect backoff for the endpoint (at most 500 ms) runs out
  expect "$name: the request is not answered by the impostor (HTTP $code)" test "$code" != 200
  expect "$name: refused and counted as $reason" \
    test "$(proxy_metric a "weir_proxy_tls_handshake_failures_total\\{direction=\"outbound\",reason=\"$reason\"")" -gt "$before"
  expect "$name: the impostor received none of the payload" test "$(grep -c -a "$SECRET" "$E2E_TMP/impostor-$name.log" || true)" -eq 0
}
impostor wrong-identity identity_mismatch -cert "$E2E_TMP/wrong.crt" -key "$E2E_TMP/wrong.key" -cert_chain "$ID/issuer.crt"
impostor expired certificate_expired -cert "$E2E_TMP/expired.crt" -key "$E2E_TMP/expired.key" -cert_chain "$ID/issuer.crt"
impostor other-anchor untrusted -cert "$E2E_TMP/foreign.crt" -key "$E2E_TMP/foreign.key" -cert_chain "$E2E_TMP/foreign/issuer.crt"
# No TLS at all: a plain TCP server that prints what it gets.
before=$(proxy_metric a 'weir_proxy_tls_handshake_failures_total\{direction="outbound",reason="handshake"')
start_bg b impostor-plain "$ECHO_APP" serve 10.0.0.2:4143
sleep 0.5
code=$(client curl -sS -m 10 -o /dev/null -w '%{http_code}' --data-binary "$SECRET-plain" http://10.96.0.10/echo 2>/dev/null || true)
expect "no TLS: the request is not answered (HTTP $code)" test "$code" != 200
expect "no TLS: refused and counted" \
  test "$(proxy_metric a 'weir_proxy_tls_handshake_failures_total\{direction="outbound",reason="handshake"')" -gt "$before"

finish
