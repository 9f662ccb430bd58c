#pragma once

// What one accepted connection knows about itself, for the labels of every series it counts:
// which direction, which local workload it belongs to, its TLS state, and the worker's registry.

#include <memory>
#include <string>
#include <string_view>

#include "userspace-proxy/metrics/registry.h"
#include "userspace-proxy/upstream/target.h"
#include "userspace-proxy/workloads/directory.h"

namespace weir::proxy::conn {

struct Context {
  std::string_view direction;  // "outbound" | "inbound"
  // Outbound: the client workload; inbound: the server workload. Null when not known.
  std::shared_ptr<const workloads::Workload> workload;
  uint64_t source = 0;  // the client workload's cgroup id (outbound); 0 when unknown
  weir::metrics::Labels tls;        // {"tls","no_identity"},{"no_tls_reason",...} or mTLS labels
  metrics::Registry* registry = nullptr;
  // Outbound: connections to other nodes' proxies are mTLS (series to them say tls="true" and
  // the server_id).
  bool mtls = false;
};

// The identity of the context's workload ("" when unknown or not meshed).
std::string_view identityOf(const Context& ctx);

// TLS labels of an mTLS connection: the peer's identity as `client_id` (inbound) or
// `server_id` (outbound).
weir::metrics::Labels mtlsLabels(std::string_view idLabel, std::string_view identity);

// The scope of series about traffic of `ctx` to `target` (may be null) with `authority` (empty
// for TCP series).
metrics::Scope scopeOf(const Context& ctx, const upstream::Target* target,
                       std::string_view authority);

// Series of a connection the proxy accepted (peer="src") or opened to `target` (peer="dst").
metrics::TcpSeries* acceptedSeries(const Context& ctx);
metrics::TcpSeries* openedSeries(const Context& ctx, const upstream::Target& target);

// TLS labels of a plaintext connection, with Linkerd's reason.
weir::metrics::Labels plaintext(std::string_view reason);

}  // namespace weir::proxy::conn
