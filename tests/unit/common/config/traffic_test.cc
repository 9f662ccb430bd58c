// ServiceProfile, TrafficSplit and HTTPRoute documents that weir reads.

#include <gtest/gtest.h>

#include "common/config/loader.h"
#include "tests/unit/common/config/test_util.h"

namespace weir::config {
namespace {

RequestMatch method(std::string m) {
  RequestMatch out;
  out.method = std::move(m);
  return out;
}

RequestMatch path(std::string p) {
  RequestMatch out;
  out.pathRegex = std::move(p);
  return out;
}

ResponseMatch status(uint32_t min, uint32_t max) {
  ResponseMatch out;
  out.status = StatusRange{min, max};
  return out;
}

// Everything a ServiceProfile can say, nested as Linkerd's docs nest it.
TEST(ServiceProfileTest, FullProfile) {
  LoadResult result = parseText(
      "apiVersion: linkerd.io/v1alpha2\n"
      "kind: ServiceProfile\n"
      "metadata:\n"
      "  name: webapp.default.svc.cluster.local\n"
      "spec:\n"
      "  routes:\n"
      "  - name: GET /authors/{id}\n"
      "    condition:\n"
      "      all:\n"
      "      - method: GET\n"
      "      - pathRegex: '/authors/\\d+'\n"
      "      - not:\n"
      "          method: DELETE\n"
      "      any:\n"
      "      - pathRegex: /a\n"
      "      - pathRegex: /b\n"
      "    responseClasses:\n"
      "    - condition:\n"
      "        not:\n"
      "          status: {min: 200, max: 399}\n"
      "      isFailure: true\n"
      "    - condition:\n"
      "        any:\n"
      "        - status: {min: 500}\n"
      "        - status: {max: 404, min: 0}\n"
      "        all: []\n"
      "      isFailure: yes\n"
      "    timeout: 1m30s\n"
      "    isRetryable: true\n"
      "  - name: slow\n"
      "    condition: {pathRegex: /slow, method: \"\"}\n"
      "    timeout: 250us\n"
      "  retryBudget:\n"
      "    retryRatio: 0.25\n"
      "    minRetriesPerSecond: 3\n"
      "    ttl: 1.5s\n"
      "  dstOverrides:\n"
      "  - authority: webapp-v1.default.svc.cluster.local:8080\n"
      "    weight: 500m\n"
      "  - authority: webapp-v2.default.svc.cluster.local:8080\n"
      "    weight: 1\n",
      "sp.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});

  ProfileRoute authors;
  authors.name = "GET /authors/{id}";
  authors.condition.all = {method("GET"), path("/authors/\\d+"), RequestMatch{}};
  authors.condition.all[2].negated = {method("DELETE")};
  authors.condition.any = {path("/a"), path("/b")};
  ResponseClass notOk;
  notOk.condition.negated = {status(200, 399)};
  notOk.isFailure = true;
  ResponseClass serverErrors;
  serverErrors.condition.any = {status(500, 599), status(100, 404)};
  serverErrors.isFailure = true;
  authors.responseClasses = {notOk, serverErrors};
  authors.timeout = milliseconds(90000);
  authors.isRetryable = true;

  ProfileRoute slow{"slow", path("/slow"), {}, false, milliseconds(1)};  // 250us rounds up

  ServiceProfile expected;
  expected.name = "webapp.default.svc.cluster.local";
  expected.routes = {authors, slow};
  expected.retryBudget = RetryBudget{0.25, 3, milliseconds(1500)};
  expected.dstOverrides = {{"webapp-v1.default.svc.cluster.local:8080", 500},
                           {"webapp-v2.default.svc.cluster.local:8080", 1000}};
  expected.src = {"sp.yaml", 1};
  EXPECT_EQ(result.model.serviceProfiles, std::vector<ServiceProfile>{expected});
}

TEST(ServiceProfileTest, EmptySpecIsADefaultProfile) {
  LoadResult result = parseText(
      "apiVersion: linkerd.io/v1alpha2\nkind: ServiceProfile\n"
      "metadata: {name: web.prod.svc.cluster.local, namespace: prod}\n",
      "sp.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  ServiceProfile expected;
  expected.ns = "prod";
  expected.name = "web.prod.svc.cluster.local";
  expected.src = {"sp.yaml", 1};
  EXPECT_EQ(result.model.serviceProfiles, std::vector<ServiceProfile>{expected});
}

struct SplitCase {
  std::string name;
  std::string yaml;
  TrafficSplit expected;
};

// gtest prints a failing case by name, not as bytes.
void PrintTo(const SplitCase& c, std::ostream* os) { *os << c.name; }

TrafficSplit split(std::vector<TrafficSplitBackend> backends) {
  TrafficSplit out;
  out.ns = "prod";
  out.name = "web-split";
  out.service = "web";
  out.backends = std::move(backends);
  out.src = {"ts.yaml", 1};
  return out;
}

std::string splitYaml(const std::string& version, const std::string& backends,
                      const std::string& extra = "") {
  return "apiVersion: split.smi-spec.io/" + version +
         "\nkind: TrafficSplit\nmetadata: {name: web-split, namespace: prod}\n"
         "spec:\n  service: web\n  backends:\n" +
         backends + extra;
}

std::vector<SplitCase> splitCases() {
  TrafficSplit v4 = split({{"web-v1", 50000}, {"web-v2", 50000}});
  v4.matches = {{"specs.smi-spec.io", "HTTPRouteGroup", "prod", "ab-test"}};
  return {
      {"V1alpha1Quantities",
       splitYaml("v1alpha1",
                 "  - {service: web-v1, weight: 900m}\n  - {service: web-v2, "
                 "weight: 100m}\n"),
       split({{"web-v1", 900}, {"web-v2", 100}})},
      {"V1alpha2Integers",
       splitYaml("v1alpha2",
                 "  - {service: web-v1, weight: 90}\n  - {service: web-v2, "
                 "weight: 10}\n"),
       split({{"web-v1", 90000}, {"web-v2", 10000}})},
      {"V1alpha3QuantityAndZero",
       splitYaml("v1alpha3",
                 "  - {service: web-v1, weight: \"1k\"}\n  - {service: web-v2, "
                 "weight: 0}\n"),
       split({{"web-v1", 1000000}, {"web-v2", 0}})},
      {"V1alpha4Matches",
       splitYaml("v1alpha4",
                 "  - {service: web-v1, weight: 50}\n  - {service: web-v2, "
                 "weight: 50}\n",
                 "  matches:\n  - kind: HTTPRouteGroup\n    name: ab-test\n"
                 "    apiGroup: specs.smi-spec.io\n"),
       v4},
  };
}

class TrafficSplitTest : public testing::TestWithParam<SplitCase> {};

TEST_P(TrafficSplitTest, Parses) {
  const SplitCase& c = GetParam();
  LoadResult result = parseText(c.yaml, "ts.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  EXPECT_EQ(result.model.trafficSplits, std::vector<TrafficSplit>{c.expected});
}

INSTANTIATE_TEST_SUITE_P(Good, TrafficSplitTest, testing::ValuesIn(splitCases()), CaseName());

// Linkerd's docs' route for a Server, with v1beta3 timeouts.
TEST(HttpRouteTest, LinkerdRouteOnAServer) {
  LoadResult result = parseText(
      "apiVersion: policy.linkerd.io/v1beta3\n"
      "kind: HTTPRoute\n"
      "metadata:\n"
      "  name: authors-get-route\n"
      "  namespace: booksapp\n"
      "spec:\n"
      "  parentRefs:\n"
      "    - name: authors-server\n"
      "      kind: Server\n"
      "      group: policy.linkerd.io\n"
      "  rules:\n"
      "    - matches:\n"
      "      - path:\n"
      "          value: \"/authors.json\"\n"
      "          type: Exact\n"
      "        method: GET\n"
      "      - path:\n"
      "          value: \"/authors/\"\n"
      "        method: GET\n"
      "      - path: {type: RegularExpression, value: '/authors/\\d+\\.json'}\n"
      "      timeouts:\n"
      "        request: 10s\n"
      "        backendRequest: 5s\n",
      "route.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  HttpRoute expected;
  expected.group = "policy.linkerd.io";
  expected.ns = "booksapp";
  expected.name = "authors-get-route";
  expected.parentRefs = {{{"policy.linkerd.io", "Server", "booksapp", "authors-server"}, "", 0}};
  HttpRouteRule rule;
  rule.matches = {{{"Exact", "/authors.json"}, {}, {}, "GET"},
                  {{"PathPrefix", "/authors/"}, {}, {}, "GET"},
                  {{"RegularExpression", "/authors/\\d+\\.json"}, {}, {}, ""}};
  rule.requestTimeout = milliseconds(10000);
  rule.backendRequestTimeout = milliseconds(5000);
  expected.rules = {rule};
  expected.src = {"route.yaml", 1};
  EXPECT_EQ(result.model.httpRoutes, std::vector<HttpRoute>{expected});
}

// A Gateway API route on a Service (Linkerd's dynamic request routing), every kind of match,
// filters kept generically, and the API server's defaults filled in.
TEST(HttpRouteTest, GatewayRouteOnAService) {
  LoadResult result = parseText(
      "apiVersion: gateway.networking.k8s.io/v1\n"
      "kind: HTTPRoute\n"
      "metadata:\n"
      "  name: backend-router\n"
      "  namespace: test\n"
      "spec:\n"
      "  parentRefs:\n"
      "    - name: backend-a-podinfo\n"
      "      kind: Service\n"
      "      group: core\n"
      "      port: 9898\n"
      "    - name: edge\n"
      "      namespace: gateways\n"
      "      sectionName: https\n"
      "  hostnames: [\"podinfo.example.com\", \"*.example.com\"]\n"
      "  rules:\n"
      "    - matches:\n"
      "      - headers:\n"
      "        - name: \"x-request-id\"\n"
      "          value: \"alternative\"\n"
      "        queryParams:\n"
      "        - {name: v, type: RegularExpression, value: \"^2\\\\.\"}\n"
      "      filters:\n"
      "      - type: RequestHeaderModifier\n"
      "        requestHeaderModifier:\n"
      "          set:\n"
      "          - name: x-weir\n"
      "            value: \"1\"\n"
      "          remove: [x-drop]\n"
      "      backendRefs:\n"
      "        - name: backend-b-podinfo\n"
      "          port: 9898\n"
      "          weight: 90\n"
      "        - name: backend-c-podinfo\n"
      "          namespace: other\n"
      "          port: 9898\n"
      "          weight: 10\n"
      "          filters:\n"
      "          - type: URLRewrite\n"
      "            urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}\n"
      "    - backendRefs:\n"
      "      - name: backend-a-podinfo\n"
      "        port: 9898\n",
      "route.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  HttpRoute expected;
  expected.group = "gateway.networking.k8s.io";
  expected.ns = "test";
  expected.name = "backend-router";
  expected.parentRefs = {
      {{"", "Service", "test", "backend-a-podinfo"}, "", 9898},
      {{"gateway.networking.k8s.io", "Gateway", "gateways", "edge"}, "https", 0}};
  expected.hostnames = {"podinfo.example.com", "*.example.com"};
  HttpRouteRule split;
  split.matches = {
      {{}, {{"Exact", "x-request-id", "alternative"}}, {{"RegularExpression", "v", "^2\\."}}, ""}};
  split.filters = {{"RequestHeaderModifier",
                    "{remove: [x-drop], set: [{name: x-weir, value: "
                    "\"1\"}]}"}};
  split.backendRefs = {
      {{"", "Service", "test", "backend-b-podinfo"}, 9898, 90, {}},
      {{"", "Service", "other", "backend-c-podinfo"},
       9898,
       10,
       {{"URLRewrite", "{path: {replacePrefixMatch: /v2, type: ReplacePrefixMatch}}"}}}};
  HttpRouteRule fallback;
  fallback.matches = {HttpRouteMatch{}};
  fallback.backendRefs = {{{"", "Service", "test", "backend-a-podinfo"}, 9898, 1, {}}};
  expected.rules = {split, fallback};
  expected.src = {"route.yaml", 1};
  EXPECT_EQ(result.model.httpRoutes, std::vector<HttpRoute>{expected});
}

TEST(HttpRouteTest, NoRulesIsOneRuleMatchingEverything) {
  LoadResult result = parseText(
      "apiVersion: policy.linkerd.io/v1beta1\nkind: HTTPRoute\nmetadata: {name: all}\n"
      "spec:\n  parentRefs: [{name: web, kind: Server, group: policy.linkerd.io}]\n"
      "---\n"
      "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: HTTPRoute\nmetadata: {name: all}\n"
      "spec: {}\n",
      "route.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  ASSERT_EQ(result.model.httpRoutes.size(), 2u);  // one name in each group
  HttpRouteRule everything;
  everything.matches = {HttpRouteMatch{}};
  const HttpRoute& gateway = result.model.httpRoutes[0];
  const HttpRoute& linkerd = result.model.httpRoutes[1];
  EXPECT_EQ(gateway.group, "gateway.networking.k8s.io");
  EXPECT_EQ(gateway.rules, std::vector<HttpRouteRule>{everything});
  EXPECT_EQ(linkerd.group, "policy.linkerd.io");
  EXPECT_EQ(linkerd.rules, std::vector<HttpRouteRule>{everything});
  EXPECT_EQ(linkerd.parentRefs,
            (std::vector<HttpParentRef>{{{"policy.linkerd.io", "Server", "default", "web"}}}));
}

}  // namespace
}  // namespace weir::config
