#include "control/identity/authorize.h"

#include <gtest/gtest.h>

namespace weir::control::identity {
namespace {

const std::string kWeb = "web.demo.serviceaccount.identity.linkerd.cluster.local";
const std::string kApi = "api.demo.serviceaccount.identity.linkerd.cluster.local";
const std::string kDb = "db.demo.serviceaccount.identity.linkerd.cluster.local";
const std::string kOff = "off.demo.serviceaccount.identity.linkerd.cluster.local";

config::ExternalWorkload workload(const std::string& name, const std::string& identity,
                                  const std::string& node, bool meshed = true) {
  config::ExternalWorkload w;
  w.ns = "demo";
  w.name = name;
  w.identity = identity;
  w.node = node;
  w.meshed = meshed;
  return w;
}

TEST(MayCertify, OnlyTheNodesOwnWorkloads) {
  config::Model model;
  model.workloads = {
      workload("web-1", kWeb, "node-a"),
      workload("web-2", kWeb, "node-c"),  // the same identity on a second node
      workload("api-1", kApi, "node-b"),
      workload("db-1", kDb, ""),                 // no weir.io/node: on every node
      workload("off-1", kOff, "node-a", false),  // an unmeshed pod has no identity to certify
  };
  struct Case {
    std::string name;
    std::string node;
    std::string identity;
    std::string refusal;  // "" = allowed
  };
  const std::vector<Case> cases = {
      {"own workload", "node-a", kWeb, ""},
      {"same identity on another of its nodes", "node-c", kWeb, ""},
      {"another node's workload", "node-b", kWeb, "no workload with this identity on the node"},
      {"other way round", "node-a", kApi, "no workload with this identity on the node"},
      {"workload on every node", "node-b", kDb, ""},
      {"unknown identity", "node-a", "x.demo.serviceaccount.identity.linkerd.cluster.local",
       "no workload has this identity"},
      {"unmeshed workload", "node-a", kOff, "no workload has this identity"},
      {"unknown node", "node-z", kWeb, "no workload with this identity on the node"},
      {"empty identity", "node-a", "", "no workload has this identity"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Status st = mayCertify(model, c.node, c.identity);
    if (c.refusal.empty()) {
      EXPECT_TRUE(st.ok()) << st.error().str();
    } else {
      ASSERT_FALSE(st.ok());
      EXPECT_EQ(st.error().str(), c.refusal);
    }
  }
}

}  // namespace
}  // namespace weir::control::identity
