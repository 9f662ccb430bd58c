// Destination.GetProfile compiled from YAML models: the seed's ServiceProfile and TrafficSplit,
// client-side profiles, the default profile, load balancers, workload addresses and unknown
// authorities.

#include <gtest/gtest.h>

#include <string>

#include "control/destination/profile.h"
#include "tests/unit/control/destination/emojivoto.h"
#include "tests/unit/control/destination/test_util.h"

namespace weir::control::destination {
namespace {

using testing::kEmojivoto;
using testing::loadModel;
using testing::textProto;

// The seed's "Service Profiles" and "Traffic Split (Canary Deployment)" documents, the profile
// named after the service's FQDN as Linkerd requires, with Services that have cluster IPs.
constexpr char kWebapp[] = R"(apiVersion: v1
kind: Service
metadata: {name: webapp, namespace: production}
spec:
  clusterIP: 10.96.1.1
  selector: {app: webapp}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: webapp-v1, namespace: production}
spec:
  clusterIP: 10.96.1.2
  selector: {app: webapp, version: v1}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: webapp-v2, namespace: production}
spec:
  clusterIP: 10.96.1.3
  selector: {app: webapp, version: v2}
  ports: [{port: 80}]
---
apiVersion: linkerd.io/v1alpha2
kind: ServiceProfile
metadata:
  name: webapp.production.svc.cluster.local
  namespace: production
spec:
  routes:
  - name: GET_users
    condition:
      method: GET
      pathRegex: "/users/[^/]+"
    responseClasses:
    - condition:
        status:
          min: 200
          max: 299
      isFailure: false
  - name: POST_users
    condition:
      method: POST
      pathRegex: "/users"
    timeout: 30s
  retryBudget:
    retryRatio: 0.2
    minRetriesPerSecond: 10
    ttl: 10s
---
apiVersion: split.smi-spec.io/v1alpha1
kind: TrafficSplit
metadata:
  name: webapp-rollout
  namespace: production
spec:
  service: webapp
  backends:
  - service: webapp-v1
    weight: 900
  - service: webapp-v2
    weight: 100
)";

v1::DestinationProfile profile(const std::string& yaml, const char* authority,
                               const std::string& sourceNamespace = "") {
  Catalog catalog(loadModel(yaml));
  return compileProfile(catalog, parseAuthority(authority, "cluster.local").value(),
                        sourceNamespace, Options{});
}

TEST(ProfileTest, SeedProfileAndTrafficSplit) {
  const auto expected = textProto<v1::DestinationProfile>(R"pb(
    fully_qualified_name: "webapp.production.svc.cluster.local"
    load_balancer: "ewma"
    routes {
      condition {
        all {
          matches { method { registered: GET } }
          matches { path_regex: "/users/[^/]+" }
        }
      }
      response_classes {
        condition { status { min: 200 max: 299 } }
        is_failure: false
      }
      metric_labels { key: "route" value: "GET_users" }
    }
    routes {
      condition {
        all {
          matches { method { registered: POST } }
          matches { path_regex: "/users" }
        }
      }
      metric_labels { key: "route" value: "POST_users" }
      timeout { seconds: 30 }
    }
    retry_budget {
      retry_ratio: 0.2
      min_retries_per_second: 10
      ttl { seconds: 10 }
    }
    dst_overrides {
      authority: "webapp-v1.production.svc.cluster.local:80"
      weight: 900000
      backend { kind: "Service" namespace: "production" name: "webapp-v1" port: 80 }
    }
    dst_overrides {
      authority: "webapp-v2.production.svc.cluster.local:80"
      weight: 100000
      backend { kind: "Service" namespace: "production" name: "webapp-v2" port: 80 }
    }
    parent { kind: "Service" namespace: "production" name: "webapp" port: 80 }
    profile {
      group: "linkerd.io"
      kind: "ServiceProfile"
      namespace: "production"
      name: "webapp.production.svc.cluster.local"
    }
  )pb");
  EXPECT_PROTO_EQ(expected, profile(kWebapp, "webapp.production.svc.cluster.local:80"));
  EXPECT_PROTO_EQ(expected, profile(kWebapp, "10.96.1.1:80"));  // by VIP: the same profile
}

TEST(ProfileTest, RetriesTimeoutsAndNestedConditions) {
  v1::DestinationProfile got = profile(std::string(kEmojivoto) + R"(---
apiVersion: linkerd.io/v1alpha2
kind: ServiceProfile
metadata:
  name: web-svc.emojivoto.svc.cluster.local
  namespace: emojivoto
spec:
  routes:
  - name: vote
    condition:
      any:
      - pathRegex: /api/vote
      - all:
        - method: PUT
        - not: {pathRegex: /api/list}
    isRetryable: true
    timeout: 250ms
    responseClasses:
    - condition:
        any:
        - status: {min: 500}
        - not: {status: {min: 200, max: 399}}
      isFailure: true
  - name: everything
    condition: {all: []}
  dstOverrides:
  - authority: web-svc-canary.emojivoto.svc.cluster.local
    weight: 500m
)",
                                       "web-svc.emojivoto:80");
  EXPECT_PROTO_EQ(
      textProto<v1::DestinationProfile>(R"pb(
        fully_qualified_name: "web-svc.emojivoto.svc.cluster.local"
        load_balancer: "ewma"
        routes {
          condition {
            any {
              matches { path_regex: "/api/vote" }
              matches {
                all {
                  matches { method { registered: PUT } }
                  matches { not { path_regex: "/api/list" } }
                }
              }
            }
          }
          response_classes {
            condition {
              any {
                matches { status { min: 500 max: 599 } }
                matches { not { status { min: 200 max: 399 } } }
              }
            }
            is_failure: true
          }
          metric_labels { key: "route" value: "vote" }
          is_retryable: true
          timeout { nanos: 250000000 }
        }
        routes {
          condition { all {} }
          metric_labels { key: "route" value: "everything" }
        }
        dst_overrides { authority: "web-svc-canary.emojivoto.svc.cluster.local:80" weight: 500 }
        parent { kind: "Service" namespace: "emojivoto" name: "web-svc" port: 80 }
        profile {
          group: "linkerd.io"
          kind: "ServiceProfile"
          namespace: "emojivoto"
          name: "web-svc.emojivoto.svc.cluster.local"
        }
      )pb"),
      got);
}

TEST(ProfileTest, DefaultProfileWithoutServiceProfile) {
  // The seed also names a profile "webapp": Linkerd applies profiles named after the FQDN only.
  std::string yaml = std::string(kEmojivoto) + R"(---
apiVersion: linkerd.io/v1alpha2
kind: ServiceProfile
metadata: {name: voting-svc, namespace: emojivoto}
spec:
  routes:
  - name: ignored
    condition: {pathRegex: /}
)";
  EXPECT_PROTO_EQ(textProto<v1::DestinationProfile>(R"pb(
                    fully_qualified_name: "voting-svc.emojivoto.svc.cluster.local"
                    opaque_protocol: true
                    load_balancer: "ewma"
                    parent { kind: "Service" namespace: "emojivoto" name: "voting-svc" port: 8080 }
                  )pb"),
                  profile(yaml, "voting-svc.emojivoto.svc.cluster.local:8080"));
}

TEST(ProfileTest, ClientNamespaceProfileWins) {
  std::string yaml = std::string(kWebapp) + R"(---
apiVersion: linkerd.io/v1alpha2
kind: ServiceProfile
metadata:
  name: webapp.production.svc.cluster.local
  namespace: loadtest
spec:
  routes:
  - name: client-side
    condition: {method: HEAD}
)";
  v1::DestinationProfile fromLoadtest =
      profile(yaml, "webapp.production.svc.cluster.local:80", "loadtest");
  ASSERT_EQ(fromLoadtest.routes_size(), 1);
  EXPECT_EQ(fromLoadtest.routes(0).metric_labels().at("route"), "client-side");
  EXPECT_EQ(fromLoadtest.profile().namespace_(), "loadtest");
  EXPECT_FALSE(fromLoadtest.has_retry_budget());
  EXPECT_EQ(fromLoadtest.dst_overrides_size(), 2);  // the TrafficSplit still applies

  v1::DestinationProfile fromElsewhere =
      profile(yaml, "webapp.production.svc.cluster.local:80", "other");
  EXPECT_EQ(fromElsewhere.profile().namespace_(), "production");
}

TEST(ProfileTest, LoadBalancerFromServiceThenNamespace) {
  // web-svc says p2c itself; emoji-svc takes its Namespace's round-robin; a Service of a
  // namespace without the annotation gets Linkerd's ewma (the seed's webapp, above).
  std::string yaml =
      testing::replaced(kEmojivoto, "metadata: {name: web-svc, namespace: emojivoto}",
                        "metadata:\n  name: web-svc\n  namespace: emojivoto\n"
                        "  annotations: {linkerd.io/load-balancer: p2c}");
  yaml = testing::replaced(
      yaml, "    linkerd.io/inject: enabled",
      "    linkerd.io/inject: enabled\n    linkerd.io/load-balancer: round-robin");
  const struct {
    const char* authority;
    const char* expected;
  } cases[] = {
      {"web-svc.emojivoto.svc.cluster.local:80", "p2c"},
      {"10.96.0.10:80", "p2c"},  // by VIP: the same service
      {"emoji-svc.emojivoto:8080", "round-robin"},
      {"10.96.0.20:8801", "round-robin"},
      {"10.0.1.20:8801", ""},  // a workload address: a single endpoint, nothing to balance
      {"nope.emojivoto:80", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(profile(yaml, c.authority).load_balancer(), c.expected) << c.authority;
  }
  EXPECT_EQ(profile(kWebapp, "10.96.1.1:80").load_balancer(), "ewma");
}

TEST(ProfileTest, WorkloadAddressGetsItsEndpoint) {
  EXPECT_PROTO_EQ(textProto<v1::DestinationProfile>(R"pb(
                    opaque_protocol: true
                    endpoint {
                      addr {
                        ip { ipv4: 0x0A000114 }
                        port: 8801
                      }
                      weight: 1
                      metric_labels { key: "external_workload" value: "emoji-1" }
                      metric_labels { key: "serviceaccount" value: "emoji" }
                      tls_identity {
                        name: "emoji.emojivoto.serviceaccount.identity.linkerd.cluster.local"
                        server_name: "emoji-1.emojivoto.external.identity.linkerd.cluster.local"
                      }
                      protocol_hint { protocol: PROTOCOL_OPAQUE }
                      workload { kind: "ExternalWorkload" namespace: "emojivoto" name: "emoji-1" }
                      node: "node-a"
                    }
                  )pb"),
                  profile(kEmojivoto, "10.0.1.20:8801"));
}

TEST(ProfileTest, UnknownAuthoritiesGetAnEmptyProfile) {
  for (const char* authority :
       {"nope.emojivoto:80", "web-svc.emojivoto:81", "10.9.9.9:80", "api.example.co.uk:443"}) {
    EXPECT_PROTO_EQ(v1::DestinationProfile(), profile(kEmojivoto, authority)) << authority;
  }
}

}  // namespace
}  // namespace weir::control::destination
