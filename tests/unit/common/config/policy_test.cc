// The policy.linkerd.io documents weir reads: Server, ServerAuthorization, AuthorizationPolicy,
// MeshTLSAuthentication and NetworkAuthentication.

#include <gtest/gtest.h>

#include "common/config/loader.h"
#include "tests/unit/common/config/test_util.h"

namespace weir::config {
namespace {

Server server(std::string name, int line) {
  Server s;
  s.ns = "booksapp";
  s.name = std::move(name);
  s.src = {"policy.yaml", line};
  return s;
}

TEST(ServerTest, EveryVersion) {
  LoadResult result = parseText(
      "apiVersion: policy.linkerd.io/v1beta1\n"
      "kind: Server\n"
      "metadata: {name: a-all-pods, namespace: booksapp, labels: {tier: web}}\n"
      "spec:\n"
      "  podSelector: {}\n"
      "  port: http\n"
      "---\n"
      "apiVersion: policy.linkerd.io/v1beta2\n"
      "kind: Server\n"
      "metadata: {name: b-vms, namespace: booksapp}\n"
      "spec:\n"
      "  externalWorkloadSelector:\n"
      "    matchLabels: {app: legacy}\n"
      "    matchExpressions:\n"
      "    - {key: location, operator: In, values: [vm, metal]}\n"
      "    - {key: canary, operator: DoesNotExist}\n"
      "  port: 8080\n"
      "  proxyProtocol: opaque\n"
      "---\n"
      "apiVersion: policy.linkerd.io/v1beta3\n"
      "kind: Server\n"
      "metadata: {name: c-grpc, namespace: booksapp}\n"
      "spec:\n"
      "  podSelector:\n"
      "    matchExpressions: [{key: app, operator: NotIn, values: [test]}]\n"
      "  port: 9090\n"
      "  proxyProtocol: gRPC\n"
      "  accessPolicy: all-authenticated\n",
      "policy.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});

  Server all = server("a-all-pods", 1);
  all.labels = {{"tier", "web"}};
  all.portName = "http";
  Server vms = server("b-vms", 8);
  vms.externalWorkloads = true;
  vms.selector = {{{"app", "legacy"}},
                  {{"location", "In", {"vm", "metal"}}, {"canary", "DoesNotExist", {}}}};
  vms.port = 8080;
  vms.proxyProtocol = "opaque";
  Server grpc = server("c-grpc", 20);
  grpc.selector.matchExpressions = {{"app", "NotIn", {"test"}}};
  grpc.port = 9090;
  grpc.proxyProtocol = "gRPC";
  grpc.accessPolicy = "all-authenticated";
  EXPECT_EQ(result.model.servers, (std::vector<Server>{all, vms, grpc}));
}

TEST(ServerAuthorizationTest, ClientsAndServerSelectors) {
  LoadResult result = parseText(
      "apiVersion: policy.linkerd.io/v1beta1\n"
      "kind: ServerAuthorization\n"
      "metadata: {name: a-identity, namespace: booksapp}\n"
      "spec:\n"
      "  server:\n"
      "    selector:\n"
      "      matchLabels: {tier: web}\n"
      "  client:\n"
      "    networks:\n"
      "    - cidr: 10.0.0.0/8\n"
      "      except: [10.1.0.0/16, 10.2.3.4]\n"
      "    - cidr: fd00::/8\n"
      "    meshTLS:\n"
      "      identities:\n"
      "      - \"*.booksapp.serviceaccount.identity.linkerd.cluster.local\"\n"
      "      - \"spiffe://root.linkerd.cluster.local/ns/booksapp/sa/web\"\n"
      "      serviceAccounts:\n"
      "      - name: books\n"
      "      - {name: prometheus, namespace: linkerd-viz}\n"
      "---\n"
      "apiVersion: policy.linkerd.io/v1beta1\n"
      "kind: ServerAuthorization\n"
      "metadata: {name: b-health, namespace: booksapp}\n"
      "spec:\n"
      "  server: {name: no-such-server-is-fine}\n"
      "  client: {unauthenticated: true}\n"
      "---\n"
      "apiVersion: policy.linkerd.io/v1beta1\n"
      "kind: ServerAuthorization\n"
      "metadata: {name: c-identity-controller, namespace: booksapp}\n"
      "spec:\n"
      "  server: {name: identity-grpc}\n"
      "  client: {meshTLS: {unauthenticatedTLS: true}}\n",
      "policy.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});

  ServerAuthorization identity;
  identity.ns = "booksapp";
  identity.name = "a-identity";
  identity.serverSelector = LabelSelector{{{"tier", "web"}}, {}};
  identity.networks = {network("10.0.0.0/8", {"10.1.0.0/16", "10.2.3.4/32"}), network("fd00::/8")};
  identity.identities = {"*.booksapp.serviceaccount.identity.linkerd.cluster.local",
                         "spiffe://root.linkerd.cluster.local/ns/booksapp/sa/web"};
  identity.serviceAccounts = {{"booksapp", "books"}, {"linkerd-viz", "prometheus"}};
  identity.src = {"policy.yaml", 1};
  ServerAuthorization health;
  health.ns = "booksapp";
  health.name = "b-health";
  health.server = "no-such-server-is-fine";
  health.unauthenticated = true;
  health.src = {"policy.yaml", 21};
  ServerAuthorization controller;
  controller.ns = "booksapp";
  controller.name = "c-identity-controller";
  controller.server = "identity-grpc";
  controller.unauthenticatedTLS = true;
  controller.src = {"policy.yaml", 28};
  EXPECT_EQ(result.model.serverAuthorizations,
            (std::vector<ServerAuthorization>{identity, health, controller}));
}

// Linkerd's docs' route-based policy: a route, the policy on it, and its authentications.
TEST(AuthorizationPolicyTest, RoutePolicyWithItsAuthentications) {
  LoadResult result = parseText(
      "apiVersion: policy.linkerd.io/v1alpha1\n"
      "kind: AuthorizationPolicy\n"
      "metadata:\n"
      "  name: authors-get-policy\n"
      "  namespace: booksapp\n"
      "spec:\n"
      "  targetRef:\n"
      "    group: policy.linkerd.io\n"
      "    kind: HTTPRoute\n"
      "    name: authors-get-route\n"
      "  requiredAuthenticationRefs:\n"
      "    - name: authors-get-authn\n"
      "      kind: MeshTLSAuthentication\n"
      "      group: policy.linkerd.io\n"
      "    - name: cluster-network\n"
      "      kind: networkauthentication\n"
      "      group: policy.linkerd.io\n"
      "      namespace: linkerd\n"
      "---\n"
      "apiVersion: policy.linkerd.io/v1alpha1\n"
      "kind: AuthorizationPolicy\n"
      "metadata: {name: ns-wide, namespace: booksapp}\n"
      "spec:\n"
      "  targetRef: {kind: Namespace, name: booksapp}\n"
      "  requiredAuthenticationRefs: [{kind: ServiceAccount, name: web, group: core}]\n"
      "---\n"
      "apiVersion: policy.linkerd.io/v1alpha1\n"
      "kind: MeshTLSAuthentication\n"
      "metadata: {name: authors-get-authn, namespace: booksapp}\n"
      "spec:\n"
      "  identities:\n"
      "    - \"*.booksapp.serviceaccount.identity.linkerd.cluster.local\"\n"
      "    - \"*\"\n"
      "---\n"
      "apiVersion: policy.linkerd.io/v1alpha1\n"
      "kind: MeshTLSAuthentication\n"
      "metadata: {name: by-ref, namespace: booksapp}\n"
      "spec:\n"
      "  identityRefs:\n"
      "    - {kind: ServiceAccount, name: books}\n"
      "    - {kind: ServiceAccount, namespace: linkerd-viz}\n"
      "    - {kind: Namespace, name: emojivoto}\n"
      "---\n"
      "apiVersion: policy.linkerd.io/v1alpha1\n"
      "kind: NetworkAuthentication\n"
      "metadata: {name: cluster-network, namespace: linkerd}\n"
      "spec:\n"
      "  networks:\n"
      "  - cidr: 0.0.0.0/0\n"
      "    except: [192.168.0.0/16]\n"
      "  - cidr: ::/0\n",
      "policy.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});

  AuthorizationPolicy route;
  route.ns = "booksapp";
  route.name = "authors-get-policy";
  route.targetRef = {"policy.linkerd.io", "HTTPRoute", "booksapp", "authors-get-route"};
  route.requiredAuthenticationRefs = {
      {"policy.linkerd.io", "MeshTLSAuthentication", "booksapp", "authors-get-authn"},
      {"policy.linkerd.io", "NetworkAuthentication", "linkerd", "cluster-network"}};
  route.src = {"policy.yaml", 1};
  AuthorizationPolicy nsWide;
  nsWide.ns = "booksapp";
  nsWide.name = "ns-wide";
  nsWide.targetRef = {"", "Namespace", "booksapp", "booksapp"};
  nsWide.requiredAuthenticationRefs = {{"", "ServiceAccount", "booksapp", "web"}};
  nsWide.src = {"policy.yaml", 20};
  EXPECT_EQ(result.model.authorizationPolicies, (std::vector<AuthorizationPolicy>{route, nsWide}));

  MeshTLSAuthentication byId;
  byId.ns = "booksapp";
  byId.name = "authors-get-authn";
  byId.identities = {"*.booksapp.serviceaccount.identity.linkerd.cluster.local", "*"};
  byId.src = {"policy.yaml", 27};
  MeshTLSAuthentication byRef;
  byRef.ns = "booksapp";
  byRef.name = "by-ref";
  byRef.identityRefs = {{"", "ServiceAccount", "booksapp", "books"},
                        {"", "ServiceAccount", "linkerd-viz", ""},
                        {"", "Namespace", "", "emojivoto"}};
  byRef.src = {"policy.yaml", 35};
  EXPECT_EQ(result.model.meshTLSAuthentications, (std::vector<MeshTLSAuthentication>{byId, byRef}));

  NetworkAuthentication net;
  net.ns = "linkerd";
  net.name = "cluster-network";
  net.networks = {network("0.0.0.0/0", {"192.168.0.0/16"}), network("::/0")};
  net.src = {"policy.yaml", 44};
  EXPECT_EQ(result.model.networkAuthentications, std::vector<NetworkAuthentication>{net});
}

TEST(PolicyTest, LabelSelectorMatches) {
  LabelSelector sel{{{"app", "web"}},
                    {{"env", "In", {"prod", "staging"}}, {"canary", "DoesNotExist", {}}}};
  EXPECT_TRUE(matches(sel, {{"app", "web"}, {"env", "prod"}}));
  EXPECT_FALSE(matches(sel, {{"app", "web"}, {"env", "dev"}}));
  EXPECT_FALSE(matches(sel, {{"app", "web"}, {"env", "prod"}, {"canary", "1"}}));
  EXPECT_FALSE(matches(sel, {{"env", "prod"}}));
  EXPECT_TRUE(matches(LabelSelector{}, {}));  // empty selects everything, unlike selects()
  EXPECT_TRUE(matches({{}, {{"tier", "Exists", {}}}}, {{"tier", ""}}));
  EXPECT_TRUE(matches({{}, {{"tier", "NotIn", {"db"}}}}, {}));
}

}  // namespace
}  // namespace weir::config
