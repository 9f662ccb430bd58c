#include "common/sys/mountinfo.h"

#include <gtest/gtest.h>

namespace weir::sys {
namespace {

// Excerpt of a hybrid host's /proc/self/mountinfo (the machine this was written on).
constexpr std::string_view kHybrid =
    "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "42 23 0:39 / /sys/fs/bpf rw,relatime - bpf bpf rw\n";

// A systemd unified host: optional fields before the separator.
constexpr std::string_view kUnified =
    "25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "26 25 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n"
    "27 25 0:25 / /sys/fs/bpf rw,nosuid,nodev,noexec,relatime shared:9 master:1 - bpf bpf "
    "rw,mode=700\n";

TEST(ParseMountInfo, ReadsMountPointTypeAndSource) {
  Result<std::vector<MountEntry>> mounts = parseMountInfo(kUnified);
  ASSERT_TRUE(mounts.ok()) << mounts.error().str();
  ASSERT_EQ(mounts->size(), 3u);
  EXPECT_EQ((*mounts)[1].mountPoint, "/sys/fs/cgroup");
  EXPECT_EQ((*mounts)[1].fsType, "cgroup2");
  EXPECT_EQ((*mounts)[1].source, "cgroup2");
  EXPECT_EQ((*mounts)[2].mountPoint, "/sys/fs/bpf");
  EXPECT_EQ((*mounts)[2].fsType, "bpf");
}

TEST(ParseMountInfo, DecodesOctalEscapes) {
  Result<std::vector<MountEntry>> mounts =
      parseMountInfo("50 22 0:40 / /mnt/my\\040cgroups\\134x rw - cgroup2 none\\011src rw\n");
  ASSERT_TRUE(mounts.ok()) << mounts.error().str();
  ASSERT_EQ(mounts->size(), 1u);
  EXPECT_EQ((*mounts)[0].mountPoint, "/mnt/my cgroups\\x");
  EXPECT_EQ((*mounts)[0].source, "none\tsrc");
}

TEST(ParseMountInfo, EmptyTextHasNoMounts) {
  Result<std::vector<MountEntry>> mounts = parseMountInfo("");
  ASSERT_TRUE(mounts.ok());
  EXPECT_TRUE(mounts->empty());
}

TEST(ParseMountInfo, RejectsMalformedLines) {
  struct Case {
    const char* name;
    std::string_view text;
  };
  const Case cases[] = {
      {"no separator", "22 27 0:21 / /proc rw,relatime proc proc rw\n"},
      {"nothing after separator", "22 27 0:21 / /proc rw -\n"},
      {"no source", "22 27 0:21 / /proc rw - proc\n"},
      {"too few fields", "22 27 - proc proc rw\n"},
  };
  for (const Case& c : cases) {
    Result<std::vector<MountEntry>> mounts = parseMountInfo(c.text);
    ASSERT_FALSE(mounts.ok()) << c.name;
    EXPECT_EQ(mounts.error().str(), "mountinfo line 1: malformed") << c.name;
  }
}

TEST(ParseMountInfo, NamesTheBadLine) {
  std::string text = std::string(kHybrid) + "junk\n";
  Result<std::vector<MountEntry>> mounts = parseMountInfo(text);
  ASSERT_FALSE(mounts.ok());
  EXPECT_EQ(mounts.error().str(), "mountinfo line 7: malformed");
}

TEST(PickCgroup2Mount, Table) {
  struct Case {
    const char* name;
    std::string_view text;
    const char* expected;  // nullptr: no cgroup2 mount
  };
  const Case cases[] = {
      {"unified host", kUnified, "/sys/fs/cgroup"},
      {"hybrid host", kHybrid, "/sys/fs/cgroup/unified"},
      {"default wins over unified listed first",
       "1 0 0:1 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
       "2 0 0:2 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
       "/sys/fs/cgroup"},
      {"elsewhere: the first one",
       "1 0 0:1 / /run/cg2 rw - cgroup2 cgroup2 rw\n"
       "2 0 0:2 / /mnt/cg2 rw - cgroup2 cgroup2 rw\n",
       "/run/cg2"},
      {"unified wins over elsewhere",
       "1 0 0:1 / /run/cg2 rw - cgroup2 cgroup2 rw\n"
       "2 0 0:2 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
       "/sys/fs/cgroup/unified"},
      {"v1 only", "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n", nullptr},
      {"tmpfs at /sys/fs/cgroup is not cgroup2",
       "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n", nullptr},
  };
  for (const Case& c : cases) {
    Result<std::vector<MountEntry>> mounts = parseMountInfo(c.text);
    ASSERT_TRUE(mounts.ok()) << c.name;
    Result<std::string> picked = pickCgroup2Mount(*mounts);
    if (c.expected == nullptr) {
      ASSERT_FALSE(picked.ok()) << c.name;
      EXPECT_EQ(picked.error().str(), "no cgroup2 filesystem is mounted");
    } else {
      ASSERT_TRUE(picked.ok()) << c.name;
      EXPECT_EQ(*picked, c.expected) << c.name;
    }
  }
}

}  // namespace
}  // namespace weir::sys
