#pragma once

// The running kernel's version.

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace weir::sys {

struct KernelVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;
  std::string release;  // as uname -r prints it: "6.18.44-fc-v769"

  bool atLeast(int wantMajor, int wantMinor, int wantPatch = 0) const;
};

// Parses a uname release string: "6.1.0-13-amd64", "5.15", "6.18.44-fc-v769".
Result<KernelVersion> parseKernelRelease(std::string_view release);

// The running kernel's version, from uname(2).
Result<KernelVersion> kernelVersion();

}  // namespace weir::sys
