// ViewCompiler: a NodeSync diff recompiles only the ports it touches, and the result is exactly
// what compiling the whole new state gives.

#include "agent/state/view_compiler.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <set>

#include <string>
#include <vector>

#include "common/config/loader.h"
#include "common/mesh/node_plan.h"
#include "common/meshwire/codec.h"
#include "tests/unit/common/mesh/policy_docs.h"

namespace weir::agent::state {
namespace {

constexpr const char* kNode = "a";

Result<uint64_t> fakeResolve(const std::string& path) {
  if (path == "/cg/web-1") {
    return uint64_t{101};
  }
  if (path == "/cg/web-2") {
    return uint64_t{102};
  }
  return osError(ENOENT, "statfs " + path);
}

CompileOptions options() { return {.node = kNode, .cgroupRoot = "/cg"}; }

// Two services; web's endpoints web-1 (local, meshed), web-2 (local) and web-3 (on node b).
std::string mesh(const std::string& web1Weight, const std::string& extra = "") {
  return R"(apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec:
  clusterIP: 10.96.0.10
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: demo}
spec:
  clusterIP: 10.96.0.11
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: 9090}]
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: web-1
  namespace: demo
  labels: {app: web}
  annotations: {weir.io/cgroup: web-1, weir.io/node: a, weir.io/weight: ")" +
         web1Weight + R"("}
spec:
  meshTLS: {identity: web.demo, serverName: web-1.demo}
  workloadIPs: [{ip: 10.1.0.1}]
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: web-2
  namespace: demo
  labels: {app: web}
  annotations: {weir.io/cgroup: web-2, weir.io/node: a}
spec:
  meshTLS: {identity: web.demo, serverName: web-2.demo}
  workloadIPs: [{ip: 10.1.0.2}]
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: web-3
  namespace: demo
  labels: {app: web}
  annotations: {weir.io/cgroup: web-3, weir.io/node: b}
spec:
  meshTLS: {identity: web.demo, serverName: web-3.demo}
  workloadIPs: [{ip: 10.1.0.3}]
)" + extra;
}

v1::NodeState wireOf(const std::string& yaml) {
  config::LoadResult loaded = config::parseText(yaml, "mesh.yaml");
  EXPECT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors.front().str());
  return meshwire::toWire(mesh::plan(loaded.model, {.node = kNode}).plan);
}

DesiredState wholeCompile(const std::string& yaml) {
  config::LoadResult loaded = config::parseText(yaml, "mesh.yaml");
  CompileResult r = compile(loaded.model, options(), fakeResolve);
  EXPECT_TRUE(r.ok());
  return r.state;
}

void expectSame(const DesiredState& got, const DesiredState& want) {
  EXPECT_EQ(got.backends.size(), want.backends.size());
  for (const auto& [k, v] : want.backends) {
    auto it = got.backends.find(k);
    ASSERT_NE(it, got.backends.end()) << "slot " << k.slot;
    EXPECT_TRUE(kmaps::sameBytes(it->second, v)) << "slot " << k.slot;
  }
  EXPECT_EQ(got.services.size(), want.services.size());
  for (const auto& [k, v] : want.services) {
    auto it = got.services.find(k);
    ASSERT_NE(it, got.services.end());
    EXPECT_TRUE(kmaps::sameBytes(it->second, v));
  }
  EXPECT_EQ(got.workloads.size(), want.workloads.size());
  EXPECT_EQ(got.serviceMeta.size(), want.serviceMeta.size());
}

// Applies the diff between two configurations the way the agent receives it.
std::vector<std::string> applyEdit(ViewCompiler& c, meshwire::NodeStateView& view,
                                   const std::string& before, const std::string& after) {
  v1::Diff diff;
  meshwire::NodeStateView::diff(meshwire::NodeStateView(wireOf(before)),
                                meshwire::NodeStateView(wireOf(after)), diff.mutable_upserts(),
                                diff.mutable_deletes());
  return c.applyDiff(view, diff);
}

TEST(ViewCompilerTest, AWeightChangeRecompilesOnePort) {
  ViewCompiler c(options(), fakeResolve);
  meshwire::NodeStateView view;
  ASSERT_TRUE(c.applySnapshot(view, wireOf(mesh("1"))).empty());
  EXPECT_EQ(c.lastCompiledPorts(), 2u);
  expectSame(c.desired(), wholeCompile(mesh("1")));

  EXPECT_EQ(c.touched(), nullptr);  // a snapshot compiles everything

  ASSERT_TRUE(applyEdit(c, view, mesh("1"), mesh("5")).empty());
  EXPECT_EQ(c.lastCompiledPorts(), 1u);
  expectSame(c.desired(), wholeCompile(mesh("5")));
  // Only web's service entry and its three slots, before and after, may have changed.
  ASSERT_NE(c.touched(), nullptr);
  std::set<uint16_t> slots;
  for (const auto& k : c.touched()->backends) {
    EXPECT_EQ(k.vip4, htonl(0x0A60000A));  // 10.96.0.10
    slots.insert(k.slot);
  }
  EXPECT_EQ(slots, (std::set<uint16_t>{1, 2, 3}));
  ASSERT_FALSE(c.touched()->services.empty());
  for (const auto& k : c.touched()->services) {
    EXPECT_EQ(k.vip4, htonl(0x0A60000A));
  }
}

TEST(ViewCompilerTest, PortsAndEndpointsComeAndGo) {
  const std::string more = R"(---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: demo}
spec:
  clusterIP: 10.96.0.12
  selector: {app: web}
  ports: [{name: pg, port: 5432}]
)";
  ViewCompiler c(options(), fakeResolve);
  meshwire::NodeStateView view;
  ASSERT_TRUE(c.applySnapshot(view, wireOf(mesh("1"))).empty());
  ASSERT_TRUE(applyEdit(c, view, mesh("1"), mesh("1", more)).empty());
  EXPECT_EQ(c.lastCompiledPorts(), 1u);
  expectSame(c.desired(), wholeCompile(mesh("1", more)));
  ASSERT_TRUE(applyEdit(c, view, mesh("1", more), mesh("1")).empty());
  expectSame(c.desired(), wholeCompile(mesh("1")));
}

// web-1 and web-2 (both identity web.demo, local) serve port 8080 behind a Server admitting
// `admitted`.
std::string guarded(const std::string& admitted) {
  return mesh("1", test_docs::guardedPort("demo", "web", admitted));
}

std::vector<std::string> authzOf(const DesiredState& s) {
  std::vector<std::string> out;
  for (const auto& [k, v] : s.authz) {
    out.push_back(std::to_string(k.server_cgroup_id) + "<-" + std::to_string(k.client_cgroup_id) +
                  ":" + std::to_string(k.port) + "=" + std::to_string(v.verdict));
  }
  return out;
}

TEST(ViewCompilerTest, AnAuthorizationDiffRecompilesTheAuthorizationsOnly) {
  ViewCompiler c(options(), fakeResolve);
  meshwire::NodeStateView view;
  ASSERT_TRUE(c.applySnapshot(view, wireOf(guarded("web.demo"))).empty());
  EXPECT_EQ(authzOf(c.desired()), authzOf(wholeCompile(guarded("web.demo"))));
  EXPECT_EQ(c.desired().authz.size(), 6u);  // 2 servers x (default + 2 clients)
  EXPECT_EQ(c.desired().config.default_verdict, WEIR_AUTHZ_ALLOW);

  ASSERT_TRUE(applyEdit(c, view, guarded("web.demo"), guarded("other.demo")).empty());
  EXPECT_EQ(c.lastCompiledPorts(), 0u);
  EXPECT_EQ(authzOf(c.desired()), authzOf(wholeCompile(guarded("other.demo"))));
  EXPECT_EQ(authzOf(c.desired()), (std::vector<std::string>{"101<-0:8080=2", "102<-0:8080=2"}));
  expectSame(c.desired(), wholeCompile(guarded("other.demo")));
}

TEST(ViewCompilerTest, ADiffNamingAnUnknownPortIsRefusedAndTheStateStays) {
  ViewCompiler c(options(), fakeResolve);
  meshwire::NodeStateView view;
  ASSERT_TRUE(c.applySnapshot(view, wireOf(mesh("1"))).empty());
  v1::Diff diff;
  v1::ServiceEndpoint* e = diff.mutable_upserts()->add_endpoints();
  e->set_id("x");
  e->set_service_port_id("demo/nope:80");
  e->mutable_address()->set_ipv4(0x0A010009);
  e->set_port(80);
  e->set_weight(1);
  std::vector<std::string> errors = c.applyDiff(view, diff);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "endpoint x: unknown service port demo/nope:80");
  expectSame(c.desired(), wholeCompile(mesh("1")));
}

}  // namespace
}  // namespace weir::agent::state
