/* weir kernel <-> user ABI: every map key/value, constant, map name and reason code.
 *
 * Included by BPF code after vmlinux.h and by C++ through common/bpfabi/abi.h, which adds
 * static_asserts on the layout. Fixed-width types, explicit padding, no bool, no bitfields.
 * Byte order: addresses are network order (as the kernel hands them out), ports host order.
 * Addresses are IPv4. IPv6 sockets are handled when their addresses are IPv4-mapped
 * (::ffff:a.b.c.d), as on every dual-stack listener; native IPv6 addresses are not steered yet.
 */
#ifndef WEIR_ABI_H
#define WEIR_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* ---- map names (pinned as <bpffs dir>/<name>) ---- */
#define WEIR_MAP_CONFIG "weir_config"
#define WEIR_MAP_WORKLOADS "weir_workloads"
#define WEIR_MAP_SERVICES "weir_services"
#define WEIR_MAP_BACKENDS "weir_backends"
#define WEIR_MAP_SOCK_ORIG "weir_sock_orig"
#define WEIR_MAP_ORIG_DST "weir_orig_dst"
#define WEIR_MAP_SOCKHASH "weir_sockhash"
#define WEIR_MAP_CONNS "weir_conns"
#define WEIR_MAP_COUNTERS "weir_counters"
#define WEIR_MAP_SVC_STATS "weir_svc_stats"
#define WEIR_MAP_TRAFFIC "weir_traffic"
#define WEIR_MAP_AUTHZ "weir_authz"
#define WEIR_MAP_SKIP_OUT "weir_skip_out"

/* ---- sizes ---- */
#define WEIR_MAX_WORKLOADS 16384
#define WEIR_MAX_SERVICES 65536
#define WEIR_MAX_BACKENDS 262144
#define WEIR_MAX_BACKENDS_PER_SERVICE 1024 /* binary search depth: 10 */
#define WEIR_MAX_CONNS 262144
#define WEIR_MAX_SKIP_OUT 65536
#define WEIR_MAX_TRAFFIC 65536
#define WEIR_MAX_AUTHZ 65536

/* Socket options answered by the getsockopt program: SO_ORIGINAL_DST (linux/netfilter_ipv4.h)
 * and IP6T_SO_ORIGINAL_DST (linux/netfilter_ipv6/ip6_tables.h). */
#define WEIR_SOL_IP 0
#define WEIR_SOL_IPV6 41
#define WEIR_SO_ORIGINAL_DST 80
#define WEIR_IP6T_SO_ORIGINAL_DST 80

/* ---- weir_config: ARRAY[1], written by the agent, read by connect4 ---- */
struct weir_config {
  __u32 proxy_ip4;         /* node proxy outbound address, network order; 0 = no proxy */
  __u16 proxy_port;        /* host order */
  __u16 pad0;
  __u32 default_verdict;   /* WEIR_AUTHZ_*: a local endpoint's port with no weir_authz entry
                            * (the cluster's default inbound policy); was the reserved `flags` */
  __u32 pad1;
  __u64 proxy_cgroup_id;   /* the node proxy's cgroup: its connects are recorded, never steered,
                            * so its hops to local endpoints join the sockhash; 0 = none */
};

/* ---- weir_workloads: HASH cgroup id -> workload, written by the agent, read by connect4 ---- */
struct weir_workload {
  __u32 ip4;               /* the workload's address, network order */
  __u32 flags;             /* WEIR_WL_* */
};
#define WEIR_WL_MESHED 1u
#define WEIR_WL_NO_FASTPATH 2u /* steered, but its connections stay on TCP (weir.io/fast-path) */
#define WEIR_WL_SKIP_OUT 4u    /* has weir_skip_out entries: look them up before the proxy */

/* ---- weir_services: HASH, written by the agent, read by connect4 ---- */
struct weir_svc_key {
  __u32 vip4;              /* network order */
  __u16 port;              /* host order */
  __u16 pad;
};

struct weir_svc {
  __u32 backend_count;     /* slots 1..backend_count exist in weir_backends */
  __u32 total_weight;      /* sum of backend weights; 0 = no usable backend */
  __u32 flags;             /* WEIR_SVC_* */
  __u32 pad;
};
/* Verdict the agent computed for this service port; connect4 only reads it. */
#define WEIR_SVC_TO_PROXY 1u /* steer to the node proxy's outbound listener */

/* ---- weir_backends: HASH, written by the agent, read by connect4 ---- */
struct weir_backend_key {
  __u32 vip4;              /* network order */
  __u16 port;              /* host order */
  __u16 slot;              /* 1..backend_count */
};

struct weir_backend {
  __u32 ip4;               /* network order */
  __u16 port;              /* host order */
  __u16 flags;             /* WEIR_BE_* */
  __u32 weight_end;        /* cumulative weight through this slot: slot i owns [end(i-1), end(i)) */
  __u32 pad1;
  __u64 cgroup_id;         /* the endpoint workload's cgroup on this node; 0 = not on this node */
};
#define WEIR_BE_NO_FASTPATH 1u /* the endpoint workload opted out of the kernel fast path */

/* ---- weir_authz: HASH, written by the agent, read by connect4 ----
 * The compiled L4 authorization of the kernel fast path: may a meshed client reach a port of a
 * meshed workload on this node directly? connect4 looks up (server, client, port), then
 * (server, 0, port) — the port's verdict for every other client — then weir_config's
 * default_verdict. */
struct weir_authz_key {
  __u64 server_cgroup_id;  /* the chosen endpoint's workload (weir_backend.cgroup_id) */
  __u64 client_cgroup_id;  /* the connecting workload; 0 = any client without its own entry */
  __u16 port;              /* the endpoint's port (the target port), host order */
  __u16 pad0;
  __u32 pad1;
};

struct weir_authz {
  __u32 verdict;           /* WEIR_AUTHZ_* */
};
/* Verdicts, as weir.v1.L4Verdict. The zero value sends to the proxy: never a silent allow. */
#define WEIR_AUTHZ_PROXY 0u /* the node proxy decides (networks, routes); refused without one */
#define WEIR_AUTHZ_ALLOW 1u
#define WEIR_AUTHZ_DENY 2u  /* refused with EPERM */

/* ---- weir_skip_out: HASH, written by the agent, read by connect4 ----
 * config.linkerd.io/skip-outbound-ports of a workload: its connections to these ports (as
 * dialled) never go to the node proxy; a service's endpoint is chosen by the kernel instead.
 * One entry per port (ranges expanded by the agent). */
struct weir_skip_key {
  __u64 cgroup_id;         /* the connecting workload */
  __u16 port;              /* the port it dials, host order */
  __u16 pad0;
  __u32 pad1;
};

struct weir_skip {
  __u32 flags;             /* reserved, 0 */
};

/* ---- weir_sock_orig: LRU_HASH socket cookie -> original destination.
 * Written by connect4 (meshed client sockets it steered), read by sockops (TCP_CONNECT_CB) and
 * getpeername4, deleted by sockops on close. ---- */
struct weir_sock_orig {
  __u32 orig_ip4;          /* the destination the application asked for, network order */
  __u16 orig_port;         /* host order */
  __u16 flags;             /* WEIR_ORIG_* */
  __u64 cgroup_id;         /* the client workload's cgroup */
  __u64 dst_cgroup_id;     /* the chosen endpoint's cgroup, 0 if remote or the proxy */
};
#define WEIR_ORIG_TO_PROXY 1u
#define WEIR_ORIG_NO_FASTPATH 2u /* one end opted out: rewrite only, never short-circuit */
#define WEIR_ORIG_FROM_PROXY 4u  /* the node proxy's own connect (not rewritten) */

/* ---- socket 4-tuple key: weir_sockhash, weir_orig_dst, weir_conns ----
 * Seen from the socket itself: local = this end, remote = the peer. The netns cookie keeps
 * every namespace's 127.0.0.1 apart. */
struct weir_sock_key {
  __u64 netns;             /* bpf_get_netns_cookie() */
  __u32 local_ip4;         /* network order */
  __u32 remote_ip4;        /* network order */
  __u32 local_port;        /* host order */
  __u32 remote_port;       /* host order */
};

/* ---- weir_orig_dst: LRU_HASH client sock key -> original destination.
 * Written by sockops at TCP_CONNECT_CB, read by getsockopt(SO_ORIGINAL_DST) on the accepting side,
 * deleted by sockops on close. ---- */
struct weir_orig_dst {
  __u32 ip4;               /* network order */
  __u16 port;              /* host order */
  __u16 pad;
  __u64 cgroup_id;         /* the client workload's cgroup: the node proxy's source workload */
};

/* ---- weir_conns: LRU_HASH sock key -> fast-path connection.
 * Written by sockops (create, delete on close) and sk_msg (byte counts), read by the agent.
 * Only the sender's side is counted per message (one lookup on the hot path); what a socket read
 * is its peer's bytes_out, the entry under the reversed key. ---- */
struct weir_conn {
  __u64 cgroup_id;         /* the workload this socket belongs to */
  __u64 peer_cgroup_id;    /* the workload at the other end */
  __u64 bytes_out;         /* bytes this socket sent through the fast path (the peer's reads) */
  __u64 msgs_redirected;   /* sendmsg calls redirected by sk_msg */
  __u64 msgs_passed;       /* sendmsg calls that fell back to TCP */
  __u64 opened_ns;         /* bpf_ktime_get_ns() at establishment */
  __u32 svc_vip4;          /* service the client dialled, network order */
  __u16 svc_port;          /* host order */
  __u16 direction;         /* WEIR_DIR_* */
  __u32 flags;             /* WEIR_CONN_* */
  __u32 pad;
};
/* The first send found no local peer and went over TCP: every later send of this socket does too,
 * or redirected bytes could overtake bytes still queued in the peer's TCP receive queue. */
#define WEIR_CONN_PASSTHROUGH 1u
#define WEIR_DIR_OUTBOUND 1u /* the connecting (client) side */
#define WEIR_DIR_INBOUND 2u  /* the accepting (server) side */

/* ---- weir_traffic: PERCPU_HASH, totals of connections, written by sockops, read by agent.
 * Opens are counted at establishment; closes and bytes when the connection closes (live bytes
 * are in weir_conns). ---- */
struct weir_traffic_key {
  __u64 cgroup_id;
  __u32 svc_vip4;          /* network order */
  __u16 svc_port;          /* host order */
  __u16 direction;         /* WEIR_DIR_* */
};

struct weir_traffic {
  __u64 opens;
  __u64 closes;
  __u64 bytes_out;
  __u64 bytes_in;
  __u64 msgs_redirected;
  __u64 msgs_passed;
  __u64 duration_ns;       /* summed lifetime of closed connections */
};

/* ---- weir_svc_stats: PERCPU_HASH svc key -> connect counters, written by connect4 ---- */
struct weir_svc_stats {
  __u64 connects;          /* meshed connects to this service port */
  __u64 to_endpoint;       /* rewritten to an endpoint (fast path or remote node) */
  __u64 to_proxy;          /* rewritten to the node proxy */
  __u64 no_backend;        /* no usable endpoint: refused */
  __u64 denied;            /* refused by authorization (DENY, or PROXY with no proxy) */
};

/* ---- weir_counters: PERCPU_ARRAY[WEIR_CTR_MAX] of __u64, written by every program ---- */
enum weir_counter {
  WEIR_CTR_CONNECT_MESHED = 0,     /* connect4 from a meshed workload */
  WEIR_CTR_CONNECT_REWRITTEN,      /* connect4 rewrote the destination */
  WEIR_CTR_CONNECT_TO_PROXY,       /* ... to the node proxy */
  WEIR_CTR_CONNECT_NO_BACKEND,     /* service without a usable endpoint */
  WEIR_CTR_SOCK_ADDED,             /* sockops put a socket into the sockhash */
  WEIR_CTR_SOCK_ADD_FAILED,        /* bpf_sock_hash_update failed */
  WEIR_CTR_SOCK_CLOSED,            /* tracked socket closed */
  WEIR_CTR_MSG_REDIRECTED,         /* sk_msg redirected a send into the peer socket */
  WEIR_CTR_MSG_PASSED,             /* sk_msg found no local peer: plain TCP */
  WEIR_CTR_BYTES_REDIRECTED,       /* bytes redirected by sk_msg */
  WEIR_CTR_ORIGDST_ANSWERED,       /* getsockopt(SO_ORIGINAL_DST) answered */
  WEIR_CTR_ORIGDST_MISS,           /* ... asked for a socket weir did not steer */
  WEIR_CTR_PEERNAME_REWRITTEN,     /* getpeername() shown the original destination */
  WEIR_CTR_AUTHZ_DENIED,           /* connect4 refused a local endpoint: verdict DENY */
  WEIR_CTR_AUTHZ_NO_PROXY,         /* ... verdict PROXY and no node proxy */
  WEIR_CTR_AUTHZ_TO_PROXY,         /* ... verdict PROXY: steered to the node proxy */
  WEIR_CTR_MAX,
};

#endif /* WEIR_ABI_H */
