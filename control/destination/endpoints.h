#pragma once

// Destination.Get compiled: the endpoints of an authority at one published version, the first
// message a subscriber gets, and the add/remove messages between two versions.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "control/destination/authority.h"
#include "control/destination/catalog.h"
#include "weir/v1/destination.pb.h"

namespace weir::control::destination {

struct EndpointView {
  bool exists = false;  // a known service port (Destination.Get's NoEndpoints.exists)
  // By (host-order IP, port): the order of mesh::plan's slots, and of every message.
  std::map<std::pair<uint32_t, uint16_t>, v1::Endpoint> endpoints;
  std::map<std::string, std::string> labels;  // the set's metric labels: namespace, service
  // Endpoints whose port their workload lists in config.linkerd.io/skip-inbound-ports: no node
  // proxy may stand in front of them (other nodes dial them directly).
  std::set<std::pair<uint32_t, uint16_t>> skipInbound;
};

// Service names and VIPs resolve to the service port's endpoints as the kernel selects them;
// anything else (a workload address, another domain) is unknown: Get serves services only.
EndpointView resolveEndpoints(const Catalog& catalog, const Authority& authority);

// One endpoint: where `w` listens on `port`, how to talk to it, and its metric labels.
// `opaque` is decided by the caller (it depends on the Service as well).
v1::Endpoint endpointFor(const config::ExternalWorkload& w, uint16_t port, bool opaque);

// The first message of a subscription: add (every endpoint), or no_endpoints.
v1::Update firstUpdate(const EndpointView& view);

// What turns a client holding `before` into one holding `after`: nothing when equal; adds
// before removes, so a client never sees an empty set while endpoints are being replaced.
std::vector<v1::Update> changes(const EndpointView& before, const EndpointView& after);

}  // namespace weir::control::destination
