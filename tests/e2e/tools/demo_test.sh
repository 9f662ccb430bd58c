#!/usr/bin/env bash
# e2e: ./tools/demo runs end to end (without rebuilding), shows traffic flowing through the kernel
# on both kinds of path, and leaves nothing behind.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
[[ $EUID -eq 0 ]] || exit 77
out=$(timeout 120 "$repo/tools/demo" --duration 5 --no-build 2>&1 | tr -d '\033' | tail -n 20)
echo "$out"
rc=0
ok=$(sed -n 's/.*: \([0-9]*\) connections ok, \([0-9]*\) failed.*/\1 \2/p' <<<"$out" | tail -n 1)
read -r good bad <<<"$ok"
if [[ "${good:-0}" -lt 10 || "${bad:-1}" -ne 0 ]]; then echo "FAIL demo traffic: '$ok'"; rc=1; fi
if ! grep -q 'fast path: web-1' <<<"$out"; then echo "FAIL no fast-path row for web-1"; rc=1; fi
if ! grep -Eq 'redirected by sk_msg in [1-9]' <<<"$out"; then echo "FAIL no redirected sends"; rc=1; fi
if ! grep -Eq '\([0-9]+ on this node, [1-9][0-9]* to the other node\)' <<<"$out"; then
  echo "FAIL no cross-node connections"; rc=1
fi
if ip netns list | grep -q -- '-node-a'; then echo "FAIL demo left a namespace"; rc=1; fi
if ls /sys/fs/bpf | grep -q '^we[0-9]'; then echo "FAIL demo left pins in /sys/fs/bpf"; rc=1; fi
[[ $rc -eq 0 ]] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $rc
