#pragma once

// The bpf filesystem that holds weir's pinned maps and links.

#include <string>

#include "common/base/result.h"

namespace weir::sys {

inline constexpr const char* kBpffsRoot = "/sys/fs/bpf";

// Whether `path` (which must exist) lies on a bpf filesystem.
Result<bool> isOnBpffs(const std::string& path);

// Makes `dir` a directory on a bpf filesystem: when the mount that would hold `dir` is not bpffs
// and `dir` is under /sys/fs/bpf, mounts bpffs at /sys/fs/bpf (mode 0700); then creates `dir` and
// its parents. A `dir` elsewhere must already be on a bpffs mount.
Status ensureBpffs(const std::string& dir);

}  // namespace weir::sys
