#!/usr/bin/env bash
# e2e: the real weir-control --kubernetes against weir-fake-apiserver, which stands in for
# kube-apiserver (none can run on these machines) and replays responses in the API server's JSON
# wire format: the unit tests' cluster (tests/unit/control/kube/testdata/source) with two more web
# pods, one of them not ready (kubernetes/pods_list.json); no TrafficSplit CRD (404); and a
# services watch, held until the test releases it, that breaks web-svc's opaque-ports annotation
# and adds voting-svc (kubernetes/services_watch.jsonl). Everything runs in one simulated node.
# Asserts: ready and synced although a collection is 404; object counts per collection as listed;
# Destination serves exactly the ready pods of each Service; the node's agent gets every Service
# VIP; the bad object is rejected and counted while the last good model stays in force; every
# request carried the kubeconfig's token; SIGTERM stops weir-control cleanly.
source "$(dirname "$0")/../../../tools/lib/simnode.sh"
require_root
mount_bpffs

HERE=$(cd "$(dirname "$0")" && pwd)
FAKE_APISERVER="$BIN_DIR/weir-fake-apiserver"
NODE=node-a  # a node of the recorded cluster: web-5f8c7d9b6-x2k4p and coredns run on it

show_logs() {
  for f in apiserver control "agent-$NODE"; do
    log "--- last lines of $f.log"
    tail -n 30 "$E2E_TMP/$f.log" >&2
  done
}
fatal() { fail "$*"; show_logs; exit 1; }

# --- the API server's responses: the recorded LISTs, the e2e's pods and held services watch
API="$E2E_TMP/apiserver-responses"
mkdir -p "$API"
cp "$HERE/../../unit/control/kube/testdata/source/"*_list.json "$API/"
rm "$API/trafficsplits_list.json"  # SMI is not installed: the collection is answered 404
cp "$HERE/kubernetes/pods_list.json" "$HERE/kubernetes/services_watch.jsonl" "$API/"

make_node "$NODE"
KUBECONFIG_FILE="$E2E_TMP/kubeconfig"
start_bg "$NODE" apiserver "$FAKE_APISERVER" --responses "$API" --kubeconfig "$KUBECONFIG_FILE" \
  --hold-watches
APISERVER_PID=$LAST_PID
wait_for "weir-fake-apiserver serving" 10 test -s "$KUBECONFIG_FILE" || fatal "weir-fake-apiserver did not start"

start_bg "$NODE" control "$CONTROL" --kubernetes --kubeconfig "$KUBECONFIG_FILE" \
  --listen 127.0.0.1:8086 --policy-listen 127.0.0.1:8090 --admin 127.0.0.1:9990
CONTROL_PID=$LAST_PID
wait_for "weir-control ready" 15 in_node "$NODE" curl -sf -o /dev/null http://127.0.0.1:9990/ready ||
  fatal "weir-control --kubernetes never became ready"
pass "weir-control --kubernetes is ready with trafficsplits answered 404"

# control_metric SERIES: the value of one exact series of weir-control's /metrics.
control_metric() {
  in_node "$NODE" curl -sf http://127.0.0.1:9990/metrics | awk -v s="$1" '$1 == s { print $2 }'
}
objects() { control_metric "weir_control_kubernetes_objects{collection=\"$1\"}"; }
events() { control_metric "weir_control_kubernetes_events_total{collection=\"$1\",type=\"$2\"}"; }
is() { [[ "$("${@:2}")" == "$1" ]]; }  # is VALUE CMD...: CMD prints VALUE

expect "weir_control_kubernetes_synced is 1" is 1 control_metric weir_control_kubernetes_synced
# The fake logs a line per collection weir-control watches, as it serves it:
# "collection PATH list=FILE ..." or "collection PATH list=none status=404".
scripted() { grep '^collection ' "$E2E_TMP/apiserver.log"; }
while read -r _ path list _; do
  file=${list#list=}
  want=0
  [[ $file != none ]] && want=$(jq '.items | length' "$API/$file")
  expect "$path: $want objects, as listed" is "$want" objects "$path"
done < <(scripted)
scripted_count() { scripted | wc -l; }
expect "every collection weir-control watches was scripted (14)" is 14 scripted_count

# --- Destination: exactly the ready pods of each Service, as "ns ip port pod identity"
endpoints() {
  in_node "$NODE" "$WEIR_CLI" diagnostics endpoints "$1" --destination 127.0.0.1:8086 -o json |
    jq -r '.[] | "\(.namespace) \(.ip) \(.port) \(.pod) \(.identity)"'
}
WEB_ENDPOINTS="emojivoto 10.244.1.7 8080 web-5f8c7d9b6-x2k4p web.emojivoto.serviceaccount.identity.linkerd.cluster.local
emojivoto 10.244.2.7 8080 web-5f8c7d9b6-q9w3z web.emojivoto.serviceaccount.identity.linkerd.cluster.local"
EMOJI_ENDPOINTS="emojivoto 10.244.2.5 8080 emoji-6c8b9d4f7-m3n8q emoji.emojivoto.serviceaccount.identity.linkerd.cluster.local"
# web-5f8c7d9b6-z8d5m (10.244.2.8) runs, with an address, but is not Ready: not an endpoint.
pods() { endpoints "$1" | awk '{ printf "%s ", $4 }'; }
expect "web-svc:80 -> the two ready web pods on targetPort http, not the unready one ($(pods web-svc.emojivoto.svc.cluster.local:80))" \
  is "$WEB_ENDPOINTS" endpoints web-svc.emojivoto.svc.cluster.local:80
expect "emoji-svc:8080 -> the emoji pod" \
  is "$EMOJI_ENDPOINTS" endpoints emoji-svc.emojivoto.svc.cluster.local:8080
expect "the same answer by ClusterIP (10.96.77.15:80)" is "$WEB_ENDPOINTS" endpoints 10.96.77.15:80
unknown() { ! in_node "$NODE" "$WEIR_CLI" diagnostics endpoints "$1" --destination 127.0.0.1:8086 >/dev/null 2>&1; }
expect "voting-svc is unknown: it is not listed" unknown voting-svc.emojivoto.svc.cluster.local:8080

# --- the node's agent receives every Service VIP over NodeSync
start_agent_control "$NODE" 127.0.0.1:8086 || fatal "weir-agent --control did not become ready"
vip4() { # the u32 bpftool prints for a network-order IPv4 address on this little-endian machine
  local a b c d; IFS=. read -r a b c d <<<"$1"
  echo $((a | b << 8 | c << 16 | d << 24))
}
service_ports() {
  dump_map "$NODE" weir_services | jq -r '.[].formatted.key | "\(.vip4):\(.port)"' | sort | tr '\n' ' '
}
# Every port of every recorded Service, by its clusterIP (the key's port is in host order).
want_ports=$(jq -r '.items[] | .spec.clusterIP as $ip | .spec.ports[] | "\($ip) \(.port)"' \
  "$API/services_list.json" | while read -r ip port; do echo "$(vip4 "$ip"):$port"; done |
  sort | tr '\n' ' ')
wait_for "services in the node's maps" 10 is "$want_ports" service_ports || true
expect "weir_services holds every Service port by ClusterIP ($(service_ports))" is "$want_ports" service_ports
# backends VIP PORT: the endpoint addresses (as bpftool prints them) of a service port, sorted.
backends() {
  dump_map "$NODE" weir_backends | jq -r --argjson vip "$(vip4 "$1")" --argjson port "$2" \
    '.[].formatted | select(.key.vip4 == $vip and .key.port == $port) | "\(.value.ip4):\(.value.port)"' |
    sort | tr '\n' ' '
}
expect "weir_backends holds web-svc's two ready pods ($(backends 10.96.77.15 80))" \
  is "$(printf '%s:8080\n' "$(vip4 10.244.1.7)" "$(vip4 10.244.2.7)" | sort | tr '\n' ' ')" \
  backends 10.96.77.15 80
acked() { control_metric "weir_control_nodesync_acked_version{node=\"$NODE\"}"; }
expect "the agent acknowledged the current version" is "$(control_metric weir_control_config_version)" acked

# --- a bad object: rejected and counted, the last good model stays in force
version=$(control_metric weir_control_config_version)
web_before=$(endpoints web-svc.emojivoto.svc.cluster.local:80)
maps() { dump_map "$NODE" weir_services && dump_map "$NODE" weir_backends; }
maps_before=$(maps)
kill -USR1 "$APISERVER_PID"
wait_for "the services watch events" 10 is 1 events /api/v1/services modified || true
expect "the services watch delivered MODIFIED web-svc and ADDED voting-svc" \
  test "$(events /api/v1/services modified) $(events /api/v1/services added)" = "1 1"
rejected() { control_metric 'weir_control_config_reloads_total{result="rejected"}'; }
some_rejected() { (($(rejected) >= 1)); }
wait_for "rejection" 10 some_rejected || true
expect "the build with web-svc's bad annotation is counted rejected ($(rejected))" some_rejected
expect "weir-control logged the error with the object and field" \
  grep -q 'config_error error=".*Service/emojivoto/web-svc.*opaque-ports' "$E2E_TMP/control.log"
expect "the published version did not change" is "$version" control_metric weir_control_config_version
expect "services: 4 objects held, the bad one included" is 4 objects /api/v1/services
expect "web-svc's endpoints stay" is "$web_before" endpoints web-svc.emojivoto.svc.cluster.local:80
expect "voting-svc, added with the bad object, is not published" \
  unknown voting-svc.emojivoto.svc.cluster.local:8080
expect "the node's maps did not change" is "$maps_before" maps

# --- shutdown: weir-control stops on SIGTERM; the fake server lists what it was asked
gone() { ! kill -0 "$1" 2>/dev/null; }
kill -TERM "$CONTROL_PID"
wait_for "weir-control exit" 10 gone "$CONTROL_PID" || true
if gone "$CONTROL_PID"; then wait "$CONTROL_PID" && status=0 || status=$?; else status="still running"; fi
expect "weir-control exits 0 on SIGTERM in kube mode (status $status)" test "$status" = 0
kill -TERM "$APISERVER_PID"
wait_for "weir-fake-apiserver exit" 10 gone "$APISERVER_PID" || true
asked() { grep -cF "request GET $1" "$E2E_TMP/apiserver.log" || true; }
listed_and_watched_once=true
while read -r _ path list _; do
  if [[ $list == list=none ]]; then
    expect "$path (404) was asked for ($(asked "$path?") times)" test "$(asked "$path?")" -ge 1
  elif [[ "$(asked "$path?limit=500 ") $(asked "$path?watch=1&resourceVersion=1000&")" != "1 1" ]]; then
    log "$path: $(asked "$path?limit=500 ") lists, $(asked "$path?watch=1&") watches"
    listed_and_watched_once=false
  fi
done < <(scripted)
expect "each served collection was listed once, then watched from the list's resourceVersion" \
  $listed_and_watched_once
all_bearer_ok() { ! grep '^request ' "$E2E_TMP/apiserver.log" | grep -v 'bearer=ok$' >&2; }
expect "every request carried the kubeconfig's bearer token" all_bearer_ok

((FAILURES == 0)) || show_logs
finish
