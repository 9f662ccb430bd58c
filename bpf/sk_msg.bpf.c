/* sk_msg: redirect each send of a tracked socket straight into its local peer's receive queue. */
#include "lib/common.h"
#include "lib/sock_key.h"

SEC("sk_msg")
int weir_sk_msg(struct sk_msg_md* msg) {
  struct weir_sock_key key = {};
  struct weir_sock_key peer_key = {};
  if (!weir_key_from_msg(msg, &key)) {
    return SK_PASS; /* native IPv6: not keyed, plain TCP */
  }
  weir_key_reverse(&key, &peer_key);
  __u64 size = msg->size;

  struct weir_conn* conn = bpf_map_lookup_elem(&weir_conns, &key);
  if (!conn || !(conn->flags & WEIR_CONN_PASSTHROUGH)) {
    /* On a miss this returns SK_DROP without side effects; fall back to TCP below. */
    if (bpf_msg_redirect_hash(msg, &weir_sockhash, &peer_key, BPF_F_INGRESS) == SK_PASS) {
      weir_count(WEIR_CTR_MSG_REDIRECTED);
      weir_count_n(WEIR_CTR_BYTES_REDIRECTED, size);
      if (conn) {
        /* Plain adds: sendmsg holds the socket lock, and sockops reads at close under it too. */
        conn->bytes_out += size;
        conn->msgs_redirected += 1;
      }
      return SK_PASS;
    }
  }
  weir_count(WEIR_CTR_MSG_PASSED);
  if (conn) {
    conn->flags |= WEIR_CONN_PASSTHROUGH;
    conn->msgs_passed += 1;
  }
  return SK_PASS;
}
