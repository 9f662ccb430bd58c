// weir-control's install-value flags: an impossible value is refused with a message naming the
// flag, before anything starts.

#include <gtest/gtest.h>

#include "control/app/control.h"

namespace weir::control::app {
namespace {

TEST(PolicyOptionsTest, LinkerdDefaultsAreAccepted) { EXPECT_TRUE(checkPolicyOptions({}).ok()); }

TEST(PolicyOptionsTest, EveryLinkerdDefaultPolicyIsAccepted) {
  for (const char* name : {"all-unauthenticated", "all-authenticated", "cluster-unauthenticated",
                           "cluster-authenticated", "deny", "audit"}) {
    policy::Options o;
    o.defaultInboundPolicy = name;
    EXPECT_TRUE(checkPolicyOptions(o).ok()) << name;
  }
}

struct BadCase {
  const char* name;
  policy::Options options;
  const char* error;
};

policy::Options with(void (*edit)(policy::Options&)) {
  policy::Options o;
  edit(o);
  return o;
}

class BadPolicyOptionsTest : public testing::TestWithParam<BadCase> {};

TEST_P(BadPolicyOptionsTest, IsRefusedNamingTheFlag) {
  Status st = checkPolicyOptions(GetParam().options);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().str(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Flags, BadPolicyOptionsTest,
    testing::Values(
        BadCase{"UnknownPolicy",
                with([](policy::Options& o) { o.defaultInboundPolicy = "allow"; }),
                "--default-inbound-policy: must be all-unauthenticated, all-authenticated, "
                "cluster-unauthenticated, cluster-authenticated, deny or audit, got \"allow\""},
        BadCase{"BadNetwork",
                with([](policy::Options& o) { o.clusterNetworks = {"10.0.0.0/8", "10.0.0.0/33"}; }),
                "--cluster-networks: \"10.0.0.0/33\": must be a CIDR or IP address such as "
                "\"10.0.0.0/8\", got \"10.0.0.0/33\""},
        BadCase{"EmptyDomain", with([](policy::Options& o) { o.clusterDomain = ""; }),
                "--cluster-domain: not a DNS domain: \"\""},
        BadCase{"TrustDomainWithSlash",
                with([](policy::Options& o) { o.trustDomain = "example.com/x"; }),
                "--identity-trust-domain: not a DNS domain: \"example.com/x\""}),
    [](const testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace weir::control::app
