#include "common/sys/bpffs.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace weir::sys {
namespace {

TEST(EnsureBpffs, RejectsRelativeAndNonBpffsDirectories) {
  Status relative = ensureBpffs("weir/pins");
  ASSERT_FALSE(relative.ok());
  EXPECT_EQ(relative.error().str(), "bpffs directory weir/pins is not an absolute path");

  std::string tmp = testing::TempDir() + "weir-bpffs-test/pins";
  Status elsewhere = ensureBpffs(tmp);
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().str(), tmp + " is not on a bpf filesystem and not under /sys/fs/bpf");
  EXPECT_FALSE(std::filesystem::exists(tmp));
}

}  // namespace
}  // namespace weir::sys
