// The whole-mesh plan: replanning only what a delta touches gives planMesh's result, entries that
// did not change keep their pointers, and a node's share is what plan() makes for it.

#include <stdlib.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "common/config/incremental_loader.h"
#include "common/mesh/mesh_plan.h"
#include "tests/unit/common/config/test_util.h"

namespace weir::mesh {

void PrintTo(const PlanServicePort& p, std::ostream* os) {
  *os << p.id << " vip=" << config::formatIPv4(p.vip4) << " toProxy=" << p.toProxy
      << " opaque=" << p.opaque << " src=" << p.src << " endpoints=[";
  for (const PlanEndpoint& e : p.endpoints) {
    *os << e.id << "@" << config::formatIPv4(e.ip4) << ":" << e.port << " w=" << e.weight
        << " node=" << e.node << " local=" << e.local << " meshed=" << e.meshed
        << " off=" << e.fastPathOff << ",";
  }
  *os << "]";
}

void PrintTo(const PlanWorkload& w, std::ostream* os) {
  *os << w.id << " cgroup=" << w.cgroup << " id=" << w.identity
      << " ip=" << config::formatIPv4(w.ip4) << " off=" << w.fastPathOff << " node=" << w.node
      << " src=" << w.src;
}

void PrintTo(const PlanInbound& p, std::ostream* os) {
  *os << p.id << " node=" << p.node << " port=" << p.port;
}

namespace {

using config::ExternalWorkload;
using config::Model;
using config::Service;

Service service(const std::string& name, const char* vip, std::vector<config::ServicePort> ports,
                const std::string& app) {
  Service s;
  s.ns = "demo";
  s.name = name;
  s.clusterIP = vip == nullptr ? 0 : config::ip(vip);
  s.ports = std::move(ports);
  s.selector = {{"app", app}};
  s.src = {"mesh.yaml", 1};
  return s;
}

ExternalWorkload workload(const std::string& name, const char* ip, const std::string& app,
                          const std::string& node, bool cgroup = true) {
  ExternalWorkload w;
  w.ns = "demo";
  w.name = name;
  w.labels = {{"app", app}};
  w.ips = {config::ip(ip)};
  w.ports = {{"http", 9090, "TCP"}};
  w.identity = "spiffe://t/ns/demo/sa/" + app;
  w.cgroup = cgroup ? name : "";
  w.node = node;
  w.src = {"mesh.yaml", 2};
  return w;
}

template <typename T>
void sortByNsName(std::vector<T>& objects) {
  std::sort(objects.begin(), objects.end(),
            [](const T& a, const T& b) { return std::tie(a.ns, a.name) < std::tie(b.ns, b.name); });
}

// web: two workloads on two nodes; api: a numbered and a named target port, one workload without
// a cgroup; a headless service; a workload of another namespace with web's labels.
Model base() {
  Model m;
  m.services = {
      service("web", "10.96.0.10", {{"http", 80, "TCP", 8080, ""}}, "web"),
      service("api", "10.96.0.20",
              {{"a", 80, "TCP", 0, ""}, {"b", 81, "TCP", 0, "http"}, {"dns", 53, "UDP", 0, ""}},
              "api"),
      service("headless", nullptr, {{"", 80, "TCP", 0, ""}}, "web"),
  };
  m.workloads = {
      workload("web-1", "10.244.1.10", "web", "a"),
      workload("web-2", "10.244.2.10", "web", "b"),
      workload("api-1", "10.244.1.20", "api", "a"),
      workload("api-2", "10.244.2.20", "api", "b", false),
  };
  ExternalWorkload stranger = workload("web-9", "10.244.9.9", "web", "a");
  stranger.ns = "other";
  m.workloads.push_back(stranger);
  sortByNsName(m.services);
  sortByNsName(m.workloads);
  return m;
}

template <typename T>
T& named(std::vector<T>& objects, const std::string& name) {
  auto it = std::find_if(objects.begin(), objects.end(),
                         [&](const T& o) { return o.ns == "demo" && o.name == name; });
  EXPECT_NE(it, objects.end()) << name;
  return *it;
}

template <typename T>
void eraseNamed(std::vector<T>& objects, const std::string& name) {
  objects.erase(std::find_if(objects.begin(), objects.end(),
                             [&](const T& o) { return o.ns == "demo" && o.name == name; }));
}

// What IncrementalLoader reports: every object that left as it was, every one that arrived as
// it is.
template <typename T>
void leftAndArrived(const std::vector<T>& before, const std::vector<T>& after,
                    std::vector<T>& out) {
  for (const T& o : before) {
    if (std::find(after.begin(), after.end(), o) == after.end()) {
      out.push_back(o);
    }
  }
  for (const T& o : after) {
    if (std::find(before.begin(), before.end(), o) == before.end()) {
      out.push_back(o);
    }
  }
}

config::MeshDelta deltaBetween(const Model& before, const Model& after) {
  config::MeshDelta delta;
  delta.complete = true;
  leftAndArrived(before.services, after.services, delta.services);
  leftAndArrived(before.workloads, after.workloads, delta.workloads);
  return delta;
}

template <typename Ptr>
std::map<std::string, typename Ptr::element_type> values(const std::map<std::string, Ptr>& in) {
  std::map<std::string, typename Ptr::element_type> out;
  for (const auto& [id, entry] : in) {
    out.emplace(id, *entry);
  }
  return out;
}

void expectSameValue(const MeshPlan& got, const MeshPlan& want) {
  EXPECT_EQ(values(got.ports), values(want.ports));
  EXPECT_EQ(values(got.workloads), values(want.workloads));
  EXPECT_EQ(values(got.inbound), values(want.inbound));
  EXPECT_EQ(got.defaultVerdict, want.defaultVerdict);
  EXPECT_EQ(config::errorStrings({.errors = got.errors}),
            config::errorStrings({.errors = want.errors}));
}

// Every entry equal to `previous`'s under its id is `previous`'s very pointer.
template <typename Ptr>
void expectShared(const std::map<std::string, Ptr>& previous,
                  const std::map<std::string, Ptr>& now) {
  for (const auto& [id, entry] : now) {
    auto it = previous.find(id);
    if (it != previous.end() && *it->second == *entry) {
      EXPECT_EQ(it->second.get(), entry.get()) << id << " is unchanged but was copied";
    }
  }
}

void expectSharesUnchanged(const MeshPlan& previous, const MeshPlan& now) {
  expectShared(previous.ports, now.ports);
  expectShared(previous.workloads, now.workloads);
  expectShared(previous.inbound, now.inbound);
}

// The ids changesBetween reports, against the ids whose value differs.
template <typename Ptr>
std::set<std::string> changedIds(const std::vector<std::pair<Ptr, Ptr>>& pairs) {
  std::set<std::string> out;
  for (const auto& [before, after] : pairs) {
    out.insert(before ? before->id : after->id);
  }
  return out;
}

template <typename Ptr>
std::set<std::string> differingIds(const std::map<std::string, Ptr>& a,
                                   const std::map<std::string, Ptr>& b) {
  std::set<std::string> out;
  for (const auto& [id, entry] : a) {
    auto it = b.find(id);
    if (it == b.end() || !(*it->second == *entry)) {
      out.insert(id);
    }
  }
  for (const auto& [id, entry] : b) {
    if (a.count(id) == 0) {
      out.insert(id);
    }
  }
  return out;
}

struct ChangeCase {
  std::string name;
  std::function<void(Model&)> change;
  std::function<void(Model&)> given = nullptr;  // applied to base() before and after
};

constexpr const char* kDefaultPolicy = "config.linkerd.io/default-inbound-policy";

void denyByDefault(Model& m) { named(m.workloads, "web-1").annotations[kDefaultPolicy] = "deny"; }

class ReplanTest : public testing::TestWithParam<ChangeCase> {};

TEST_P(ReplanTest, EqualsPlanningTheWholeModel) {
  Model before = base();
  if (GetParam().given) {
    GetParam().given(before);
  }
  Model after = before;
  GetParam().change(after);
  sortByNsName(after.services);
  sortByNsName(after.workloads);

  MeshPlan previous = planMesh(before);
  MeshPlan replanned = replanMesh(after, previous, deltaBetween(before, after));
  MeshPlan full = planMesh(after);
  expectSameValue(replanned, full);
  expectSharesUnchanged(previous, replanned);
  expectSharesUnchanged(previous, planMesh(after, &previous));

  MeshChange change = changesBetween(previous, replanned);
  EXPECT_EQ(changedIds(change.ports), differingIds(previous.ports, full.ports));
  EXPECT_EQ(changedIds(change.workloads), differingIds(previous.workloads, full.workloads));
  EXPECT_EQ(changedIds(change.inbound), differingIds(previous.inbound, full.inbound));
}

INSTANTIATE_TEST_SUITE_P(
    Changes, ReplanTest,
    testing::Values(
        ChangeCase{"Nothing", [](Model&) {}},
        ChangeCase{"WeightChanged", [](Model& m) { named(m.workloads, "web-1").weight = 5; }},
        ChangeCase{"LabelMovesWorkloadToAnotherService",
                   [](Model& m) {
                     named(m.workloads, "web-2").labels = {{"app", "api"}};
                   }},
        ChangeCase{"LabelAddedKeepsSelection",
                   [](Model& m) { named(m.workloads, "web-2").labels["tier"] = "front"; }},
        ChangeCase{"WorkloadDeleted", [](Model& m) { eraseNamed(m.workloads, "web-1"); }},
        ChangeCase{
            "WorkloadAdded",
            [](Model& m) { m.workloads.push_back(workload("web-3", "10.244.3.10", "web", "c")); }},
        ChangeCase{"WorkloadRenamed", [](Model& m) { named(m.workloads, "api-1").name = "api-9"; }},
        ChangeCase{"WorkloadIPChanged",
                   [](Model& m) { named(m.workloads, "web-2").ips = {config::ip("10.244.2.99")}; }},
        ChangeCase{"WorkloadLostItsAddress",
                   [](Model& m) { named(m.workloads, "web-2").ips = {}; }},
        ChangeCase{"WorkloadMovedToAnotherNamespace",
                   [](Model& m) { named(m.workloads, "web-1").ns = "other"; }},
        ChangeCase{"ServiceDeleted", [](Model& m) { eraseNamed(m.services, "api"); }},
        ChangeCase{
            "ServiceAdded",
            [](Model& m) {
              m.services.push_back(service("db", "10.96.0.30", {{"", 5432, "TCP", 0, ""}}, "web"));
            }},
        ChangeCase{"ServiceRenamed", [](Model& m) { named(m.services, "web").name = "www"; }},
        ChangeCase{"SelectorChanged",
                   [](Model& m) {
                     named(m.services, "api").selector = {{"app", "web"}};
                   }},
        ChangeCase{"SelectorEmptied", [](Model& m) { named(m.services, "web").selector = {}; }},
        ChangeCase{"ClusterIPChanged",
                   [](Model& m) { named(m.services, "web").clusterIP = config::ip("10.96.0.99"); }},
        ChangeCase{"ServiceMadeHeadless", [](Model& m) { named(m.services, "web").clusterIP = 0; }},
        ChangeCase{"PortRemoved", [](Model& m) { named(m.services, "api").ports.pop_back(); }},
        ChangeCase{"OpaquePortsAnnotated",
                   [](Model& m) {
                     named(m.services, "web").annotations["config.linkerd.io/opaque-ports"] = "80";
                   }},
        ChangeCase{"NamedTargetPortNoLongerResolves",
                   [](Model& m) { named(m.workloads, "api-1").ports[0].name = "grpc"; }},
        ChangeCase{"CgroupRemoved", [](Model& m) { named(m.workloads, "web-1").cgroup = ""; }},
        ChangeCase{"CgroupAdded", [](Model& m) { named(m.workloads, "api-2").cgroup = "api-2"; }},
        ChangeCase{"NodeChanged", [](Model& m) { named(m.workloads, "web-2").node = "a"; }},
        ChangeCase{"FastPathOptOut",
                   [](Model& m) {
                     named(m.workloads, "web-1").annotations["weir.io/fast-path"] = "false";
                   }},
        ChangeCase{"FastPathAnnotationInvalid",
                   [](Model& m) {
                     named(m.workloads, "web-1").annotations["weir.io/fast-path"] = "maybe";
                   }},
        ChangeCase{"SourceLineMoved", [](Model& m) { named(m.services, "web").src.line = 40; }},
        ChangeCase{"EverythingRemoved", [](Model& m) { m = Model{}; }},
        // Inbound policy: compiled for a workload that names a default policy.
        ChangeCase{"DefaultPolicyNamedOnAWorkload", denyByDefault},
        ChangeCase{"DefaultPolicyNamedOnANamespace",
                   [](Model& m) {
                     m.namespaces.push_back({"demo", {}, {{kDefaultPolicy, "deny"}}, {}, {}});
                   }},
        ChangeCase{"DefaultPolicyRemoved",
                   [](Model& m) { named(m.workloads, "web-1").annotations.erase(kDefaultPolicy); },
                   denyByDefault},
        ChangeCase{"DefaultPolicyChanged",
                   [](Model& m) {
                     named(m.workloads, "web-1").annotations[kDefaultPolicy] = "all-authenticated";
                   },
                   denyByDefault},
        ChangeCase{
            "NewServiceReachesAPolicedWorkload",
            [](Model& m) {
              m.services.push_back(service("db", "10.96.0.30", {{"", 5432, "TCP", 0, ""}}, "web"));
            },
            denyByDefault},
        ChangeCase{"TargetPortOfAPolicedWorkloadChanged",
                   [](Model& m) { named(m.services, "web").ports[0].targetPort = 8081; },
                   denyByDefault},
        ChangeCase{"PolicedWorkloadMovesToAnotherService",
                   [](Model& m) {
                     named(m.workloads, "web-1").labels = {{"app", "api"}};
                   },
                   denyByDefault},
        ChangeCase{"OtherWorkloadChangedBesideAPolicedOne",
                   [](Model& m) { named(m.workloads, "web-2").weight = 3; }, denyByDefault},
        ChangeCase{"PolicedWorkloadLostItsCgroup",
                   [](Model& m) { named(m.workloads, "web-1").cgroup = ""; }, denyByDefault}),
    config::CaseName());

TEST(ReplanMeshTest, IncompleteDeltaPlansEverything) {
  Model before = base();
  Model after = base();
  named(after.workloads, "web-1").weight = 9;
  MeshPlan previous = planMesh(before);
  MeshPlan replanned = replanMesh(after, previous, config::MeshDelta{});
  expectSameValue(replanned, planMesh(after));
  expectSharesUnchanged(previous, replanned);
}

TEST(ReplanMeshTest, ChangeTouchingManyServices) {
  // More services select the changed workload than replanMesh patches one by one.
  Model before = base();
  for (int i = 0; i < 70; ++i) {
    std::string vip = "10.96.1." + std::to_string(i + 1);
    before.services.push_back(
        service("many-" + std::to_string(i), vip.c_str(), {{"", 80, "TCP", 0, ""}}, "web"));
  }
  sortByNsName(before.services);
  Model after = before;
  named(after.workloads, "web-1").weight = 2;
  MeshPlan previous = planMesh(before);
  MeshPlan replanned = replanMesh(after, previous, deltaBetween(before, after));
  expectSameValue(replanned, planMesh(after));
  expectSharesUnchanged(previous, replanned);
}

TEST(ReplanMeshTest, UnchangedEntriesKeepTheirPointers) {
  Model before = base();
  Model after = base();
  named(after.workloads, "web-1").weight = 5;
  MeshPlan previous = planMesh(before);
  MeshPlan replanned = replanMesh(after, previous, deltaBetween(before, after));
  EXPECT_EQ(replanned.ports.at("demo/api:80"), previous.ports.at("demo/api:80"));
  EXPECT_EQ(replanned.workloads.at("demo/web-1"), previous.workloads.at("demo/web-1"));
  EXPECT_NE(replanned.ports.at("demo/web:80"), previous.ports.at("demo/web:80"));
  MeshChange change = changesBetween(previous, replanned);
  ASSERT_EQ(change.ports.size(), 1u);
  EXPECT_EQ(change.ports[0].first->id, "demo/web:80");
  EXPECT_TRUE(change.workloads.empty());
  EXPECT_TRUE(changesBetween(replanned, replanned).empty());
}

// One line per document, so the loader's deltas come from real edits.
class ReplanFromLoaderTest : public testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/weir-mesh-plan-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& name, const std::vector<std::string>& lines) {
    std::ofstream out(dir_ + "/" + name, std::ios::trunc);
    for (const std::string& line : lines) {
      out << "---\n" << line << "\n";
    }
  }

  static std::string svc(const std::string& name, const std::string& vip, const std::string& app) {
    return "{apiVersion: v1, kind: Service, metadata: {name: " + name +
           ", namespace: demo}, spec: {clusterIP: " + vip + ", selector: {app: " + app +
           "}, ports: [{port: 80, targetPort: 8080}]}}";
  }

  static std::string wl(const std::string& name, const std::string& ip, const std::string& app,
                        const std::string& annotations) {
    return "{apiVersion: workload.linkerd.io/v1beta1, kind: ExternalWorkload, metadata: {name: " +
           name + ", namespace: demo, labels: {app: " + app + "}, annotations: {" + annotations +
           "}}, spec: {meshTLS: {identity: spiffe://t/" + name + ", serverName: " + name +
           "}, workloadIPs: [{ip: " + ip + "}]}}";
  }

  std::string dir_;
};

TEST_F(ReplanFromLoaderTest, EditsReplanAsPlanMeshDoes) {
  const std::string web = svc("web", "10.96.0.10", "web");
  const std::string api = svc("api", "10.96.0.20", "api");
  const std::string server =
      "{apiVersion: policy.linkerd.io/v1beta3, kind: Server, metadata: {name: web, namespace: "
      "demo}, spec: {podSelector: {matchLabels: {app: web}}, port: 8080, proxyProtocol: opaque}}";
  const std::string deny =
      "{apiVersion: v1, kind: Namespace, metadata: {name: demo, annotations: "
      "{config.linkerd.io/default-inbound-policy: deny}}}";
  std::vector<std::vector<std::string>> versions = {
      {web, api, wl("web-1", "10.244.1.10", "web", "weir.io/cgroup: web-1, weir.io/node: a"),
       wl("api-1", "10.244.1.20", "api", "weir.io/cgroup: api-1, weir.io/node: b")},
      // weight
      {web, api,
       wl("web-1", "10.244.1.10", "web",
          "weir.io/cgroup: web-1, weir.io/node: a, weir.io/weight: '4'"),
       wl("api-1", "10.244.1.20", "api", "weir.io/cgroup: api-1, weir.io/node: b")},
      // api-1 moves to web, and to node a without its cgroup
      {web, api,
       wl("web-1", "10.244.1.10", "web",
          "weir.io/cgroup: web-1, weir.io/node: a, weir.io/weight: '4'"),
       wl("api-1", "10.244.1.20", "web", "weir.io/node: a")},
      // a Server on web's workloads
      {web, api, server,
       wl("web-1", "10.244.1.10", "web",
          "weir.io/cgroup: web-1, weir.io/node: a, weir.io/weight: '4'"),
       wl("api-1", "10.244.1.20", "web", "weir.io/cgroup: api-1, weir.io/node: a")},
      // and a namespace default policy; web-1 moves to api
      {deny, web, api, server,
       wl("web-1", "10.244.1.10", "api",
          "weir.io/cgroup: web-1, weir.io/node: a, weir.io/weight: '4'"),
       wl("api-1", "10.244.1.20", "web", "weir.io/cgroup: api-1, weir.io/node: a")},
      // api selects web; web is deleted
      {deny, svc("api", "10.96.0.20", "web"), server,
       wl("web-1", "10.244.1.10", "api",
          "weir.io/cgroup: web-1, weir.io/node: a, weir.io/weight: '4'"),
       wl("api-1", "10.244.1.20", "web", "weir.io/cgroup: api-1, weir.io/node: a")},
  };
  config::IncrementalLoader loader(dir_);
  MeshPlan previous;
  for (size_t v = 0; v < versions.size(); ++v) {
    write("mesh.yaml", versions[v]);
    config::ReloadResult result = loader.reload();
    ASSERT_TRUE(result.ok()) << v;
    EXPECT_EQ(result.incremental, v > 0) << v;
    MeshPlan next = replanMesh(loader.model(), previous, result.delta);
    expectSameValue(next, planMesh(loader.model()));
    expectSharesUnchanged(previous, next);
    previous = std::move(next);
  }
  EXPECT_FALSE(previous.inbound.empty());
}

TEST(NodePlanTest, SharesOfTheMeshArePlansOfTheModel) {
  Model m = base();
  named(m.services, "web").annotations["config.linkerd.io/opaque-ports"] = "80";
  MeshPlan mesh = planMesh(m);
  for (const PlanOptions& options :
       {PlanOptions{"a", false}, PlanOptions{"a", true}, PlanOptions{"b", true},
        PlanOptions{"", true}, PlanOptions{"elsewhere", false}}) {
    EXPECT_EQ(nodePlan(mesh, options), plan(m, options).plan) << options.node << options.proxy;
  }
  NodePlan a = nodePlan(mesh, {"a", true});
  ASSERT_EQ(a.workloads.size(), 3u);  // api-1, web-1 and other/web-9; api-2 has no cgroup
  const PlanServicePort& web = *std::find_if(a.servicePorts.begin(), a.servicePorts.end(),
                                             [](const auto& p) { return p.id == "demo/web:80"; });
  ASSERT_EQ(web.endpoints.size(), 2u);
  EXPECT_TRUE(web.endpoints[0].local);                                 // web-1 on a
  EXPECT_FALSE(web.endpoints[1].local);                                // web-2 on b
  EXPECT_TRUE(web.toProxy);                                            // a remote endpoint
  EXPECT_FALSE(nodePlan(mesh, {"a", false}).servicePorts[0].toProxy);  // no proxy here
}

}  // namespace
}  // namespace weir::mesh
