// KubeSource (a reflector per collection -> object caches -> a config::Model) against a real
// HTTPS server in this process. No Kubernetes API server can run on these machines, so the server
// replays responses recorded in the API server's JSON wire format (testdata/source/, see
// testdata/README.md): a LIST per collection, watch streams with ADDED, MODIFIED, DELETED and
// BOOKMARK events, and a 404 for a CRD that is not installed. Each collection path has its own
// script, and gates release the replies one part at a time, so the test decides the order in
// which concurrent watches deliver and can assert every published model exactly.

#include "control/kube/kube_source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "tests/unit/common/config/test_util.h"
#include "tests/unit/control/kube/fake_api_server.h"
#include "tests/unit/control/kube/test_pki.h"
#include "tests/unit/control/kube/testdata.h"

namespace weir::control::kube {
namespace {

using namespace std::chrono_literals;
using config::ip;
using testing::FakeApiServer;
using testing::Gate;
using testing::listReply;
using testing::Reply;
using testing::watchReply;

constexpr const char* kServices = "/api/v1/services";
constexpr const char* kPods = "/api/v1/pods";
constexpr const char* kTrafficSplits = "/apis/split.smi-spec.io/v1alpha2/trafficsplits";

const testing::TestCert& ca() {
  static const testing::TestCert kCa = testing::makeCa("weir test cluster CA");
  return kCa;
}

const testing::TestCert& serverCert() {
  static const testing::TestCert kCert = testing::issueLeaf(ca(), "kube-apiserver", "IP:127.0.0.1");
  return kCert;
}

// The LIST response recorded for each collection of defaultCollections().
std::map<std::string, std::string> listFiles() {
  return {
      {"/api/v1/namespaces", "source/namespaces_list.json"},
      {"/api/v1/serviceaccounts", "source/serviceaccounts_list.json"},
      {kServices, "source/services_list.json"},
      {kPods, "source/pods_list.json"},
      {"/apis/workload.linkerd.io/v1beta1/externalworkloads", "source/externalworkloads_list.json"},
      {"/apis/linkerd.io/v1alpha2/serviceprofiles", "source/serviceprofiles_list.json"},
      {"/apis/policy.linkerd.io/v1beta3/servers", "source/servers_list.json"},
      {"/apis/policy.linkerd.io/v1beta1/serverauthorizations",
       "source/serverauthorizations_list.json"},
      {"/apis/policy.linkerd.io/v1alpha1/authorizationpolicies",
       "source/authorizationpolicies_list.json"},
      {"/apis/policy.linkerd.io/v1alpha1/meshtlsauthentications",
       "source/meshtlsauthentications_list.json"},
      {"/apis/policy.linkerd.io/v1alpha1/networkauthentications",
       "source/networkauthentications_list.json"},
      {"/apis/policy.linkerd.io/v1beta3/httproutes", "source/policy_httproutes_list.json"},
      {"/apis/gateway.networking.k8s.io/v1/httproutes", "source/gateway_httproutes_list.json"},
  };
}

// kube-apiserver's answer for a group/version it does not serve: plain text, not a Status.
Reply notFound() {
  Reply r;
  r.status = 404;
  r.body = testing::readTestdata("source/not_found.txt");
  r.repeat = true;
  return r;
}

bool eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 3000; ++i) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// Runs a KubeSource on its own thread against `server` and records what it publishes.
class Harness {
 public:
  explicit Harness(FakeApiServer& server,
                   const std::function<void(KubeSourceOptions&)>& tweak = {}) {
    ClusterConfig config;
    config.host = "127.0.0.1";
    config.port = server.port();
    config.caPem = ca().certPem;
    config.token = "eyJhbGciOiJSUzI1NiJ9.kube-source-token";
    config.source = "test";
    auto client = HttpsClient::create(config);
    EXPECT_TRUE(client.ok()) << client.error().str();
    client_ = std::move(*client);
    KubeSourceOptions options;
    options.quietPeriod = 20ms;
    options.maxDelay = 200ms;
    options.backoff.initial = 20ms;
    options.backoff.max = 100ms;
    if (tweak) {
      tweak(options);
    }
    source_ = std::make_unique<KubeSource>(*client_, options, [this](config::Model model) {
      std::lock_guard lock(mu_);
      models_.push_back(std::move(model));
      cv_.notify_all();
    });
    thread_ = std::thread([this] { source_->run(); });
  }

  ~Harness() {
    source_->stop();
    thread_.join();
  }

  // The `n`th published model (1-based), once it is published; fails the test after 30 s.
  config::Model published(size_t n) {
    std::unique_lock lock(mu_);
    bool arrived = cv_.wait_for(lock, 30s, [&] { return models_.size() >= n; });
    EXPECT_TRUE(arrived) << "model " << n << " was not published; " << models_.size() << " were";
    return arrived ? models_[n - 1] : config::Model{};
  }
  size_t publishedCount() {
    std::lock_guard lock(mu_);
    return models_.size();
  }
  KubeSourceStats stats() const { return source_->stats(); }
  const CollectionStats& collection(const KubeSourceStats& s, const std::string& path) {
    for (const CollectionStats& c : s.collections) {
      if (c.path == path) {
        return c;
      }
    }
    throw std::runtime_error("no collection " + path);
  }

 private:
  std::unique_ptr<HttpsClient> client_;
  std::unique_ptr<KubeSource> source_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<config::Model> models_;
};

config::SourceRef at(const std::string& object) { return {"kubernetes:" + object, 0}; }

config::Service service(const std::string& ns, const std::string& name, const char* clusterIP,
                        std::vector<config::ServicePort> ports) {
  config::Service s;
  s.ns = ns;
  s.name = name;
  s.clusterIP = ip(clusterIP);
  s.ports = std::move(ports);
  s.src = at("Service/" + ns + "/" + name);
  return s;
}

// A meshed emojivoto pod as the recorded responses have them.
config::ExternalWorkload pod(const std::string& name, const std::string& app,
                             const std::string& hash, const char* podIP, const std::string& node,
                             const std::string& account, const std::string& uid,
                             config::WorkloadPort port) {
  config::ExternalWorkload w;
  w.ns = "emojivoto";
  w.name = name;
  w.labels = {{"app", app}, {"pod-template-hash", hash}, {"version", "v11"}};
  w.ips = {ip(podIP)};
  w.ports = {std::move(port)};
  w.node = node;
  w.src = at("Pod/emojivoto/" + name);
  w.podUid = uid;
  w.serviceAccount = account;
  w.identity = account + ".emojivoto.serviceaccount.identity.linkerd.cluster.local";
  w.serverName = w.identity;
  return w;
}

config::Namespace ns(const std::string& name) {
  config::Namespace n;
  n.name = name;
  n.labels = {{"kubernetes.io/metadata.name", name}};
  n.src = at("Namespace/" + name);
  return n;
}

template <typename T>
T named(const std::string& ns, const std::string& name, const std::string& kind) {
  T o;
  o.ns = ns;
  o.name = name;
  o.src = at(kind + "/" + ns + "/" + name);
  return o;
}

// What the recorded LIST responses add up to.
config::Model listedModel() {
  config::Model m;
  config::Service kubernetes =
      service("default", "kubernetes", "10.96.0.1", {{"https", 443, "TCP", 6443, ""}});
  kubernetes.labels = {{"component", "apiserver"}, {"provider", "kubernetes"}};
  config::Service emoji =
      service("emojivoto", "emoji-svc", "10.96.14.201",
              {{"grpc", 8080, "TCP", 8080, ""}, {"prom", 8801, "TCP", 8801, ""}});
  emoji.selector = {{"app", "emoji-svc"}};
  emoji.labels = {{"app.kubernetes.io/part-of", "emojivoto"}};
  emoji.annotations = {{"config.linkerd.io/opaque-ports", "8080"}};
  emoji.mesh.opaquePorts = config::PortList{{{8080, 8080}}, {}};
  config::Service web =
      service("emojivoto", "web-svc", "10.96.77.15", {{"http", 80, "TCP", 0, "http"}});
  web.selector = {{"app", "web-svc"}};
  web.labels = {{"app.kubernetes.io/part-of", "emojivoto"}};
  m.services = {kubernetes, emoji, web};

  config::ExternalWorkload legacy;
  legacy.ns = "emojivoto";
  legacy.name = "legacy-vm";
  legacy.labels = {{"app", "legacy"}};
  legacy.ips = {ip("192.168.50.10")};
  legacy.ports = {{"http", 8080, "TCP"}};
  legacy.identity = "spiffe://root.linkerd.cluster.local/legacy-vm";
  legacy.serverName = "legacy-vm.emojivoto.external.identity.linkerd.cluster.local";
  legacy.src = at("ExternalWorkload/emojivoto/legacy-vm");
  config::ExternalWorkload coredns;
  coredns.ns = "kube-system";
  coredns.name = "coredns-5d78c9869d-7qk2w";
  coredns.labels = {{"k8s-app", "kube-dns"}, {"pod-template-hash", "5d78c9869d"}};
  coredns.ips = {ip("10.244.1.2")};
  coredns.ports = {{"dns", 53, "UDP"}};
  coredns.node = "node-a";
  coredns.src = at("Pod/kube-system/coredns-5d78c9869d-7qk2w");
  coredns.podUid = "5e4d3c2b-1a0f-4e9d-b8c7-b6a594837261";
  coredns.serviceAccount = "coredns";
  coredns.meshed = false;  // kube-system is not injected
  m.workloads = {
      pod("emoji-6c8b9d4f7-m3n8q", "emoji-svc", "6c8b9d4f7", "10.244.2.5", "node-b", "emoji",
          "4d3c2b1a-0f9e-4d8c-a7b6-a594837261f0", {"grpc", 8080, "TCP"}),
      legacy,
      pod("web-5f8c7d9b6-x2k4p", "web-svc", "5f8c7d9b6", "10.244.1.7", "node-a", "web",
          "3c2b1a09-8f7e-4d6c-b5a4-938271605f4e", {"http", 8080, "TCP"}),
      coredns,
  };

  config::Namespace emojivoto = ns("emojivoto");
  emojivoto.annotations = {{"linkerd.io/inject", "enabled"}};
  emojivoto.mesh.inject = "enabled";
  m.namespaces = {ns("default"), emojivoto, ns("kube-system")};
  for (const char* account : {"default", "emoji", "web"}) {
    m.serviceAccounts.push_back(
        named<config::ServiceAccount>("emojivoto", account, "ServiceAccount"));
  }

  auto profile = named<config::ServiceProfile>("emojivoto", "web-svc.emojivoto.svc.cluster.local",
                                               "ServiceProfile");
  config::ProfileRoute route;
  route.name = "GET /api/list";
  route.condition.method = "GET";
  route.condition.pathRegex = "/api/list";
  route.isRetryable = true;
  route.timeout = 300ms;
  profile.routes = {route};
  m.serviceProfiles = {profile};

  auto server = named<config::Server>("emojivoto", "web-http", "Server");
  server.labels = {{"app.kubernetes.io/part-of", "emojivoto"}};
  server.selector.matchLabels = {{"app", "web-svc"}};
  server.portName = "http";
  server.proxyProtocol = "HTTP/1";
  m.servers = {server};
  auto policy =
      named<config::AuthorizationPolicy>("emojivoto", "web-http-authn", "AuthorizationPolicy");
  policy.targetRef = {"policy.linkerd.io", "Server", "emojivoto", "web-http"};
  policy.requiredAuthenticationRefs = {
      {"policy.linkerd.io", "MeshTLSAuthentication", "emojivoto", "emojivoto-accounts"}};
  m.authorizationPolicies = {policy};
  auto mtls = named<config::MeshTLSAuthentication>("emojivoto", "emojivoto-accounts",
                                                   "MeshTLSAuthentication");
  mtls.identities = {"*.emojivoto.serviceaccount.identity.linkerd.cluster.local"};
  m.meshTLSAuthentications = {mtls};
  return m;
}

// Field by field, so a failure prints the kind that differs readably.
void expectModel(const config::Model& actual, const config::Model& expected) {
  EXPECT_EQ(actual.services, expected.services);
  EXPECT_EQ(actual.workloads, expected.workloads);
  EXPECT_EQ(actual.namespaces, expected.namespaces);
  EXPECT_EQ(actual.serviceAccounts, expected.serviceAccounts);
  EXPECT_EQ(actual.serviceProfiles, expected.serviceProfiles);
  EXPECT_EQ(actual.trafficSplits, expected.trafficSplits);
  EXPECT_EQ(actual.httpRoutes, expected.httpRoutes);
  EXPECT_EQ(actual.servers, expected.servers);
  EXPECT_EQ(actual.serverAuthorizations, expected.serverAuthorizations);
  EXPECT_EQ(actual.authorizationPolicies, expected.authorizationPolicies);
  EXPECT_EQ(actual.meshTLSAuthentications, expected.meshTLSAuthentications);
  EXPECT_EQ(actual.networkAuthentications, expected.networkAuthentications);
  EXPECT_TRUE(actual == expected);
}

std::vector<std::string> targetsOf(const FakeApiServer& server, const std::string& path) {
  std::vector<std::string> out;
  for (const auto& r : server.requests()) {
    if (r.target.starts_with(path + "?")) {
      out.push_back(r.target);
    }
  }
  return out;
}

std::string watchTarget(const std::string& path, const std::string& rv) {
  return path + "?watch=1&resourceVersion=" + rv + "&allowWatchBookmarks=true&timeoutSeconds=300";
}

TEST(KubeSource, PublishesTheExactModelAfterEachChangeAndKeepsTheLastGoodOne) {
  FakeApiServer server(serverCert());
  auto podsList = std::make_shared<Gate>();
  for (const auto& [path, file] : listFiles()) {
    Reply list = listReply(file);
    if (path == kPods) {
      list.gate = podsList;
    }
    server.push(path, list);
  }
  server.push(kTrafficSplits, notFound());
  auto servicesWatch = std::make_shared<Gate>();
  Reply services = watchReply({"source/services_watch.jsonl"});
  services.gate = servicesWatch;
  services.hang = true;  // stays open after its events
  server.push(kServices, services);
  auto podsWatch = std::make_shared<Gate>();
  Reply pods = watchReply({"source/pods_watch.jsonl"});  // ends after the BOOKMARK
  pods.gate = podsWatch;
  server.push(kPods, pods);
  servicesWatch->open();  // the heads: both watches connect at once
  podsWatch->open();

  Harness h(server);
  // Every collection but pods has synced (trafficsplits by its 404): still nothing is built.
  ASSERT_TRUE(eventually([&] {
    KubeSourceStats s = h.stats();
    return std::count_if(s.collections.begin(), s.collections.end(),
                         [](const CollectionStats& c) { return c.synced; }) == 13;
  }));
  EXPECT_FALSE(h.stats().synced);
  EXPECT_EQ(h.stats().builds, 0u);
  EXPECT_EQ(h.publishedCount(), 0u);

  podsList->open();
  config::Model expected = listedModel();
  expectModel(h.published(1), expected);
  EXPECT_TRUE(h.stats().synced);

  // services: ADDED voting-svc.
  servicesWatch->open();
  config::Service voting =
      service("emojivoto", "voting-svc", "10.96.3.88", {{"grpc", 8080, "TCP", 8080, ""}});
  voting.selector = {{"app", "voting-svc"}};
  expected.services.insert(expected.services.begin() + 2, voting);  // before web-svc
  expectModel(h.published(2), expected);

  // pods: ADDED voting pod, Pending without an address: built, but the model is unchanged.
  uint64_t builds = h.stats().builds;
  podsWatch->open();
  ASSERT_TRUE(eventually([&] { return h.stats().builds == builds + 1; }));
  EXPECT_EQ(h.publishedCount(), 2u);

  // pods: MODIFIED, the voting pod runs.
  podsWatch->open();
  config::ExternalWorkload votingPod =
      pod("voting-7b9c8d5f4-p4r6t", "voting-svc", "7b9c8d5f4", "10.244.2.9", "node-b", "default",
          "6f5e4d3c-2b1a-4f0e-9d8c-c7b6a5948372", {"grpc", 8080, "TCP"});
  expected.workloads.insert(expected.workloads.begin() + 2, votingPod);  // before web-
  expectModel(h.published(3), expected);

  // pods: DELETED the emoji pod.
  podsWatch->open();
  expected.workloads.erase(expected.workloads.begin());
  expectModel(h.published(4), expected);

  // pods: BOOKMARK, then the server ends the watch: the next one resumes from the bookmark, and
  // nothing is built for it.
  builds = h.stats().builds;
  podsWatch->open();
  ASSERT_TRUE(eventually([&] { return targetsOf(server, kPods).size() == 3; }));
  EXPECT_EQ(targetsOf(server, kPods),
            (std::vector<std::string>{"/api/v1/pods?limit=500", watchTarget(kPods, "1000"),
                                      watchTarget(kPods, "1020")}));
  std::this_thread::sleep_for(100ms);  // five quiet periods: a build would have run by now
  EXPECT_EQ(h.stats().builds, builds);

  // services: MODIFIED web-svc with an opaque-ports range that runs backwards. The build is
  // rejected and counted; nothing is published.
  servicesWatch->open();
  ASSERT_TRUE(eventually([&] { return h.stats().rejected == 1; }));
  EXPECT_EQ(h.publishedCount(), 4u);

  // services: MODIFIED web-svc again, fixed: published.
  servicesWatch->open();
  config::Service& web = expected.services[3];
  ASSERT_EQ(web.name, "web-svc");
  web.annotations = {{"config.linkerd.io/opaque-ports", "80"}};
  web.mesh.opaquePorts = config::PortList{{{80, 80}}, {}};
  expectModel(h.published(5), expected);

  KubeSourceStats s = h.stats();
  EXPECT_EQ(s.published, 5u);
  EXPECT_EQ(s.rejected, 1u);
  EXPECT_EQ(s.builds, 7u);
  const CollectionStats& p = h.collection(s, kPods);
  EXPECT_EQ((std::vector<uint64_t>{p.snapshots, p.added, p.modified, p.deleted}),
            (std::vector<uint64_t>{1, 1, 1, 1}));
  EXPECT_EQ(p.objects, 3u);  // coredns, voting, web
  const CollectionStats& svc = h.collection(s, kServices);
  EXPECT_EQ((std::vector<uint64_t>{svc.snapshots, svc.added, svc.modified, svc.deleted}),
            (std::vector<uint64_t>{1, 1, 2, 0}));
  const CollectionStats& ts = h.collection(s, kTrafficSplits);
  EXPECT_TRUE(ts.synced);
  EXPECT_FALSE(ts.served);
  EXPECT_EQ(ts.objects, 0u);
}

// A CRD that is not installed counts as empty and does not hold up the model; once installed its
// objects join, and when it is removed again (its watch answers 404) they leave.
TEST(KubeSource, ACollectionJoinsWhenItsCrdIsInstalledAndLeavesWhenItIsRemoved) {
  FakeApiServer server(serverCert());
  server.push("/api/v1/namespaces", listReply("source/namespaces_list.json"));
  Reply missing = notFound();
  missing.repeat = false;
  server.push(kTrafficSplits, missing);
  auto installed = std::make_shared<Gate>();
  Reply list = listReply("source/trafficsplits_list.json");
  list.gate = installed;
  server.push(kTrafficSplits, list);
  auto removed = std::make_shared<Gate>();
  Reply watchGone = notFound();  // the CRD was deleted: the watch is answered 404...
  watchGone.repeat = false;
  watchGone.gate = removed;
  server.push(kTrafficSplits, watchGone);
  server.push(kTrafficSplits, notFound());  // ...and so is every LIST after it

  Harness h(server, [](KubeSourceOptions& o) {
    o.collections = {"/api/v1/namespaces", kTrafficSplits};
  });
  config::Model without;
  without.namespaces = listedModel().namespaces;
  expectModel(h.published(1), without);  // not served yet: empty

  installed->open();
  config::Model with = without;
  auto split = named<config::TrafficSplit>("emojivoto", "web-split", "TrafficSplit");
  split.service = "web-svc";
  split.backends = {{"web-svc", 900000}, {"web-svc-canary", 100000}};
  with.trafficSplits = {split};
  expectModel(h.published(2), with);  // listed on a retry
  EXPECT_TRUE(h.collection(h.stats(), kTrafficSplits).served);

  removed->open();
  expectModel(h.published(3), without);
  KubeSourceStats s = h.stats();
  EXPECT_FALSE(h.collection(s, kTrafficSplits).served);
  EXPECT_EQ(h.collection(s, kTrafficSplits).snapshots, 1u);
  EXPECT_EQ(s.rejected, 0u);
}

// stop() before run() makes run() return at once, without a request.
TEST(KubeSource, StopBeforeRunReturnsAtOnce) {
  FakeApiServer server(serverCert());
  ClusterConfig config;
  config.host = "127.0.0.1";
  config.port = server.port();
  config.caPem = ca().certPem;
  auto client = HttpsClient::create(config);
  ASSERT_TRUE(client.ok()) << client.error().str();
  int published = 0;
  KubeSource source(**client, {}, [&](config::Model) { ++published; });
  source.stop();
  source.run();
  EXPECT_EQ(published, 0);
  EXPECT_FALSE(source.stats().synced);
}

}  // namespace
}  // namespace weir::control::kube
