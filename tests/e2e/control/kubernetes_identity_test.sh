#!/usr/bin/env bash
# e2e: node authentication in Kubernetes, through the real binaries. weir-control --kubernetes
# runs the mesh CA without a node token key: a node proxy proves its node with the projected
# service-account token of its DaemonSet pod, which weir-control has the API server review
# (weir-fake-apiserver stands in for kube-apiserver, which cannot run here, and answers with a
# TokenReview recorded in kube-apiserver 1.30's format: the token is weir-proxy's, bound to a pod
# on node-a). The CLI asks as a node proxy would, over TLS checked against the trust anchors.
# Asserts: a meshed pod's identity on node-a is certified; one only on node-b is refused; the
# token went to the API server in a TokenReview with weir-control's own credentials; node tokens
# are not accepted where no node token key was given.
source "$(dirname "$0")/../../../tools/lib/simnode.sh"
require_root
mount_bpffs

HERE=$(cd "$(dirname "$0")" && pwd)
FAKE_APISERVER="$BIN_DIR/weir-fake-apiserver"
NODE=node-a

API="$E2E_TMP/apiserver-responses"
mkdir -p "$API"
cp "$HERE/../../unit/control/kube/testdata/source/"*_list.json "$API/"
cp "$HERE/kubernetes/pods_list.json" "$API/"
cp "$HERE/../../unit/control/kube/testdata/tokenreview_node_bound.json" "$API/tokenreviews.json"

make_node "$NODE"
KUBECONFIG_FILE="$E2E_TMP/kubeconfig"
start_bg "$NODE" apiserver "$FAKE_APISERVER" --responses "$API" --kubeconfig "$KUBECONFIG_FILE"
APISERVER_PID=$LAST_PID
wait_for "weir-fake-apiserver serving" 10 test -s "$KUBECONFIG_FILE"

ID="$E2E_TMP/identity"
"$WEIR_CLI" identity init --dir "$ID" --trust-domain cluster.local >/dev/null
start_bg "$NODE" control "$CONTROL" --kubernetes --kubeconfig "$KUBECONFIG_FILE" \
  --listen 127.0.0.1:8086 --policy-listen 127.0.0.1:8090 --admin 127.0.0.1:9990 \
  --identity-listen 127.0.0.1:8080 --identity-trust-anchors "$ID/ca.crt" \
  --identity-issuer-cert "$ID/issuer.crt" --identity-issuer-key "$ID/issuer.key"
wait_for "weir-control ready" 15 in_node "$NODE" curl -sf -o /dev/null http://127.0.0.1:9990/ready

# The projected token as the kubelet writes it into the proxy's pod.
printf '%s' "eyJhbGciOiJSUzI1NiIsImtpZCI6InByb2plY3RlZCJ9.node-a-proxy" >"$E2E_TMP/sa-token"
chmod 600 "$E2E_TMP/sa-token"
certify() { # certify TOKEN_FILE SA: weir identity certify for emojivoto's SA, as a proxy would
  in_node "$NODE" "$WEIR_CLI" identity certify --addr 127.0.0.1:8080 --trust-anchors "$ID/ca.crt" \
    --token-file "$1" --identity "$2.emojivoto.serviceaccount.identity.linkerd.cluster.local" 2>&1
}
out=$(certify "$E2E_TMP/sa-token" web)
expect "node-a's proxy, by its pod's token, is certified for web, which has a pod on node-a ($out)" \
  grep -q "^identity=web.emojivoto" <<<"$out"
out=$(certify "$E2E_TMP/sa-token" emoji || true)
expect "but not for emoji, whose pods are all on node-b ($out)" grep -q PERMISSION_DENIED <<<"$out"
# A node token from the key `init` wrote, which weir-control was not given.
"$WEIR_CLI" identity node-token --key "$ID/node-token.key" --node node-a --out "$E2E_TMP/node-token" >/dev/null
out=$(certify "$E2E_TMP/node-token" web || true)
expect "a node token is not accepted without a node token key ($out)" \
  grep -q "UNAUTHENTICATED.*node tokens are not accepted" <<<"$out"

kill "$APISERVER_PID"
wait "$APISERVER_PID" 2>/dev/null || true
expect "the token went to the API server as a TokenReview, with weir-control's credentials" \
  grep -q "^request POST /apis/authentication.k8s.io/v1/tokenreviews bearer=ok" "$E2E_TMP/apiserver.log"
expect "weir-control counted the refusals" \
  test "$(in_node "$NODE" curl -sf http://127.0.0.1:9990/metrics | awk '/^identity_certify_total\{result="(permission_denied|unauthenticated)"\}/ { s += $2 } END { print s }')" -ge 2

finish
