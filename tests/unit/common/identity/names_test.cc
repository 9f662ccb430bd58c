#include "common/identity/names.h"

#include <gtest/gtest.h>

namespace weir::identity {
namespace {

struct NameCase {
  std::string name;
  std::string input;
  IdentityName expected;  // when `error` is empty
  std::string error;      // a substring of the error
};

TEST(Names, ParseIdentity) {
  const std::vector<NameCase> cases = {
      {"linkerd default",
       "web.emojivoto.serviceaccount.identity.linkerd.cluster.local",
       {"web", "emojivoto", "linkerd", "cluster.local"},
       ""},
      {"one-label trust domain",
       "default.default.serviceaccount.identity.weir.mesh",
       {"default", "default", "weir", "mesh"},
       ""},
      {"service account with dots",
       "a.b.ns.serviceaccount.identity.linkerd.example.org",
       {"a.b", "ns", "linkerd", "example.org"},
       ""},
      {"digits and dashes",
       "sa-1.ns-2.serviceaccount.identity.l5d.td-3.local",
       {"sa-1", "ns-2", "l5d", "td-3.local"},
       ""},
      {"empty", "", {}, "not of the form"},
      {"spiffe form", "spiffe://cluster.local/ns/demo/sa/web", {}, "not of the form"},
      {"no namespace", "web.serviceaccount.identity.linkerd.cluster.local", {}, "no <sa>.<ns>"},
      {"no trust domain", "web.demo.serviceaccount.identity.linkerd", {}, "<trust-domain>"},
      {"upper case",
       "Web.demo.serviceaccount.identity.linkerd.cluster.local",
       {},
       "service account \"Web\": character 'W'"},
      {"empty namespace",
       "web..serviceaccount.identity.linkerd.cluster.local",
       {},
       "namespace \"\": empty label"},
      {"empty service account",
       ".demo.serviceaccount.identity.linkerd.cluster.local",
       {},
       "service account \"\": empty"},
      {"dash at the end",
       "web.demo-.serviceaccount.identity.linkerd.cluster.local",
       {},
       "starts or ends with '-'"},
      {"empty control namespace",
       "web.demo.serviceaccount.identity..cluster.local",
       {},
       "control-plane namespace \"\""},
      {"trailing dot",
       "web.demo.serviceaccount.identity.linkerd.cluster.local.",
       {},
       "trust domain \"cluster.local.\": empty label"},
      {"space",
       "web.demo.serviceaccount.identity.linkerd.cluster local",
       {},
       "trust domain \"cluster local\": character ' '"},
      {"long label",
       std::string(64, 'a') + ".demo.serviceaccount.identity.linkerd.local",
       {},
       "longer than 63"},
      {"too long",
       std::string(60, 'a') + "." + std::string(60, 'b') + "." + std::string(60, 'c') + "." +
           std::string(60, 'd') + ".ns.serviceaccount.identity.linkerd.local",
       {},
       "longer than 253"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto parsed = parseIdentity(c.input);
    if (c.error.empty()) {
      ASSERT_TRUE(parsed.ok()) << parsed.error().str();
      EXPECT_EQ(*parsed, c.expected);
      EXPECT_EQ(linkerdName(*parsed), c.input);
    } else {
      ASSERT_FALSE(parsed.ok());
      EXPECT_NE(parsed.error().str().find(c.error), std::string::npos) << parsed.error().str();
      EXPECT_NE(parsed.error().str().find(c.input), std::string::npos) << parsed.error().str();
    }
  }
}

TEST(Names, SpiffeId) {
  IdentityName name{"web", "emojivoto", "linkerd", "cluster.local"};
  EXPECT_EQ(spiffeId(name), "spiffe://cluster.local/ns/emojivoto/sa/web");
  EXPECT_EQ(linkerdName(name), "web.emojivoto.serviceaccount.identity.linkerd.cluster.local");
}

}  // namespace
}  // namespace weir::identity
