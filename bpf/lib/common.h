/* Includes and small helpers every weir BPF object uses. */
#ifndef WEIR_BPF_LIB_COMMON_H
#define WEIR_BPF_LIB_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "maps.h"

#define AF_INET 2
#define IPPROTO_TCP 6
#define ECONNREFUSED 111
#define EPERM 1

/* Return codes of the cgroup hooks: 1 lets the call proceed; 0 fails it with EPERM (or with the
 * errno set through bpf_set_retval). */
#define WEIR_CG_ALLOW 1
#define WEIR_CG_REJECT 0

/* sockops programs return 1; the value is ignored for the callbacks weir uses. */
#define WEIR_SOCKOPS_OK 1

static __always_inline void weir_count(__u32 counter) {
  __u64* v = bpf_map_lookup_elem(&weir_counters, &counter);
  if (v) {
    *v += 1; /* per-CPU slot: no atomic needed */
  }
}

static __always_inline void weir_count_n(__u32 counter, __u64 n) {
  __u64* v = bpf_map_lookup_elem(&weir_counters, &counter);
  if (v) {
    *v += n;
  }
}

/* Looks up key in a per-CPU hash, inserting a zero value first if it is missing. */
static __always_inline void* weir_percpu_get(void* map, const void* key, const void* zero) {
  void* v = bpf_map_lookup_elem(map, key);
  if (v) {
    return v;
  }
  bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
  return bpf_map_lookup_elem(map, key);
}

#endif
