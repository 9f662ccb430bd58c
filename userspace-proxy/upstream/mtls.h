#pragma once

// How a worker secures its connections to other nodes' proxies: mTLS with the certificate of
// the workload the connection is for, each application connection a tunnel on a pooled
// connection (tunnel/pool.h). Null (or no view): plaintext, as without an identity service.

#include "userspace-proxy/metrics/registry.h"
#include "userspace-proxy/tls/credentials.h"
#include "userspace-proxy/tunnel/pool.h"

namespace weir::proxy::upstream {

struct Mtls {
  tls::View* view = nullptr;
  metrics::Registry* registry = nullptr;  // handshake failures
  tunnel::Pool* tunnels = nullptr;
};

}  // namespace weir::proxy::upstream
