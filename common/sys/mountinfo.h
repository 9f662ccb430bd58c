#pragma once

// Mount table lookups from /proc/self/mountinfo (proc(5)).

#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace weir::sys {

struct MountEntry {
  std::string mountPoint;  // octal escapes (\040 etc.) decoded
  std::string fsType;      // "cgroup2", "bpf", ...
  std::string source;
};

// Parses mountinfo text. A malformed line is an error naming its line number.
Result<std::vector<MountEntry>> parseMountInfo(std::string_view text);

// Picks the cgroup2 mount: /sys/fs/cgroup, else /sys/fs/cgroup/unified (hybrid hosts), else the
// first cgroup2 mount. An error when there is none.
Result<std::string> pickCgroup2Mount(const std::vector<MountEntry>& mounts);

// pickCgroup2Mount over this process's /proc/self/mountinfo.
Result<std::string> findCgroup2Mount();

}  // namespace weir::sys
