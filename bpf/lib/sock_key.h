/* Building weir_sock_key from each hook's context. Ports differ in byte order between hooks:
 * local_port is host order everywhere; remote_port is network order in the upper 16 bits in
 * sock_ops and sk_msg, so bpf_ntohl() yields the host-order port.
 *
 * An AF_INET6 socket is keyed like an AF_INET one when both its addresses are IPv4-mapped
 * (::ffff:a.b.c.d): a dual-stack listener (Go's ":8080", nginx's "[::]") accepts IPv4 clients on
 * such sockets, and its end of the connection must find the client's end. */
#ifndef WEIR_BPF_LIB_SOCK_KEY_H
#define WEIR_BPF_LIB_SOCK_KEY_H

#include "common.h"

#define AF_INET6 10

/* The three leading words of an IPv4-mapped IPv6 address. */
static __always_inline int weir_v4_mapped(__u32 w0, __u32 w1, __u32 w2) {
  return w0 == 0 && w1 == 0 && w2 == bpf_htonl(0x0000ffff);
}

/* Picks the IPv4 addresses out of fields already loaded into registers. Every context field is
 * loaded unconditionally first: were the loads left inside the branches, clang would turn them into
 * one load through a computed context pointer, which the verifier refuses. */
static __always_inline int weir_pick_v4(__u32 family, __u32 l4, __u32 r4, __u32 l0, __u32 l1,
                                        __u32 l2, __u32 l3, __u32 r0, __u32 r1, __u32 r2, __u32 r3,
                                        struct weir_sock_key* key) {
  if (family == AF_INET) {
    key->local_ip4 = l4;
    key->remote_ip4 = r4;
    return 1;
  }
  if (family == AF_INET6 && weir_v4_mapped(l0, l1, l2) && weir_v4_mapped(r0, r1, r2)) {
    key->local_ip4 = l3;
    key->remote_ip4 = r3;
    return 1;
  }
  return 0;
}

/* Returns 1 when the socket can be keyed (IPv4, or IPv6 with IPv4-mapped addresses). */
static __always_inline int weir_key_from_sockops(struct bpf_sock_ops* skops,
                                                 struct weir_sock_key* key) {
  if (!weir_pick_v4(skops->family, skops->local_ip4, skops->remote_ip4, skops->local_ip6[0],
                    skops->local_ip6[1], skops->local_ip6[2], skops->local_ip6[3],
                    skops->remote_ip6[0], skops->remote_ip6[1], skops->remote_ip6[2],
                    skops->remote_ip6[3], key)) {
    return 0;
  }
  key->netns = bpf_get_netns_cookie(skops);
  key->local_port = skops->local_port;
  key->remote_port = bpf_ntohl(skops->remote_port);
  return 1;
}

static __always_inline int weir_key_from_msg(struct sk_msg_md* msg, struct weir_sock_key* key) {
  if (!weir_pick_v4(msg->family, msg->local_ip4, msg->remote_ip4, msg->local_ip6[0],
                    msg->local_ip6[1], msg->local_ip6[2], msg->local_ip6[3], msg->remote_ip6[0],
                    msg->remote_ip6[1], msg->remote_ip6[2], msg->remote_ip6[3], key)) {
    return 0;
  }
  key->netns = bpf_get_netns_cookie(msg);
  key->local_port = msg->local_port;
  key->remote_port = bpf_ntohl(msg->remote_port);
  return 1;
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
