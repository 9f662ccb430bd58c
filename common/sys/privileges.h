#pragma once

// Who this process is allowed to be.

#include <cstdint>

#include "common/base/result.h"

namespace weir::sys {

// Whether the effective user is root.
bool isRoot();

// The effective capability set, bit n standing for capability n (CAP_BPF is bit 39).
Result<uint64_t> effectiveCapabilities();

}  // namespace weir::sys
