/* sockops: track fast-path sockets, record original destinations, account connections. */
#include "lib/common.h"
#include "lib/sock_key.h"

static __always_inline struct weir_traffic* weir_traffic_at(__u64 cgroup_id, __u32 vip4, __u16 port,
                                                           __u16 direction) {
  static const struct weir_traffic zero;
  struct weir_traffic_key key = {
      .cgroup_id = cgroup_id,
      .svc_vip4 = vip4,
      .svc_port = port,
      .direction = direction,
  };
  return weir_percpu_get(&weir_traffic, &key, &zero);
}

static __always_inline struct weir_traffic* weir_traffic_get(const struct weir_conn* conn) {
  return weir_traffic_at(conn->cgroup_id, conn->svc_vip4, conn->svc_port, conn->direction);
}

/* The totals of the socket at the other end of this connection. */
static __always_inline struct weir_traffic* weir_traffic_peer(const struct weir_conn* conn) {
  __u16 direction = conn->direction == WEIR_DIR_OUTBOUND ? WEIR_DIR_INBOUND : WEIR_DIR_OUTBOUND;
  return weir_traffic_at(conn->peer_cgroup_id, conn->svc_vip4, conn->svc_port, direction);
}

/* Enters the socket into the sockhash and the connection table; asks for close notification. */
static __always_inline void weir_track(struct bpf_sock_ops* skops, struct weir_sock_key* key,
                                       const struct weir_conn* conn) {
  if (bpf_sock_hash_update(skops, &weir_sockhash, key, BPF_ANY) != 0) {
    weir_count(WEIR_CTR_SOCK_ADD_FAILED);
    return;
  }
  bpf_map_update_elem(&weir_conns, key, conn, BPF_ANY);
  bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_STATE_CB_FLAG);
  weir_count(WEIR_CTR_SOCK_ADDED);
  struct weir_traffic* t = weir_traffic_get(conn);
  if (t) {
    t->opens += 1;
  }
}

/* SYN about to leave: the source port is known now, so carry the original destination forward
 * from the socket cookie to the 4-tuple the accepting side will see. */
static __always_inline void weir_on_connect(struct bpf_sock_ops* skops) {
  __u64 cookie = bpf_get_socket_cookie(skops);
  struct weir_sock_orig* orig = bpf_map_lookup_elem(&weir_sock_orig, &cookie);
  if (!orig) {
    return;
  }
  struct weir_sock_key key = {};
  if (!weir_key_from_sockops(skops, &key)) {
    return;
  }
  if (!(orig->flags & WEIR_ORIG_FROM_PROXY)) {
    /* What the accepting node proxy asks for: where the client meant to go, and who it is. */
    struct weir_orig_dst dst = {
        .ip4 = orig->orig_ip4, .port = orig->orig_port, .cgroup_id = orig->cgroup_id};
    bpf_map_update_elem(&weir_orig_dst, &key, &dst, BPF_ANY);
  }
  /* Every steered socket, tracked on the fast path or not, gets its records removed at close. */
  bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_STATE_CB_FLAG);
}

/* Client side established. Only connections to a local peer (an endpoint on this node, or the
 * node proxy) can be short-circuited. */
static __always_inline void weir_on_active(struct bpf_sock_ops* skops) {
  __u64 cookie = bpf_get_socket_cookie(skops);
  struct weir_sock_orig* orig = bpf_map_lookup_elem(&weir_sock_orig, &cookie);
  if (!orig) {
    return;
  }
  if (orig->dst_cgroup_id == 0 && !(orig->flags & (WEIR_ORIG_TO_PROXY | WEIR_ORIG_FROM_PROXY))) {
    return; /* remote endpoint: plain TCP */
  }
  /* The proxy's hops are tracked whatever their peer: one to a remote endpoint finds no peer in
   * the sockhash at its first send and stays on TCP from then on (sk_msg's passthrough mark). */
  if (orig->flags & WEIR_ORIG_NO_FASTPATH) {
    return; /* an end opted out (weir.io/fast-path: "false"): plain TCP */
  }
  struct weir_sock_key key = {};
  if (!weir_key_from_sockops(skops, &key)) {
    return;
  }
  struct weir_conn conn = {
      .cgroup_id = orig->cgroup_id,
      .peer_cgroup_id = orig->dst_cgroup_id,
      .opened_ns = bpf_ktime_get_ns(),
      .svc_vip4 = orig->orig_ip4,
      .svc_port = orig->orig_port,
      .direction = WEIR_DIR_OUTBOUND,
  };
  weir_track(skops, &key, &conn);
}

/* Server side established: tracked only when the client end is a tracked local socket. */
static __always_inline void weir_on_passive(struct bpf_sock_ops* skops) {
  struct weir_sock_key key = {};
  struct weir_sock_key peer_key = {};
  if (!weir_key_from_sockops(skops, &key)) {
    return;
  }
  weir_key_reverse(&key, &peer_key);
  struct weir_conn* peer = bpf_map_lookup_elem(&weir_conns, &peer_key);
  if (!peer) {
    return;
  }
  struct weir_conn conn = {
      .cgroup_id = peer->peer_cgroup_id,
      .peer_cgroup_id = peer->cgroup_id,
      .opened_ns = bpf_ktime_get_ns(),
      .svc_vip4 = peer->svc_vip4,
      .svc_port = peer->svc_port,
      .direction = WEIR_DIR_INBOUND,
  };
  weir_track(skops, &key, &conn);
}

static __always_inline void weir_on_close(struct bpf_sock_ops* skops) {
  __u64 cookie = bpf_get_socket_cookie(skops);
  bpf_map_delete_elem(&weir_sock_orig, &cookie);
  struct weir_sock_key key = {};
  if (!weir_key_from_sockops(skops, &key)) {
    return;
  }
  bpf_map_delete_elem(&weir_orig_dst, &key);
  struct weir_conn* conn = bpf_map_lookup_elem(&weir_conns, &key);
  if (!conn) {
    return;
  }
  struct weir_traffic* t = weir_traffic_get(conn);
  if (t) {
    t->closes += 1;
    t->bytes_out += conn->bytes_out;
    t->msgs_redirected += conn->msgs_redirected;
    t->msgs_passed += conn->msgs_passed;
    t->duration_ns += bpf_ktime_get_ns() - conn->opened_ns;
  }
  /* What this socket wrote, its peer read: credited here because the peer may close first. */
  struct weir_traffic* peer = weir_traffic_peer(conn);
  if (peer) {
    peer->bytes_in += conn->bytes_out;
  }
  bpf_map_delete_elem(&weir_conns, &key);
  weir_count(WEIR_CTR_SOCK_CLOSED);
}

SEC("sockops")
int weir_sockops(struct bpf_sock_ops* skops) {
  switch (skops->op) {
    case BPF_SOCK_OPS_TCP_CONNECT_CB:
      weir_on_connect(skops);
      break;
    case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
      weir_on_active(skops);
      break;
    case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
      weir_on_passive(skops);
      break;
    case BPF_SOCK_OPS_STATE_CB:
      if (skops->args[1] == BPF_TCP_CLOSE) {
        weir_on_close(skops);
      }
      break;
    default:
      break;
  }
  return WEIR_SOCKOPS_OK;
}
