/* cgroup/getpeername4: a steered client still sees the address it dialled. */
#include "lib/common.h"

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
