// Core Service documents that weir reads.

#include <gtest/gtest.h>

#include "common/config/loader.h"
#include "tests/unit/common/config/test_util.h"

namespace weir::config {
namespace {

struct ServiceCase {
  std::string name;
  std::string yaml;
  Service expected;
};

Service service(std::string ns, std::string name, uint32_t clusterIP,
                std::vector<ServicePort> ports, int line) {
  Service s;
  s.ns = std::move(ns);
  s.name = std::move(name);
  s.clusterIP = clusterIP;
  s.ports = std::move(ports);
  s.src = SourceRef{"svc.yaml", line};
  return s;
}

std::vector<ServiceCase> serviceCases() {
  std::vector<ServiceCase> cases;

  // The seed's "Load Balancing" example, verbatim.
  Service seed = service("default", "webapp", 0, {{"", 80, "TCP", 80, ""}}, 1);
  seed.annotations = {{"linkerd.io/load-balancer", "ewma"}};
  seed.mesh.loadBalancer = "ewma";
  seed.selector = {{"app", "webapp"}};
  cases.push_back({"SeedLoadBalancing",
                   "apiVersion: v1\n"
                   "kind: Service\n"
                   "metadata:\n"
                   "  name: webapp\n"
                   "  annotations:\n"
                   "    linkerd.io/load-balancer: ewma  # Options: ewma, p2c, round-robin\n"
                   "spec:\n"
                   "  selector:\n"
                   "    app: webapp\n"
                   "  ports:\n"
                   "  - port: 80\n",
                   seed});

  Service full = service("prod", "web", ip("10.96.0.10"),
                         {{"http", 80, "TCP", 8080, ""},
                          {"grpc", 9090, "TCP", 0, "grpc-api"},
                          {"stats", 8125, "UDP", 8125, ""},
                          {"quoted", 81, "TCP", 8081, ""}},
                         3);
  full.labels = {{"app", "web"}, {"tier", "front"}};
  full.selector = {{"app", "web"}};
  cases.push_back({"ClusterIPNamedAndNumberedTargetPorts",
                   "# leading comment\n"
                   "---\n"
                   "apiVersion: v1\n"
                   "kind: Service\n"
                   "metadata:\n"
                   "  name: web\n"
                   "  namespace: prod\n"
                   "  labels: {app: web, tier: front}\n"
                   "spec:\n"
                   "  type: ClusterIP\n"
                   "  clusterIP: 10.96.0.10\n"
                   "  selector:\n"
                   "    app: web\n"
                   "  ports:\n"
                   "  - name: http\n"
                   "    port: 80\n"
                   "    targetPort: 8080\n"
                   "  - name: grpc\n"
                   "    port: 9090\n"
                   "    targetPort: grpc-api\n"
                   "  - name: stats\n"
                   "    port: 8125\n"
                   "    protocol: UDP\n"
                   "  - name: quoted\n"
                   "    port: 81\n"
                   "    targetPort: \"8081\"\n",
                   full});

  cases.push_back({"HeadlessNoneWithoutPorts",
                   "apiVersion: v1\n"
                   "kind: Service\n"
                   "metadata: {name: db, namespace: \"\"}\n"
                   "spec:\n"
                   "  clusterIP: None\n",
                   service("default", "db", 0, {}, 1)});

  cases.push_back({"SamePortOverTcpAndUdp",
                   "apiVersion: v1\n"
                   "kind: Service\n"
                   "metadata: {name: kube-dns, namespace: kube-system}\n"
                   "spec:\n"
                   "  clusterIP: 10.96.0.53\n"
                   "  ports:\n"
                   "  - {name: dns, port: 53, protocol: UDP}\n"
                   "  - {name: dns-tcp, port: 53, protocol: TCP}\n",
                   service("kube-system", "kube-dns", ip("10.96.0.53"),
                           {{"dns", 53, "UDP", 53, ""}, {"dns-tcp", 53, "TCP", 53, ""}}, 1)});

  cases.push_back({"Json",
                   "{\"apiVersion\": \"v1\", \"kind\": \"Service\",\n"
                   " \"metadata\": {\"name\": \"api\"},\n"
                   " \"spec\": {\"clusterIP\": \"10.96.1.1\", \"ports\": [{\"port\": 443}]}}\n",
                   service("default", "api", ip("10.96.1.1"), {{"", 443, "TCP", 443, ""}}, 1)});

  cases.push_back({"NullsAreAbsent",
                   "apiVersion: v1\n"
                   "kind: Service\n"
                   "metadata:\n"
                   "  name: quiet\n"
                   "  labels:\n"
                   "spec:\n"
                   "  clusterIP: ~\n"
                   "  selector: null\n",
                   service("default", "quiet", 0, {}, 1)});
  return cases;
}

class ServiceParseTest : public testing::TestWithParam<ServiceCase> {};

TEST_P(ServiceParseTest, Parses) {
  const ServiceCase& c = GetParam();
  LoadResult result = parseText(c.yaml, "svc.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  ASSERT_EQ(result.model.services.size(), 1u);
  EXPECT_EQ(result.model.services[0], c.expected);
  EXPECT_TRUE(result.model.workloads.empty());
  EXPECT_TRUE(result.skipped.empty());
}

INSTANTIATE_TEST_SUITE_P(Good, ServiceParseTest, testing::ValuesIn(serviceCases()), CaseName());

TEST(ServiceTest, ServicesAreSortedByNamespaceThenName) {
  LoadResult result = parseText(
      "apiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: x}\n"
      "---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: z}\n"
      "---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: x}\n",
      "svc.yaml");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(errorStrings(result));
  std::vector<std::string> order;
  for (const Service& s : result.model.services) {
    order.push_back(s.ns + "/" + s.name + "@" + std::to_string(s.src.line));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"default/z@5", "x/a@9", "x/b@1"}));
}

}  // namespace
}  // namespace weir::config
