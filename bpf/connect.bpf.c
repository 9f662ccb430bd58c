/* cgroup/connect4: steer a meshed workload's connect() to a service VIP. */
#include "lib/common.h"
#include "lib/lb.h"

static __always_inline struct weir_svc_stats* weir_svc_stats_get(const struct weir_svc_key* key) {
  static const struct weir_svc_stats zero;
  return weir_percpu_get(&weir_svc_stats, key, &zero);
}

static __always_inline void weir_remember(struct bpf_sock_addr* ctx, const struct weir_svc_key* key,
                                          __u64 cgroup_id, __u64 dst_cgroup_id, __u16 flags) {
  struct weir_sock_orig orig = {
      .orig_ip4 = key->vip4,
      .orig_port = key->port,
      .flags = flags,
      .cgroup_id = cgroup_id,
      .dst_cgroup_id = dst_cgroup_id,
  };
  __u64 cookie = bpf_get_socket_cookie(ctx);
  bpf_map_update_elem(&weir_sock_orig, &cookie, &orig, BPF_ANY);
}

SEC("cgroup/connect4")
int weir_connect4(struct bpf_sock_addr* ctx) {
  if (ctx->protocol != IPPROTO_TCP) {
    return WEIR_CG_ALLOW;
  }
  __u64 cgroup_id = bpf_get_current_cgroup_id();
  if (!bpf_map_lookup_elem(&weir_workloads, &cgroup_id)) {
    return WEIR_CG_ALLOW; /* not meshed: untouched */
  }
  weir_count(WEIR_CTR_CONNECT_MESHED);

  struct weir_svc_key key = {.vip4 = ctx->user_ip4, .port = bpf_ntohs((__u16)ctx->user_port)};
  struct weir_svc* svc = bpf_map_lookup_elem(&weir_services, &key);
  if (!svc) {
    return WEIR_CG_ALLOW; /* not a mesh service: untouched */
  }
  struct weir_svc_stats* stats = weir_svc_stats_get(&key);
  if (stats) {
    stats->connects += 1;
  }

  if (svc->flags & WEIR_SVC_TO_PROXY) {
    __u32 zero = 0;
    struct weir_config* cfg = bpf_map_lookup_elem(&weir_config, &zero);
    if (cfg && cfg->proxy_ip4 != 0) {
      ctx->user_ip4 = cfg->proxy_ip4;
      ctx->user_port = bpf_htons(cfg->proxy_port);
      weir_remember(ctx, &key, cgroup_id, 0, WEIR_ORIG_TO_PROXY);
      weir_count(WEIR_CTR_CONNECT_REWRITTEN);
      weir_count(WEIR_CTR_CONNECT_TO_PROXY);
      if (stats) {
        stats->to_proxy += 1;
      }
      return WEIR_CG_ALLOW;
    }
  }

  struct weir_backend* backend = weir_pick_backend(&key, svc);
  if (!backend) {
    /* No usable endpoint: refuse like a service with no endpoints does. */
    weir_count(WEIR_CTR_CONNECT_NO_BACKEND);
    if (stats) {
      stats->no_backend += 1;
    }
    bpf_set_retval(-ECONNREFUSED);
    return WEIR_CG_REJECT;
  }
  ctx->user_ip4 = backend->ip4;
  ctx->user_port = bpf_htons(backend->port);
  weir_remember(ctx, &key, cgroup_id, backend->cgroup_id, 0);
  weir_count(WEIR_CTR_CONNECT_REWRITTEN);
  if (stats) {
    stats->to_endpoint += 1;
  }
  return WEIR_CG_ALLOW;
}
