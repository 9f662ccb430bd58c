#pragma once

// Identity.Certify over gRPC (weir-control, port 8080), proving the node with its token.

#include <memory>
#include <string>

#include "userspace-proxy/identity/authority.h"

namespace weir::proxy::identity {

// `address`: "HOST:PORT"; `tokenFile`: the node credential (`weir identity node-token`), read
// at every call so a replaced credential takes effect.
std::unique_ptr<Authority> grpcAuthority(const std::string& address, std::string tokenFile);

}  // namespace weir::proxy::identity
