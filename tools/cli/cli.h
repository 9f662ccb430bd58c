#pragma once

// The `weir` command line: `weir version [--short]`, `weir check --pre [-o table|json]`,
// `weir diagnostics endpoints AUTHORITY... [--destination ADDR] [-o table|json]`,
// `weir identity init|node-token|certify` (identity.h).

#include <ostream>
#include <vector>

#include "tools/cli/check.h"

namespace weir::cli {

// Parses argv and runs the subcommand, writing to `out` and `err`; `preChecks` is the table
// `weir check --pre` runs. Returns the exit status: 0 success, 1 a failed check, 2 bad usage
// (including no subcommand, which prints the usage).
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
        const std::vector<Check>& preChecks);

}  // namespace weir::cli
