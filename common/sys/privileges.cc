#include "common/sys/privileges.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace weir::sys {

bool isRoot() { return ::geteuid() == 0; }

Result<uint64_t> effectiveCapabilities() {
  // glibc has no capget wrapper; version 3 returns two 32-bit words per set.
  __user_cap_header_struct header{.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0) {
    return osError(errno, "capget");
  }
  return static_cast<uint64_t>(data[0].effective) | static_cast<uint64_t>(data[1].effective) << 32;
}

}  // namespace weir::sys
