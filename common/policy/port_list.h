#pragma once

// Linkerd's port list annotations (config.linkerd.io/opaque-ports,
// proxy-require-identity-on-inbound-ports, ...) as written: "25,443,4222-4230".

#include <cstdint>
#include <string>

namespace weir::policy {

// True when port is in the list. Malformed items match nothing.
bool portInList(const std::string& list, uint16_t port);

}  // namespace weir::policy
