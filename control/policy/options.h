#pragma once

// Settings of the Policy service that Linkerd takes from its install values. The mesh plan
// compiles the kernel's L4 authorizations with the same settings (common/policy/options.h).

#include "common/policy/options.h"

namespace weir::control::policy {

using Options = ::weir::policy::Options;

}  // namespace weir::control::policy
