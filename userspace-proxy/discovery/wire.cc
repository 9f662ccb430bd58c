#include "userspace-proxy/discovery/wire.h"

#include <arpa/inet.h>

#include <limits>
#include <map>

namespace weir::proxy::discovery {

namespace {

constexpr char kLabelPrefix[] = "dst_";

Protocol protocolFrom(const v1::ProtocolHint& hint) {
  switch (hint.protocol()) {
    case v1::ProtocolHint::PROTOCOL_HTTP1:
      return Protocol::kHttp1;
    case v1::ProtocolHint::PROTOCOL_HTTP2:
      return Protocol::kHttp2;
    case v1::ProtocolHint::PROTOCOL_OPAQUE:
      return Protocol::kOpaque;
    default:
      return Protocol::kUnknown;
  }
}

bool validPort(uint32_t port) { return port > 0 && port <= std::numeric_limits<uint16_t>::max(); }

}  // namespace

Labels dstLabels(const LabelMap& labels) {
  std::map<std::string, std::string> sorted;
  for (const auto& [name, value] : labels) {
    sorted[kLabelPrefix + name] = value;
  }
  return {sorted.begin(), sorted.end()};
}

std::optional<EndpointKey> endpointKey(const v1::TcpAddress& addr) {
  if (!addr.ip().has_ipv4() || !validPort(addr.port())) {
    return std::nullopt;
  }
  return EndpointKey{addr.ip().ipv4(), static_cast<uint16_t>(addr.port())};
}

EndpointKey endpointKey(const Endpoint& endpoint) {
  return {ntohl(endpoint.ip4), endpoint.port};
}

std::optional<Endpoint> endpointFrom(const v1::Endpoint& endpoint, const LabelMap& setLabels) {
  std::optional<EndpointKey> key = endpointKey(endpoint.addr());
  if (!key) {
    return std::nullopt;
  }
  Endpoint out;
  out.ip4 = htonl(key->first);
  out.port = key->second;
  out.weight = endpoint.weight();
  std::map<std::string, std::string> labels;
  for (const LabelMap* source : {&setLabels, &endpoint.metric_labels()}) {
    for (const auto& [name, value] : *source) {
      labels[kLabelPrefix + name] = value;  // the endpoint's own come second and win
    }
  }
  out.labels.assign(labels.begin(), labels.end());
  if (endpoint.has_tls_identity()) {
    out.identity = endpoint.tls_identity().name();
    out.serverName = endpoint.tls_identity().server_name().empty()
                         ? out.identity
                         : endpoint.tls_identity().server_name();
  }
  out.node = endpoint.node();
  out.protocol = protocolFrom(endpoint.protocol_hint());
  if (validPort(endpoint.protocol_hint().opaque_transport_port())) {
    out.opaqueTransportPort =
        static_cast<uint16_t>(endpoint.protocol_hint().opaque_transport_port());
  }
  if (std::optional<EndpointKey> proxy = endpointKey(endpoint.node_proxy())) {
    out.nodeProxyIp4 = htonl(proxy->first);
    out.nodeProxyPort = proxy->second;
  }
  return out;
}

}  // namespace weir::proxy::discovery
