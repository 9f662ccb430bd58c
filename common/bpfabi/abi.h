#pragma once

// C++ view of bpf/include/weir_abi.h: the same structs, never mirrored, with their layout pinned
// down so a change on one side fails the build instead of corrupting maps.

#include <linux/types.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bpf/include/weir_abi.h"

namespace weir::abi {

static_assert(sizeof(weir_config) == 24);
static_assert(sizeof(weir_workload) == 8);
static_assert(sizeof(weir_svc_key) == 8);
static_assert(sizeof(weir_svc) == 16);
static_assert(sizeof(weir_backend_key) == 8);
static_assert(sizeof(weir_backend) == 24);
static_assert(offsetof(weir_backend, cgroup_id) == 16);
static_assert(sizeof(weir_sock_orig) == 24);
static_assert(sizeof(weir_sock_key) == 24);
static_assert(offsetof(weir_sock_key, local_port) == 16);
static_assert(sizeof(weir_orig_dst) == 16);
static_assert(sizeof(weir_conn) == 64);
static_assert(offsetof(weir_conn, svc_vip4) == 48);
static_assert(sizeof(weir_traffic_key) == 16);
static_assert(sizeof(weir_traffic) == 56);
static_assert(sizeof(weir_svc_stats) == 40);
static_assert(offsetof(weir_config, default_verdict) == 8);
static_assert(offsetof(weir_config, proxy_cgroup_id) == 16);
static_assert(offsetof(weir_orig_dst, cgroup_id) == 8);
static_assert(sizeof(weir_authz_key) == 24);
static_assert(offsetof(weir_authz_key, port) == 16);
static_assert(sizeof(weir_authz) == 4);
static_assert(sizeof(weir_skip_key) == 16);
static_assert(offsetof(weir_skip_key, port) == 8);
static_assert(sizeof(weir_skip) == 4);
static_assert(WEIR_AUTHZ_PROXY == 0 && WEIR_AUTHZ_ALLOW == 1 && WEIR_AUTHZ_DENY == 2,
              "the values of weir.v1.L4Verdict and policy::Verdict");

// Every pinned map, in the order the agent pins, adopts and removes them.
inline constexpr std::string_view kMapNames[] = {
    WEIR_MAP_CONFIG,    WEIR_MAP_WORKLOADS, WEIR_MAP_SERVICES, WEIR_MAP_BACKENDS,
    WEIR_MAP_SOCK_ORIG, WEIR_MAP_ORIG_DST,  WEIR_MAP_SOCKHASH, WEIR_MAP_CONNS,
    WEIR_MAP_COUNTERS,  WEIR_MAP_SVC_STATS, WEIR_MAP_TRAFFIC,  WEIR_MAP_AUTHZ,
    WEIR_MAP_SKIP_OUT,
};

// Metric-friendly names of enum weir_counter, indexed by counter.
inline constexpr std::string_view kCounterNames[WEIR_CTR_MAX] = {
    "connect_meshed",     "connect_rewritten", "connect_to_proxy", "connect_no_backend",
    "sock_added",         "sock_add_failed",   "sock_closed",      "msg_redirected",
    "msg_passed",         "bytes_redirected",  "origdst_answered", "origdst_miss",
    "peername_rewritten", "authz_denied",      "authz_no_proxy",   "authz_to_proxy",
};

}  // namespace weir::abi
