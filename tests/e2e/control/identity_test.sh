#!/usr/bin/env bash
# e2e: the mesh CA. `weir identity init` writes a trust anchor, an issuer and a node token key;
# weir-control serves Identity with them on a directory of ExternalWorkloads placed on two nodes.
# A node's token gets certificates for its own workloads' identities only (DNS and SPIFFE SANs);
# another node's identity is refused PERMISSION_DENIED, a bad token UNAUTHENTICATED, and both are
# counted in /metrics. weir-control refuses to start on a missing or foreign issuer, naming it.
source "$(dirname "$0")/../../../tools/lib/simnode.sh"
require_root

# One network namespace for weir-control and its callers: its ports are the namespace's own.
make_node cp
CA="$E2E_TMP/ca"
CONF="$E2E_TMP/conf"
mkdir -p "$CONF"
identity() { echo "$1.demo.serviceaccount.identity.linkerd.cluster.local"; }

# --- weir identity init
init_ca() { "$WEIR_CLI" identity init --dir "$CA" >"$E2E_TMP/init.out"; }
expect "weir identity init writes the CA's files" init_ca
mode_is() { [[ "$(stat -c %a "$1")" == "$2" ]]; }
expect "issuer.key is 0600" mode_is "$CA/issuer.key" 600
expect "node-token.key is 0600" mode_is "$CA/node-token.key" 600
expect "ca.crt is 0644" mode_is "$CA/ca.crt" 644
anchor_before=$(sha256sum "$CA/ca.crt")
refuses_overwrite() {
  ! "$WEIR_CLI" identity init --dir "$CA" 2>"$E2E_TMP/init2.err" &&
    grep -q "ca.crt exists; refusing to overwrite" "$E2E_TMP/init2.err" &&
    [[ "$(sha256sum "$CA/ca.crt")" == "$anchor_before" ]]
}
expect "a second init refuses to overwrite" refuses_overwrite

# --- two nodes' workloads
workload() { # workload NAME APP IP NODE
  cat <<YAML
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: $1
  namespace: demo
  labels: {app: $2}
  annotations: {weir.io/node: $4}
spec:
  meshTLS: {identity: $(identity "$2"), serverName: $1.demo}
  workloadIPs: [{ip: $3}]
  ports: [{port: 8080, name: http}]
YAML
}
{ workload web-1 web 10.244.1.10 node-a; workload api-1 api 10.244.2.10 node-b; } >"$CONF/workloads.yaml"

identity_flags() { # identity_flags [ANCHORS [CERT [KEY]]]
  echo --identity-listen 127.0.0.1:8080 --identity-trust-anchors "${1:-$CA/ca.crt}" \
    --identity-issuer-cert "${2:-$CA/issuer.crt}" --identity-issuer-key "${3:-$CA/issuer.key}" \
    --identity-node-token-key "$CA/node-token.key"
}
# shellcheck disable=SC2046 # the paths hold no spaces
start_bg cp control "$CONTROL" --config-dir "$CONF" --listen 127.0.0.1:8086 \
  --policy-listen 127.0.0.1:8090 --admin 127.0.0.1:9990 $(identity_flags)
wait_for "weir-control ready" 10 in_node cp curl -sf -o /dev/null http://127.0.0.1:9990/ready || true
expect "weir-control serves Identity on 8080" bash -c "grep -q 'identity=127.0.0.1:8080 (port 8080)' '$E2E_TMP/control.log'"

# --- node tokens
for n in node-a node-b; do
  "$WEIR_CLI" identity node-token --key "$CA/node-token.key" --node "$n" --out "$E2E_TMP/$n.token" >/dev/null
done
expect "node tokens are 0600" mode_is "$E2E_TMP/node-a.token" 600

certify() { # certify TOKEN_FILE APP: the CLI's stdout and stderr to $E2E_TMP/certify.{out,err}
  in_node cp "$WEIR_CLI" identity certify --addr 127.0.0.1:8080 --trust-anchors "$CA/ca.crt" --token-file "$1" \
    --identity "$(identity "$2")" >"$E2E_TMP/certify.out" 2>"$E2E_TMP/certify.err"
}
certified() { # certified TOKEN_FILE APP
  certify "$1" "$2" || return 1
  local id; id=$(identity "$2")
  grep -Eq "^identity=$id dns=$id uri=spiffe://cluster.local/ns/demo/sa/$2 not_after=[0-9]+$" \
    "$E2E_TMP/certify.out"
}
refused() { # refused TOKEN_FILE APP CODE
  ! certify "$1" "$2" && grep -q "$3" "$E2E_TMP/certify.err" && [[ ! -s "$E2E_TMP/certify.out" ]]
}
lifetime_is_a_day() {
  local not_after; not_after=$(sed -n 's/.*not_after=\([0-9]*\)$/\1/p' "$E2E_TMP/certify.out")
  local left=$((not_after - $(date +%s)))
  ((left > 86400 - 60 && left <= 86400))
}

expect "node-a's token: a certificate for web (on node-a) with DNS and SPIFFE SANs" \
  certified "$E2E_TMP/node-a.token" web
expect "the leaf is valid 24 hours" lifetime_is_a_day
expect "node-b's token: a certificate for api (on node-b)" certified "$E2E_TMP/node-b.token" api
expect "node-b's token for web (on node-a): PERMISSION_DENIED" \
  refused "$E2E_TMP/node-b.token" web PERMISSION_DENIED
expect "node-a's token for api (on node-b): PERMISSION_DENIED" \
  refused "$E2E_TMP/node-a.token" api PERMISSION_DENIED
token=$(cat "$E2E_TMP/node-a.token")
[[ "${token: -1}" == a ]] && flipped=b || flipped=a
echo "${token%?}$flipped" >"$E2E_TMP/tampered.token"
expect "a tampered token: UNAUTHENTICATED" refused "$E2E_TMP/tampered.token" web UNAUTHENTICATED
printf '%s\n' "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" >"$E2E_TMP/other.key"
"$WEIR_CLI" identity node-token --key "$E2E_TMP/other.key" --node node-a --out "$E2E_TMP/forged.token" >/dev/null
expect "a token from another key: UNAUTHENTICATED" refused "$E2E_TMP/forged.token" web UNAUTHENTICATED
expect "an identity of no workload: PERMISSION_DENIED" \
  refused "$E2E_TMP/node-a.token" nobody PERMISSION_DENIED

certify_count() {
  in_node cp curl -sf http://127.0.0.1:9990/metrics |
    awk -v r="$1" '$1 == "identity_certify_total{result=\"" r "\"}" { print $2 }'
}
counted() { [[ "$(certify_count "$1")" == "$2" ]]; }
expect "metrics: 2 ok ($(certify_count ok))" counted ok 2
expect "metrics: 3 permission_denied ($(certify_count permission_denied))" counted permission_denied 3
expect "metrics: 2 unauthenticated ($(certify_count unauthenticated))" counted unauthenticated 2
expect "the refusal is logged with node, identity and reason" grep -q \
  "certify refused node=node-b identity=$(identity web) reason=\"no workload with this identity on the node\"" \
  "$E2E_TMP/control.log"

# --- a workload moved to node-b: node-b gets web's certificate, node-a no longer does
{ workload web-1 web 10.244.1.10 node-b; workload api-1 api 10.244.2.10 node-b; } >"$E2E_TMP/.w.tmp"
mv "$E2E_TMP/.w.tmp" "$CONF/workloads.yaml"
wait_for "the move is published" 10 certify "$E2E_TMP/node-b.token" web || true
expect "after the move node-b gets web's certificate" certified "$E2E_TMP/node-b.token" web
expect "after the move node-a is refused" refused "$E2E_TMP/node-a.token" web PERMISSION_DENIED

# --- weir-control does not start on a missing or foreign issuer, and names the file
refuses_start() { # refuses_start TEXT FLAGS...: exits non-zero at once, TEXT in its output
  local text="$1"; shift
  local rc=0
  in_node cp timeout 10 "$CONTROL" --config-dir "$CONF" --listen 127.0.0.1:18086 \
    --policy-listen 127.0.0.1:18090 --admin 127.0.0.1:19990 "$@" >"$E2E_TMP/bad.log" 2>&1 || rc=$?
  [[ $rc -ne 0 && $rc -ne 124 ]] && grep -qF -- "$text" "$E2E_TMP/bad.log"
}
# shellcheck disable=SC2046
expect "a missing issuer certificate stops weir-control, naming the file" \
  refuses_start "$CA/missing.crt" $(identity_flags "" "$CA/missing.crt")
"$WEIR_CLI" identity init --dir "$E2E_TMP/other-ca" >/dev/null
# shellcheck disable=SC2046
expect "an issuer under another anchor stops weir-control" \
  refuses_start "does not verify against the trust anchors" $(identity_flags "$E2E_TMP/other-ca/ca.crt")
expect "the issuer's key alone stops weir-control, naming the missing flag" \
  refuses_start "--identity-trust-anchors: required" --identity-issuer-key "$CA/issuer.key"
# shellcheck disable=SC2046
expect "a certificate as the issuer's key stops weir-control, naming the file" \
  refuses_start "--identity-issuer-key $CA/ca.crt" $(identity_flags "" "" "$CA/ca.crt")

finish
