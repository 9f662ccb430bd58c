#include "common/sys/bpffs.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace weir::sys {
namespace {

// In a child with a private mount namespace, takes bpffs away from /sys/fs/bpf and lets
// ensureBpffs put it back; the host's mounts are never touched.
TEST(EnsureBpffs, MountsBpffsWhenMissing) {
  ASSERT_EQ(::geteuid(), 0u) << "needs root (ctest label root)";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      ::_exit(10);
    }
    while (::umount2(kBpffsRoot, MNT_DETACH) == 0) {
    }
    Result<bool> before = isOnBpffs(kBpffsRoot);
    if (!before.ok() || *before) {
      ::_exit(11);
    }
    if (!ensureBpffs("/sys/fs/bpf/weir-test/a/b").ok()) {
      ::_exit(12);
    }
    Result<bool> after = isOnBpffs("/sys/fs/bpf/weir-test/a/b");
    if (!after.ok() || !*after) {
      ::_exit(13);
    }
    // Already mounted: only the directory is made.
    if (!ensureBpffs("/sys/fs/bpf/weir-test/c").ok() ||
        !std::filesystem::is_directory("/sys/fs/bpf/weir-test/c")) {
      ::_exit(14);
    }
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "10 unshare, 11 bpffs still mounted, 12 ensureBpffs, 13 not bpffs after, 14 second call";
}

}  // namespace
}  // namespace weir::sys
