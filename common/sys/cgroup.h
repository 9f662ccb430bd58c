#pragma once

// cgroup v2 ids: the key the BPF programs see for a workload.

#include <cstdint>
#include <string>

#include "common/base/result.h"

namespace weir::sys {

// The id of the cgroup v2 directory at `path`, equal to what bpf_get_current_cgroup_id() returns
// for a task in that cgroup. An error when `path` is not a directory on a cgroup2 filesystem.
Result<uint64_t> cgroupId(const std::string& path);

}  // namespace weir::sys
