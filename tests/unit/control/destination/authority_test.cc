// Authorities as weir-proxy sends them: Service names in the forms Kubernetes DNS resolves, VIPs
// and addresses, Linkerd's default port; only text that is no authority is an error.

#include <gtest/gtest.h>

#include <string>

#include "common/config/ipv4.h"
#include "control/destination/authority.h"

namespace weir::control::destination {
namespace {

using Kind = Authority::Kind;

struct Case {
  std::string name;
  std::string text;
  Authority expected;
};

Authority service(const char* ns, const char* name, uint16_t port) {
  return {.kind = Kind::kService, .ns = ns, .name = name, .port = port};
}

Authority ip(const char* text, uint16_t port) {
  return {.kind = Kind::kIpv4, .ip = config::parseIPv4(text).value(), .port = port};
}

Authority other(uint16_t port) { return {.kind = Kind::kOther, .port = port}; }

class AuthorityTest : public ::testing::TestWithParam<Case> {};

TEST_P(AuthorityTest, Parses) {
  Result<Authority> parsed = parseAuthority(GetParam().text, "cluster.local");
  ASSERT_TRUE(parsed.ok()) << parsed.error().str();
  EXPECT_EQ(*parsed, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Forms, AuthorityTest,
    ::testing::Values(
        Case{"Fqdn", "web-svc.emojivoto.svc.cluster.local:80", service("emojivoto", "web-svc", 80)},
        Case{"FqdnFinalDot", "web-svc.emojivoto.svc.cluster.local.:8080",
             service("emojivoto", "web-svc", 8080)},
        Case{"UpperCase", "Web-Svc.EmojiVoto.svc.cluster.local:80",
             service("emojivoto", "web-svc", 80)},
        Case{"SvcForm", "web-svc.emojivoto.svc:80", service("emojivoto", "web-svc", 80)},
        Case{"NamespaceForm", "web-svc.emojivoto:80", service("emojivoto", "web-svc", 80)},
        Case{"NoPortIs80", "web-svc.emojivoto.svc.cluster.local",
             service("emojivoto", "web-svc", 80)},
        Case{"Vip", "10.96.0.10:80", ip("10.96.0.10", 80)},
        Case{"PodDnsName", "web-0.web-svc.emojivoto.svc.cluster.local:80", other(80)},
        Case{"SingleLabel", "web-svc:80", other(80)},
        Case{"OtherDomain", "api.example.co.uk:443", other(443)},
        Case{"Ipv6", "[fd00::1]:8080", other(8080)}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(AuthorityErrorTest, NotAnAuthority) {
  for (const char* text :
       {"", ":80", "web-svc.emojivoto:", "web-svc.emojivoto:0", "web-svc.emojivoto:65536",
        "web-svc.emojivoto:http", "fd00::1:80", "[fd00::1", "[fd00::1]80"}) {
    EXPECT_FALSE(parseAuthority(text, "cluster.local").ok()) << text;
  }
}

TEST(AuthorityDomainTest, OtherClusterDomain) {
  Result<Authority> parsed = parseAuthority("web.prod.svc.corp.example:80", "corp.example");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, service("prod", "web", 80));
  EXPECT_EQ(serviceFqdn("prod", "web", "corp.example"), "web.prod.svc.corp.example");
}

}  // namespace
}  // namespace weir::control::destination
