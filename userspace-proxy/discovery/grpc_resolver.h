#pragma once

// Resolver over weir-control's Destination service (the only implementation; resolver.h is the
// seam tests replace). See resolver.h for the contract.

#include <memory>

#include "userspace-proxy/discovery/resolver.h"

namespace weir::proxy::discovery {

Result<std::unique_ptr<Resolver>> createGrpcResolver(ResolverOptions options);

}  // namespace weir::proxy::discovery
