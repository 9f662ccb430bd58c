// Linkerd ExternalWorkload documents that weir reads.

#include <gtest/gtest.h>

#include "common/config/loader.h"
#include "tests/unit/common/config/test_util.h"

namespace weir::config {
namespace {

struct WorkloadCase {
  std::string name;
  std::string yaml;
  ExternalWorkload expected;
};

std::vector<WorkloadCase> workloadCases() {
  std::vector<WorkloadCase> cases;

  // The example of Linkerd's ExternalWorkload reference, status included.
  ExternalWorkload docs;
  docs.ns = "mixed-env";
  docs.name = "external-workload";
  docs.labels = {{"location", "vm"}, {"app", "legacy-app"}};
  docs.ips = {ip("192.0.2.10")};
  docs.ports = {{"http", 80, "TCP"}};
  docs.identity = "spiffe://root.linkerd.cluster.local/proxy-harness";
  docs.serverName = "external-workload.cluster.local";
  docs.src = {"ew.yaml", 1};
  cases.push_back({"LinkerdDocsExample",
                   "apiVersion: workload.linkerd.io/v1beta1\n"
                   "kind: ExternalWorkload\n"
                   "metadata:\n"
                   "  name: external-workload\n"
                   "  namespace: mixed-env\n"
                   "  labels:\n"
                   "    location: vm\n"
                   "    app: legacy-app\n"
                   "spec:\n"
                   "  meshTLS:\n"
                   "    identity: \"spiffe://root.linkerd.cluster.local/proxy-harness\"\n"
                   "    serverName: \"external-workload.cluster.local\"\n"
                   "  workloadIPs:\n"
                   "  - ip: 192.0.2.10\n"
                   "  ports:\n"
                   "  - port: 80\n"
                   "    name: http\n"
                   "status:\n"
                   "  conditions:\n"
                   "  - type: Ready\n"
                   "    status: \"True\"\n",
                   docs});

  ExternalWorkload host;
  host.name = "billing-1";
  host.labels = {{"app", "billing"}};
  host.annotations = {{"weir.io/cgroup", "weir/billing-1"},
                      {"weir.io/node", "node-a"},
                      {"weir.io/weight", "250"},
                      {"linkerd.io/inject", "enabled"}};
  host.ips = {ip("10.1.0.5"), ip("10.1.0.6")};
  host.ports = {{"http", 8080, "TCP"}, {"", 9000, "TCP"}, {"metrics", 9125, "UDP"}};
  host.identity = "billing.default.serviceaccount.identity.linkerd.cluster.local";
  host.serverName = "billing-1.default.external.identity.linkerd.cluster.local";
  host.cgroup = "weir/billing-1";
  host.node = "node-a";
  host.weight = 250;
  host.src = {"ew.yaml", 2};
  cases.push_back({"WeirAnnotations",
                   "---\n"
                   "apiVersion: workload.linkerd.io/v1beta1\n"
                   "kind: ExternalWorkload\n"
                   "metadata:\n"
                   "  name: billing-1\n"
                   "  labels: {app: billing}\n"
                   "  annotations:\n"
                   "    weir.io/cgroup: weir/billing-1\n"
                   "    weir.io/node: node-a\n"
                   "    weir.io/weight: \"250\"\n"
                   "    linkerd.io/inject: enabled\n"
                   "spec:\n"
                   "  meshTLS:\n"
                   "    identity: billing.default.serviceaccount.identity.linkerd.cluster.local\n"
                   "    serverName: billing-1.default.external.identity.linkerd.cluster.local\n"
                   "  workloadIPs: [{ip: 10.1.0.5}, {ip: 10.1.0.6}]\n"
                   "  ports:\n"
                   "  - {name: http, port: 8080}\n"
                   "  - {port: 9000, protocol: TCP}\n"
                   "  - {name: metrics, port: 9125, protocol: UDP}\n",
                   host});

  ExternalWorkload minimal;
  minimal.name = "vm";
  minimal.ips = {ip("192.168.1.1")};
  minimal.identity = "vm.example";
  minimal.serverName = "vm.example";
  minimal.src = {"ew.yaml", 1};
  cases.push_back({"NoPortsDefaultWeightEveryNode",
                   "apiVersion: workload.linkerd.io/v1beta1\n"
                   "kind: ExternalWorkload\n"
                   "metadata: {name: vm}\n"
                   "spec:\n"
                   "  meshTLS: {identity: vm.example, serverName: vm.example}\n"
                   "  workloadIPs: [{ip: 192.168.1.1}]\n",
                   minimal});
  return cases;
}

class WorkloadParseTest : public testing::TestWithParam<WorkloadCase> {};

TEST_P(WorkloadParseTest, Parses) {
  const WorkloadCase& c = GetParam();
  LoadResult result = parseText(c.yaml, "ew.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  ASSERT_EQ(result.model.workloads.size(), 1u);
  EXPECT_EQ(result.model.workloads[0], c.expected);
  EXPECT_TRUE(result.model.services.empty());
}

INSTANTIATE_TEST_SUITE_P(Good, WorkloadParseTest, testing::ValuesIn(workloadCases()), CaseName());

TEST(WorkloadTest, ServiceSelectsWorkloadByLabels) {
  LoadResult result = parseText(
      "apiVersion: v1\nkind: Service\nmetadata: {name: legacy}\n"
      "spec: {clusterIP: 10.96.0.20, selector: {app: legacy-app}, ports: [{port: 80}]}\n"
      "---\n"
      "apiVersion: workload.linkerd.io/v1beta1\nkind: ExternalWorkload\n"
      "metadata: {name: vm-1, labels: {app: legacy-app, location: vm}}\n"
      "spec: {meshTLS: {identity: a, serverName: b}, workloadIPs: [{ip: 192.0.2.10}]}\n",
      "mixed.yaml");
  ASSERT_TRUE(result.ok()) << testing::PrintToString(errorStrings(result));
  ASSERT_EQ(result.model.services.size(), 1u);
  ASSERT_EQ(result.model.workloads.size(), 1u);
  EXPECT_TRUE(selects(result.model.services[0].selector, result.model.workloads[0].labels));
}

}  // namespace
}  // namespace weir::config
