#pragma once

// Destination's wire values turned into discovery's: endpoints and their `dst_` labels.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <google/protobuf/map.h>

#include "userspace-proxy/discovery/resolution.h"
#include "weir/v1/destination.pb.h"

namespace weir::proxy::discovery {

using LabelMap = google::protobuf::Map<std::string, std::string>;

// An endpoint's key in a set: (host-order IPv4 address, port), the order of Resolution's list.
using EndpointKey = std::pair<uint32_t, uint16_t>;

// `labels` with "dst_" before every name, sorted.
Labels dstLabels(const LabelMap& labels);

// The endpoint, with `setLabels` merged under its own labels; nullopt when its address is not
// an IPv4 address and a port in 1..65535 (weir-proxy is IPv4 only).
std::optional<Endpoint> endpointFrom(const v1::Endpoint& endpoint, const LabelMap& setLabels);

// The key of an IPv4 TcpAddress; nullopt for any other address.
std::optional<EndpointKey> endpointKey(const v1::TcpAddress& addr);
EndpointKey endpointKey(const Endpoint& endpoint);

}  // namespace weir::proxy::discovery
