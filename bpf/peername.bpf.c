/* cgroup/getpeername4 and getpeername6: a steered client still sees the address it dialled. */
#include "lib/common.h"
#include "lib/sock_key.h"

SEC("cgroup/getpeername4")
int weir_getpeername4(struct bpf_sock_addr* ctx) {
  __u64 cookie = bpf_get_socket_cookie(ctx);
  struct weir_sock_orig* orig = bpf_map_lookup_elem(&weir_sock_orig, &cookie);
  if (!orig) {
    return WEIR_CG_ALLOW;
  }
  ctx->user_ip4 = orig->orig_ip4;
  ctx->user_port = bpf_htons(orig->orig_port);
  weir_count(WEIR_CTR_PEERNAME_REWRITTEN);
  return WEIR_CG_ALLOW;
}

/* Only IPv4-mapped destinations are steered by connect6, so the VIP shown is mapped too. */
SEC("cgroup/getpeername6")
int weir_getpeername6(struct bpf_sock_addr* ctx) {
  __u64 cookie = bpf_get_socket_cookie(ctx);
  struct weir_sock_orig* orig = bpf_map_lookup_elem(&weir_sock_orig, &cookie);
  if (!orig) {
    return WEIR_CG_ALLOW;
  }
  ctx->user_ip6[0] = 0;
  ctx->user_ip6[1] = 0;
  ctx->user_ip6[2] = bpf_htonl(0x0000ffff);
  ctx->user_ip6[3] = orig->orig_ip4;
  ctx->user_port = bpf_htons(orig->orig_port);
  weir_count(WEIR_CTR_PEERNAME_REWRITTEN);
  return WEIR_CG_ALLOW;
}
