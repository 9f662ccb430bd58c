/* cgroup/connect4 and cgroup/connect6: steer a meshed workload's connect() to a service VIP.
 * connect6 handles IPv4-mapped destinations (a dual-stack socket dialling ::ffff:VIP). */
#include "lib/common.h"
#include "lib/sock_key.h"
#include "lib/steer.h"

SEC("cgroup/connect4")
int weir_connect4(struct bpf_sock_addr* ctx) {
  struct weir_dest dest = {.ip4 = ctx->user_ip4, .port = bpf_ntohs((__u16)ctx->user_port)};
  int verdict = weir_steer(ctx, &dest);
  if (dest.rewritten) {
    ctx->user_ip4 = dest.ip4;
    ctx->user_port = bpf_htons(dest.port);
  }
  return verdict;
}

SEC("cgroup/connect6")
int weir_connect6(struct bpf_sock_addr* ctx) {
  if (!weir_v4_mapped(ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2])) {
    return WEIR_CG_ALLOW; /* native IPv6: not steered yet */
  }
  struct weir_dest dest = {.ip4 = ctx->user_ip6[3], .port = bpf_ntohs((__u16)ctx->user_port)};
  int verdict = weir_steer(ctx, &dest);
  if (dest.rewritten) {
    ctx->user_ip6[3] = dest.ip4; /* the ::ffff: prefix stays */
    ctx->user_port = bpf_htons(dest.port);
  }
  return verdict;
}
