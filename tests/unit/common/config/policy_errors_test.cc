// policy.linkerd.io documents weir rejects, each with the exact diagnostics a user sees.

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

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

// Each helper writes a document of its kind named "web" whose spec starts on line 5.
std::string srv(const std::string& version, const std::string& spec) {
  return "apiVersion: policy.linkerd.io/" + version +
         "\nkind: Server\nmetadata: {name: web}\nspec:\n" + spec;
}
std::string saz(const std::string& spec) {
  return "apiVersion: policy.linkerd.io/v1beta1\nkind: ServerAuthorization\n"
         "metadata: {name: web}\nspec:\n" +
         spec;
}
std::string ap(const std::string& spec) {
  return "apiVersion: policy.linkerd.io/v1alpha1\nkind: AuthorizationPolicy\n"
         "metadata: {name: web}\nspec:\n" +
         spec;
}
std::string mtls(const std::string& spec) {
  return "apiVersion: policy.linkerd.io/v1alpha1\nkind: MeshTLSAuthentication\n"
         "metadata: {name: web}\nspec:\n" +
         spec;
}
std::string netauth(const std::string& spec) {
  return "apiVersion: policy.linkerd.io/v1alpha1\nkind: NetworkAuthentication\n"
         "metadata: {name: web}\nspec:\n" +
         spec;
}

const std::string kClient = "  client: {unauthenticated: true}\n";

std::vector<BadCase> serverCases() {
  const std::string pods = "  podSelector: {matchLabels: {app: web}}\n";
  return {
      {"BothSelectors",
       srv("v1beta2", pods + "  externalWorkloadSelector: {}\n  port: 80\n"),
       {"bad.yaml:6: Server/web: spec.externalWorkloadSelector: must not be set with "
        "spec.podSelector"}},
      {"NoSelector",
       srv("v1beta3", "  port: 80\n"),
       {"bad.yaml:5: Server/web: spec: must set podSelector or externalWorkloadSelector"}},
      {"ExternalWorkloadsInV1beta1",
       srv("v1beta1", "  externalWorkloadSelector: {}\n  port: 80\n"),
       {"bad.yaml:5: Server/web: spec.externalWorkloadSelector: requires "
        "policy.linkerd.io/v1beta2 or later"}},
      {"AccessPolicyBeforeV1beta3",
       srv("v1beta2", pods + "  port: 80\n  accessPolicy: audit\n"),
       {"bad.yaml:7: Server/web: spec.accessPolicy: requires policy.linkerd.io/v1beta3"}},
      {"UnknownAccessPolicy",
       srv("v1beta3", pods + "  port: 80\n  accessPolicy: allow\n"),
       {"bad.yaml:7: Server/web: spec.accessPolicy: must be one of deny, audit, "
        "all-authenticated, all-unauthenticated, cluster-authenticated, cluster-unauthenticated, "
        "got \"allow\""}},
      {"PortMissingAndBadName",
       srv("v1beta1", pods) + "---\n" + srv("v1beta1", pods + "  port: Admin_Http\n"),
       {"bad.yaml:5: Server/web: spec.port: required",
        "bad.yaml:12: Server/web: spec.port: must be an IANA service name (at most 15 lowercase "
        "letters, digits and '-'), got \"Admin_Http\""}},
      {"SelectorOperators",
       srv("v1beta1",
           "  podSelector:\n    matchExpressions:\n    - {key: a, operator: In}\n"
           "    - {key: b, operator: Exists, values: [x]}\n"
           "    - {key: c, operator: Equals}\n  port: 80\n"),
       {"bad.yaml:7: Server/web: spec.podSelector.matchExpressions[0].values: required for "
        "operator In",
        "bad.yaml:8: Server/web: spec.podSelector.matchExpressions[1].values: must be empty for "
        "operator Exists",
        "bad.yaml:9: Server/web: spec.podSelector.matchExpressions[2].operator: must be one of In, "
        "NotIn, Exists, DoesNotExist, got \"Equals\""}},
  };
}

std::vector<BadCase> authorizationCases() {
  return {
      {"ServerNameAndSelector",
       saz("  server: {name: a, selector: {}}\n" + kClient),
       {"bad.yaml:5: ServerAuthorization/web: spec.server.selector: must not be set with "
        "spec.server.name"}},
      {"UnauthenticatedWithMeshTLS",
       saz("  server: {name: a}\n  client:\n    unauthenticated: true\n"
           "    meshTLS: {unauthenticatedTLS: true}\n"),
       {"bad.yaml:7: ServerAuthorization/web: spec.client.unauthenticated: must be false when "
        "spec.client.meshTLS is set"}},
      {"NoClientAuthentication",
       saz("  server: {name: a}\n  client:\n    networks: [{cidr: 10.0.0.0/8}]\n"),
       {"bad.yaml:7: ServerAuthorization/web: spec.client: must set unauthenticated or "
        "meshTLS"}},
      {"AuthorizesNoClients",
       saz("  server: {name: a}\n  client:\n    meshTLS: {}\n"),
       {"bad.yaml:7: ServerAuthorization/web: spec.client.meshTLS: must set unauthenticatedTLS, "
        "identities or serviceAccounts (authorizes no clients)"}},
      {"UnauthenticatedTLSWithIdentities",
       saz("  server: {name: a}\n  client:\n    meshTLS:\n      unauthenticatedTLS: true\n"
           "      identities: [\"*\"]\n"),
       {"bad.yaml:8: ServerAuthorization/web: spec.client.meshTLS.unauthenticatedTLS: must be "
        "false when identities or serviceAccounts are set"}},
      {"BadIdentityAndServiceAccount",
       saz("  server: {name: a}\n  client:\n    meshTLS:\n      identities: [web.Prod]\n"
           "      serviceAccounts: [{name: Web}]\n"),
       {"bad.yaml:8: ServerAuthorization/web: spec.client.meshTLS.identities[0]: must be an "
        "identity such as \"web.prod.serviceaccount.identity.linkerd.cluster.local\", "
        "\"*.linkerd.cluster.local\" or a SPIFFE ID, got \"web.Prod\"",
        "bad.yaml:9: ServerAuthorization/web: spec.client.meshTLS.serviceAccounts[0].name: must "
        "be a DNS label (at most 63 lowercase letters, digits and '-'), got \"Web\""}},
      {"ExceptOutsideAndCoveringCidr",
       saz("  server: {name: a}\n  client:\n    unauthenticated: true\n    networks:\n"
           "    - cidr: 10.0.0.0/16\n      except: [10.1.0.0/24, 10.0.0.0/8]\n"),
       {"bad.yaml:10: ServerAuthorization/web: spec.client.networks[0].except[0]: must be inside "
        "10.0.0.0/16, got \"10.1.0.0/24\"",
        "bad.yaml:10: ServerAuthorization/web: spec.client.networks[0].except[1]: must not cover "
        "all of 10.0.0.0/16, got \"10.0.0.0/8\""}},
      {"PolicyUnsupportedTarget",
       ap("  targetRef: {group: apps, kind: Deployment, name: web}\n"
          "  requiredAuthenticationRefs: []\n"),
       {"bad.yaml:5: AuthorizationPolicy/web: spec.targetRef.kind: must be a Server, HTTPRoute, "
        "GRPCRoute or Namespace, got \"apps/Deployment\""}},
      {"PolicyOnAnotherNamespace",
       ap("  targetRef: {kind: Namespace, name: other}\n  requiredAuthenticationRefs: []\n"),
       {"bad.yaml:5: AuthorizationPolicy/web: spec.targetRef.name: must be the policy's own "
        "namespace \"default\", got \"other\""}},
      {"PolicyTwoIdentitiesAndBadKind",
       ap("  targetRef: {group: policy.linkerd.io, kind: Server, name: web}\n"
          "  requiredAuthenticationRefs:\n"
          "  - {group: policy.linkerd.io, kind: MeshTLSAuthentication, name: a}\n"
          "  - {kind: ServiceAccount, name: b}\n"
          "  - {kind: Secret, name: c}\n"),
       {"bad.yaml:8: AuthorizationPolicy/web: spec.requiredAuthenticationRefs[1].kind: only one "
        "MeshTLSAuthentication or ServiceAccount may be set, spec.requiredAuthenticationRefs[0] "
        "is one",
        "bad.yaml:9: AuthorizationPolicy/web: spec.requiredAuthenticationRefs[2].kind: must be a "
        "MeshTLSAuthentication, NetworkAuthentication or ServiceAccount, got \"Secret\""}},
      {"PolicyWithoutRefs",
       ap("  targetRef: {kind: Namespace, name: default}\n"),
       {"bad.yaml:5: AuthorizationPolicy/web: spec.requiredAuthenticationRefs: required"}},
      {"MeshTLSBothAndNeither",
       mtls("  identities: [\"*\"]\n  identityRefs: [{kind: ServiceAccount}]\n") + "---\n" +
           mtls("  {}\n"),
       {"bad.yaml:6: MeshTLSAuthentication/web: spec.identityRefs: must not be set with "
        "spec.identities",
        "bad.yaml:12: MeshTLSAuthentication/web: spec: must set identities or identityRefs"}},
      {"MeshTLSBadRefs",
       mtls("  identityRefs:\n  - {kind: Namespace, name: a, namespace: b}\n"
            "  - {kind: Pod, name: c}\n"),
       {"bad.yaml:6: MeshTLSAuthentication/web: spec.identityRefs[0].namespace: must not be set "
        "for a Namespace (cluster-scoped)",
        "bad.yaml:7: MeshTLSAuthentication/web: spec.identityRefs[1].kind: must be a "
        "ServiceAccount or Namespace, got \"Pod\""}},
      {"NetworkAuthenticationEmpty",
       netauth("  networks: []\n"),
       {"bad.yaml:5: NetworkAuthentication/web: spec.networks: must not be empty"}},
  };
}

class PolicyBadDocumentTest : public testing::TestWithParam<BadCase> {};

TEST_P(PolicyBadDocumentTest, IsRejectedWithExactErrors) {
  const BadCase& c = GetParam();
  LoadResult result = parseText(c.yaml, "bad.yaml");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(errorStrings(result), c.errors) << c.yaml;
}

INSTANTIATE_TEST_SUITE_P(Server, PolicyBadDocumentTest, testing::ValuesIn(serverCases()),
                         CaseName());
INSTANTIATE_TEST_SUITE_P(Authorization, PolicyBadDocumentTest,
                         testing::ValuesIn(authorizationCases()), CaseName());

}  // namespace
}  // namespace weir::config
