/* The connect-time decision shared by connect4 and connect6: is this a meshed workload dialling a
 * mesh service, and if so where does the connection go (an endpoint, or the node proxy), and may
 * it reach a local endpoint at all (weir_authz)? */
#ifndef WEIR_BPF_LIB_STEER_H
#define WEIR_BPF_LIB_STEER_H

#include "common.h"
#include "lb.h"

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

struct weir_dest {
  __u32 ip4;      /* network order */
  __u16 port;     /* host order */
  __u16 rewritten;
};

/* Steers the connection to the node proxy's outbound listener; false when no proxy runs here. */
static __always_inline int weir_to_proxy(struct bpf_sock_addr* ctx, const struct weir_config* cfg,
                                         const struct weir_svc_key* key, __u64 cgroup_id,
                                         __u16 no_fastpath, struct weir_svc_stats* stats,
                                         struct weir_dest* dest) {
  if (!cfg || cfg->proxy_ip4 == 0) {
    return 0;
  }
  dest->ip4 = cfg->proxy_ip4;
  dest->port = cfg->proxy_port;
  dest->rewritten = 1;
  weir_remember(ctx, key, cgroup_id, 0, WEIR_ORIG_TO_PROXY | no_fastpath);
  weir_count(WEIR_CTR_CONNECT_REWRITTEN);
  weir_count(WEIR_CTR_CONNECT_TO_PROXY);
  if (stats) {
    stats->to_proxy += 1;
  }
  return 1;
}

/* config.linkerd.io/skip-outbound-ports: the workload's connections to `port` bypass the proxy. */
static __always_inline int weir_skips_proxy(const struct weir_workload* workload, __u64 cgroup_id,
                                            __u16 port) {
  if (!(workload->flags & WEIR_WL_SKIP_OUT)) {
    return 0; /* the common case costs no lookup */
  }
  struct weir_skip_key key = {.cgroup_id = cgroup_id, .port = port};
  return bpf_map_lookup_elem(&weir_skip_out, &key) != NULL;
}

/* The L4 authorization of a connection from `client` to `port` of the local workload `server`:
 * its own entry, else the port's entry for every other client, else the node's default. */
static __always_inline __u32 weir_authz_verdict(__u64 server, __u64 client, __u16 port,
                                                const struct weir_config* cfg) {
  struct weir_authz_key key = {.server_cgroup_id = server, .client_cgroup_id = client, .port = port};
  struct weir_authz* entry = bpf_map_lookup_elem(&weir_authz, &key);
  if (entry) {
    return entry->verdict;
  }
  key.client_cgroup_id = 0;
  entry = bpf_map_lookup_elem(&weir_authz, &key);
  if (entry) {
    return entry->verdict;
  }
  return cfg ? cfg->default_verdict : WEIR_AUTHZ_PROXY;
}

/* The node proxy's own connect. To an endpoint it chose (discovery): left as it is. To a service
 * VIP (no answer from discovery, or no control plane): an endpoint the kernel picks, never the
 * proxy itself. Either way it is remembered, so that a hop to a local endpoint joins the
 * sockhash (sockops) and is short-circuited like any same-node connection. */
static __always_inline int weir_steer_proxy(struct bpf_sock_addr* ctx, struct weir_dest* dest,
                                            __u64 cgroup_id) {
  struct weir_svc_key key = {.vip4 = dest->ip4, .port = dest->port};
  struct weir_svc* svc = bpf_map_lookup_elem(&weir_services, &key);
  if (!svc) {
    weir_remember(ctx, &key, cgroup_id, 0, WEIR_ORIG_FROM_PROXY);
    return WEIR_CG_ALLOW;
  }
  struct weir_backend* backend = weir_pick_backend(&key, svc);
  if (!backend) {
    weir_count(WEIR_CTR_CONNECT_NO_BACKEND);
    bpf_set_retval(-ECONNREFUSED);
    return WEIR_CG_REJECT;
  }
  dest->ip4 = backend->ip4;
  dest->port = backend->port;
  dest->rewritten = 1;
  __u16 flags = WEIR_ORIG_FROM_PROXY;
  if (backend->flags & WEIR_BE_NO_FASTPATH) {
    flags |= WEIR_ORIG_NO_FASTPATH;
  }
  weir_remember(ctx, &key, cgroup_id, backend->cgroup_id, flags);
  weir_count(WEIR_CTR_CONNECT_REWRITTEN);
  return WEIR_CG_ALLOW;
}

/* Decides where an IPv4 destination goes; sets dest->rewritten and the new address when the
 * connection is steered. The caller writes the context: the verifier refuses context accesses
 * through a computed pointer, which sharing the write between connect4 and connect6 invites.
 * Returns WEIR_CG_ALLOW, or WEIR_CG_REJECT with the errno set: ECONNREFUSED when the service has
 * no usable endpoint, EPERM when the authorization of a local endpoint refuses the client (DENY,
 * or PROXY with no node proxy to decide). */
static __always_inline int weir_steer(struct bpf_sock_addr* ctx, struct weir_dest* dest) {
  if (ctx->protocol != IPPROTO_TCP) {
    return WEIR_CG_ALLOW;
  }
  __u64 cgroup_id = bpf_get_current_cgroup_id();
  __u32 zero = 0;
  struct weir_config* cfg = bpf_map_lookup_elem(&weir_config, &zero);
  struct weir_workload* workload = bpf_map_lookup_elem(&weir_workloads, &cgroup_id);
  if (!workload) {
    if (cfg && cfg->proxy_cgroup_id != 0 && cfg->proxy_cgroup_id == cgroup_id) {
      return weir_steer_proxy(ctx, dest, cgroup_id);
    }
    return WEIR_CG_ALLOW; /* not meshed: untouched */
  }
  __u16 no_fastpath = (workload->flags & WEIR_WL_NO_FASTPATH) ? WEIR_ORIG_NO_FASTPATH : 0;
  weir_count(WEIR_CTR_CONNECT_MESHED);

  struct weir_svc_key key = {.vip4 = dest->ip4, .port = dest->port};
  struct weir_svc* svc = bpf_map_lookup_elem(&weir_services, &key);
  if (!svc) {
    return WEIR_CG_ALLOW; /* not a mesh service: untouched */
  }
  struct weir_svc_stats* stats = weir_svc_stats_get(&key);
  if (stats) {
    stats->connects += 1;
  }

  if ((svc->flags & WEIR_SVC_TO_PROXY) && !weir_skips_proxy(workload, cgroup_id, dest->port) &&
      weir_to_proxy(ctx, cfg, &key, cgroup_id, no_fastpath, stats, dest)) {
    return WEIR_CG_ALLOW;
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
  if (backend->cgroup_id != 0) {
    /* Both ends on this node: the kernel is the only policy point, so it checks. */
    __u32 verdict = weir_authz_verdict(backend->cgroup_id, cgroup_id, backend->port, cfg);
    if (verdict == WEIR_AUTHZ_PROXY &&
        weir_to_proxy(ctx, cfg, &key, cgroup_id, no_fastpath, stats, dest)) {
      weir_count(WEIR_CTR_AUTHZ_TO_PROXY);
      return WEIR_CG_ALLOW;
    }
    if (verdict != WEIR_AUTHZ_ALLOW) {
      weir_count(verdict == WEIR_AUTHZ_DENY ? WEIR_CTR_AUTHZ_DENIED : WEIR_CTR_AUTHZ_NO_PROXY);
      if (stats) {
        stats->denied += 1;
      }
      bpf_set_retval(-EPERM);
      return WEIR_CG_REJECT;
    }
  }
  dest->ip4 = backend->ip4;
  dest->port = backend->port;
  dest->rewritten = 1;
  if (backend->flags & WEIR_BE_NO_FASTPATH) {
    no_fastpath = WEIR_ORIG_NO_FASTPATH;
  }
  weir_remember(ctx, &key, cgroup_id, backend->cgroup_id, no_fastpath);
  weir_count(WEIR_CTR_CONNECT_REWRITTEN);
  if (stats) {
    stats->to_endpoint += 1;
  }
  return WEIR_CG_ALLOW;
}

#endif
