#pragma once

// The checks `weir check --pre` runs: can this host run weir-agent and weir-proxy?

#include <vector>

#include "tools/cli/check.h"

namespace weir::cli {

// The table, in report order: permissions, kernel, bpf, io_uring. Building it runs nothing.
std::vector<Check> preInstallChecks();

}  // namespace weir::cli
