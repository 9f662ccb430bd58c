// The NodeSync representation of a node plan: the codec round-trips a plan, and the id-keyed view
// moves a node from one state to another by exactly the entries that changed.

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "common/config/loader.h"
#include "common/mesh/node_plan.h"
#include "common/meshwire/codec.h"
#include "common/meshwire/node_state_view.h"

namespace weir::meshwire {
namespace {

using google::protobuf::util::MessageDifferencer;

constexpr const char* kMesh = R"(apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec:
  clusterIP: 10.96.0.10
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: web-1
  namespace: demo
  labels: {app: web}
  annotations:
    weir.io/cgroup: web-1
    weir.io/node: a
    weir.io/fast-path: "false"
    config.linkerd.io/skip-outbound-ports: "3306,6379-6380"
    config.linkerd.io/skip-inbound-ports: "9090"
    config.linkerd.io/proxy-outbound-max-idle-conns-per-host: "100"
    config.linkerd.io/proxy-outbound-max-requests-per-connection: "2"
spec:
  meshTLS: {identity: spiffe://t/ns/demo/sa/web, serverName: web-1.demo}
  workloadIPs: [{ip: 10.244.1.10}]
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: web-2
  namespace: demo
  labels: {app: web}
  annotations: {weir.io/cgroup: web-2, weir.io/node: b, weir.io/weight: "3"}
spec:
  meshTLS: {identity: spiffe://t/ns/demo/sa/web, serverName: web-2.demo}
  workloadIPs: [{ip: 10.244.2.10}]
)";

mesh::NodePlan planFor(const std::string& yaml, const std::string& node) {
  config::LoadResult loaded = config::parseText(yaml, "mesh.yaml");
  EXPECT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors[0].str());
  mesh::PlanResult planned = mesh::plan(loaded.model, {.node = node, .proxy = true});
  EXPECT_TRUE(planned.ok());
  return planned.plan;
}

// What survives the wire: everything but where the objects were declared, the node of the
// node's own workloads, and the planning inputs whose outcome the wire carries (opaque-ports ->
// the datapath, a workload's cgroup -> whether its endpoint is local).
mesh::NodePlan withoutSources(mesh::NodePlan plan) {
  for (auto& w : plan.workloads) {
    w.src = {};
    w.node = {};
  }
  for (auto& sp : plan.servicePorts) {
    sp.src = {};
    sp.opaque = false;
    for (auto& e : sp.endpoints) {
      e.meshed = false;
    }
  }
  return plan;
}

TEST(CodecTest, PlanRoundTripsThroughTheWire) {
  mesh::NodePlan plan = planFor(kMesh, "a");
  ASSERT_EQ(plan.servicePorts.size(), 1u);
  ASSERT_EQ(plan.servicePorts[0].endpoints.size(), 2u);
  ASSERT_EQ(plan.workloads.size(), 1u);
  EXPECT_TRUE(plan.servicePorts[0].toProxy);  // web-2 is remote and a proxy runs here

  v1::NodeState wire = toWire(plan);
  EXPECT_EQ(wire.service_ports(0).id(), "demo/web:80");
  EXPECT_EQ(wire.service_ports(0).vips(0).ipv4(), 0x0A60000Au);  // 10.96.0.10, host numeric
  EXPECT_EQ(wire.endpoints(1).id(), "demo/web:80/demo/web-2");
  EXPECT_EQ(wire.endpoints(1).weight(), 3u);
  EXPECT_TRUE(wire.workloads(0).fast_path_opt_out());
  // The node proxy's settings of the workload, from its Linkerd annotations.
  EXPECT_EQ(plan.workloads[0].proxy,
            (mesh::WorkloadProxy{{{3306, 3306}, {6379, 6380}}, {{9090, 9090}}, 100, 2}));
  EXPECT_EQ(wire.workloads(0).skip_outbound_ports_size(), 2);
  EXPECT_EQ(wire.workloads(0).outbound_max_requests_per_connection(), 2u);

  auto back = fromWire(wire);
  ASSERT_TRUE(back.ok()) << back.error().str();
  EXPECT_EQ(back.value(), withoutSources(plan));
}

TEST(CodecTest, RefusesWhatTheAgentCannotUse) {
  v1::NodeState wire = toWire(planFor(kMesh, "a"));
  v1::NodeState v6 = wire;
  v6.mutable_service_ports(0)->mutable_vips(0)->set_ipv6(std::string(16, '\1'));
  auto r = fromWire(v6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().str(), "service port demo/web:80: only IPv4 addresses are supported");

  v1::NodeState badRange = wire;
  badRange.mutable_workloads(0)->mutable_skip_outbound_ports(0)->set_first(70000);
  r = fromWire(badRange);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().str(), "workload demo/web-1: bad skip port range 70000-3306");

  v1::NodeState orphan = wire;
  orphan.mutable_endpoints(0)->set_service_port_id("demo/gone:80");
  r = fromWire(orphan);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().str(),
            "endpoint demo/web:80/demo/web-1: unknown service port demo/gone:80");
}

TEST(NodeStateViewTest, DiffCarriesExactlyTheChangedEntries) {
  NodeStateView before(toWire(planFor(kMesh, "a")));
  std::string edited = kMesh;
  edited.replace(edited.find("weir.io/weight: \"3\""), 19, "weir.io/weight: \"5\"");
  edited += R"(---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: demo}
spec:
  clusterIP: 10.96.0.11
  selector: {app: web}
  ports: [{port: 81, targetPort: 8081}]
)";
  NodeStateView after(toWire(planFor(edited, "a")));

  v1::NodeState upserts;
  v1::Deletions deletes;
  ASSERT_TRUE(NodeStateView::diff(before, after, &upserts, &deletes));
  ASSERT_EQ(upserts.service_ports_size(), 1);
  EXPECT_EQ(upserts.service_ports(0).id(), "demo/api:81");
  std::vector<std::string> endpointIds;
  for (const auto& e : upserts.endpoints()) {
    endpointIds.push_back(e.id());
  }
  EXPECT_EQ(endpointIds, (std::vector<std::string>{"demo/api:81/demo/web-1",
                                                   "demo/api:81/demo/web-2",
                                                   "demo/web:80/demo/web-2"}));
  EXPECT_EQ(upserts.workloads_size(), 0);
  EXPECT_EQ(deletes.service_ports_size() + deletes.endpoints_size(), 0);

  NodeStateView applied = before;
  applied.apply(upserts, deletes);
  EXPECT_TRUE(MessageDifferencer::Equals(applied.state(), after.state()));

  // And back: the new service goes as deletions.
  v1::NodeState upBack;
  v1::Deletions delBack;
  ASSERT_TRUE(NodeStateView::diff(after, before, &upBack, &delBack));
  EXPECT_EQ(delBack.service_ports_size(), 1);
  EXPECT_EQ(delBack.endpoints_size(), 2);
  EXPECT_EQ(upBack.endpoints_size(), 1);  // web-2's weight back to 3

  v1::NodeState none;
  v1::Deletions noDeletes;
  EXPECT_FALSE(NodeStateView::diff(after, after, &none, &noDeletes));
}

}  // namespace
}  // namespace weir::meshwire
