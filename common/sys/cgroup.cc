#include "common/sys/cgroup.h"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

namespace weir::sys {

// Why st_ino is the cgroup id: a cgroup2 directory is a kernfs node, and kernfs sets the inode
// number to the node's 64-bit id (kernfs_init_inode: inode->i_ino = kernfs_ino(kn)). The BPF
// helpers bpf_get_current_cgroup_id() and bpf_skb_cgroup_id() return cgroup_id(cgrp), which is that
// same kn->id, and name_to_handle_at() hands it out as an 8-byte FILEID_KERNFS handle. The root
// cgroup is 1. Checked on 6.18: a cgroup/connect4 program attached to a fresh cgroup read
// bpf_get_current_cgroup_id() == 25 == st_ino of that directory. This holds only on cgroup2 (a v1
// hierarchy's ids mean nothing to the cgroup2 helpers) and only where ino_t is 64 bits wide.
static_assert(sizeof(ino_t) == sizeof(uint64_t), "cgroup ids are 64-bit inode numbers");

Result<uint64_t> cgroupId(const std::string& path) {
  struct statfs fs {};
  if (::statfs(path.c_str(), &fs) != 0) {
    return osError(errno, "statfs " + path);
  }
  if (fs.f_type != CGROUP2_SUPER_MAGIC) {
    return plainError(path + " is not on a cgroup2 filesystem");
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return osError(errno, "stat " + path);
  }
  if (!S_ISDIR(st.st_mode)) {
    return osError(ENOTDIR, "cgroup " + path);
  }
  return static_cast<uint64_t>(st.st_ino);
}

}  // namespace weir::sys
