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
if ! grep -Eq 'control plane: config version 1; acknowledged by node-a 1, node-b 1' <<<"$out"; then
  echo "FAIL agents did not follow weir-control"; rc=1
fi
# The demo names everything after its run id (shown in its maps line): all of it must be gone.
id=$(sed -n 's|.*pinned /sys/fs/bpf/\(we[0-9]*\)/.*|\1|p' <<<"$out" | tail -n 1)
if [[ -z "$id" ]]; then echo "FAIL no run id in the demo's output"; rc=1; fi
if ip netns list | grep -q -- "^$id-"; then echo "FAIL demo left a namespace"; rc=1; fi
if [[ -n "$id" && -e "/sys/fs/bpf/$id" ]]; then echo "FAIL demo left pins in /sys/fs/bpf/$id"; rc=1; fi
cgroot=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' /proc/self/mountinfo | head -n 1)
if [[ -n "$id" && -e "$cgroot/$id" ]]; then echo "FAIL demo left cgroups in $cgroot/$id"; rc=1; fi
[[ $rc -eq 0 ]] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $rc
