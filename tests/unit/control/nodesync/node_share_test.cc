// A node's NodeSync share moved by diffs: over generated runs of configuration edits, an agent
// view holding version i's share, given shareDiff of the publisher's changes i -> j, holds version
// j's share exactly, for nodes with and without a proxy.

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/config/incremental_loader.h"
#include "common/mesh/mesh_plan.h"
#include "common/meshwire/codec.h"
#include "common/meshwire/node_state_view.h"
#include "control/nodesync/node_share.h"
#include "control/nodesync/publisher.h"
#include "tests/unit/common/mesh/policy_docs.h"
#include "tests/unit/control/kube/temp_dir.h"

namespace weir::control::nodesync {
namespace {

namespace fs = std::filesystem;
using google::protobuf::util::MessageDifferencer;
using meshwire::NodeStateView;

const std::array<mesh::PlanOptions, 4> kNodes = {
    mesh::PlanOptions{"n1", false}, mesh::PlanOptions{"n1", true}, mesh::PlanOptions{"n2", true},
    mesh::PlanOptions{"n3", false}};  // n3 runs no workload of its own

// A small mesh whose objects a seeded generator edits: services s0..s3 and workloads w0..w7 of
// namespace demo, each with a fixed address, so only the injected clash is ever rejected.
struct ServiceSpec {
  bool present = true;
  std::string app = "a";
  int port = 80;
  bool opaque = false;
};

struct WorkloadSpec {
  bool present = true;
  std::string app = "a";
  int weight = 1;
  std::string node = "n1";
  bool cgroup = true;
  bool fastPathOff = false;
};

struct World {
  std::array<ServiceSpec, 4> services;
  std::array<WorkloadSpec, 8> workloads;
  // 0: no policy; 1: a Server on app a's port 8080 admitting w0; 2: the same admitting w1 and w2;
  // 3: namespace demo's default inbound policy is deny.
  int policy = 0;
};

const std::array<const char*, 3> kApps = {"a", "b", "c"};
const std::array<const char*, 3> kNodeNames = {"n1", "n2", ""};

void mutate(World& world, std::mt19937& rng) {
  ServiceSpec& s = world.services[rng() % world.services.size()];
  WorkloadSpec& w = world.workloads[rng() % world.workloads.size()];
  switch (rng() % 11) {
    case 10:
      world.policy = static_cast<int>(rng() % 4);
      break;
    case 0:
      s.present = !s.present;
      break;
    case 1:
      s.app = kApps[rng() % kApps.size()];
      break;
    case 2:
      s.port = s.port == 80 ? 8080 : 80;
      break;
    case 3:
      s.opaque = !s.opaque;
      break;
    case 4:
      w.present = !w.present;
      break;
    case 5:
      w.app = kApps[rng() % kApps.size()];
      break;
    case 6:
      w.weight = 1 + static_cast<int>(rng() % 5);
      break;
    case 7:
      w.node = kNodeNames[rng() % kNodeNames.size()];
      break;
    case 8:
      w.cgroup = !w.cgroup;
      break;
    default:
      w.fastPathOff = !w.fastPathOff;
      break;
  }
}

void renderPolicy(int policy, const std::string& dir) {
  std::string file = dir + "/policy.yaml";
  if (policy == 0) {
    fs::remove(file);
    return;
  }
  std::ofstream out(file, std::ios::trunc);
  if (policy == 3) {
    out << "apiVersion: v1\nkind: Namespace\nmetadata: {name: demo, annotations: "
           "{config.linkerd.io/default-inbound-policy: deny}}\n";
    return;
  }
  out << "apiVersion: policy.linkerd.io/v1beta3\nkind: Server\nmetadata: {name: a, namespace: "
         "demo}\nspec: {podSelector: {matchLabels: {app: a}}, port: 8080, proxyProtocol: opaque}\n"
         "---\napiVersion: policy.linkerd.io/v1alpha1\nkind: AuthorizationPolicy\nmetadata: "
         "{name: a, namespace: demo}\nspec:\n  targetRef: {group: policy.linkerd.io, kind: "
         "Server, name: a}\n  requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: "
         "MeshTLSAuthentication, name: ids}]\n---\napiVersion: policy.linkerd.io/v1alpha1\n"
         "kind: MeshTLSAuthentication\nmetadata: {name: ids, namespace: demo}\nspec: {identities: "
      << (policy == 1 ? "[spiffe://t/w0]" : "[spiffe://t/w1, spiffe://t/w2]") << "}\n";
}

// All services in one multi-document file (an opaque one is a line longer, moving the later
// ones); each workload in a file of its own.
void render(const World& world, const std::string& dir) {
  std::ofstream services(dir + "/services.yaml", std::ios::trunc);
  for (size_t i = 0; i < world.services.size(); ++i) {
    const ServiceSpec& s = world.services[i];
    if (!s.present) {
      continue;
    }
    services << "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s" << i
             << "\n  namespace: demo\n";
    if (s.opaque) {
      services << "  annotations: {config.linkerd.io/opaque-ports: \"" << s.port << "\"}\n";
    }
    services << "spec:\n  clusterIP: 10.96.0." << i + 1 << "\n  selector: {app: " << s.app
             << "}\n  ports: [{port: " << s.port << ", targetPort: 8080}]\n";
  }
  for (size_t i = 0; i < world.workloads.size(); ++i) {
    const WorkloadSpec& w = world.workloads[i];
    std::string file = dir + "/w" + std::to_string(i) + ".yaml";
    if (!w.present) {
      fs::remove(file);
      continue;
    }
    std::ofstream out(file, std::ios::trunc);
    out << "apiVersion: workload.linkerd.io/v1beta1\nkind: ExternalWorkload\nmetadata:\n  name: w"
        << i << "\n  namespace: demo\n  labels: {app: " << w.app
        << "}\n  annotations: {weir.io/weight: \"" << w.weight << "\"";
    if (w.cgroup) {
      out << ", weir.io/cgroup: w" << i;
    }
    if (!w.node.empty()) {
      out << ", weir.io/node: " << w.node;
    }
    if (w.fastPathOff) {
      out << ", weir.io/fast-path: \"false\"";
    }
    out << "}\nspec:\n  meshTLS: {identity: spiffe://t/w" << i << ", serverName: w" << i
        << ".demo}\n  workloadIPs: [{ip: 10.244.0." << i + 1 << "}]\n";
  }
  renderPolicy(world.policy, dir);
}

// Two workloads on one address: the reload is rejected and nothing is published.
void renderClash(const std::string& dir) {
  std::ofstream out(dir + "/clash.yaml", std::ios::trunc);
  for (const char* name : {"x", "y"}) {
    out << "---\n{apiVersion: workload.linkerd.io/v1beta1, kind: ExternalWorkload, metadata: "
           "{name: "
        << name << ", namespace: demo}, spec: {meshTLS: {identity: i, serverName: s}, "
        << "workloadIPs: [{ip: 10.250.0.1}]}}\n";
  }
}

std::string describe(const v1::NodeState& upserts, const v1::Deletions& deletes) {
  return "upserts {" + upserts.ShortDebugString() + "} deletes {" + deletes.ShortDebugString() +
         "}";
}

bool isEmpty(const v1::NodeState& upserts, const v1::Deletions& deletes) {
  return upserts.ByteSizeLong() == 0 && deletes.ByteSizeLong() == 0;
}

class NodeShareTest : public testing::Test {
 protected:
  void SetUp() override {
    meshes_.push_back(std::make_shared<const mesh::MeshPlan>());  // version 0: nothing yet
  }

  // Reloads the directory and publishes the model when it is good, as the control plane does.
  void reloadAndPublish(config::IncrementalLoader& loader) {
    config::ReloadResult result = loader.reload();
    if (!result.ok()) {
      ++rejected_;
      return;
    }
    incremental_ += result.incremental ? 1 : 0;
    publisher_.publish(loader.model(), result.incremental ? &result.delta : nullptr);
    PublishedMesh now = publisher_.currentMesh();
    ASSERT_EQ(now.version, meshes_.size());
    meshes_.push_back(now.mesh);
    mesh::MeshPlan full = mesh::planMesh(loader.model());
    EXPECT_TRUE(mesh::changesBetween(*now.mesh, full).empty()) << "version " << now.version;
  }

  // Every version's share, moved by the diff of every later run of versions, is that version's.
  void expectDiffsReachEveryVersion(const std::string& context) {
    for (const mesh::PlanOptions& node : kNodes) {
      for (size_t i = 0; i < meshes_.size(); ++i) {
        v1::NodeState share = shareOf(*meshes_[i], node);
        EXPECT_TRUE(
            MessageDifferencer::Equals(share, meshwire::toWire(mesh::nodePlan(*meshes_[i], node))));
        for (size_t j = i; j < meshes_.size(); ++j) {
          std::optional<std::vector<ChangePtr>> changes = publisher_.changes(i, j);
          ASSERT_TRUE(changes.has_value()) << i << "->" << j;
          ASSERT_EQ(changes->size(), j - i);
          NodeStateView view(share);
          v1::NodeState upserts;
          v1::Deletions deletes;
          bool changed = shareDiff(*changes, *meshes_[j], node, &upserts, &deletes);
          EXPECT_EQ(changed, !isEmpty(upserts, deletes));
          view.apply(upserts, deletes);
          v1::NodeState missing;
          v1::Deletions extra;
          EXPECT_FALSE(NodeStateView::diff(view, NodeStateView(shareOf(*meshes_[j], node)),
                                           &missing, &extra))
              << context << " node " << node.node << (node.proxy ? "+proxy" : "") << " " << i
              << "->" << j << ": applied " << describe(upserts, deletes) << "; still needs "
              << describe(missing, extra);
        }
      }
    }
  }

  kube::testing::TempDir dir_;
  Publisher publisher_;
  std::vector<std::shared_ptr<const mesh::MeshPlan>> meshes_;  // by version
  int rejected_ = 0;
  int incremental_ = 0;
};

class NodeShareGeneratedTest : public NodeShareTest,
                               public testing::WithParamInterface<unsigned> {};

TEST_P(NodeShareGeneratedTest, DiffsReachEveryLaterShare) {
  constexpr int kSteps = 16;
  std::mt19937 rng(GetParam());
  World world;
  for (size_t i = 0; i < world.workloads.size(); ++i) {
    world.workloads[i].app = kApps[i % kApps.size()];
    world.workloads[i].node = kNodeNames[i % kNodeNames.size()];
  }
  for (size_t i = 0; i < world.services.size(); ++i) {
    world.services[i].app = kApps[i % kApps.size()];
  }
  config::IncrementalLoader loader(dir_.path());
  render(world, dir_.path());
  reloadAndPublish(loader);
  int clashes = 0;
  for (int step = 0; step < kSteps; ++step) {
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      mutate(world, rng);
    }
    render(world, dir_.path());
    if (step % 5 == 2) {
      ++clashes;
      renderClash(dir_.path());
      reloadAndPublish(loader);
      fs::remove(dir_.path() + "/clash.yaml");
    }
    reloadAndPublish(loader);
  }
  ASSERT_GT(meshes_.size(), 10u);
  EXPECT_EQ(rejected_, clashes);
  EXPECT_GT(incremental_, 10);
  expectDiffsReachEveryVersion("seed " + std::to_string(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Seeds, NodeShareGeneratedTest, testing::Range(1u, 9u));

config::Model load(const std::string& yaml) {
  config::LoadResult loaded = config::parseText(yaml, "mesh.yaml");
  EXPECT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors[0].str());
  return loaded.model;
}

// web on n1 behind a service; lone on n2, selected by nothing.
std::string twoWorkloads(const std::string& loneCgroup) {
  return R"(apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec: {clusterIP: 10.96.0.10, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata: {name: web, namespace: demo, labels: {app: web}, annotations: {weir.io/cgroup: web, weir.io/node: n1}}
spec: {meshTLS: {identity: i, serverName: s}, workloadIPs: [{ip: 10.244.1.10}]}
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata: {name: lone, namespace: demo, annotations: {weir.io/cgroup: )" +
         loneCgroup + R"(, weir.io/node: n2}}
spec: {meshTLS: {identity: i, serverName: s}, workloadIPs: [{ip: 10.244.2.10}]}
)";
}

TEST_F(NodeShareTest, NodeTheChangeDoesNotReachGetsAnEmptyDiff) {
  publisher_.publish(load(twoWorkloads("lone")));
  publisher_.publish(load(twoWorkloads("lone-2")));
  std::optional<std::vector<ChangePtr>> changes = publisher_.changes(1, 2);
  ASSERT_TRUE(changes.has_value());
  for (const mesh::PlanOptions& node : kNodes) {
    v1::NodeState upserts;
    v1::Deletions deletes;
    bool changed = shareDiff(*changes, *publisher_.currentMesh().mesh, node, &upserts, &deletes);
    if (node.node == "n2") {
      EXPECT_TRUE(changed);
      ASSERT_EQ(upserts.workloads_size(), 1);
      EXPECT_EQ(upserts.workloads(0).cgroup(), "lone-2");
      EXPECT_EQ(upserts.service_ports_size() + upserts.endpoints_size(), 0);
    } else {
      EXPECT_FALSE(changed) << node.node;
      EXPECT_TRUE(isEmpty(upserts, deletes)) << node.node << " " << describe(upserts, deletes);
    }
  }
}

TEST_F(NodeShareTest, ModelChangeOutsideTheMeshGivesEveryNodeAnEmptyDiff) {
  publisher_.publish(load(twoWorkloads("lone")));
  publisher_.publish(load(twoWorkloads("lone") +
                          "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x}\n"));
  std::optional<std::vector<ChangePtr>> changes = publisher_.changes(1, 2);
  ASSERT_TRUE(changes.has_value());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_TRUE((*changes)[0]->empty());
  for (const mesh::PlanOptions& node : kNodes) {
    v1::NodeState upserts;
    v1::Deletions deletes;
    EXPECT_FALSE(shareDiff(*changes, *publisher_.currentMesh().mesh, node, &upserts, &deletes))
        << node.node;
    EXPECT_TRUE(isEmpty(upserts, deletes)) << node.node;
  }
}

// web-1 serves port 8080 behind a Server admitting only `admitted`; clients a-1 and b-1 run on
// n1 beside it.
std::string guarded(const std::string& admitted) {
  std::string out = test_docs::guardedPort("demo", "web", admitted);
  int host = 10;
  for (const char* name : {"web-1", "a-1", "b-1"}) {
    std::string app(name, 1);
    out += std::string("---\napiVersion: workload.linkerd.io/v1beta1\nkind: ExternalWorkload\n") +
           "metadata: {name: " + name + ", namespace: demo, labels: {app: " +
           (app == "w" ? "web" : app) + "}, annotations: {weir.io/cgroup: " + name +
           ", weir.io/node: n1}}\nspec: {meshTLS: {identity: " + app + ".id, serverName: s}, " +
           "workloadIPs: [{ip: 10.244.1." + std::to_string(host++) + "}]}\n";
  }
  return out;
}

TEST_F(NodeShareTest, APolicyEditMovesTheAuthorizationsByDiff) {
  publisher_.publish(load(guarded("a.id")));
  v1::NodeState first = shareOf(*publisher_.currentMesh().mesh, {"n1", false});
  EXPECT_EQ(first.settings().default_verdict(), v1::L4_VERDICT_ALLOW);  // always in a snapshot
  ASSERT_EQ(first.authorizations_size(), 2);
  EXPECT_EQ(first.authorizations(0).id(), "demo/web-1:8080<-");
  EXPECT_EQ(first.authorizations(0).verdict(), v1::L4_VERDICT_DENY);
  EXPECT_EQ(first.authorizations(1).id(), "demo/web-1:8080<-a.id");
  EXPECT_EQ(first.authorizations(1).verdict(), v1::L4_VERDICT_ALLOW);

  publisher_.publish(load(guarded("b.id")));
  std::optional<std::vector<ChangePtr>> changes = publisher_.changes(1, 2);
  ASSERT_TRUE(changes.has_value());
  v1::NodeState upserts;
  v1::Deletions deletes;
  EXPECT_TRUE(shareDiff(*changes, *publisher_.currentMesh().mesh, {"n1", false}, &upserts,
                        &deletes));
  EXPECT_EQ(upserts.ShortDebugString(),
            "authorizations { id: \"demo/web-1:8080<-b.id\" workload_id: \"demo/web-1\" port: 8080 "
            "client_identity: \"b.id\" verdict: L4_VERDICT_ALLOW }");
  EXPECT_EQ(deletes.ShortDebugString(), "authorizations: \"demo/web-1:8080<-a.id\"");

  // n2 runs none of these workloads: nothing for it.
  v1::NodeState none;
  v1::Deletions noDeletes;
  EXPECT_FALSE(shareDiff(*changes, *publisher_.currentMesh().mesh, {"n2", false}, &none,
                         &noDeletes));
}

TEST_F(NodeShareTest, PublisherKeepsChangesForItsHistoryOnly) {
  const config::Model models[] = {load(twoWorkloads("lone")), load(twoWorkloads("lone-2"))};
  const uint64_t last = Publisher::kHistory + 4;
  for (uint64_t v = 1; v <= last; ++v) {
    publisher_.publish(models[v % 2]);
  }
  EXPECT_EQ(publisher_.currentMesh().version, last);
  Published current = publisher_.current();
  EXPECT_EQ(current.version, last);
  ASSERT_NE(current.model, nullptr);
  EXPECT_EQ(*current.model, models[last % 2]);
  EXPECT_EQ(current.mesh, publisher_.currentMesh().mesh);

  std::optional<std::vector<ChangePtr>> all = publisher_.changes(last - Publisher::kHistory, last);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), Publisher::kHistory);
  std::optional<std::vector<ChangePtr>> some = publisher_.changes(last - 3, last - 1);
  ASSERT_TRUE(some.has_value());
  EXPECT_EQ(some->size(), 2u);
  EXPECT_EQ((*some)[1], all->at(Publisher::kHistory - 2));
  std::optional<std::vector<ChangePtr>> none = publisher_.changes(last, last);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());

  EXPECT_EQ(publisher_.changes(last - Publisher::kHistory - 1, last), std::nullopt);  // left
  EXPECT_EQ(publisher_.changes(0, last), std::nullopt);
  EXPECT_EQ(publisher_.changes(last, last + 1), std::nullopt);  // not published yet
  EXPECT_EQ(publisher_.changes(last, last - 1), std::nullopt);
}

TEST_F(NodeShareTest, AwaitingReturnsTheNewerVersionAtOnce) {
  EXPECT_EQ(publisher_.currentMesh().version, 0u);
  EXPECT_EQ(publisher_.current().model, nullptr);
  publisher_.publish(load(twoWorkloads("lone")));
  EXPECT_EQ(publisher_.awaitNewerMesh(0, std::chrono::hours(1)).version, 1u);
  EXPECT_EQ(publisher_.awaitNewer(0, std::chrono::hours(1)).version, 1u);
  // Nothing newer: back after the timeout with the same version.
  EXPECT_EQ(publisher_.awaitNewerMesh(1, std::chrono::milliseconds(1)).version, 1u);
}

}  // namespace
}  // namespace weir::control::nodesync
