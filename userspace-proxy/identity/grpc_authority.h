#pragma once

// Identity.Certify over gRPC (weir-control, port 8080), proving the node with its token, over
// TLS that checks weir-control's certificate against the trust anchors.

#include <memory>
#include <string>

#include "common/grpctls/control_channel.h"
#include "userspace-proxy/identity/authority.h"

namespace weir::proxy::identity {

// `address`: "HOST:PORT"; `tokenFile`: the node credential (`weir identity node-token`), read
// at every call so a replaced credential takes effect; so is the anchors file of `tls`, each
// call making its own channel (calls are rare: one per identity per renewal).
std::unique_ptr<Authority> grpcAuthority(const std::string& address, std::string tokenFile,
                                         grpctls::ControlTls tls);

}  // namespace weir::proxy::identity
