#pragma once

// The admin thread's view of every worker's metrics: Prometheus text 0.0.4 (serve it with
// weir::metrics::kContentType) with Linkerd's proxy families, names and labels:
//
//   request_total{<scope>}
//   response_total{<scope>,status_code,classification[,grpc_status]}
//   response_latency_ms{<scope>,status_code}                histogram, Linkerd's bounds
//   tcp_open_total, tcp_open_connections, tcp_read_bytes_total, tcp_write_bytes_total
//                 {<scope with peer>}
//   tcp_close_total, tcp_connection_duration_ms{<scope with peer>,errno}
//                                                            histogram, the same bounds
//   then the proxy's own counter families (CounterDesc), by name.
//
// <scope> is scopeLabels() (scope.h). A series present in several registries (the same labels
// counted by several workers) is rendered once, summed. Linkerd's families are always declared
// (HELP and TYPE), even with no series yet. Within a family, series are ordered by labels.
// tcp_open_connections is tcp_open_total minus tcp_close_total, as in Linkerd.

#include <span>
#include <string>

#include "common/metrics/text_writer.h"
#include "userspace-proxy/metrics/registry.h"

namespace weir::proxy::metrics {

// Adds the families to out, so the admin server can add its own (process_*, identity_*, ...)
// to the same exposition. Takes each registry's mutex in turn, briefly; never a worker's hot path.
void render(std::span<const Registry* const> registries, weir::metrics::TextWriter& out);

std::string render(std::span<const Registry* const> registries);

}  // namespace weir::proxy::metrics
