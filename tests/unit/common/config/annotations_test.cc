// Namespaces, ServiceAccounts and the Linkerd annotations weir reads on the kinds that carry
// them.

#include <gtest/gtest.h>

#include "common/config/loader.h"
#include "tests/unit/common/config/test_util.h"

namespace weir::config {
namespace {

// The seed's annotation fragments ("Protocol Detection", "Connection Pooling", "Resource
// Optimization", "Distributed Tracing"), on the Namespace that makes them defaults.
TEST(AnnotationsTest, SeedFragmentsOnANamespace) {
  LoadResult result = parseText(
      "apiVersion: v1\n"
      "kind: Namespace\n"
      "metadata:\n"
      "  name: production\n"
      "  labels: {team: web}\n"
      "  annotations:\n"
      "    linkerd.io/inject: enabled\n"
      "    config.linkerd.io/skip-inbound-ports: \"4222,5432\"\n"
      "    config.linkerd.io/skip-outbound-ports: \"3306,6379\"\n"
      "    config.linkerd.io/proxy-outbound-max-idle-conns-per-host: \"100\"\n"
      "    config.linkerd.io/proxy-outbound-max-requests-per-connection: \"2\"\n"
      "    config.linkerd.io/proxy-cpu-request: \"50m\"\n"
      "    config.linkerd.io/proxy-cpu-limit: \"100m\"\n"
      "    config.linkerd.io/proxy-memory-request: \"32Mi\"\n"
      "    config.linkerd.io/proxy-memory-limit: \"64Mi\"\n"
      "    config.linkerd.io/trace-collector: jaeger.tracing:55678\n"
      "    config.linkerd.io/opaque-ports: \"25,443, 4222-4230,mysql,\"\n",
      "ns.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  Namespace expected;
  expected.name = "production";
  expected.labels = {{"team", "web"}};
  expected.annotations = {{"linkerd.io/inject", "enabled"},
                          {"config.linkerd.io/skip-inbound-ports", "4222,5432"},
                          {"config.linkerd.io/skip-outbound-ports", "3306,6379"},
                          {"config.linkerd.io/proxy-outbound-max-idle-conns-per-host", "100"},
                          {"config.linkerd.io/proxy-outbound-max-requests-per-connection", "2"},
                          {"config.linkerd.io/proxy-cpu-request", "50m"},
                          {"config.linkerd.io/proxy-cpu-limit", "100m"},
                          {"config.linkerd.io/proxy-memory-request", "32Mi"},
                          {"config.linkerd.io/proxy-memory-limit", "64Mi"},
                          {"config.linkerd.io/trace-collector", "jaeger.tracing:55678"},
                          {"config.linkerd.io/opaque-ports", "25,443, 4222-4230,mysql,"}};
  expected.mesh.inject = "enabled";
  expected.mesh.skipInboundPorts = PortList{{{4222, 4222}, {5432, 5432}}, {}};
  expected.mesh.skipOutboundPorts = PortList{{{3306, 3306}, {6379, 6379}}, {}};
  expected.mesh.opaquePorts = PortList{{{25, 25}, {443, 443}, {4222, 4230}}, {"mysql"}};
  expected.mesh.traceCollector = "jaeger.tracing:55678";
  expected.mesh.outboundMaxIdleConnsPerHost = 100;
  expected.mesh.outboundMaxRequestsPerConnection = 2;
  expected.src = {"ns.yaml", 1};
  EXPECT_EQ(result.model.namespaces, std::vector<Namespace>{expected});
}

TEST(AnnotationsTest, EmptyOpaquePortsIsAnEmptyListNotAbsent) {
  LoadResult result = parseText(
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"
      "  annotations: {config.linkerd.io/opaque-ports: \"\"}\n"
      "---\n"
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n",
      "ns.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  ASSERT_EQ(result.model.namespaces.size(), 2u);
  EXPECT_EQ(result.model.namespaces[0].mesh.opaquePorts, PortList{});
  EXPECT_EQ(result.model.namespaces[1].mesh.opaquePorts, std::nullopt);
}

// A Service honours opaque-ports (numbers and ranges) and load-balancer; inject and the proxy
// annotations mean nothing on it and are kept unchecked.
TEST(AnnotationsTest, ServiceReadsOnlyWhatLinkerdHonoursOnIt) {
  LoadResult result = parseText(
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: nats\n  annotations:\n"
      "    config.linkerd.io/opaque-ports: \"4222, 6222-6223\"\n"
      "    linkerd.io/load-balancer: round-robin\n"
      "    linkerd.io/inject: whatever\n"
      "    config.linkerd.io/skip-inbound-ports: not-checked-here\n",
      "svc.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  ASSERT_EQ(result.model.services.size(), 1u);
  MeshAnnotations expected;
  expected.opaquePorts = PortList{{{4222, 4222}, {6222, 6223}}, {}};
  expected.loadBalancer = "round-robin";
  EXPECT_EQ(result.model.services[0].mesh, expected);
}

TEST(AnnotationsTest, ExternalWorkloadOpaquePortsMayNamePorts) {
  LoadResult result = parseText(
      "apiVersion: workload.linkerd.io/v1beta1\nkind: ExternalWorkload\n"
      "metadata:\n  name: db\n  annotations: {config.linkerd.io/opaque-ports: \"pg,9000\"}\n"
      "spec: {meshTLS: {identity: a, serverName: a}, workloadIPs: [{ip: 10.1.0.9}]}\n",
      "ew.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  ASSERT_EQ(result.model.workloads.size(), 1u);
  MeshAnnotations expected;
  expected.opaquePorts = PortList{{{9000, 9000}}, {"pg"}};
  EXPECT_EQ(result.model.workloads[0].mesh, expected);
}

TEST(AnnotationsTest, ServiceAccountsKeepNamespaceAndName) {
  LoadResult result = parseText(
      "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web.v2, namespace: prod}\n"
      "---\n"
      "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api}\n",
      "sa.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  EXPECT_EQ(result.model.serviceAccounts,
            (std::vector<ServiceAccount>{{"default", "api", {"sa.yaml", 5}},
                                         {"prod", "web.v2", {"sa.yaml", 1}}}));
}

}  // namespace
}  // namespace weir::config
