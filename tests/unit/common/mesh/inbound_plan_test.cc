// The kernel's L4 authorizations compiled from the model: Servers, ServerAuthorizations,
// AuthorizationPolicies with MeshTLS- and NetworkAuthentications, HTTPRoutes and default
// policies -> one node's exact entries and its default verdict.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/config/loader.h"
#include "common/mesh/mesh_plan.h"
#include "common/mesh/node_plan.h"

namespace weir::mesh {
namespace {

const char* verdictName(policy::Verdict v) {
  switch (v) {
    case policy::Verdict::kAllow:
      return "ALLOW";
    case policy::Verdict::kDeny:
      return "DENY";
    default:
      return "PROXY";
  }
}

std::string identity(const std::string& sa) {
  return sa + ".demo.serviceaccount.identity.linkerd.cluster.local";
}

// web-1 (the server: app web, port 8080 "http", behind Service web) and the clients a-1, a-2
// (both service account a) and b-1 on node n1; c-1 on n2, whose identity n1 never compiles for.
std::string world(const std::string& namespaceAnnotations = "{}") {
  std::string out = R"(apiVersion: v1
kind: Namespace
metadata: {name: demo, annotations: )" +
                    namespaceAnnotations + R"(}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec: {clusterIP: 10.96.0.10, selector: {app: web}, ports: [{port: 80, targetPort: 9000}]}
)";
  struct W {
    const char* name;
    const char* app;
    const char* sa;
    const char* node;
    const char* ip;
    const char* ports;
  };
  for (const W& w : {W{"web-1", "web", "web", "n1", "10.244.1.10", "[{name: http, port: 8080}]"},
                     W{"a-1", "a", "a", "n1", "10.244.1.20", "[]"},
                     W{"a-2", "a", "a", "n1", "10.244.1.21", "[]"},
                     W{"b-1", "b", "b", "n1", "10.244.1.30", "[]"},
                     W{"c-1", "c", "c", "n2", "10.244.2.40", "[]"}}) {
    out += std::string("---\napiVersion: workload.linkerd.io/v1beta1\nkind: ExternalWorkload\n") +
           "metadata: {name: " + w.name + ", namespace: demo, labels: {app: " + w.app +
           "}, annotations: {weir.io/cgroup: " + w.name + ", weir.io/node: " + w.node +
           "}}\nspec: {meshTLS: {identity: " + identity(w.sa) + ", serverName: " + w.name +
           "}, workloadIPs: [{ip: " + w.ip + "}], ports: " + w.ports + "}\n";
  }
  return out;
}

const std::string kServer = R"(---
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: web-http, namespace: demo}
spec: {podSelector: {matchLabels: {app: web}}, port: http, proxyProtocol: opaque}
)";

// A Server on port 8080 with `accessPolicy`, HTTP so routes may attach.
std::string httpServer(const std::string& accessPolicy) {
  return R"(---
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: web-http, namespace: demo}
spec: {podSelector: {matchLabels: {app: web}}, port: 8080, proxyProtocol: HTTP/1, accessPolicy: )" +
         accessPolicy + "}\n";
}

// An AuthorizationPolicy on the Server requiring the named authentications.
std::string policyOn(const std::string& target, const std::string& refs) {
  return "---\napiVersion: policy.linkerd.io/v1alpha1\nkind: AuthorizationPolicy\n"
         "metadata: {name: p-" +
         target + ", namespace: demo}\nspec:\n  targetRef: " +
         (target == "route" ? "{group: policy.linkerd.io, kind: HTTPRoute, name: admin}"
                            : "{group: policy.linkerd.io, kind: Server, name: web-http}") +
         "\n  requiredAuthenticationRefs: " + refs + "\n";
}

std::string meshTls(const std::string& spec) {
  return "---\napiVersion: policy.linkerd.io/v1alpha1\nkind: MeshTLSAuthentication\n"
         "metadata: {name: ids, namespace: demo}\nspec: " +
         spec + "\n";
}

std::string network(const std::string& cidr) {
  return "---\napiVersion: policy.linkerd.io/v1alpha1\nkind: NetworkAuthentication\n"
         "metadata: {name: nets, namespace: demo}\nspec: {networks: [{cidr: \"" +
         cidr + "\"}]}\n";
}

std::string serverAuthorization(const std::string& server, const std::string& client) {
  return "---\napiVersion: policy.linkerd.io/v1beta1\nkind: ServerAuthorization\n"
         "metadata: {name: web-clients, namespace: demo}\nspec:\n  server: " +
         server + "\n  client: " + client + "\n";
}

constexpr char kIds[] = "[{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: ids}]";
constexpr char kIdsAndNets[] =
    "[{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: ids},"
    " {group: policy.linkerd.io, kind: NetworkAuthentication, name: nets}]";
constexpr char kNets[] = "[{group: policy.linkerd.io, kind: NetworkAuthentication, name: nets}]";

constexpr char kRoute[] = R"(---
apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: {name: admin, namespace: demo}
spec:
  parentRefs: [{name: web-http, kind: Server, group: policy.linkerd.io}]
  rules: [{matches: [{path: {type: PathPrefix, value: /admin}}]}]
)";

struct Case {
  std::string name;
  std::string yaml;                  // besides world()
  std::vector<std::string> entries;  // "<id> <verdict>" of node n1
  std::string namespaceAnnotations = "{}";
  std::string defaultPolicy = "all-unauthenticated";
  std::string defaultVerdict = "ALLOW";
};

const std::string kPort = "demo/web-1:8080<-";

std::vector<Case> cases() {
  return {
      {"NoPolicyNoEntries", "", {}},
      {"ServerWithoutAuthorizationDeniesEveryone", kServer, {kPort + " DENY"}},
      {"MeshTlsIdentityAdmitsOneIdentity",
       kServer + policyOn("server", kIds) + meshTls("{identities: [" + identity("a") + "]}"),
       {kPort + " DENY", kPort + identity("a") + " ALLOW"}},
      {"MeshTlsServiceAccountRef",
       kServer + policyOn("server", kIds) +
           meshTls("{identityRefs: [{kind: ServiceAccount, name: b}]}"),
       {kPort + " DENY", kPort + identity("b") + " ALLOW"}},
      {"MeshTlsNamespaceSuffixAdmitsEveryAccount",
       kServer + policyOn("server", kIds) +
           meshTls("{identityRefs: [{kind: Namespace, name: demo}]}"),
       {kPort + " DENY", kPort + identity("a") + " ALLOW", kPort + identity("b") + " ALLOW",
        kPort + identity("web") + " ALLOW"}},
      {"MeshTlsWildcardAdmitsAnyIdentity",
       kServer + policyOn("server", kIds) + meshTls("{identities: [\"*\"]}"),
       {kPort + " ALLOW"}},
      {"MissingAuthenticationAdmitsNoOne", kServer + policyOn("server", kIds), {kPort + " DENY"}},
      {"NetworkAuthenticationMakesTheIdentityProxy",
       kServer + policyOn("server", kIdsAndNets) +
           meshTls("{identities: [" + identity("a") + "]}") + network("10.244.0.0/16"),
       {kPort + " DENY", kPort + identity("a") + " PROXY"}},
      {"NetworkAuthenticationOfEveryAddressAdmitsEveryone",
       kServer + policyOn("server", kNets) + network("0.0.0.0/0"),
       {kPort + " ALLOW"}},
      {"NetworkAuthenticationOfSomeAddressesIsForTheProxy",
       kServer + policyOn("server", kNets) + network("10.244.1.0/24"),
       {kPort + " PROXY"}},
      {"ServerAuthorizationWithClusterNetworks",
       kServer +
           serverAuthorization("{name: web-http}", "{meshTLS: {serviceAccounts: [{name: a}]}}"),
       {kPort + " DENY", kPort + identity("a") + " ALLOW"}},
      {"ServerAuthorizationWithItsOwnNetworks",
       kServer + serverAuthorization("{name: web-http}",
                                     "{networks: [{cidr: 10.244.1.0/24}], meshTLS: "
                                     "{serviceAccounts: [{name: a}]}}"),
       {kPort + " DENY", kPort + identity("a") + " PROXY"}},
      {"ServerAuthorizationUnauthenticated",
       kServer + serverAuthorization("{selector: {matchLabels: {}}}", "{unauthenticated: true}"),
       {kPort + " ALLOW"}},
      {"RouteScopedPolicyIsForTheProxy",
       httpServer("deny") + kRoute + policyOn("route", kIds) +
           meshTls("{identities: [" + identity("b") + "]}"),
       {kPort + " DENY", kPort + identity("b") + " PROXY"}},
      {"ServerPolicyAdmitsOnEveryRoute",
       httpServer("deny") + kRoute + policyOn("server", kIds) +
           meshTls("{identities: [" + identity("a") + "]}"),
       {kPort + " DENY", kPort + identity("a") + " ALLOW"}},
      {"AuditAccessPolicyAllows", httpServer("audit"), {kPort + " ALLOW"}},
      {"ClusterAuthenticatedAccessPolicyAllowsMeshedClients",
       httpServer("cluster-authenticated"),
       {kPort + " ALLOW"}},
      // web-1 declares 8080 and Service web reaches it on 9000: both get the namespace's policy.
      {"NamespaceDefaultPolicyDeny",
       "",
       {"demo/web-1:8080<- DENY", "demo/web-1:9000<- DENY"},
       "{config.linkerd.io/default-inbound-policy: deny}"},
      {"RequireIdentityOnAPort",
       "",
       {"demo/web-1:9000<- ALLOW"},
       "{config.linkerd.io/proxy-require-identity-on-inbound-ports: \"9000\"}"},
      {"UnreadableDefaultPolicyFallsBackToTheCluster",
       "",
       {},
       "{config.linkerd.io/default-inbound-policy: nonsense}"},
      {"ClusterDefaultDeny", "", {}, "{}", "deny", "DENY"},
      {"ClusterDefaultDenyNamespaceAllows",
       "",
       {"demo/web-1:8080<- ALLOW", "demo/web-1:9000<- ALLOW"},
       "{config.linkerd.io/default-inbound-policy: all-unauthenticated}",
       "deny",
       "DENY"},
      {"ClusterDefaultClusterUnauthenticatedAllows", "", {}, "{}", "cluster-unauthenticated"},
  };
}

class InboundPlanTest : public testing::TestWithParam<Case> {};

TEST_P(InboundPlanTest, CompilesTheNodesEntries) {
  const Case& c = GetParam();
  config::LoadResult loaded = config::parseText(world(c.namespaceAnnotations) + c.yaml, "m.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.errors.front().str();
  policy::Options options;
  options.defaultInboundPolicy = c.defaultPolicy;
  PlanResult planned = plan(loaded.model, {.node = "n1"}, options);
  std::vector<std::string> got;
  for (const PlanAuthorization& a : planned.plan.authorizations) {
    got.push_back(a.id + " " + verdictName(a.verdict));
    EXPECT_EQ(a.id, a.workloadId + ":" + std::to_string(a.port) + "<-" + a.clientIdentity);
  }
  EXPECT_EQ(got, c.entries);
  EXPECT_EQ(verdictName(planned.plan.defaultVerdict), c.defaultVerdict);

  // n2 runs c-1 only: it gets no entry of web-1's, whose clients it never carries.
  EXPECT_TRUE(plan(loaded.model, {.node = "n2"}, options).plan.authorizations.empty());
}

INSTANTIATE_TEST_SUITE_P(Cases, InboundPlanTest, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

// Replanning after a delta gives what planning from scratch gives, inbound policy included.
TEST(InboundReplanTest, AWorkloadEditRecompilesItsPortsOnly) {
  const std::string before = world() + kServer + policyOn("server", kIds) +
                             meshTls("{identities: [" + identity("a") + "]}");
  config::LoadResult a = config::parseText(before, "m.yaml");
  ASSERT_TRUE(a.ok());
  MeshPlan first = planMesh(a.model);
  ASSERT_EQ(first.inbound.size(), 1u);

  config::Model edited = a.model;
  config::MeshDelta delta{.complete = true};
  for (auto& w : edited.workloads) {
    if (w.name == "b-1") {
      delta.workloads.push_back(w);
      w.labels["app"] = "web";  // b-1 becomes a server too (it declares no port: 8080 by name
      w.ports = {{.name = "http", .port = 8080}};  // needs one)
      delta.workloads.push_back(w);
    }
  }
  MeshPlan replanned = replanMesh(edited, first, delta);
  MeshPlan fresh = planMesh(edited);
  EXPECT_TRUE(changesBetween(replanned, fresh).empty());
  ASSERT_EQ(replanned.inbound.size(), 2u);
  EXPECT_EQ(replanned.inbound.at("demo/web-1:8080"), first.inbound.at("demo/web-1:8080"));
  EXPECT_EQ(replanned.policyInputs, first.policyInputs);  // the policy objects did not change
}

}  // namespace
}  // namespace weir::mesh
