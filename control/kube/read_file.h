#pragma once

// Reads a small configuration file (token, CA bundle, kubeconfig) whole.

#include <string>

#include "common/base/result.h"

namespace weir::control::kube {

// Fails with "<what> <path>: <errno>" and refuses files over 4 MiB.
Result<std::string> readSmallFile(const std::string& path, const std::string& what);

}  // namespace weir::control::kube
