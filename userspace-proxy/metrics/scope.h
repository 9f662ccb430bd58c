#pragma once

// What a series is about: the traffic labels Linkerd's proxy puts on its metrics plus the labels
// of the local workload the traffic belongs to (one weir-proxy serves every workload of a node,
// where Linkerd's sidecar relies on Prometheus' pod labels for these).

#include <optional>
#include <string>
#include <string_view>

#include "common/metrics/text_writer.h"

namespace weir::proxy::metrics {

using weir::metrics::Labels;

// Which side of the proxy a TCP connection is on (Linkerd's `peer` label): kSrc for a
// connection the proxy accepted, kDst for one it opened.
enum class Peer { kSrc, kDst };

std::string_view peerName(Peer peer);  // "src" | "dst"

struct Scope {
  std::string direction;  // "inbound" | "outbound"
  // The local workload (the source for outbound, the server for inbound), e.g.
  // {"namespace","emojivoto"},{"pod","web-5b4f9c-x2x"},{"deployment","web"}.
  Labels workload;
  std::string authority;  // the HTTP authority; empty (and then no label) for pure TCP
  // Where the traffic was addressed, e.g. {"target_addr","10.1.0.7:8080"}; optional.
  Labels target;
  // Outbound: the destination's labels, already prefixed: dst_namespace, dst_service,
  // dst_deployment, dst_pod, dst_serviceaccount, ...
  Labels dst;
  // {"tls","true"},{"client_id",..} (inbound) or {"server_id",..} (outbound);
  // {"tls","no_identity"},{"no_tls_reason",..}; or {"tls","disabled"}.
  Labels tls;
};

// The labels of a series of `scope`, in this order: direction, peer (TCP series only),
// workload..., authority (when not empty), target..., dst..., tls....
// Label names must not repeat across the parts.
Labels scopeLabels(const Scope& scope, std::optional<Peer> peer);

// Appends a string that identifies scopeLabels(scope, peer) (equal label lists, equal strings),
// without building them: a series lookup that finds an existing series allocates nothing once
// `out` has grown to fit.
void appendScopeKey(std::string& out, const Scope& scope, std::optional<Peer> peer);

// Appends the identity string of one label (used after appendScopeKey for extra labels).
void appendLabelKey(std::string& out, std::string_view name, std::string_view value);

}  // namespace weir::proxy::metrics
