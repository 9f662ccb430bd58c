#pragma once

// What an authority resolves to at one moment: its endpoints, how to balance over them, and its
// profile, as Destination.Get and Destination.GetProfile last described them. Immutable once
// published: a change builds a new Resolution, so workers hold one without locks.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace weir::v1 {
class DestinationProfile;
}  // namespace weir::v1

namespace weir::proxy::discovery {

// Metric labels, sorted by name.
using Labels = std::vector<std::pair<std::string, std::string>>;

// What an endpoint speaks (Destination's ProtocolHint).
enum class Protocol {
  kUnknown,  // detect it
  kHttp1,
  kHttp2,   // its node proxy accepts HTTP/2: HTTP/1 may be upgraded between proxies
  kOpaque,  // never detect, never parse
};

struct Endpoint {
  uint32_t ip4 = 0;   // network order
  uint16_t port = 0;  // host order
  // Relative share of new requests; 0 gets none. Only ratios within one Resolution matter.
  uint32_t weight = 0;
  // `dst_*` labels of traffic to this endpoint: its set's labels (dst_namespace, dst_service)
  // merged with its own (dst_external_workload, dst_serviceaccount, ...), its own winning.
  Labels labels;
  std::string identity;    // TLS identity to verify; empty: not meshed, plain TCP
  std::string serverName;  // SNI to send when `identity` is set
  std::string node;        // node the endpoint runs on; empty when unknown
  Protocol protocol = Protocol::kUnknown;
  // Opaque traffic goes to the node proxy on this port with a transport header; 0: directly.
  uint16_t opaqueTransportPort = 0;
  // weir-proxy's inbound mTLS listener on the endpoint's node; 0/0 when none runs there.
  uint32_t nodeProxyIp4 = 0;  // network order
  uint16_t nodeProxyPort = 0;

  bool operator==(const Endpoint&) const = default;
};

struct Resolution {
  enum class State {
    kPending,      // no answer yet to both streams
    kResolved,     // a service with at least one endpoint
    kNoEndpoints,  // a service with none ready: fail the connection, no fallback
    kUnknown,      // not a mesh service: forward to the original destination as is
    kError,        // no answer yet and the last attempt failed, or the authority was refused
  };

  State state = State::kPending;
  // Increases with every change published for this authority (and across re-subscriptions).
  uint64_t version = 0;
  // Sorted by (address, port), numerically.
  std::vector<Endpoint> endpoints;
  // "ewma", "p2c" or "round-robin" (the Service's linkerd.io/load-balancer); empty when the
  // authority is not a service.
  std::string loadBalancer;
  // The endpoint set's labels: dst_namespace, dst_service. Empty until known.
  Labels serviceLabels;
  // The service's name, "web.demo.svc.cluster.local", also when looked up by VIP.
  std::string fullyQualifiedName;
  // Connections are opaque TCP: no protocol detection, no routes.
  bool opaqueProtocol = false;
  // The authority is a workload's own address (pod IP:port): that endpoint with its identity.
  // Destination.Get serves services only, so `state` is then kUnknown.
  std::optional<Endpoint> profileEndpoint;
  // The profile as the control plane sent it (routes, retry budget, traffic split) for the
  // modules that compile them; null until GetProfile answers.
  std::shared_ptr<const v1::DestinationProfile> profile;
  // Why the state is kError ("get: UNAVAILABLE: failed to connect"); empty otherwise.
  std::string error;

  // Equal content; `version` is not compared.
  bool sameAs(const Resolution& other) const;
};

const char* stateName(Resolution::State state);

}  // namespace weir::proxy::discovery
