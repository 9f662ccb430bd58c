#pragma once

// weir-proxy's Destination client: a Resolver (resolver.h) that keeps one HTTP/2 connection to
// weir-control and, on it, a Destination.Get and a Destination.GetProfile stream per authority,
// speaking gRPC's wire format itself (length-prefixed protobuf messages, grpc-status trailers)
// on the proxy's own io_uring loop and nghttp2, on a thread of its own. No gRPC library: the
// node proxy needs two server-streaming calls, not a gRPC runtime and its threads and memory.
// A broken stream is opened again with backoff; a lost connection is reconnected with backoff and
// every stream re-opened; meanwhile the last resolutions stay.

#include <memory>

#include "userspace-proxy/discovery/resolver.h"

namespace weir::proxy::discovery {

Result<std::unique_ptr<Resolver>> createResolver(ResolverOptions options);

}  // namespace weir::proxy::discovery
