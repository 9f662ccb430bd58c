#include "common/sys/cgroup.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <cstring>

#include "common/sys/mountinfo.h"

namespace weir::sys {
namespace {

// The id name_to_handle_at reports: an 8-byte kernfs handle holding the cgroup id.
uint64_t handleId(const std::string& path) {
  struct {
    file_handle handle;
    unsigned char bytes[sizeof(uint64_t)];
  } h{};
  h.handle.handle_bytes = sizeof(uint64_t);
  int mountId = 0;
  if (::name_to_handle_at(AT_FDCWD, path.c_str(), &h.handle, &mountId, 0) != 0) {
    ADD_FAILURE() << "name_to_handle_at " << path << ": " << std::strerror(errno);
    return 0;
  }
  uint64_t id = 0;
  std::memcpy(&id, h.handle.f_handle, sizeof(id));
  return id;
}

TEST(CgroupId, MatchesTheKernfsFileHandle) {
  Result<std::string> mount = findCgroup2Mount();
  ASSERT_TRUE(mount.ok()) << "this test needs a cgroup2 mount: " << mount.error().str();
  Result<uint64_t> id = cgroupId(*mount);
  ASSERT_TRUE(id.ok()) << id.error().str();
  EXPECT_NE(*id, 0u);
  EXPECT_EQ(*id, handleId(*mount));
}

TEST(CgroupId, RejectsWhatIsNotACgroup2Directory) {
  Result<uint64_t> proc = cgroupId("/proc");
  ASSERT_FALSE(proc.ok());
  EXPECT_EQ(proc.error().str(), "/proc is not on a cgroup2 filesystem");

  Result<uint64_t> missing = cgroupId("/nonexistent/weir");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ENOENT);

  Result<std::string> mount = findCgroup2Mount();
  ASSERT_TRUE(mount.ok()) << mount.error().str();
  Result<uint64_t> file = cgroupId(*mount + "/cgroup.procs");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, ENOTDIR);
}

}  // namespace
}  // namespace weir::sys
