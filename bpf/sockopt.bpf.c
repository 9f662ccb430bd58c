/* cgroup/getsockopt: answer SO_ORIGINAL_DST (SOL_IP) and IP6T_SO_ORIGINAL_DST (SOL_IPV6) for
 * connections weir steered, as netfilter would after a REDIRECT. */
#include "lib/common.h"
#include "lib/sock_key.h"

struct weir_sockaddr_in {
  __u16 family;
  __u16 port; /* network order */
  __u32 addr; /* network order */
  __u8 zero[8];
};

struct weir_sockaddr_in6 {
  __u16 family;
  __u16 port; /* network order */
  __u32 flowinfo;
  __u32 addr[4]; /* network order */
  __u32 scope_id;
};

/* The record is keyed from the client's side: its local end is our remote end. */
static __always_inline int weir_client_key(struct bpf_sockopt* ctx, struct bpf_sock* sk,
                                           struct weir_sock_key* key) {
  if (!weir_pick_v4(sk->family, sk->dst_ip4, sk->src_ip4, sk->dst_ip6[0], sk->dst_ip6[1],
                    sk->dst_ip6[2], sk->dst_ip6[3], sk->src_ip6[0], sk->src_ip6[1], sk->src_ip6[2],
                    sk->src_ip6[3], key)) {
    return 0;
  }
  key->netns = bpf_get_netns_cookie(ctx);
  key->local_port = bpf_ntohs(sk->dst_port);
  key->remote_port = sk->src_port;
  return 1;
}

SEC("cgroup/getsockopt")
int weir_getsockopt(struct bpf_sockopt* ctx) {
  int v4 = ctx->level == WEIR_SOL_IP && ctx->optname == WEIR_SO_ORIGINAL_DST;
  int v6 = ctx->level == WEIR_SOL_IPV6 && ctx->optname == WEIR_IP6T_SO_ORIGINAL_DST;
  if (!v4 && !v6) {
    return WEIR_CG_ALLOW;
  }
  struct bpf_sock* sk = ctx->sk;
  if (!sk) {
    return WEIR_CG_ALLOW;
  }
  struct weir_sock_key key = {};
  struct weir_orig_dst* dst = 0;
  if (weir_client_key(ctx, sk, &key)) {
    dst = bpf_map_lookup_elem(&weir_orig_dst, &key);
  }
  if (!dst) {
    weir_count(WEIR_CTR_ORIGDST_MISS);
    return WEIR_CG_ALLOW; /* the kernel's own answer stands */
  }
  if (v4) {
    struct weir_sockaddr_in* out = ctx->optval;
    if ((void*)(out + 1) > ctx->optval_end) {
      return WEIR_CG_ALLOW; /* caller's buffer too small: keep the kernel's error */
    }
    out->family = AF_INET;
    out->port = bpf_htons(dst->port);
    out->addr = dst->ip4;
    __builtin_memset(out->zero, 0, sizeof(out->zero));
    ctx->optlen = sizeof(*out);
  } else {
    struct weir_sockaddr_in6* out = ctx->optval;
    if ((void*)(out + 1) > ctx->optval_end) {
      return WEIR_CG_ALLOW;
    }
    out->family = AF_INET6;
    out->port = bpf_htons(dst->port);
    out->flowinfo = 0;
    out->addr[0] = 0;
    out->addr[1] = 0;
    out->addr[2] = bpf_htonl(0x0000ffff);
    out->addr[3] = dst->ip4;
    out->scope_id = 0;
    ctx->optlen = sizeof(*out);
  }
  ctx->retval = 0;
  weir_count(WEIR_CTR_ORIGDST_ANSWERED);
  return WEIR_CG_ALLOW;
}
