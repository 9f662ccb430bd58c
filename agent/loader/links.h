#pragma once

// Pinned cgroup links: attach once, then adopt and update in place on every restart.

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "agent/loader/loader.h"
#include "common/base/result.h"

namespace weir::agent::loader {

struct CgroupProgram {
  const char* name;  // pinned as <bpffs dir>/link_<name>
  bpf_program* program;
  bpf_attach_type attachType;
};

// If <bpffs dir>/link_<name> holds a link attached to the same cgroup, swaps the new program into
// it atomically; otherwise (no pin, a defunct link, or another cgroup) attaches afresh and pins.
Status attachOrAdopt(const CgroupProgram& program, int cgroupFd, const Options& options);

// Detaches every pinned weir link under options.bpffsDir and removes the pins.
Status detachPinnedLinks(const Options& options);

}  // namespace weir::agent::loader
