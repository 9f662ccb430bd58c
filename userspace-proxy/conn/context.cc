#include "userspace-proxy/conn/context.h"

namespace weir::proxy::conn {

metrics::Scope scopeOf(const Context& ctx, const upstream::Target* target,
                       std::string_view authority) {
  metrics::Scope s;
  s.direction = std::string(ctx.direction);
  if (ctx.workload) {
    s.workload = ctx.workload->labels;
  }
  s.authority = std::string(authority);
  if (target != nullptr) {
    s.dst = target->dst;
  }
  if (ctx.mtls && target != nullptr && target->viaNodeProxy && !target->identity.empty()) {
    s.tls = mtlsLabels("server_id", target->identity);
  } else {
    s.tls = ctx.tls;
  }
  return s;
}

metrics::TcpSeries* acceptedSeries(const Context& ctx) {
  return ctx.registry->tcp(scopeOf(ctx, nullptr, {}), metrics::Peer::kSrc);
}

metrics::TcpSeries* openedSeries(const Context& ctx, const upstream::Target& target) {
  return ctx.registry->tcp(scopeOf(ctx, &target, {}), metrics::Peer::kDst);
}

weir::metrics::Labels plaintext(std::string_view reason) {
  return {{"tls", "no_identity"}, {"no_tls_reason", std::string(reason)}};
}

}  // namespace weir::proxy::conn

namespace weir::proxy::conn {

std::string_view identityOf(const Context& ctx) {
  return ctx.workload ? std::string_view(ctx.workload->identity) : std::string_view();
}

weir::metrics::Labels mtlsLabels(std::string_view idLabel, std::string_view identity) {
  return {{"tls", "true"}, {std::string(idLabel), std::string(identity)}};
}

}  // namespace weir::proxy::conn
