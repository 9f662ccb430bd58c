#pragma once

// Opens a connection to a target: to the endpoint itself, or to its node's proxy with the
// transport header queued first (it goes out as soon as the connect completes).

#include <string>

#include "userspace-proxy/io/loop.h"
#include "userspace-proxy/transport/header.h"
#include "userspace-proxy/upstream/target.h"

namespace weir::proxy::upstream {

Result<io::Stream*> connectTo(io::Loop& loop, const Target& target, transport::Protocol protocol,
                              const std::string& authority, io::StreamHandler* handler);

}  // namespace weir::proxy::upstream
