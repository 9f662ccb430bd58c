#include "tools/cli/bpf_probe.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace weir::cli {
namespace {

// Needs root and a kernel new enough for weir (the machines in DESIGN.md run 6.18).
TEST(HelperSupported, TellsAllowedFromRefusedHelpers) {
  ASSERT_EQ(::geteuid(), 0u) << "needs root (ctest label root)";
  struct Case {
    bpf_prog_type type;
    bpf_func_id helper;
    bool expected;
  };
  const Case cases[] = {
      {BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_loop, true},
      {BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_set_retval, true},
      {BPF_PROG_TYPE_SK_MSG, BPF_FUNC_msg_redirect_hash, true},
      // Refused by the verifier with "program of this type cannot use helper", which
      // libbpf 1.1's own probe misreads as supported.
      {BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_msg_redirect_hash, false},
      {BPF_PROG_TYPE_SOCK_OPS, BPF_FUNC_msg_redirect_hash, false},
      // Not a helper at all: "invalid func".
      {BPF_PROG_TYPE_SOCK_OPS, static_cast<bpf_func_id>(100000), false},
  };
  for (const Case& c : cases) {
    Result<bool> got = helperSupported(c.type, c.helper);
    ASSERT_TRUE(got.ok()) << c.helper << ": " << got.error().str();
    EXPECT_EQ(*got, c.expected) << "prog type " << c.type << " helper " << c.helper;
  }
}

TEST(ProgAndMapTypes, SupportedOnThisKernel) {
  ASSERT_EQ(::geteuid(), 0u) << "needs root (ctest label root)";
  for (bpf_prog_type t : {BPF_PROG_TYPE_SOCK_OPS, BPF_PROG_TYPE_SK_MSG,
                          BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_PROG_TYPE_CGROUP_SOCKOPT}) {
    Result<bool> got = progTypeSupported(t);
    ASSERT_TRUE(got.ok()) << got.error().str();
    EXPECT_TRUE(*got) << t;
  }
  Result<bool> sockhash = mapTypeSupported(BPF_MAP_TYPE_SOCKHASH);
  ASSERT_TRUE(sockhash.ok()) << sockhash.error().str();
  EXPECT_TRUE(*sockhash);
}

}  // namespace
}  // namespace weir::cli
