# Helpers the proxy and mtls benchmarks share. Sourced after tools/lib/simnode.sh.
# shellcheck shell=bash

# nginx_conf FILE IP: the backend both benchmarks use — one worker, 1 KiB responses, HTTP/1.1
# on IP:8080 and h2c on IP:8081, keep-alive without a request limit.
nginx_conf() {
  local body
  body=$(head -c 1024 /dev/zero | tr '\0' x)
  cat >"$1" <<NGINX
worker_processes 1;
daemon off;
pid $E2E_TMP/nginx.pid;
error_log stderr error;
worker_rlimit_nofile 20000;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $E2E_TMP/nginx-body;
  keepalive_requests 1000000000;
  keepalive_timeout 300s;
  http2_max_requests 1000000000;
  http2_max_concurrent_streams 1024;
  server { listen $2:8080 backlog=4096; location / { return 200 "$body"; } }
  server { listen $2:8081 http2 backlog=4096; location / { return 200 "$body"; } }
}
NGINX
}

# Samples per key, space-separated; the report takes medians.
declare -A SAMPLES=()
add() { SAMPLES[$1]+="${SAMPLES[$1]:+ }$2"; }

# wrk prints 1.23ms, 456.00us, 1.02s: milliseconds.
to_ms() {
  awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) }
         else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.3f\n", v }'
}

median() { tr ' ' '\n' <<<"$1" | sort -g | awk '{ v[NR] = $1 } END {
  if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
m() { median "${SAMPLES[$1]}"; }
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
