// Mesh documents weir rejects, each with the exact diagnostics a user sees: the brief's
// required cases, versions, ServiceProfile, TrafficSplit, HTTPRoute, annotations and
// cross-object checks. The policy kinds are in policy_errors_test.cc.

#include <gtest/gtest.h>

#include "common/config/loader.h"
#include "tests/unit/common/config/test_util.h"

namespace weir::config {
namespace {

struct BadCase {
  std::string name;
  std::string yaml;
  std::vector<std::string> errors;
};

// gtest prints a failing case by name, not as bytes.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

// Each helper writes a document of its kind named "web" (or "x") whose spec starts on line 5.
std::string sp(const std::string& spec) {
  return "apiVersion: linkerd.io/v1alpha2\nkind: ServiceProfile\nmetadata: {name: web}\nspec:\n" +
         spec;
}
std::string ts(const std::string& version, const std::string& spec) {
  return "apiVersion: split.smi-spec.io/" + version +
         "\nkind: TrafficSplit\nmetadata: {name: web}\nspec:\n" + spec;
}
std::string netauth(const std::string& spec) {
  return "apiVersion: policy.linkerd.io/v1alpha1\nkind: NetworkAuthentication\n"
         "metadata: {name: web}\nspec:\n" +
         spec;
}
std::string srv(const std::string& version, const std::string& spec) {
  return "apiVersion: policy.linkerd.io/" + version +
         "\nkind: Server\nmetadata: {name: web}\nspec:\n" + spec;
}
std::string route(const std::string& apiVersion, const std::string& spec) {
  return "apiVersion: " + apiVersion + "\nkind: HTTPRoute\nmetadata: {name: web}\nspec:\n" + spec;
}
// Annotations from line 5 on.
std::string ns(const std::string& annotations) {
  return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  annotations:\n" + annotations;
}
std::string svc(const std::string& annotations) {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n" + annotations;
}

const std::string kRoute = "  routes:\n  - name: r\n    condition:\n";  // condition from line 8
const std::string kGatewayV1 = "gateway.networking.k8s.io/v1";

std::vector<BadCase> requiredCases() {
  return {
      {"BadPathRegex",
       sp(kRoute + "      pathRegex: \"/users/[\"\n"),
       {"bad.yaml:8: ServiceProfile/web: spec.routes[0].condition.pathRegex: must be a regular "
        "expression (RE2 syntax), got \"/users/[\": missing ]: ["}},
      {"BadDuration",
       sp(kRoute + "      method: GET\n    timeout: 30\n"),
       {"bad.yaml:9: ServiceProfile/web: spec.routes[0].timeout: must be a duration such as "
        "\"30s\", \"100ms\" or \"1m30s\", got \"30\""}},
      {"BadQuantity",
       ts("v1alpha1", "  service: web\n  backends:\n  - {service: web-v1, weight: 9x}\n"),
       {"bad.yaml:7: TrafficSplit/web: spec.backends[0].weight: must be a number or quantity "
        "such as \"1\", \"900m\" or \"1k\", got \"9x\""}},
      {"BadCidr",
       netauth("  networks:\n  - cidr: 10.0.0.0/33\n"),
       {"bad.yaml:6: NetworkAuthentication/web: spec.networks[0].cidr: must be a CIDR or IP "
        "address such as \"10.0.0.0/8\", got \"10.0.0.0/33\""}},
      {"UnknownProxyProtocol",
       srv("v1beta1",
           "  podSelector: {matchLabels: {app: web}}\n  port: 8080\n"
           "  proxyProtocol: HTTP/3\n"),
       {"bad.yaml:7: Server/web: spec.proxyProtocol: must be one of unknown, HTTP/1, HTTP/2, "
        "gRPC, opaque, TLS, got \"HTTP/3\""}},
      {"MalformedOpaquePorts",
       svc("    config.linkerd.io/opaque-ports: \"4222,,4230\"\n"),
       {"bad.yaml:6: Service/web: metadata.annotations[\"config.linkerd.io/opaque-ports\"]: "
        "empty entry in port list \"4222,,4230\""}},
      {"TrafficSplitZeroTotalWeight",
       ts("v1alpha2",
          "  service: web\n  backends:\n  - {service: web-v1, weight: 0}\n"
          "  - {service: web-v2, weight: 0m}\n"),
       {"bad.yaml:7: TrafficSplit/web: spec.backends: total weight must be greater than zero"}},
      {"HttpRouteBadPathMatchType",
       route(kGatewayV1, "  rules:\n  - matches:\n    - path: {type: Prefix, value: /api}\n"),
       {"bad.yaml:7: HTTPRoute/web: spec.rules[0].matches[0].path.type: must be one of Exact, "
        "PathPrefix, RegularExpression, got \"Prefix\""}},
      {"UnknownLoadBalancer",
       svc("    linkerd.io/load-balancer: least-request\n"),
       {"bad.yaml:6: Service/web: metadata.annotations[\"linkerd.io/load-balancer\"]: must be "
        "one of ewma, p2c, round-robin, got \"least-request\""}},
  };
}

std::vector<BadCase> versionCases() {
  return {
      {"ServiceProfileV1alpha1",
       "apiVersion: linkerd.io/v1alpha1\nkind: ServiceProfile\nmetadata: {name: web}\n",
       {"bad.yaml:1: ServiceProfile/web: apiVersion: must be \"linkerd.io/v1alpha2\" for "
        "ServiceProfile, got \"linkerd.io/v1alpha1\""}},
      {"ServerV1alpha1",
       srv("v1alpha1", "  port: 80\n"),
       {"bad.yaml:1: Server/web: apiVersion: must be one of \"policy.linkerd.io/v1beta1\", "
        "\"policy.linkerd.io/v1beta2\", \"policy.linkerd.io/v1beta3\" for Server, got "
        "\"policy.linkerd.io/v1alpha1\""}},
      {"GatewayRouteV1alpha2",
       route("gateway.networking.k8s.io/v1alpha2", "  rules: []\n"),
       {"bad.yaml:1: HTTPRoute/web: apiVersion: must be one of "
        "\"gateway.networking.k8s.io/v1beta1\", \"gateway.networking.k8s.io/v1\" for "
        "HTTPRoute, got \"gateway.networking.k8s.io/v1alpha2\""}},
      {"TrafficSplitV1alpha5",
       ts("v1alpha5", "  service: web\n"),
       {"bad.yaml:1: TrafficSplit/web: apiVersion: must be one of "
        "\"split.smi-spec.io/v1alpha1\", \"split.smi-spec.io/v1alpha2\", "
        "\"split.smi-spec.io/v1alpha3\", \"split.smi-spec.io/v1alpha4\" for TrafficSplit, got "
        "\"split.smi-spec.io/v1alpha5\""}},
  };
}

std::vector<BadCase> profileCases() {
  return {
      {"NameNotASubdomain",
       "apiVersion: linkerd.io/v1alpha2\nkind: ServiceProfile\nmetadata: {name: Web.prod}\n",
       {"bad.yaml:3: ServiceProfile/Web.prod: metadata.name: must be a DNS subdomain (at most "
        "253 lowercase letters, digits, '-' and '.'), got \"Web.prod\""}},
      {"RouteWithoutNameOrCondition",
       sp("  routes:\n  - timeout: 1s\n"),
       {"bad.yaml:6: ServiceProfile/web: spec.routes[0].name: required",
        "bad.yaml:6: ServiceProfile/web: spec.routes[0].condition: required"}},
      {"ConditionWithNothingSet",
       sp(kRoute + "      method: \"\"\n"),
       {"bad.yaml:8: ServiceProfile/web: spec.routes[0].condition: must set one of method, "
        "pathRegex, all, any or not"}},
      {"EmptyAny",
       sp(kRoute + "      any: []\n"),
       {"bad.yaml:8: ServiceProfile/web: spec.routes[0].condition.any: must not be empty (a "
        "condition that can never match)"}},
      {"NotAsAList",
       sp(kRoute + "      not:\n      - method: GET\n"),
       {"bad.yaml:9: ServiceProfile/web: spec.routes[0].condition.not: must be a mapping, got "
        "a list"}},
      {"NestedBadRegex",
       sp(kRoute + "      all:\n      - any:\n        - not: {pathRegex: \"(\"}\n"),
       {"bad.yaml:10: ServiceProfile/web: spec.routes[0].condition.all[0].any[0].not.pathRegex: "
        "must be a regular expression (RE2 syntax), got \"(\": missing ): ("}},
      {"StatusOutOfRange",
       sp(kRoute + "      method: GET\n    responseClasses:\n    - condition:\n"
                   "        status: {min: 600}\n"),
       {"bad.yaml:11: ServiceProfile/web: spec.routes[0].responseClasses[0].condition.status.min: "
        "must be between 100 and 599, got 600"}},
      {"StatusMaxBelowMin",
       sp(kRoute + "      method: GET\n    responseClasses:\n    - condition:\n"
                   "        status:\n          min: 500\n          max: 400\n"),
       {"bad.yaml:13: ServiceProfile/web: spec.routes[0].responseClasses[0].condition.status.max: "
        "must not be less than min 500, got 400"}},
      {"ResponseClassWithoutCondition",
       sp(kRoute + "      method: GET\n    responseClasses:\n    - isFailure: maybe\n"),
       {"bad.yaml:10: ServiceProfile/web: spec.routes[0].responseClasses[0].condition: required",
        "bad.yaml:10: ServiceProfile/web: spec.routes[0].responseClasses[0].isFailure: must be "
        "true or false, got \"maybe\""}},
      {"RetryBudgetIncomplete",
       sp("  retryBudget:\n    retryRatio: -0.5\n"),
       {"bad.yaml:6: ServiceProfile/web: spec.retryBudget.retryRatio: must not be negative, got "
        "-0.5",
        "bad.yaml:6: ServiceProfile/web: spec.retryBudget.minRetriesPerSecond: required",
        "bad.yaml:6: ServiceProfile/web: spec.retryBudget.ttl: required"}},
      {"RetryBudgetBadTtl",
       sp("  retryBudget: {retryRatio: .nan, minRetriesPerSecond: 5, ttl: -10s}\n"),
       {"bad.yaml:5: ServiceProfile/web: spec.retryBudget.retryRatio: must be a number, got "
        "\".nan\"",
        "bad.yaml:5: ServiceProfile/web: spec.retryBudget.ttl: must not be negative, got "
        "\"-10s\""}},
      {"DstOverrideWithoutWeight",
       sp("  dstOverrides:\n  - authority: web-v2:8080\n  - {authority: web-v3:8080, weight: "
          "-1}\n"),
       {"bad.yaml:6: ServiceProfile/web: spec.dstOverrides[0].weight: required",
        "bad.yaml:7: ServiceProfile/web: spec.dstOverrides[1].weight: must not be negative, got "
        "\"-1\""}},
  };
}

std::vector<BadCase> splitCases() {
  return {
      {"NoBackends",
       ts("v1alpha2", "  service: web\n  backends: []\n"),
       {"bad.yaml:6: TrafficSplit/web: spec.backends: must not be empty"}},
      {"MissingServiceAndWeight",
       ts("v1alpha2", "  backends:\n  - service: web-v1\n"),
       {"bad.yaml:5: TrafficSplit/web: spec.service: required",
        "bad.yaml:6: TrafficSplit/web: spec.backends[0].weight: required"}},
      {"MatchesBeforeV1alpha3",
       ts("v1alpha2",
          "  service: web\n  backends: [{service: a, weight: 1}]\n"
          "  matches: [{kind: HTTPRouteGroup, name: x}]\n"),
       {"bad.yaml:7: TrafficSplit/web: spec.matches: requires split.smi-spec.io/v1alpha3 or "
        "later"}},
  };
}

std::vector<BadCase> routeCases() {
  const std::string linkerdV3 = "policy.linkerd.io/v1beta3";
  return {
      {"PathNotAbsolute",
       route(kGatewayV1, "  rules:\n  - matches:\n    - path: {value: api}\n"),
       {"bad.yaml:7: HTTPRoute/web: spec.rules[0].matches[0].path.value: must start with \"/\", "
        "got \"api\""}},
      {"BadRegexPathAndHeader",
       route(linkerdV3,
             "  rules:\n  - matches:\n    - path: {type: RegularExpression, value: "
             "\"[\"}\n      headers: [{name: \"x y\", value: a, type: "
             "RegularExpression}, {name: b, type: RegularExpression, value: \"*\"}]\n"),
       {"bad.yaml:7: HTTPRoute/web: spec.rules[0].matches[0].path.value: must be a regular "
        "expression (RE2 syntax), got \"[\": missing ]: [",
        "bad.yaml:8: HTTPRoute/web: spec.rules[0].matches[0].headers[0].name: must be an HTTP "
        "header name, got \"x y\"",
        "bad.yaml:8: HTTPRoute/web: spec.rules[0].matches[0].headers[1].value: must be a regular "
        "expression (RE2 syntax), got \"*\": no argument for repetition operator: *"}},
      {"BadMethod",
       route(kGatewayV1, "  rules:\n  - matches:\n    - method: get\n"),
       {"bad.yaml:7: HTTPRoute/web: spec.rules[0].matches[0].method: must be one of GET, HEAD, "
        "POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH, got \"get\""}},
      {"BackendTimeoutLongerThanRequest",
       route(linkerdV3, "  rules:\n  - timeouts: {request: 1s, backendRequest: 2s}\n"),
       {"bad.yaml:6: HTTPRoute/web: spec.rules[0].timeouts.backendRequest: must not be longer "
        "than request (1s), got \"2s\""}},
      {"TimeoutsBeforeV1beta3",
       route("policy.linkerd.io/v1beta2", "  rules:\n  - timeouts: {request: 1s}\n"),
       {"bad.yaml:6: HTTPRoute/web: spec.rules[0].timeouts: requires policy.linkerd.io/v1beta3"}},
      {"ServiceBackendWithoutPort",
       route(kGatewayV1,
             "  rules:\n  - backendRefs:\n    - name: web-v2\n"
             "    - {name: w, port: 80, weight: 1000001}\n"),
       {"bad.yaml:7: HTTPRoute/web: spec.rules[0].backendRefs[0].port: required for a Service",
        "bad.yaml:8: HTTPRoute/web: spec.rules[0].backendRefs[1].weight: must be between 0 and "
        "1000000, got 1000001"}},
      {"FilterTypes",
       route(linkerdV3,
             "  rules:\n  - filters:\n    - type: URLRewrite\n"
             "    - type: RequestRedirect\n"),
       {"bad.yaml:7: HTTPRoute/web: spec.rules[0].filters[0].type: must be one of "
        "RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, got \"URLRewrite\"",
        "bad.yaml:8: HTTPRoute/web: spec.rules[0].filters[1].requestRedirect: required for type "
        "RequestRedirect"}},
      {"BadHostname",
       route(kGatewayV1, "  hostnames: [\"*.Example.com\", \"a.*.com\"]\n"),
       {"bad.yaml:5: HTTPRoute/web: spec.hostnames[0]: must be a hostname such as "
        "\"example.com\" or \"*.example.com\", got \"*.Example.com\"",
        "bad.yaml:5: HTTPRoute/web: spec.hostnames[1]: must be a hostname such as "
        "\"example.com\" or \"*.example.com\", got \"a.*.com\""}},
      {"ParentWithoutName",
       route(kGatewayV1, "  parentRefs: [{kind: Service, port: 0}]\n"),
       {"bad.yaml:5: HTTPRoute/web: spec.parentRefs[0].name: required"}},
  };
}

std::vector<BadCase> annotationCases() {
  return {
      {"BadInject",
       ns("    linkerd.io/inject: enable\n"),
       {"bad.yaml:6: Namespace/prod: metadata.annotations[\"linkerd.io/inject\"]: must be one of "
        "enabled, disabled, ingress, got \"enable\""}},
      {"SkipPortsRangeReversedAndNamed",
       ns("    config.linkerd.io/skip-inbound-ports: \"4230-4222\"\n"
          "    config.linkerd.io/skip-outbound-ports: \"mysql\"\n"),
       {"bad.yaml:6: Namespace/prod: metadata.annotations[\"config.linkerd.io/skip-inbound-"
        "ports\"]: range 4230-4222 ends before it starts in port list \"4230-4222\"",
        "bad.yaml:7: Namespace/prod: metadata.annotations[\"config.linkerd.io/skip-outbound-"
        "ports\"]: \"mysql\" is not a port or port range in port list \"mysql\""}},
      {"PoolSettingsNotCounts",
       ns("    config.linkerd.io/proxy-outbound-max-idle-conns-per-host: \"0\"\n"
          "    config.linkerd.io/proxy-outbound-max-requests-per-connection: \"lots\"\n"),
       {"bad.yaml:6: Namespace/prod: metadata.annotations[\"config.linkerd.io/proxy-outbound-max-"
        "idle-conns-per-host\"]: must be a whole number from 1 to 1000000, got \"0\"",
        "bad.yaml:7: Namespace/prod: metadata.annotations[\"config.linkerd.io/proxy-outbound-max-"
        "requests-per-connection\"]: must be a whole number from 1 to 1000000, got \"lots\""}},
      {"ServiceOpaquePortByName",
       svc("    config.linkerd.io/opaque-ports: \"4222,nats\"\n"),
       {"bad.yaml:6: Service/web: metadata.annotations[\"config.linkerd.io/opaque-ports\"]: "
        "\"nats\" is not a port or port range in port list \"4222,nats\""}},
  };
}

// Checks that need two objects; the first one wins.
std::vector<BadCase> crossObjectCases() {
  return {
      {"DuplicateServiceProfile",
       sp("  routes: []\n") + "---\n" + sp("  routes: []\n"),
       {"bad.yaml:9: ServiceProfile/web: metadata.name: default/web already defined "
        "(bad.yaml:3)"}},
      {"DuplicateNamespace",
       "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n---\n"
       "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod, labels: {a: b}}\n",
       {"bad.yaml:7: Namespace/prod: metadata.name: prod already defined (bad.yaml:3)"}},
      {"DuplicateServerAcrossVersions",
       srv("v1beta1", "  podSelector: {}\n  port: 80\n") + "---\n" +
           srv("v1beta3", "  podSelector: {}\n  port: 81\n"),
       {"bad.yaml:10: Server/web: metadata.name: default/web already defined (bad.yaml:3)"}},
      {"TwoSplitsOfOneService",
       ts("v1alpha2", "  service: web\n  backends: [{service: a, weight: 1}]\n") + "---\n" +
           "apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\n"
           "metadata: {name: other}\nspec:\n  service: web\n  backends: [{service: b, weight: "
           "1}]\n",
       {"bad.yaml:12: TrafficSplit/other: spec.service: default/web is already split by "
        "TrafficSplit/web (bad.yaml:5)"}},
  };
}

class MeshBadDocumentTest : public testing::TestWithParam<BadCase> {};

TEST_P(MeshBadDocumentTest, IsRejectedWithExactErrors) {
  const BadCase& c = GetParam();
  LoadResult result = parseText(c.yaml, "bad.yaml");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(errorStrings(result), c.errors) << c.yaml;
}

INSTANTIATE_TEST_SUITE_P(Required, MeshBadDocumentTest, testing::ValuesIn(requiredCases()),
                         CaseName());
INSTANTIATE_TEST_SUITE_P(Version, MeshBadDocumentTest, testing::ValuesIn(versionCases()),
                         CaseName());
INSTANTIATE_TEST_SUITE_P(ServiceProfile, MeshBadDocumentTest, testing::ValuesIn(profileCases()),
                         CaseName());
INSTANTIATE_TEST_SUITE_P(TrafficSplit, MeshBadDocumentTest, testing::ValuesIn(splitCases()),
                         CaseName());
INSTANTIATE_TEST_SUITE_P(HttpRoute, MeshBadDocumentTest, testing::ValuesIn(routeCases()),
                         CaseName());
INSTANTIATE_TEST_SUITE_P(Annotations, MeshBadDocumentTest, testing::ValuesIn(annotationCases()),
                         CaseName());
INSTANTIATE_TEST_SUITE_P(CrossObject, MeshBadDocumentTest, testing::ValuesIn(crossObjectCases()),
                         CaseName());

// A rejected document costs only itself: the good one beside it is in the model.
TEST(MeshBadDocumentTest, OthersStillLoad) {
  LoadResult result =
      parseText(requiredCases()[0].yaml + "---\n" + sp(kRoute + "      method: GET\n"), "bad.yaml");
  EXPECT_EQ(result.errors.size(), 1u);
  ASSERT_EQ(result.model.serviceProfiles.size(), 1u);
  EXPECT_EQ(result.model.serviceProfiles[0].src.line, 10);
}

// Aliases make a million conditions of a few lines: refused before anything is read.
TEST(MeshBadDocumentTest, AliasBombIsRejected) {
  std::string text =
      "apiVersion: linkerd.io/v1alpha2\nkind: ServiceProfile\nmetadata: {name: web}\n"
      "x0: &a0 {method: GET}\n";
  for (int level = 1; level <= 6; ++level) {
    std::string prev = "*a" + std::to_string(level - 1);
    text += "x" + std::to_string(level) + ": &a" + std::to_string(level) + " {all: [";
    for (int i = 0; i < 10; ++i) {
      text += (i == 0 ? "" : ", ") + prev;
    }
    text += "]}\n";
  }
  text += "spec:\n  routes:\n  - {name: r, condition: *a6}\n";
  LoadResult result = parseText(text, "bad.yaml");
  EXPECT_EQ(errorStrings(result),
            std::vector<std::string>{"bad.yaml:1: ServiceProfile/web: too large: more than 100000 "
                                     "values once YAML aliases are expanded"});
  EXPECT_TRUE(result.model.serviceProfiles.empty());
}

// Deep nesting is answered, not a stack overflow.
TEST(MeshBadDocumentTest, DeeplyNestedConditionIsRejected) {
  std::string condition = "{method: GET}";
  for (int i = 0; i < 40; ++i) {
    condition = "{not: " + condition + "}";
  }
  LoadResult result = parseText(
      sp(kRoute + "      " + condition.substr(1, condition.size() - 2) + "\n"), "bad.yaml");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].reason, "nested more than 32 levels deep");
}

}  // namespace
}  // namespace weir::config
