#pragma once

// Where the proxy's certificates come from: weir-control's Identity.Certify (grpc_authority.h),
// or a test's stand-in.

#include <string>
#include <vector>

#include "common/base/result.h"

namespace weir::proxy::identity {

struct Certificate {
  std::string leafDer;
  std::vector<std::string> chainDer;  // the leaf's issuer first
  int64_t notAfterUnix = 0;
};

class Authority {
 public:
  virtual ~Authority() = default;
  // Blocks (the identity thread's call). The error says what the CA answered.
  virtual Result<Certificate> certify(const std::string& identity, const std::string& csrDer) = 0;
};

}  // namespace weir::proxy::identity
