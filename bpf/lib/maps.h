/* weir's maps: BTF-defined, pinned by name under the agent's bpffs dir.
 * Every map is defined once, in maps.bpf.c (WEIR_DEFINE_MAPS); the other objects declare them
 * extern and `bpftool gen object` links them into one object with one skeleton. */
#ifndef WEIR_BPF_LIB_MAPS_H
#define WEIR_BPF_LIB_MAPS_H

#include "weir_abi.h"

#ifdef WEIR_DEFINE_MAPS
#define WEIR_MAP
#else
#define WEIR_MAP extern
#endif

/* Node settings (the proxy's address, the default L4 verdict). Writer: agent. Reader: connect4. */
WEIR_MAP struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct weir_config);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} weir_config SEC(".maps");

/* Meshed workloads by cgroup id. Writer: agent. Reader: connect4. */
WEIR_MAP struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, WEIR_MAX_WORKLOADS);
  __type(key, __u64);
  __type(value, struct weir_workload);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} weir_workloads SEC(".maps");

/* Service VIP:port -> verdict and backend count. Writer: agent. Reader: connect4. */
WEIR_MAP struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, WEIR_MAX_SERVICES);
  __type(key, struct weir_svc_key);
  __type(value, struct weir_svc);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} weir_services SEC(".maps");

/* Service VIP:port + slot -> endpoint. Writer: agent. Reader: connect4. */
WEIR_MAP struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, WEIR_MAX_BACKENDS);
  __type(key, struct weir_backend_key);
  __type(value, struct weir_backend);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} weir_backends SEC(".maps");

/* Socket cookie -> original destination of a steered connect. Writer: connect4.
 * Readers: sockops, getpeername4. Deleted by sockops on close; LRU bounds leaks. */
WEIR_MAP struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, WEIR_MAX_CONNS);
  __type(key, __u64);
  __type(value, struct weir_sock_orig);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} weir_sock_orig SEC(".maps");

/* Client 4-tuple -> original destination. Writer: sockops (TCP_CONNECT_CB).
 * Reader: getsockopt(SO_ORIGINAL_DST) on the accepting socket. */
WEIR_MAP struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, WEIR_MAX_CONNS);
  __type(key, struct weir_sock_key);
  __type(value, struct weir_orig_dst);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} weir_orig_dst SEC(".maps");

/* Established fast-path sockets by 4-tuple. Writer: sockops. Reader: sk_msg (redirect). */
WEIR_MAP struct {
  __uint(type, BPF_MAP_TYPE_SOCKHASH);
  __uint(max_entries, WEIR_MAX_CONNS);
  __type(key, struct weir_sock_key);
  __type(value, __u64);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} weir_sockhash SEC(".maps");

/* Fast-path connections. Writers: sockops (create/delete), sk_msg (bytes). Reader: agent. */
WEIR_MAP struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, WEIR_MAX_CONNS);
  __type(key, struct weir_sock_key);
  __type(value, struct weir_conn);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} weir_conns SEC(".maps");

/* Global counters indexed by enum weir_counter. Writers: every program. Reader: agent. */
WEIR_MAP struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, WEIR_CTR_MAX);
  __type(key, __u32);
  __type(value, __u64);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} weir_counters SEC(".maps");

/* Per service port connect counters. Writer: connect4. Reader: agent. */
WEIR_MAP struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, WEIR_MAX_SERVICES);
  __type(key, struct weir_svc_key);
  __type(value, struct weir_svc_stats);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} weir_svc_stats SEC(".maps");

/* Connection totals per workload, service and direction. Writer: sockops. Reader: agent. */
WEIR_MAP struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, WEIR_MAX_TRAFFIC);
  __type(key, struct weir_traffic_key);
  __type(value, struct weir_traffic);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} weir_traffic SEC(".maps");

/* (server cgroup, client cgroup, port) -> L4 verdict. Writer: agent. Reader: connect4. */
WEIR_MAP struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, WEIR_MAX_AUTHZ);
  __type(key, struct weir_authz_key);
  __type(value, struct weir_authz);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} weir_authz SEC(".maps");

/* (workload cgroup, dialled port) -> skip the node proxy. Writer: agent. Reader: connect4. */
WEIR_MAP struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, WEIR_MAX_SKIP_OUT);
  __type(key, struct weir_skip_key);
  __type(value, struct weir_skip);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} weir_skip_out SEC(".maps");

#endif
