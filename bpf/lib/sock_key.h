/* Building weir_sock_key from each hook's context. Ports differ in byte order between hooks:
 * local_port is host order everywhere; remote_port is network order in the upper 16 bits in
 * sock_ops and sk_msg, so bpf_ntohl() yields the host-order port. */
#ifndef WEIR_BPF_LIB_SOCK_KEY_H
#define WEIR_BPF_LIB_SOCK_KEY_H

#include "common.h"

static __always_inline void weir_key_from_sockops(struct bpf_sock_ops* skops,
                                                  struct weir_sock_key* key) {
  key->netns = bpf_get_netns_cookie(skops);
  key->local_ip4 = skops->local_ip4;
  key->remote_ip4 = skops->remote_ip4;
  key->local_port = skops->local_port;
  key->remote_port = bpf_ntohl(skops->remote_port);
}

static __always_inline void weir_key_from_msg(struct sk_msg_md* msg, struct weir_sock_key* key) {
  key->netns = bpf_get_netns_cookie(msg);
  key->local_ip4 = msg->local_ip4;
  key->remote_ip4 = msg->remote_ip4;
  key->local_port = msg->local_port;
  key->remote_port = bpf_ntohl(msg->remote_port);
}

/* The key of the socket at the other end of the same connection. */
static __always_inline void weir_key_reverse(const struct weir_sock_key* key,
                                             struct weir_sock_key* out) {
  out->netns = key->netns;
  out->local_ip4 = key->remote_ip4;
  out->remote_ip4 = key->local_ip4;
  out->local_port = key->remote_port;
  out->remote_port = key->local_port;
}

#endif
