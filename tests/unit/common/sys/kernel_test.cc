#include "common/sys/kernel.h"

#include <gtest/gtest.h>

#include "common/sys/privileges.h"

namespace weir::sys {
namespace {

TEST(ParseKernelRelease, Table) {
  struct Case {
    const char* release;
    int major, minor, patch;
  };
  const Case cases[] = {
      {"6.18.44-fc-v769", 6, 18, 44}, {"6.1.0-13-amd64", 6, 1, 0},         {"5.15", 5, 15, 0},
      {"5.4.0-150-generic", 5, 4, 0}, {"4.18.0-513.el8.x86_64", 4, 18, 0}, {"6.9.", 6, 9, 0},
  };
  for (const Case& c : cases) {
    Result<KernelVersion> v = parseKernelRelease(c.release);
    ASSERT_TRUE(v.ok()) << c.release << ": " << v.error().str();
    EXPECT_EQ(v->major, c.major) << c.release;
    EXPECT_EQ(v->minor, c.minor) << c.release;
    EXPECT_EQ(v->patch, c.patch) << c.release;
    EXPECT_EQ(v->release, c.release);
  }
}

TEST(ParseKernelRelease, RejectsWhatIsNotAVersion) {
  for (const char* bad : {"", "linux", "6", "6-rc1", "x.1.2", "6.x"}) {
    Result<KernelVersion> v = parseKernelRelease(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.error().str(),
              "kernel release \"" + std::string(bad) + "\" is not major.minor[.patch]");
  }
}

TEST(KernelVersion, AtLeast) {
  KernelVersion v{.major = 5, .minor = 15, .patch = 3};
  EXPECT_TRUE(v.atLeast(5, 15));
  EXPECT_TRUE(v.atLeast(5, 15, 3));
  EXPECT_TRUE(v.atLeast(4, 19));
  EXPECT_FALSE(v.atLeast(5, 15, 4));
  EXPECT_FALSE(v.atLeast(5, 16));
  EXPECT_FALSE(v.atLeast(6, 0));
}

TEST(KernelVersion, RunningKernelParses) {
  Result<KernelVersion> v = kernelVersion();
  ASSERT_TRUE(v.ok()) << v.error().str();
  EXPECT_GE(v->major, 3);
}

TEST(Privileges, EffectiveCapabilitiesAreReadable) {
  Result<uint64_t> caps = effectiveCapabilities();
  ASSERT_TRUE(caps.ok()) << caps.error().str();
}

}  // namespace
}  // namespace weir::sys
