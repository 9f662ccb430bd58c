// Policy.WatchOutbound compiled from YAML models: HTTPRoutes on a Service (a weighted canary,
// a timeout, a backend that does not exist), consumer routes, the default route, opaque
// services, load balancer and failure accrual annotations, and targets that are no service.

#include <gtest/gtest.h>

#include <string>

#include "control/policy/outbound.h"
#include "tests/unit/control/destination/emojivoto.h"
#include "tests/unit/control/destination/test_util.h"

namespace weir::control::policy {
namespace {

using testing::kEmojivoto;
using testing::loadModel;
using testing::textProto;

constexpr char kRoutes[] = R"(---
apiVersion: v1
kind: Service
metadata: {name: web-svc-canary, namespace: emojivoto}
spec:
  clusterIP: 10.96.0.11
  selector: {app: web-svc-canary}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web-split, namespace: emojivoto}
spec:
  parentRefs: [{name: web-svc, kind: Service, group: core, port: 80}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs:
    - {name: web-svc, port: 80, weight: 90}
    - {name: web-svc-canary, port: 80, weight: 10}
    timeouts: {request: 5s}
  - backendRefs: [{name: missing-svc, port: 80}]
---
apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: {name: all-canary, namespace: loadtest}
spec:
  parentRefs: [{name: web-svc, namespace: emojivoto, kind: Service, group: core}]
  rules:
  - backendRefs: [{name: web-svc-canary, namespace: emojivoto, port: 80}]
)";

v1::OutboundPolicy outbound(const std::string& yaml, const char* target,
                            const std::string& sourceNamespace = "emojivoto") {
  destination::Catalog catalog(loadModel(yaml));
  return compileOutbound(catalog, destination::parseAuthority(target, "cluster.local").value(),
                         sourceNamespace, Options{});
}

std::string balancer(const std::string& name, int port, const std::string& extra = "") {
  return "origin { resource { kind: 'Service' namespace: 'emojivoto' name: '" + name +
         "' port: " + std::to_string(port) + " } } balancer { destination_path: '" + name +
         ".emojivoto.svc.cluster.local:" + std::to_string(port) + "' " + extra + " }";
}

std::string defaultRoute(const std::string& backend) {
  return "http_routes { origin { default_name: 'default' } rules {"
         " matches { path { prefix: '/' } } backends { backend { " +
         backend + " } weight: 1 } } }";
}

TEST(OutboundTest, RoutesOnTheService) {
  EXPECT_PROTO_EQ(
      textProto<v1::OutboundPolicy>(
          "parent { resource { kind: 'Service' namespace: 'emojivoto' name: 'web-svc' port: 80 "
          "} }"
          " protocol: PROXY_PROTOCOL_DETECT"
          " http_routes {"
          "  origin { resource { group: 'gateway.networking.k8s.io' kind: 'HTTPRoute'"
          "   namespace: 'emojivoto' name: 'web-split' } }"
          "  rules {"
          "   matches { path { prefix: '/api' } }"
          "   backends { backend { " +
          balancer("web-svc", 80) +
          " } weight: 90 }"
          "   backends { backend { " +
          balancer("web-svc-canary", 80) +
          " } weight: 10 }"
          "   timeouts { request { seconds: 5 } }"
          "  }"
          "  rules {"
          "   matches { path { prefix: '/' } }"
          "   backends {"
          "    backend { origin { resource { kind: 'Service' namespace: 'emojivoto'"
          "     name: 'missing-svc' port: 80 } } }"
          "    weight: 1"
          "    filters { failure_injector { status: 500"
          "     message: 'Service not found emojivoto/missing-svc:80' } }"
          "   }"
          "  }"
          " }"
          " opaque_backends { backend { " +
          balancer("web-svc", 80) + " } weight: 1 }"),
      outbound(std::string(kEmojivoto) + kRoutes, "web-svc.emojivoto.svc.cluster.local:80"));
}

TEST(OutboundTest, ConsumerRoutesOverrideForTheirNamespaceOnly) {
  const std::string yaml = std::string(kEmojivoto) + kRoutes;
  v1::OutboundPolicy fromLoadtest = outbound(yaml, "10.96.0.10:80", "loadtest");
  ASSERT_EQ(fromLoadtest.http_routes_size(), 1);
  EXPECT_PROTO_EQ(textProto<v1::OutboundHttpRoute>(
                      "origin { resource { group: 'policy.linkerd.io' kind: 'HTTPRoute'"
                      " namespace: 'loadtest' name: 'all-canary' } }"
                      " rules { matches { path { prefix: '/' } } backends { backend { " +
                      balancer("web-svc-canary", 80) + " } weight: 1 } }"),
                  fromLoadtest.http_routes(0));
  EXPECT_EQ(outbound(yaml, "10.96.0.10:80", "other").http_routes(0).origin().resource().name(),
            "web-split");
}

TEST(OutboundTest, DefaultRouteOpaqueServiceAndBalancerAnnotations) {
  EXPECT_PROTO_EQ(textProto<v1::OutboundPolicy>(
                      "parent { resource { kind: 'Service' namespace: 'emojivoto'"
                      " name: 'voting-svc' port: 8080 } }"
                      " protocol: PROXY_PROTOCOL_OPAQUE " +
                      defaultRoute(balancer("voting-svc", 8080)) + " opaque_backends { backend { " +
                      balancer("voting-svc", 8080) + " } weight: 1 }"),
                  outbound(kEmojivoto, "voting-svc.emojivoto:8080"));

  std::string yaml =
      testing::replaced(kEmojivoto, "metadata: {name: emoji-svc, namespace: emojivoto}",
                        R"(metadata:
  name: emoji-svc
  namespace: emojivoto
  annotations:
    linkerd.io/load-balancer: round-robin
    balancer.linkerd.io/failure-accrual: consecutive
    balancer.linkerd.io/failure-accrual-consecutive-max-failures: "3"
    balancer.linkerd.io/failure-accrual-consecutive-min-penalty: 2s)");
  const std::string rr = balancer("emoji-svc", 8080, "algorithm: LOAD_BALANCER_ROUND_ROBIN");
  EXPECT_PROTO_EQ(textProto<v1::OutboundPolicy>(
                      "parent { resource { kind: 'Service' namespace: 'emojivoto'"
                      " name: 'emoji-svc' port: 8080 } }"
                      " protocol: PROXY_PROTOCOL_DETECT " +
                      defaultRoute(rr) + " opaque_backends { backend { " + rr +
                      " } weight: 1 }"
                      " failure_accrual { consecutive_failures { max_failures: 3 backoff {"
                      "  min_backoff { seconds: 2 } max_backoff { seconds: 60 }"
                      "  jitter_ratio: 0.5 } } }"),
                  outbound(yaml, "emoji-svc.emojivoto:8080"));
}

TEST(OutboundTest, TargetsThatAreNoService) {
  // An address weir does not know: opaque, forwarded to where the client dialled.
  EXPECT_PROTO_EQ(textProto<v1::OutboundPolicy>(
                      "parent { default_name: 'default' } protocol: PROXY_PROTOCOL_OPAQUE"
                      " opaque_backends { backend { origin { default_name: 'default' }"
                      "  forward { addr { ip { ipv4: 0x0A600909 } port: 80 } weight: 1 } }"
                      "  weight: 1 }"),
                  outbound(kEmojivoto, "10.96.9.9:80"));
  // A name weir does not know: nothing to forward to.
  EXPECT_PROTO_EQ(textProto<v1::OutboundPolicy>(
                      "parent { default_name: 'default' } protocol: PROXY_PROTOCOL_OPAQUE"),
                  outbound(kEmojivoto, "nope.emojivoto:80"));
  // A workload's address: its endpoint, with identity, forwarded without balancing.
  v1::OutboundPolicy pod = outbound(kEmojivoto, "10.0.1.10:8080");
  EXPECT_EQ(pod.protocol(), v1::PROXY_PROTOCOL_DETECT);
  EXPECT_EQ(pod.parent().resource().kind(), "ExternalWorkload");
  EXPECT_EQ(pod.parent().resource().name(), "web-1");
  ASSERT_EQ(pod.opaque_backends_size(), 1);
  const v1::Endpoint& forward = pod.opaque_backends(0).backend().forward();
  EXPECT_EQ(forward.tls_identity().name(),
            "web.emojivoto.serviceaccount.identity.linkerd.cluster.local");
  ASSERT_EQ(pod.http_routes_size(), 1);
  EXPECT_EQ(pod.http_routes(0).rules(0).backends(0).backend().forward().addr().port(), 8080u);
}

TEST(OutboundTest, TargetFromRequest) {
  v1::OutboundTarget byAddr;
  byAddr.mutable_addr()->mutable_ip()->set_ipv4(0x0A60000A);
  byAddr.mutable_addr()->set_port(80);
  Result<destination::Authority> addr = outboundTarget(byAddr, Options{});
  ASSERT_TRUE(addr.ok());
  EXPECT_EQ(*addr, destination::parseAuthority("10.96.0.10:80", "cluster.local").value());

  v1::OutboundTarget byName;
  byName.set_authority("web-svc.emojivoto.svc.cluster.local:80");
  ASSERT_TRUE(outboundTarget(byName, Options{}).ok());

  EXPECT_FALSE(outboundTarget(v1::OutboundTarget(), Options{}).ok());
  byAddr.mutable_addr()->set_port(0);
  EXPECT_FALSE(outboundTarget(byAddr, Options{}).ok());
}

}  // namespace
}  // namespace weir::control::policy
