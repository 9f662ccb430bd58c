#include "userspace-proxy/discovery/resolution.h"

namespace weir::proxy::discovery {

bool Resolution::sameAs(const Resolution& other) const {
  // `profile` is compared by pointer: a new one is only built when its content changed.
  return state == other.state && endpoints == other.endpoints &&
         loadBalancer == other.loadBalancer && serviceLabels == other.serviceLabels &&
         fullyQualifiedName == other.fullyQualifiedName &&
         opaqueProtocol == other.opaqueProtocol && profileEndpoint == other.profileEndpoint &&
         profile == other.profile && error == other.error;
}

const char* stateName(Resolution::State state) {
  switch (state) {
    case Resolution::State::kPending:
      return "pending";
    case Resolution::State::kResolved:
      return "resolved";
    case Resolution::State::kNoEndpoints:
      return "no_endpoints";
    case Resolution::State::kUnknown:
      return "unknown";
    case Resolution::State::kError:
      return "error";
  }
  return "?";
}

}  // namespace weir::proxy::discovery
