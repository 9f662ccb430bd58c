#include "common/grpctls/control_tls.h"

namespace weir::grpctls {

std::string controlIdentity(std::string_view trustDomain) {
  return "weir-control.linkerd.serviceaccount.identity.linkerd." + std::string(trustDomain);
}

}  // namespace weir::grpctls
