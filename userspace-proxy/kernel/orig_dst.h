#pragma once

// Where a steered connection was going, and who opened it: connect4 rewrote the client's
// destination to the proxy and sockops recorded the original one, with the client workload's
// cgroup, in the pinned map weir_orig_dst under the client's 4-tuple and network namespace.
// Without the map (no agent yet, or another bpffs directory) the destination still comes from
// getsockopt(SO_ORIGINAL_DST), answered by the same kernel programs, and the cgroup is unknown.

#include <cstdint>
#include <optional>
#include <string>

#include "common/base/fd.h"
#include "userspace-proxy/io/socket.h"

namespace weir::proxy::kernel {

struct Origin {
  io::Address dst;         // what the client dialled (a service VIP:port)
  uint64_t cgroupId = 0;   // the client workload's cgroup; 0 = unknown
};

class OrigDst {
 public:
  // Opens <bpffsDir>/weir_orig_dst when it is there; never fails (falls back to getsockopt).
  explicit OrigDst(const std::string& bpffsDir);

  // The origin of an accepted socket; nullopt when the connection was not steered (a client
  // that dialled the proxy's own address).
  std::optional<Origin> lookup(int acceptedFd) const;
  bool hasMap() const { return map_.valid(); }

 private:
  UniqueFd map_;
};

}  // namespace weir::proxy::kernel
