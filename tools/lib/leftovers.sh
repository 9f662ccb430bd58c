# What weir's tests create on the host, named after the creating process: bpf-tier tests make
# /sys/fs/bpf/weir-bpftest-PID and <cgroup2>/weir-bpftest-PID; simulated nodes (simnode.sh) make
# /sys/fs/bpf/wePID, <cgroup2>/wePID and network namespaces wePID-NODE. Sourced by tools/test.
# shellcheck shell=bash

# leftovers_cgroup2: the cgroup v2 mount point.
leftovers_cgroup2() { awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts; }

# leftovers [dead]: one line per object a test left behind; with "dead", only those whose
# creating process is gone (so a run never touches another run's live objects).
leftovers() {
  local only_dead=${1:-} cg path name pid
  cg=$(leftovers_cgroup2)
  for path in /sys/fs/bpf/weir-bpftest-* /sys/fs/bpf/we[0-9]* "$cg"/weir-bpftest-* "$cg"/we[0-9]*; do
    [[ -e "$path" ]] || continue
    name=${path##*/}
    pid=${name#weir-bpftest-}; pid=${pid#we}
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    if [[ -n "$only_dead" ]] && kill -0 "$pid" 2>/dev/null; then continue; fi
    echo "$path"
  done
  while read -r name _; do
    [[ "$name" =~ ^we([0-9]+)- ]] || continue
    if [[ -n "$only_dead" ]] && kill -0 "${BASH_REMATCH[1]}" 2>/dev/null; then continue; fi
    echo "netns:$name"
  done < <(ip netns list 2>/dev/null)
}

# remove_leftovers PATH...: pins and links unpinned, cgroups emptied (a test killed with SIGKILL
# leaves its processes behind: they are killed) and removed depth first, network namespaces deleted.
remove_leftovers() {
  local path
  for path in "$@"; do
    case "$path" in
      netns:*) ip netns del "${path#netns:}" 2>/dev/null || true ;;
      /sys/fs/bpf/*) rm -rf "$path" ;;
      *)
        kill_cgroup "$path"
        find "$path" -depth -type d -exec rmdir {} \; 2>/dev/null || true
        ;;
    esac
  done
}

# kill_cgroup DIR: SIGKILL every process in the cgroup tree and wait (bounded) until it is empty.
kill_cgroup() {
  local dir="$1" procs i
  if [[ -e "$dir/cgroup.kill" ]]; then
    echo 1 >"$dir/cgroup.kill" 2>/dev/null || true
  else
    find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  fi
  for ((i = 0; i < 50; i++)); do
    procs=$(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null)
    [[ -z "$procs" ]] && return 0
    sleep 0.1
  done
  echo "leftovers: processes survive in $dir: $procs" >&2
}
