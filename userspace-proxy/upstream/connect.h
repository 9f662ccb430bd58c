#pragma once

// Opens a connection to a target: to the endpoint itself, or to its node's proxy with the
// transport header queued first (it goes out as soon as the connect completes). With `mtls`, a
// connection to a node proxy is TLS: it presents the certificate of `sourceIdentity` and
// requires the target's identity; it fails at once (EACCES, counted) when that certificate is
// not there yet, or when the target has no identity to require.

#include <string>
#include <string_view>

#include "userspace-proxy/io/loop.h"
#include "userspace-proxy/transport/header.h"
#include "userspace-proxy/upstream/mtls.h"
#include "userspace-proxy/upstream/target.h"

namespace weir::proxy::upstream {

// Whether a failed connect (onConnected's err) counts against the endpoint, so that the
// balancer backs it off: not when a pooled connection to its node's proxy took no more tunnels.
inline bool endpointAtFault(int err) { return err != tunnel::kTryAgain; }

Result<io::Stream*> connectTo(io::Loop& loop, const Target& target, transport::Protocol protocol,
                              const std::string& authority, io::StreamHandler* handler,
                              const Mtls* mtls, std::string_view sourceIdentity);

}  // namespace weir::proxy::upstream
