#pragma once

// Where a request or a connection goes once an endpoint has been chosen, and how it is labelled.

#include <memory>
#include <string>

#include "common/metrics/text_writer.h"
#include "userspace-proxy/io/socket.h"

namespace weir::proxy::upstream {

struct Target {
  io::Address endpoint;   // the workload's own address
  io::Address connectTo;  // `endpoint`, or the proxy of the node it runs on
  // A transport header naming `endpoint` goes first on the connection (the peer is a node
  // proxy's inbound listener, not the workload).
  bool viaNodeProxy = false;
  weir::metrics::Labels dst;  // dst_* labels of traffic to it (empty when unknown)
  std::string identity;       // its TLS identity; empty when it is not meshed
};

using TargetPtr = std::shared_ptr<const Target>;

// A target that is just an address: no labels, not meshed.
TargetPtr plainTarget(io::Address addr);

}  // namespace weir::proxy::upstream
