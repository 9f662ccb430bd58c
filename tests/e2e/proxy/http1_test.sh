#!/usr/bin/env bash
# weir-proxy on one node, steered by the real kernel programs, without a control plane (every
# connection goes to its original destination, which the kernel balances): HTTP/1.1 exactly as
# clients send it — keep-alive, bodies in every framing, HEAD, pipelining, WebSocket upgrade —
# malformed and oversized requests answered by the proxy, a server-speaks-first protocol that
# must not wait for the detection timeout, opaque TCP, golden metrics labelled with the client
# workload, and every hop between an application and the proxy short-circuited by sk_msg.
set -euo pipefail
source "$(dirname "$0")/../../../tools/lib/simnode.sh"
require_root
mount_bpffs

make_node a
for ip in 10.244.1.10 10.244.1.11 10.244.1.12 10.244.1.20 10.244.1.21; do add_ip a "$ip/32"; done
for w in web-1 web-2 smtp client tuned; do workload_cgroup a "$w" >/dev/null; done
CONFIG="$E2E_TMP/config"
mkdir -p "$CONFIG"
{
  service_yaml demo web 10.96.0.10 80 8080
  service_yaml demo smtp 10.96.0.25 25 2525
  workload_yaml demo web-1 web 10.244.1.10 8080
  workload_yaml demo web-2 web 10.244.1.11 8080
  workload_yaml demo smtp smtp 10.244.1.12 2525
  workload_yaml demo client client 10.244.1.20 9
  # Linkerd's proxy annotations on a workload: its pooled connections carry two requests each,
  # and its connections to port 25 never go through the proxy.
  workload_yaml demo tuned tuned 10.244.1.21 9 \
    'config.linkerd.io/proxy-outbound-max-requests-per-connection: "2", config.linkerd.io/skip-outbound-ports: "25"'
} >"$CONFIG/mesh.yaml"

# shellcheck disable=SC2046
start_agent a "$CONFIG" $(proxy_agent_args a)
start_in a web-1 web-1 python3 "$HTTP_PEER" 10.244.1.10:8080
start_in a web-2 web-2 python3 "$HTTP_PEER" 10.244.1.11:8080
start_in a smtp smtp python3 "$HTTP_PEER" 10.244.1.12:2525 --banner "220 smtp.demo ready"
wait_for "web-1" 10 in_node a curl -sf -o /dev/null http://10.244.1.10:8080/size/1
wait_for "web-2" 10 in_node a curl -sf -o /dev/null http://10.244.1.11:8080/size/1
start_proxy a --workers 2

client() { run_in a client "$@"; }
RAW="$(dirname "$HTTP_PEER")/raw_client.py"
redirected_before=$(metric a 'weir_fastpath_events_total.*msg_redirected')

# --- requests and bodies ---
body=$(client curl -sS -m 5 http://10.96.0.10/size/1024)
expect "GET through the VIP returns the 1 KiB body" test "${#body}" -eq 1024

out=$(client curl -sS -m 5 http://10.96.0.10/size/3 http://10.96.0.10/size/4 -w '%{num_connects} ')
expect "two requests on one keep-alive client connection" test "$out" = "xxx1 xxxx0 "

out=$(client curl -sS -m 5 http://10.96.0.10/status/204 http://10.96.0.10/size/2 -w '%{http_code} ')
expect "a response without a body, then another on the same connection" test "$out" = "204 xx200 "

head -c 1048576 /dev/urandom >"$E2E_TMP/upload.bin"
sum=$(sha256sum <"$E2E_TMP/upload.bin" | cut -d' ' -f1)
echoed=$(client curl -sS -m 10 --data-binary @"$E2E_TMP/upload.bin" http://10.96.0.10/echo | sha256sum | cut -d' ' -f1)
expect "1 MiB content-length upload echoed intact" test "$echoed" = "$sum"
echoed=$(client curl -sS -m 10 -H 'Transfer-Encoding: chunked' --data-binary @"$E2E_TMP/upload.bin" \
  http://10.96.0.10/echo | sha256sum | cut -d' ' -f1)
expect "1 MiB chunked upload echoed intact" test "$echoed" = "$sum"

n=$(client curl -sS -m 10 http://10.96.0.10/chunked/300000 | wc -c)
expect "chunked response of 300000 bytes" test "$n" -eq 300000
n=$(client curl -sS -m 10 http://10.96.0.10/eof/5000 | wc -c)
expect "response framed by the server's close" test "$n" -eq 5000
hdr=$(client curl -sS -m 5 -I http://10.96.0.10/size/1000)
expect "HEAD keeps content-length and sends no body" grep -qi '^content-length: 1000' <<<"$hdr"
code=$(client curl -sS -m 5 -o /dev/null -w '%{http_code}' http://10.96.0.10/status/503)
expect "an upstream 503 passes through" test "$code" = 503

seen=$(client curl -sS -m 5 -H 'Connection: keep-alive, X-Hop' -H 'X-Hop: secret' \
  -H 'Keep-Alive: timeout=5' -H 'X-End: kept' http://10.96.0.10/headers)
expect "end-to-end fields are forwarded" grep -qi '^x-end: kept' <<<"$seen"
expect "hop-by-hop fields are not (Connection and what it names, Keep-Alive)" \
  bash -c "! grep -qi -e '^x-hop' -e '^keep-alive' -e '^connection: keep-alive' <<<'$seen'"

# --- pipelining, upgrades, bad requests ---
out=$(client python3 "$RAW" 10.96.0.10:80 pipeline)
expect "three pipelined requests answered in order" test "$out" = $'200 xxx\n200 hello\n200 xxxxxxx'
out=$(client python3 "$RAW" 10.96.0.10:80 ws)
expect "WebSocket upgrade answered 101" grep -q '^HTTP/1.1 101' <<<"$out"
expect "bytes echoed through the upgraded connection" grep -qx 'ping' <<<"$out"
errors_before=$(proxy_metric a 'weir_proxy_http_errors_total.*outbound.*status="400"')
out=$(client python3 "$RAW" 10.96.0.10:80 bad)
expect "a malformed field is answered 400 by the proxy" grep -q '^HTTP/1.1 400' <<<"$out"
out=$(client python3 "$RAW" 10.96.0.10:80 big)
expect "a 70 KiB header is answered 431" grep -q '^HTTP/1.1 431' <<<"$out"
errors_after=$(proxy_metric a 'weir_proxy_http_errors_total.*outbound.*status="400"')
expect "the 400 is counted" test "$errors_after" -eq $((errors_before + 1))
expect "the 431 is counted" test "$(proxy_metric a 'weir_proxy_http_errors_total.*outbound.*status="431"')" -eq 1
code=$(client curl -sS -m 5 -o /dev/null -w '%{http_code}' http://10.96.0.10/size/1)
expect "the proxy serves on after bad requests" test "$code" = 200

# --- server speaks first: no wait for the 10 s detection timeout ---
out=$(client python3 "$RAW" 10.96.0.25:25 banner)
expect "the server's banner arrives before the client says anything" grep -q '^220 smtp.demo ready' <<<"$out"
took=$(awk 'NR==1 {print $NF}' <<<"$out")
log "banner took ${took}s (detection timeout 10 s)"
expect "the exchange continues after the banner" grep -q '^echo HELO weir' <<<"$out"
expect "it was detected as server-first" \
  test "$(proxy_metric a 'weir_proxy_protocol_detections_total.*server_first')" -ge 1

# --- a workload's own proxy settings ---
tuned_dst() { proxy_metric a 'tcp_open_total\{direction="outbound",peer="dst",namespace="demo",external_workload="tuned"'; }
out=$(run_in a tuned curl -sS -m 5 http://10.96.0.10/size/1 http://10.96.0.10/size/1 \
  http://10.96.0.10/size/1 http://10.96.0.10/size/1 http://10.96.0.10/size/1 http://10.96.0.10/size/1)
expect "six requests from the tuned workload" test "$out" = "xxxxxx"
expect "max-requests-per-connection 2: three upstream connections for six requests ($(tuned_dst))" \
  test "$(tuned_dst)" -eq 3
detected=$(proxy_metric a 'weir_proxy_protocol_detections_total')
out=$(run_in a tuned python3 "$RAW" 10.96.0.25:25 banner)
expect "skip-outbound-ports 25: the banner arrives straight from the server" \
  grep -q '^220 smtp.demo ready' <<<"$out"
expect "and the proxy never saw that connection" \
  test "$(proxy_metric a 'weir_proxy_protocol_detections_total')" -eq "$detected"

# --- metrics ---
metrics=$(in_node a curl -sf http://127.0.0.1:4191/metrics)
series='request_total\{direction="outbound",namespace="demo",external_workload="client",serviceaccount="client",authority="10.96.0.10"'
expect "request_total carries the client workload's labels" grep -qE "^$series" <<<"$metrics"
ok=$(proxy_metric a 'response_total\{.*status_code="200",classification="success"')
expect "successful responses counted ($ok)" test "$ok" -ge 10
fail503=$(proxy_metric a 'response_total\{.*status_code="503",classification="failure"')
expect "the 503 is a failure" test "$fail503" -eq 1
expect "latency histogram present" grep -q '^response_latency_ms_bucket{direction="outbound"' <<<"$metrics"
expect "promtool accepts the exposition (Linkerd's _ms names aside)" promtool_check <<<"$metrics"

redirected_after=$(metric a 'weir_fastpath_events_total.*msg_redirected')
expect "application<->proxy hops went through sk_msg ($redirected_before -> $redirected_after)" \
  test "$redirected_after" -gt "$((redirected_before + 20))"

finish
