#!/usr/bin/env bash
# e2e: ./tools/demo runs end to end (without rebuilding): the sample application's requests flow
# through both node proxies, the golden-metrics table shows every workload with its traffic (and
# books-2's one failure in ten), the kernel short-circuits the application <-> proxy hops, and
# the demo leaves nothing behind.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
[[ $EUID -eq 0 ]] || exit 77
out=$(timeout 120 "$repo/tools/demo" --duration 8 --no-build 2>&1 | tr -d '\033' | tail -n 16)
echo "$out"
rc=0
fail() { echo "FAIL $*"; rc=1; }
# row WORKLOAD: "SUCCESS RPS" of the last table.
row() { awk -v w="$1" '$1 == w && NF == 5 { print $2, $3 }' <<<"$out" | tail -n 1; }
for w in web books-1 books-2 authors; do
  read -r success rps <<<"$(row "$w")"
  if ! python3 -c "import sys; sys.exit(0 if float('${rps:-0}') >= 5 else 1)"; then
    fail "no traffic shown for $w: '$(row "$w")'"
  fi
done
read -r success _ <<<"$(row books-2)"
python3 -c "import sys; v=float('${success%\%}'); sys.exit(0 if 75 <= v < 100 else 1)" 2>/dev/null ||
  fail "books-2's success rate does not show its failures: '$success'"
read -r success _ <<<"$(row authors)"
[[ "$success" == "100.00%" ]] || fail "authors (gRPC) should all succeed: '$success'"
grep -Eq "node-b's proxy served [1-9][0-9]* requests inbound" <<<"$out" || fail "no cross-node requests"
grep -Eq "node-b's proxy served ([1-9][0-9]*) requests inbound from node-a's, \1 of them over mTLS" <<<"$out" ||
  fail "cross-node requests not all over mTLS"
grep -Eq 'sk_msg redirected [1-9][0-9]* sends on node-a' <<<"$out" || fail "no redirected sends"
grep -Eq 'control plane: config version 1; acknowledged by node-a 1, node-b 1' <<<"$out" ||
  fail "agents did not follow weir-control"
# The demo names everything after its run id (shown in its maps line): all of it must be gone.
id=$(sed -n 's|.*pinned /sys/fs/bpf/\(we[0-9]*\)/.*|\1|p' <<<"$out" | tail -n 1)
[[ -n "$id" ]] || fail "no run id in the demo's output"
if ip netns list | grep -q -- "^$id-"; then fail "demo left a namespace"; fi
if [[ -n "$id" && -e "/sys/fs/bpf/$id" ]]; then fail "demo left pins in /sys/fs/bpf/$id"; fi
cgroot=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' /proc/self/mountinfo | head -n 1)
if [[ -n "$id" && -e "$cgroot/$id" ]]; then fail "demo left cgroups in $cgroot/$id"; fi
if [[ -n "$id" ]] && pgrep -f "$id" >/dev/null; then fail "demo left processes"; fi
[[ $rc -eq 0 ]] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $rc
