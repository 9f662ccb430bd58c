// Policy.WatchInbound compiled from YAML models: the seed's Server and ServerAuthorization,
// AuthorizationPolicies with their authentications and routes, and the default policies.

#include <gtest/gtest.h>

#include <string>

#include "control/policy/inbound.h"
#include "tests/unit/control/destination/emojivoto.h"
#include "tests/unit/control/destination/test_util.h"

namespace weir::control::policy {
namespace {

using testing::kEmojivoto;
using testing::loadModel;
using testing::textProto;

// The seed's "Policy Configuration" (Server + ServerAuthorization).
constexpr char kSeedDocs[] = R"(apiVersion: policy.linkerd.io/v1beta1
kind: Server
metadata:
  name: api-server
  namespace: production
spec:
  podSelector:
    matchLabels:
      app: api
  port: 8080
  proxyProtocol: "HTTP/2"
---
apiVersion: policy.linkerd.io/v1beta1
kind: ServerAuthorization
metadata:
  name: api-authz
  namespace: production
spec:
  server:
    name: api-server
  client:
    meshTLS:
      serviceAccounts:
      - name: frontend
        namespace: production
      - name: backend
        namespace: production
)";

// The seed's documents with a workload the Server selects.
const std::string kSeedPolicy =
    kSeedDocs + testing::workloadDoc("production", "api-1", "api", "api", "10.0.3.10",
                                     "[{name: http, port: 8080}, {name: admin, port: 9990}]");

// One cluster network keeps the expected messages short.
Options options() {
  Options out;
  out.clusterNetworks = {"10.0.0.0/8"};
  return out;
}

v1::InboundServer inbound(const std::string& yaml, const char* ns, const char* name, uint16_t port,
                          const Options& opts = options()) {
  destination::Catalog catalog(loadModel(yaml));
  return compileInbound(catalog, ns, name, port, opts);
}

constexpr char kClusterNetwork[] = "networks { net { ip { ipv4: 0x0A000000 } prefix_len: 8 } }";
constexpr char kAllNetworks[] =
    "networks { net { ip { ipv4: 0 } prefix_len: 0 } }"
    " networks { net { ip { ipv6: '\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0' } "
    "prefix_len: 0 } }";
constexpr char kDefaultHttpRoute[] =
    "http_routes { origin { default_name: 'default' } rules { matches { path { prefix: '/' } } } }";

std::string defaultAuthz(const std::string& name, const std::string& networks,
                         const std::string& authentication) {
  return "authorizations { origin { default_name: '" + name + "' } " + networks +
         " authentication { " + authentication + " }" +
         " labels { key: 'authz_group' value: '' } labels { key: 'authz_kind' value: 'default' }"
         " labels { key: 'authz_name' value: '" +
         name + "' } }";
}

std::string defaultServer(const std::string& name) {
  return "server { default_name: '" + name + "' }" +
         " labels { key: 'srv_group' value: '' } labels { key: 'srv_kind' value: 'default' }"
         " labels { key: 'srv_name' value: '" +
         name + "' }";
}

TEST(InboundTest, SeedServerAndServerAuthorization) {
  EXPECT_PROTO_EQ(
      textProto<v1::InboundServer>(R"pb(
        server {
          resource {
            group: "policy.linkerd.io"
            kind: "Server"
            namespace: "production"
            name: "api-server"
            port: 8080
          }
        }
        protocol: PROXY_PROTOCOL_HTTP2
        server_ips { ipv4: 0x0A00030A }
        authorizations {
          origin {
            resource {
              group: "policy.linkerd.io"
              kind: "ServerAuthorization"
              namespace: "production"
              name: "api-authz"
            }
          }
          networks {
            net {
              ip { ipv4: 0x0A000000 }
              prefix_len: 8
            }
          }
          authentication {
            mesh_tls {
              identities: "frontend.production.serviceaccount.identity.linkerd.cluster.local"
              identities: "backend.production.serviceaccount.identity.linkerd.cluster.local"
            }
          }
          labels { key: "authz_group" value: "policy.linkerd.io" }
          labels { key: "authz_kind" value: "serverauthorization" }
          labels { key: "authz_name" value: "api-authz" }
        }
        http_routes {
          origin { default_name: "default" }
          rules { matches { path { prefix: "/" } } }
        }
        labels { key: "srv_group" value: "policy.linkerd.io" }
        labels { key: "srv_kind" value: "server" }
        labels { key: "srv_name" value: "api-server" }
      )pb"),
      inbound(kSeedPolicy, "production", "api-1", 8080));
}

TEST(InboundTest, PortNoServerSelectsGetsTheClusterDefault) {
  EXPECT_PROTO_EQ(textProto<v1::InboundServer>(
                      defaultServer("all-unauthenticated") +
                      " protocol: PROXY_PROTOCOL_DETECT"
                      " server_ips { ipv4: 0x0A00030A } " +
                      defaultAuthz("all-unauthenticated", kAllNetworks, "unauthenticated {}") +
                      " " + kDefaultHttpRoute),
                  inbound(kSeedPolicy, "production", "api-1", 9990));
}

TEST(InboundTest, DefaultPolicyAnnotations) {
  // The namespace says cluster-unauthenticated; web-2 itself says deny; the workload's
  // required-identity ports make the default authenticated.
  std::string yaml = testing::replaced(kEmojivoto, "linkerd.io/inject: enabled",
                                       "linkerd.io/inject: enabled\n    config.linkerd.io/"
                                       "default-inbound-policy: cluster-unauthenticated");
  yaml = testing::replaced(yaml, "weir.io/node: node-b, weir.io/weight",
                           "config.linkerd.io/default-inbound-policy: deny, weir.io/weight");
  yaml = testing::replaced(yaml, "annotations: {weir.io/node: node-a}",
                           "annotations: {config.linkerd.io/"
                           "proxy-require-identity-on-inbound-ports: \"8080\"}");

  EXPECT_PROTO_EQ(
      textProto<v1::InboundServer>(
          defaultServer("cluster-authenticated") +
          " protocol: PROXY_PROTOCOL_DETECT"
          " server_ips { ipv4: 0x0A00010A } " +
          defaultAuthz("cluster-authenticated", kClusterNetwork, "mesh_tls { suffixes: '' }") +
          " " + kDefaultHttpRoute),
      inbound(yaml, "emojivoto", "web-1", 8080));
  EXPECT_PROTO_EQ(textProto<v1::InboundServer>(defaultServer("deny") +
                                               " protocol: PROXY_PROTOCOL_DETECT"
                                               " server_ips { ipv4: 0x0A00020A } " +
                                               kDefaultHttpRoute),
                  inbound(yaml, "emojivoto", "web-2", 8081));
  // A workload not (yet) in the model: its namespace's default, without addresses.
  EXPECT_PROTO_EQ(
      textProto<v1::InboundServer>(
          defaultServer("cluster-unauthenticated") + " protocol: PROXY_PROTOCOL_DETECT " +
          defaultAuthz("cluster-unauthenticated", kClusterNetwork, "unauthenticated {}") + " " +
          kDefaultHttpRoute),
      inbound(yaml, "emojivoto", "web-9", 8080));
}

TEST(InboundTest, AnnotatedOpaquePortHasNoRoutes) {
  EXPECT_PROTO_EQ(textProto<v1::InboundServer>(
                      defaultServer("all-unauthenticated") +
                      " protocol: PROXY_PROTOCOL_OPAQUE"
                      " server_ips { ipv4: 0x0A000114 } " +
                      defaultAuthz("all-unauthenticated", kAllNetworks, "unauthenticated {}")),
                  inbound(kEmojivoto, "emojivoto", "emoji-1", 8801));
}

// AuthorizationPolicies on a Server, on its namespace and on a route, with MeshTLS- and
// NetworkAuthentications, a ServiceAccount reference, a missing reference, and accessPolicy.
constexpr char kRoutePolicy[] = R"(---
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: web-http, namespace: emojivoto}
spec:
  podSelector: {matchLabels: {app: web-svc}}
  port: http
  proxyProtocol: HTTP/1
  accessPolicy: audit
---
apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: {name: web-admin, namespace: emojivoto}
spec:
  parentRefs: [{name: web-http, kind: Server, group: policy.linkerd.io}]
  hostnames: [web.example.com, "*.example.com"]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /admin}
      method: GET
      headers: [{name: x-debug, value: "1"}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: x-admin, value: "yes"}]
        remove: [x-forwarded-user]
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: a-web-ops, namespace: emojivoto}
spec:
  targetRef: {group: policy.linkerd.io, kind: Server, name: web-http}
  requiredAuthenticationRefs:
  - {group: policy.linkerd.io, kind: MeshTLSAuthentication, name: ops-ids}
  - {group: policy.linkerd.io, kind: NetworkAuthentication, name: office}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: b-admin-route, namespace: emojivoto}
spec:
  targetRef: {group: policy.linkerd.io, kind: HTTPRoute, name: web-admin}
  requiredAuthenticationRefs: [{kind: ServiceAccount, name: ops}]
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: c-broken, namespace: emojivoto}
spec:
  targetRef: {group: policy.linkerd.io, kind: Server, name: web-http}
  requiredAuthenticationRefs:
  - {group: policy.linkerd.io, kind: MeshTLSAuthentication, name: not-there-yet}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: d-namespace, namespace: emojivoto}
spec:
  targetRef: {kind: Namespace, name: emojivoto}
  requiredAuthenticationRefs:
  - {group: policy.linkerd.io, kind: NetworkAuthentication, name: office}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata: {name: ops-ids, namespace: emojivoto}
spec:
  identityRefs:
  - {kind: ServiceAccount, name: ops}
  - {kind: Namespace, name: monitoring}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: NetworkAuthentication
metadata: {name: office, namespace: emojivoto}
spec:
  networks:
  - cidr: 192.168.0.0/16
    except: [192.168.1.0/24]
)";

TEST(InboundTest, AuthorizationPoliciesAndRoutes) {
  const std::string office =
      "networks { net { ip { ipv4: 0xC0A80000 } prefix_len: 16 }"
      " except { ip { ipv4: 0xC0A80100 } prefix_len: 24 } }";
  auto policyAuthz = [](const std::string& name, const std::string& networks,
                        const std::string& authentication) {
    return "authorizations { origin { resource { group: 'policy.linkerd.io' kind: "
           "'AuthorizationPolicy' namespace: 'emojivoto' name: '" +
           name + "' } } " + networks + " authentication { " + authentication + " }" +
           " labels { key: 'authz_group' value: 'policy.linkerd.io' }"
           " labels { key: 'authz_kind' value: 'authorizationpolicy' }"
           " labels { key: 'authz_name' value: '" +
           name + "' } }";
  };
  const std::string expected =
      "server { resource { group: 'policy.linkerd.io' kind: 'Server' namespace: 'emojivoto'"
      " name: 'web-http' port: 8080 } }"
      " protocol: PROXY_PROTOCOL_HTTP1"
      " server_ips { ipv4: 0x0A00010A } " +
      policyAuthz("a-web-ops", office,
                  "mesh_tls { identities: 'ops.emojivoto.serviceaccount.identity.linkerd."
                  "cluster.local' suffixes: 'monitoring.serviceaccount.identity.linkerd."
                  "cluster.local' }") +
      policyAuthz("d-namespace", office, "unauthenticated {}") +
      defaultAuthz("audit", kAllNetworks, "unauthenticated {}") +
      " http_routes {"
      "  origin { resource { group: 'policy.linkerd.io' kind: 'HTTPRoute'"
      "   namespace: 'emojivoto' name: 'web-admin' } }"
      "  hosts { exact: 'web.example.com' } hosts { wildcard_suffix: 'example.com' } " +
      policyAuthz("b-admin-route", kAllNetworks,
                  "mesh_tls { identities: 'ops.emojivoto.serviceaccount.identity.linkerd."
                  "cluster.local' }") +
      "  rules {"
      "   matches { path { prefix: '/admin' } headers { name: 'x-debug' exact: '1' }"
      "    method { registered: GET } }"
      "   filters { request_header_modifier { set { name: 'x-admin' value: 'yes' }"
      "    remove: 'x-forwarded-user' } }"
      "  }"
      " }"
      " labels { key: 'srv_group' value: 'policy.linkerd.io' }"
      " labels { key: 'srv_kind' value: 'server' }"
      " labels { key: 'srv_name' value: 'web-http' }";
  EXPECT_PROTO_EQ(textProto<v1::InboundServer>(expected),
                  inbound(std::string(kEmojivoto) + kRoutePolicy, "emojivoto", "web-1", 8080));
  // web-2 names its port http too, on 8081: the same Server applies there.
  EXPECT_EQ(inbound(std::string(kEmojivoto) + kRoutePolicy, "emojivoto", "web-2", 8081)
                .server()
                .resource()
                .name(),
            "web-http");
}

TEST(InboundTest, DefaultOptionsUseLinkerdsClusterNetworks) {
  v1::InboundServer got = inbound(kSeedPolicy, "production", "api-1", 8080, Options{});
  ASSERT_EQ(got.authorizations_size(), 1);
  EXPECT_EQ(got.authorizations(0).networks_size(), 5);  // 10/8, 100.64/10, 172.16/12, ...
}

}  // namespace
}  // namespace weir::control::policy
