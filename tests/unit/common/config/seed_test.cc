// The project seed: every document of it that is mesh configuration parses into the exact model
// below; the others are skipped.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/config/loader.h"
#include "tests/unit/common/config/test_util.h"

namespace weir::config {
namespace {

namespace fs = std::filesystem;

const std::string kDir = std::string(WEIR_CONFIG_TESTDATA) + "/seed";

SourceRef at(const char* file, int line) { return {kDir + "/" + file, line}; }

RequestMatch request(std::string method, std::string path) {
  RequestMatch m;
  m.method = std::move(method);
  m.pathRegex = std::move(path);
  return m;
}

ResponseClass statusClass(uint32_t min, uint32_t max, bool failure) {
  ResponseClass rc;
  rc.condition.status = StatusRange{min, max};
  rc.isFailure = failure;
  return rc;
}

Model expectedSeedModel() {
  Model m;

  Service webapp;
  webapp.name = "webapp";
  webapp.annotations = {{"linkerd.io/load-balancer", "ewma"}};
  webapp.mesh.loadBalancer = "ewma";
  webapp.selector = {{"app", "webapp"}};
  webapp.ports = {{"", 80, "TCP", 80, ""}};
  webapp.src = at("03-service.yaml", 1);
  m.services = {webapp};

  Namespace production;
  production.name = "production";
  production.annotations = {{"linkerd.io/inject", "enabled"}};
  production.mesh.inject = "enabled";
  production.src = at("14-namespace.yaml", 2);
  m.namespaces = {production};

  m.serviceAccounts = {{"production", "webapp", at("08-serviceaccount.yaml", 1)}};

  ServiceProfile apiService;  // "Retries and Timeouts"
  apiService.name = "api-service";
  apiService.routes = {
      {"critical_endpoint", request("", "/api/critical"), {}, true, milliseconds(5000)},
      {"bulk_operation", request("", "/api/bulk"), {}, false, milliseconds(60000)}};
  apiService.src = at("05-serviceprofile.yaml", 1);

  ServiceProfile backend;  // "Circuit Breaking"
  backend.ns = "production";
  backend.name = "backend";
  backend.routes = {{"api_route", request("GET", "/api/.*"), {statusClass(500, 599, true)}}};
  backend.retryBudget = RetryBudget{0.1, 5, milliseconds(10000)};
  backend.src = at("04-serviceprofile.yaml", 1);

  ServiceProfile profile;  // "Service Profiles"
  profile.ns = "production";
  profile.name = "webapp";
  profile.routes = {{"GET_users", request("GET", "/users/[^/]+"), {statusClass(200, 299, false)}},
                    {"POST_users", request("POST", "/users"), {}, false, milliseconds(30000)}};
  profile.retryBudget = RetryBudget{0.2, 10, milliseconds(10000)};
  profile.src = at("01-serviceprofile.yaml", 1);
  m.serviceProfiles = {apiService, backend, profile};

  TrafficSplit split;
  split.ns = "production";
  split.name = "webapp-rollout";
  split.service = "webapp";
  split.backends = {{"webapp-v1", 900000}, {"webapp-v2", 100000}};
  split.src = at("02-trafficsplit.yaml", 1);
  m.trafficSplits = {split};

  Server server;
  server.ns = "production";
  server.name = "api-server";
  server.selector.matchLabels = {{"app", "api"}};
  server.port = 8080;
  server.proxyProtocol = "HTTP/2";
  server.src = at("06-server.yaml", 2);
  m.servers = {server};

  ServerAuthorization authz;
  authz.ns = "production";
  authz.name = "api-authz";
  authz.server = "api-server";
  authz.serviceAccounts = {{"production", "frontend"}, {"production", "backend"}};
  authz.src = at("06-server.yaml", 15);
  m.serverAuthorizations = {authz};

  NetworkAuthentication networks;
  networks.ns = "linkerd";
  networks.name = "cluster-network";
  networks.networks = {network("10.0.0.0/8"), network("172.16.0.0/12"), network("192.168.0.0/16")};
  networks.src = at("07-networkauthentication.yaml", 1);
  m.networkAuthentications = {networks};
  return m;
}

// The seed's complete documents, copied into testdata/seed (see its README).
TEST(SeedTest, SeedDocumentsParseIntoTheExpectedModel) {
  LoadResult result = loadPath(kDir);
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  Model expected = expectedSeedModel();
  // Field by field first, for a readable failure; then the whole model, which covers the rest.
  EXPECT_EQ(result.model.services, expected.services);
  EXPECT_EQ(result.model.namespaces, expected.namespaces);
  EXPECT_EQ(result.model.serviceAccounts, expected.serviceAccounts);
  EXPECT_EQ(result.model.serviceProfiles, expected.serviceProfiles);
  EXPECT_EQ(result.model.trafficSplits, expected.trafficSplits);
  EXPECT_EQ(result.model.servers, expected.servers);
  EXPECT_EQ(result.model.serverAuthorizations, expected.serverAuthorizations);
  EXPECT_EQ(result.model.networkAuthentications, expected.networkAuthentications);
  EXPECT_TRUE(result.model == expected);

  std::vector<std::string> skipped;
  for (const char* entry : {
           "08-serviceaccount.yaml:7: Deployment/webapp",
           "09-servicemonitor.yaml:2: ServiceMonitor/linkerd-metrics",
           "10-helmrepository.yaml:1: HelmRepository/linkerd",
           "10-helmrepository.yaml:10: HelmRelease/linkerd-control-plane",
           "11-canary.yaml:1: Canary/webapp",
           "12-deployment.yaml:2: Deployment/webapp",
           "13-configmap.yaml:2: ConfigMap/linkerd-config-overrides",
           "15-prometheus-rules.yaml:2: Prometheus rules",
           "16-configmap.yaml:1: ConfigMap/linkerd-proxy-config",
       }) {
    skipped.push_back(kDir + "/" + entry + ": not used by weir");
  }
  EXPECT_EQ(result.skipped, skipped);
}

std::vector<std::string> objectNames(const Model& m) {
  std::vector<std::string> out;
  auto add = [&out](const char* kind, const auto& objects) {
    for (const auto& o : objects) {
      out.push_back(std::string(kind) + " " + o.ns + "/" + o.name);
    }
  };
  add("Service", m.services);
  add("ServiceAccount", m.serviceAccounts);
  add("ServiceProfile", m.serviceProfiles);
  add("TrafficSplit", m.trafficSplits);
  add("Server", m.servers);
  add("ServerAuthorization", m.serverAuthorizations);
  add("NetworkAuthentication", m.networkAuthentications);
  for (const Namespace& n : m.namespaces) {
    out.push_back("Namespace " + n.name);
  }
  return out;
}

// The seed itself (../shared/seed next to the repository), when present: every ```yaml block
// that is a whole document loads cleanly, and together they hold the objects of the copy in
// testdata/seed, with the same contents.
TEST(SeedTest, LiveSeedMatchesTheCopy) {
  std::error_code ec;
  if (!fs::is_directory(WEIR_SEED_DIR, ec)) {
    GTEST_SKIP() << "no seed at " << WEIR_SEED_DIR;
  }
  Model live;
  int documents = 0;
  for (const auto& entry : fs::directory_iterator(WEIR_SEED_DIR)) {
    std::stringstream text;
    text << std::ifstream(entry.path()).rdbuf();
    const std::string seed = text.str();
    for (size_t at = seed.find("```yaml\n"); at != std::string::npos;
         at = seed.find("```yaml\n", at)) {
      at += 8;
      size_t end = seed.find("```", at);
      std::string block = seed.substr(at, end - at);
      if (block.find("\nkind:") == std::string::npos && block.rfind("kind:", 0) != 0 &&
          block.find("\ngroups:") == std::string::npos) {
        continue;  // a fragment, not a document
      }
      ++documents;
      LoadResult result = parseText(block, entry.path().filename().string());
      EXPECT_EQ(errorStrings(result), std::vector<std::string>{}) << block;
      auto append = [](auto& into, const auto& from) {
        into.insert(into.end(), from.begin(), from.end());
      };
      append(live.services, result.model.services);
      append(live.namespaces, result.model.namespaces);
      append(live.serviceAccounts, result.model.serviceAccounts);
      append(live.serviceProfiles, result.model.serviceProfiles);
      append(live.trafficSplits, result.model.trafficSplits);
      append(live.servers, result.model.servers);
      append(live.serverAuthorizations, result.model.serverAuthorizations);
      append(live.networkAuthentications, result.model.networkAuthentications);
    }
  }
  EXPECT_EQ(documents, 16);
  std::vector<std::string> names = objectNames(live);
  std::vector<std::string> expected = objectNames(expectedSeedModel());
  std::sort(names.begin(), names.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);

  // Contents match too, sources aside.
  auto sameAsCopy = [](auto live, auto copy) {
    for (auto& o : live) {
      o.src = {};
    }
    for (auto& o : copy) {
      o.src = {};
    }
    auto byName = [](const auto& a, const auto& b) { return a.name < b.name; };
    std::sort(live.begin(), live.end(), byName);
    std::sort(copy.begin(), copy.end(), byName);
    return live == copy;
  };
  Model copy = expectedSeedModel();
  EXPECT_TRUE(sameAsCopy(live.serviceProfiles, copy.serviceProfiles));
  EXPECT_TRUE(sameAsCopy(live.trafficSplits, copy.trafficSplits));
  EXPECT_TRUE(sameAsCopy(live.servers, copy.servers));
  EXPECT_TRUE(sameAsCopy(live.serverAuthorizations, copy.serverAuthorizations));
  EXPECT_TRUE(sameAsCopy(live.networkAuthentications, copy.networkAuthentications));
  EXPECT_TRUE(sameAsCopy(live.namespaces, copy.namespaces));
}

}  // namespace
}  // namespace weir::config
