#pragma once

// Kernel BPF feature probes for `weir check`. Each answers true (supported), false (not supported)
// or an error when it cannot tell, e.g. without the privileges to load programs: an unprivileged
// load fails the same way an unsupported one does, so these refuse to guess. libbpf's own messages
// go to the "bpf" logger (debug; warnings as warn).

#include <linux/bpf.h>

#include <string>

#include "common/base/result.h"

namespace weir::cli {

Result<bool> progTypeSupported(bpf_prog_type type);
Result<bool> mapTypeSupported(bpf_map_type type);

// Whether programs of `type`, at the attach point weir uses for that type (cgroup/connect4,
// cgroup/getsockopt), may call `helper`.
Result<bool> helperSupported(bpf_prog_type type, bpf_func_id helper);

// Parses the kernel's BTF at `path` (/sys/kernel/btf/vmlinux), as CO-RE relocation will.
Status loadKernelBtf(const std::string& path);

}  // namespace weir::cli
