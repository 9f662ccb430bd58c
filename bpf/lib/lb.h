/* Socket-level load balancing: a weighted random pick among a service port's backends. */
#ifndef WEIR_BPF_LIB_LB_H
#define WEIR_BPF_LIB_LB_H

#include "common.h"

/* Binary search depth: log2(WEIR_MAX_BACKENDS_PER_SERVICE) + 1. */
#define WEIR_LB_SEARCH_STEPS 11

struct weir_lb_search {
  struct weir_backend_key key;
  __u32 r;  /* the random point in [0, total_weight) */
  __u32 lo; /* smallest slot that may hold r */
  __u32 hi; /* largest slot that may hold r */
};

/* One binary-search step. Runs under bpf_loop: an unrolled search with exact lo/hi bounds makes
 * the verifier explore every path (2^steps states) and exceed its instruction budget. */
static long weir_lb_step(__u32 index, void* ctx) {
  struct weir_lb_search* s = ctx;
  if (s->lo >= s->hi) {
    return 1; /* found: stop the loop */
  }
  __u32 mid = s->lo + (s->hi - s->lo) / 2;
  s->key.slot = (__u16)mid;
  struct weir_backend* b = bpf_map_lookup_elem(&weir_backends, &s->key);
  if (!b) {
    return 1; /* the agent is mid-update: settle for the current lower bound */
  }
  if (b->weight_end > s->r) {
    s->hi = mid;
  } else {
    s->lo = mid + 1;
  }
  return 0;
}

static __always_inline struct weir_backend* weir_pick_backend(const struct weir_svc_key* svc_key,
                                                              const struct weir_svc* svc) {
  __u32 count = svc->backend_count;
  if (count == 0 || svc->total_weight == 0) {
    return 0;
  }
  if (count > WEIR_MAX_BACKENDS_PER_SERVICE) {
    count = WEIR_MAX_BACKENDS_PER_SERVICE;
  }
  struct weir_lb_search s = {
      .key = {.vip4 = svc_key->vip4, .port = svc_key->port},
      .r = bpf_get_prandom_u32() % svc->total_weight,
      .lo = 1,
      .hi = count,
  };
  bpf_loop(WEIR_LB_SEARCH_STEPS, weir_lb_step, &s, 0);
  s.key.slot = (__u16)s.lo;
  return bpf_map_lookup_elem(&weir_backends, &s.key);
}

#endif
