#pragma once

// Reads a small file (a token, a certificate bundle, a key, a kubeconfig) whole.

#include <string>

#include "common/base/result.h"

namespace weir {

// Fails with "<what> <path>: <errno>" and refuses files over 4 MiB.
Result<std::string> readSmallFile(const std::string& path, const std::string& what);

}  // namespace weir
