#!/usr/bin/env bash
# Restarts of weir-proxy. Graceful: a new weir-proxy takes the running one's listening sockets
# over its takeover socket while wrk keeps 32 keep-alive connections busy; the old one answers
# what it has in flight with `Connection: close` and exits — not one request fails, no connect
# is refused. Then kill -9: connections through the dead proxy fail (nothing can help them), a
# restarted proxy serves new ones at once, with the same pins and workload directory.
set -euo pipefail
source "$(dirname "$0")/../../../tools/lib/simnode.sh"
require_root
mount_bpffs

make_node a
add_ip a 10.244.1.10/32
add_ip a 10.244.1.20/32
for w in web-1 client; do workload_cgroup a "$w" >/dev/null; done
CONFIG="$E2E_TMP/config"
mkdir -p "$CONFIG"
{
  service_yaml demo web 10.96.0.10 80 8080
  workload_yaml demo web-1 web 10.244.1.10 8080
  workload_yaml demo client client 10.244.1.20 9
} >"$CONFIG/mesh.yaml"
cat >"$E2E_TMP/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $E2E_TMP/nginx.pid;
error_log stderr;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $E2E_TMP/nginx-body;
  server {
    listen 10.244.1.10:8080 backlog=4096;
    keepalive_requests 100000;
    location / { return 200 "$(head -c 1024 /dev/zero | tr '\0' x)"; }
  }
}
NGINX

# shellcheck disable=SC2046
start_agent a "$CONFIG" $(proxy_agent_args a)
start_in a web-1 nginx nginx -c "$E2E_TMP/nginx.conf"
wait_for "nginx" 10 in_node a curl -sf -o /dev/null http://10.244.1.10:8080/
TAKEOVER="$E2E_TMP/proxy.sock"
start_proxy a --workers 2 --takeover-socket "$TAKEOVER" --drain-timeout-ms 5000
OLD=$LAST_PID

# --- graceful: a successor takes over under load ---
run_in a client wrk -t2 -c32 -d6s http://10.96.0.10/ >"$E2E_TMP/wrk.out" 2>&1 &
WRK=$!
sleep 2
# The successor binds the same admin address (SO_REUSEPORT) and takes the listeners.
start_in a proxy proxy-a-2 "$PROXY" --node a --bpffs-dir "$(node_bpffs a)" \
  --workloads-file "$E2E_TMP/workloads-a.json" --admin 127.0.0.1:4191 --workers 2 \
  --takeover-socket "$TAKEOVER"
NEW=$LAST_PID
wait_for "the successor took the listeners" 10 grep -q "listeners taken over" "$E2E_TMP/proxy-a-2.log"
wait_for "the old proxy exited after draining" 15 bash -c "! kill -0 $OLD 2>/dev/null"
wait "$WRK"
cat "$E2E_TMP/wrk.out" >&2
requests=$(awk '/requests in/ {print $1}' "$E2E_TMP/wrk.out")
expect "wrk ran through the restart ($requests requests)" test "${requests:-0}" -gt 1000
expect "not one socket error (connect, read, write, timeout)" \
  bash -c "! grep -q 'Socket errors' '$E2E_TMP/wrk.out'"
expect "not one non-2xx response" bash -c "! grep -q 'Non-2xx' '$E2E_TMP/wrk.out'"
expect "the old proxy drained its connections" grep -q "drained worker" "$E2E_TMP/proxy-a.log"
code=$(run_in a client curl -sS -m 5 -o /dev/null -w '%{http_code}' http://10.96.0.10/)
expect "the successor serves" test "$code" = 200

# --- kill -9 and restart ---
kill -9 "$NEW"
wait "$NEW" 2>/dev/null || true
out=$(run_in a client curl -sS -m 5 -o /dev/null -w '%{http_code}' http://10.96.0.10/ 2>&1 || true)
expect "with the proxy killed, a request fails fast ($out)" grep -q -e 'Connection refused' -e '000' <<<"$out"
start_in a proxy proxy-a-3 "$PROXY" --node a --bpffs-dir "$(node_bpffs a)" \
  --workloads-file "$E2E_TMP/workloads-a.json" --admin 127.0.0.1:4191 --workers 2 \
  --takeover-socket "$TAKEOVER"
wait_for "the restarted proxy" 10 in_node a curl -sf -o /dev/null http://127.0.0.1:4191/ready
code=$(run_in a client curl -sS -m 5 -o /dev/null -w '%{http_code}' http://10.96.0.10/)
expect "a restarted proxy serves at once" test "$code" = 200
expect "and labels by workload as before (the directory is reread)" \
  test "$(proxy_metric a 'request_total\{direction="outbound",namespace="demo",external_workload="client"')" -eq 1

finish
