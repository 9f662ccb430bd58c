#pragma once

// Where a policy decision comes from, as weir.v1 names it: a default policy's name, or the
// resource (Server, ServerAuthorization, AuthorizationPolicy, HTTPRoute, Service) that made it.

#include <string>

#include "weir/v1/meta.pb.h"

namespace weir::policy {

v1::Origin defaultOrigin(const std::string& name);
v1::Origin resourceOrigin(v1::ResourceRef ref);

}  // namespace weir::policy
