#include "common/policy/origin.h"

namespace weir::policy {

v1::Origin defaultOrigin(const std::string& name) {
  v1::Origin origin;
  origin.set_default_name(name);
  return origin;
}

v1::Origin resourceOrigin(v1::ResourceRef ref) {
  v1::Origin origin;
  *origin.mutable_resource() = std::move(ref);
  return origin;
}

}  // namespace weir::policy
