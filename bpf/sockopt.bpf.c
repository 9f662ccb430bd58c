/* cgroup/getsockopt: answer SO_ORIGINAL_DST for connections weir steered. */
#include "lib/common.h"

struct weir_sockaddr_in {
  __u16 family;
  __u16 port; /* network order */
  __u32 addr; /* network order */
  __u8 zero[8];
};

SEC("cgroup/getsockopt")
int weir_getsockopt(struct bpf_sockopt* ctx) {
  if (ctx->level != WEIR_SOL_IP || ctx->optname != WEIR_SO_ORIGINAL_DST) {
    return WEIR_CG_ALLOW;
  }
  struct bpf_sock* sk = ctx->sk;
  if (!sk) {
    return WEIR_CG_ALLOW;
  }
  /* The record is keyed from the client's side: its local end is our remote end. */
  struct weir_sock_key key = {
      .netns = bpf_get_netns_cookie(ctx),
      .local_ip4 = sk->dst_ip4,
      .remote_ip4 = sk->src_ip4,
      .local_port = bpf_ntohs(sk->dst_port),
      .remote_port = sk->src_port,
  };
  struct weir_orig_dst* dst = bpf_map_lookup_elem(&weir_orig_dst, &key);
  if (!dst) {
    weir_count(WEIR_CTR_ORIGDST_MISS);
    return WEIR_CG_ALLOW; /* the kernel's own answer stands */
  }
  struct weir_sockaddr_in* out = ctx->optval;
  if ((void*)(out + 1) > ctx->optval_end) {
    return WEIR_CG_ALLOW; /* caller's buffer too small: keep the kernel's error */
  }
  out->family = AF_INET;
  out->port = bpf_htons(dst->port);
  out->addr = dst->ip4;
  __builtin_memset(out->zero, 0, sizeof(out->zero));
  ctx->optlen = sizeof(*out);
  ctx->retval = 0;
  weir_count(WEIR_CTR_ORIGDST_ANSWERED);
  return WEIR_CG_ALLOW;
}
