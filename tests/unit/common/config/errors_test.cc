// Documents weir rejects, each with the exact diagnostics a user sees.

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

// A Service named web whose spec starts on line 6.
std::string svc(const std::string& spec) {
  return "apiVersion: v1\n"
         "kind: Service\n"
         "metadata:\n"
         "  name: web\n"
         "spec:\n" +
         spec;
}

// An ExternalWorkload named vm: metadata lines from line 5, then spec.
std::string ew(const std::string& metadata, const std::string& spec) {
  return "apiVersion: workload.linkerd.io/v1beta1\n"
         "kind: ExternalWorkload\n"
         "metadata:\n"
         "  name: vm\n" +
         metadata + "spec:\n" + spec;
}

const std::string kMeshTLS = "  meshTLS: {identity: vm.example, serverName: vm.example}\n";

std::vector<BadCase> documentCases() {
  return {
      {"MalformedYaml",
       "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n namespace: prod\n",
       {"bad.yaml:5: malformed YAML: end of map not found"}},
      {"MalformedFlow",
       "apiVersion: v1\nkind: Service\nmetadata: {name: web\n",
       {"bad.yaml:4: malformed YAML: end of map flow not found"}},
      {"NotAMapping", "- a\n- b\n", {"bad.yaml:1: document must be a mapping, got a list"}},
      {"UnknownKind",
       "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
       {"bad.yaml:2: Widget/w: kind: unknown kind \"Widget\" (apiVersion \"example.com/v1\")"}},
      {"KnownKindInOtherGroup",
       "apiVersion: apps/v1\nkind: Service\nmetadata: {name: web}\n",
       {"bad.yaml:2: Service/web: kind: unknown kind \"Service\" (apiVersion \"apps/v1\")"}},
      {"MissingKind", "apiVersion: v1\nmetadata: {name: web}\n", {"bad.yaml:1: kind: required"}},
      {"MissingApiVersion",
       "kind: Service\nmetadata: {name: web}\n",
       {"bad.yaml:1: Service/web: apiVersion: required"}},
      {"KindNotAString",
       "apiVersion: v1\nkind: [Service]\n",
       {"bad.yaml:2: kind: must be a string, got a list"}},
      {"ServiceVersion",
       "apiVersion: v2\nkind: Service\nmetadata: {name: web}\n",
       {"bad.yaml:1: Service/web: apiVersion: must be \"v1\" for Service, got \"v2\""}},
      {"WorkloadVersion",
       "apiVersion: workload.linkerd.io/v1alpha1\nkind: ExternalWorkload\nmetadata: {name: vm}\n",
       {"bad.yaml:1: ExternalWorkload/vm: apiVersion: must be "
        "\"workload.linkerd.io/v1beta1\" for ExternalWorkload, got "
        "\"workload.linkerd.io/v1alpha1\""}},
      {"DuplicateKey",
       svc("  ports:\n  - port: 80\n    port: 81\n"),
       {"bad.yaml:8: Service/web: spec.ports[0].port: duplicate key"}},
  };
}

std::vector<BadCase> serviceCases() {
  return {
      {"MissingName",
       "apiVersion: v1\nkind: Service\nmetadata:\n  namespace: prod\n",
       {"bad.yaml:4: Service: metadata.name: required"}},
      {"NameNotDnsLabel",
       "apiVersion: v1\nkind: Service\nmetadata:\n  name: Web_1\n",
       {"bad.yaml:4: Service/Web_1: metadata.name: must be a DNS label (at most 63 lowercase "
        "letters, digits and '-'), got \"Web_1\""}},
      {"LabelNotAString",
       "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {app: [a]}\n",
       {"bad.yaml:5: Service/web: metadata.labels[\"app\"]: must be a string, got a list"}},
      {"PortOutOfRange",
       svc("  clusterIP: 10.96.0.10\n  ports:\n  - port: 70000\n"),
       {"bad.yaml:8: Service/web: spec.ports[0].port: must be between 1 and 65535, got 70000"}},
      {"PortNotAnInteger",
       svc("  ports:\n  - port: http\n"),
       {"bad.yaml:7: Service/web: spec.ports[0].port: must be an integer, got \"http\""}},
      {"PortMissing",
       svc("  ports:\n  - name: http\n"),
       {"bad.yaml:7: Service/web: spec.ports[0].port: required"}},
      {"TargetPortZero",
       svc("  ports:\n  - port: 80\n    targetPort: 0\n"),
       {"bad.yaml:8: Service/web: spec.ports[0].targetPort: must be between 1 and 65535, got 0"}},
      {"TargetPortBadName",
       svc("  ports:\n  - port: 80\n    targetPort: Web_Port\n"),
       {"bad.yaml:8: Service/web: spec.ports[0].targetPort: must be an IANA service name (at "
        "most 15 lowercase letters, digits and '-'), got \"Web_Port\""}},
      {"BadProtocol",
       svc("  ports:\n  - port: 80\n    protocol: HTTP\n"),
       {"bad.yaml:8: Service/web: spec.ports[0].protocol: must be one of TCP, UDP, SCTP, got "
        "\"HTTP\""}},
      {"DuplicatePort",
       svc("  ports:\n  - {name: a, port: 80}\n  - {name: b, port: 80}\n"),
       {"bad.yaml:8: Service/web: spec.ports[1].port: duplicate port 80/TCP (spec.ports[0])"}},
      {"DuplicatePortName",
       svc("  ports:\n  - {name: a, port: 80}\n  - {name: a, port: 81}\n"),
       {"bad.yaml:8: Service/web: spec.ports[1].name: duplicate name \"a\" (spec.ports[0])"}},
      {"PortsNotAList",
       svc("  ports: {port: 80}\n"),
       {"bad.yaml:6: Service/web: spec.ports: must be a list, got a mapping"}},
      {"ClusterIPNotAnAddress",
       svc("  clusterIP: 10.96.0\n  ports: [{port: 80}]\n"),
       {"bad.yaml:6: Service/web: spec.clusterIP: must be an IPv4 address or \"None\", got "
        "\"10.96.0\""}},
      {"ClusterIPLeadingZero",
       svc("  clusterIP: 10.96.0.010\n  ports: [{port: 80}]\n"),
       {"bad.yaml:6: Service/web: spec.clusterIP: must be an IPv4 address or \"None\", got "
        "\"10.96.0.010\""}},
      {"ClusterIPUnspecified",
       svc("  clusterIP: 0.0.0.0\n  ports: [{port: 80}]\n"),
       {"bad.yaml:6: Service/web: spec.clusterIP: must not be the unspecified address 0.0.0.0"}},
      {"ClusterIPWithoutPorts",
       svc("  clusterIP: 10.96.0.10\n"),
       {"bad.yaml:6: Service/web: spec.ports: required when spec.clusterIP is set"}},
      {"SeveralErrorsInOneDocument",
       svc("  ports:\n  - port: 70000\n  - port: 80\n    protocol: HTTP\n"),
       {"bad.yaml:7: Service/web: spec.ports[0].port: must be between 1 and 65535, got 70000",
        "bad.yaml:9: Service/web: spec.ports[1].protocol: must be one of TCP, UDP, SCTP, got "
        "\"HTTP\""}},
  };
}

std::vector<BadCase> workloadCases() {
  const std::string ips = "  workloadIPs: [{ip: 10.1.0.5}]\n";
  return {
      {"MissingIdentity",
       ew("", "  meshTLS:\n    serverName: vm.example\n" + ips),
       {"bad.yaml:7: ExternalWorkload/vm: spec.meshTLS.identity: required"}},
      {"EmptyIdentity",
       ew("", "  meshTLS: {identity: \"\", serverName: vm.example}\n" + ips),
       {"bad.yaml:6: ExternalWorkload/vm: spec.meshTLS.identity: required"}},
      {"MissingServerName",
       ew("", "  meshTLS:\n    identity: vm.example\n" + ips),
       {"bad.yaml:7: ExternalWorkload/vm: spec.meshTLS.serverName: required"}},
      {"MissingMeshTLS", ew("", ips), {"bad.yaml:6: ExternalWorkload/vm: spec.meshTLS: required"}},
      {"MissingSpec",
       "apiVersion: workload.linkerd.io/v1beta1\nkind: ExternalWorkload\nmetadata: {name: vm}\n",
       {"bad.yaml:1: ExternalWorkload/vm: spec: required"}},
      {"MissingWorkloadIPs",
       ew("", kMeshTLS),
       {"bad.yaml:6: ExternalWorkload/vm: spec.workloadIPs: required"}},
      {"EmptyWorkloadIPs",
       ew("", kMeshTLS + "  workloadIPs: []\n"),
       {"bad.yaml:7: ExternalWorkload/vm: spec.workloadIPs: must not be empty"}},
      {"WorkloadIPNotAnAddress",
       ew("", kMeshTLS + "  workloadIPs:\n  - ip: 10.1.0.256\n"),
       {"bad.yaml:8: ExternalWorkload/vm: spec.workloadIPs[0].ip: must be an IPv4 address, got "
        "\"10.1.0.256\""}},
      {"WorkloadIPMissing",
       ew("", kMeshTLS + "  workloadIPs:\n  - address: 10.1.0.5\n"),
       {"bad.yaml:8: ExternalWorkload/vm: spec.workloadIPs[0].ip: required"}},
      {"WorkloadIPTwiceInOneWorkload",
       ew("", kMeshTLS + "  workloadIPs:\n  - ip: 10.1.0.5\n  - ip: 10.1.0.5\n"),
       {"bad.yaml:9: ExternalWorkload/vm: spec.workloadIPs[1].ip: 10.1.0.5 already listed at "
        "spec.workloadIPs[0].ip"}},
      {"SctpPort",
       ew("", kMeshTLS + ips + "  ports:\n  - port: 80\n    protocol: SCTP\n"),
       {"bad.yaml:10: ExternalWorkload/vm: spec.ports[0].protocol: must be one of TCP, UDP, got "
        "\"SCTP\""}},
      {"PortNameNotIana",
       ew("", kMeshTLS + ips + "  ports:\n  - {name: HTTP, port: 80}\n"),
       {"bad.yaml:9: ExternalWorkload/vm: spec.ports[0].name: must be an IANA service name (at "
        "most 15 lowercase letters, digits and '-'), got \"HTTP\""}},
      {"CgroupAbsolute",
       ew("  annotations:\n    weir.io/cgroup: /sys/fs/cgroup/x\n", kMeshTLS + ips),
       {"bad.yaml:6: ExternalWorkload/vm: metadata.annotations[\"weir.io/cgroup\"]: must be "
        "relative to the agent's cgroup root, got \"/sys/fs/cgroup/x\""}},
      {"CgroupDotDot",
       ew("  annotations:\n    weir.io/cgroup: weir/../../etc\n", kMeshTLS + ips),
       {"bad.yaml:6: ExternalWorkload/vm: metadata.annotations[\"weir.io/cgroup\"]: must not "
        "contain \"..\", got \"weir/../../etc\""}},
      {"CgroupEmpty",
       ew("  annotations:\n    weir.io/cgroup: \"\"\n", kMeshTLS + ips),
       {"bad.yaml:6: ExternalWorkload/vm: metadata.annotations[\"weir.io/cgroup\"]: must not be "
        "empty"}},
      {"WeightZero",
       ew("  annotations:\n    weir.io/weight: \"0\"\n", kMeshTLS + ips),
       {"bad.yaml:6: ExternalWorkload/vm: metadata.annotations[\"weir.io/weight\"]: must be "
        "between 1 and 1000000, got 0"}},
      {"WeightTooLarge",
       ew("  annotations:\n    weir.io/weight: \"99999999999999999999\"\n", kMeshTLS + ips),
       {"bad.yaml:6: ExternalWorkload/vm: metadata.annotations[\"weir.io/weight\"]: must be "
        "between 1 and 1000000, got 99999999999999999999"}},
      {"WeightNotAnInteger",
       ew("  annotations:\n    weir.io/weight: heavy\n", kMeshTLS + ips),
       {"bad.yaml:6: ExternalWorkload/vm: metadata.annotations[\"weir.io/weight\"]: must be an "
        "integer, got \"heavy\""}},
  };
}

// Checks that need two objects; the first one wins and stays in the model.
std::vector<BadCase> crossObjectCases() {
  return {
      {"DuplicateServiceVip",
       "apiVersion: v1\nkind: Service\nmetadata: {name: other}\n"
       "spec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}\n"
       "---\n"
       "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
       "spec:\n  clusterIP: 10.96.0.10\n  ports: [{port: 443}, {port: 80}]\n",
       {"bad.yaml:10: Service/web: spec.clusterIP: 10.96.0.10:80 already used by Service/other "
        "(bad.yaml:4)"}},
      {"DuplicateServiceName",
       "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
       "---\n"
       "apiVersion: v1\nkind: Service\nmetadata:\n  namespace: default\n  name: web\n",
       {"bad.yaml:9: Service/web: metadata.name: default/web already defined (bad.yaml:3)"}},
      {"DuplicateWorkloadName",
       "apiVersion: workload.linkerd.io/v1beta1\nkind: ExternalWorkload\nmetadata: {name: vm}\n"
       "spec: {meshTLS: {identity: a, serverName: a}, workloadIPs: [{ip: 10.1.0.1}]}\n"
       "---\n"
       "apiVersion: workload.linkerd.io/v1beta1\nkind: ExternalWorkload\nmetadata: {name: vm}\n"
       "spec: {meshTLS: {identity: a, serverName: a}, workloadIPs: [{ip: 10.1.0.2}]}\n",
       {"bad.yaml:8: ExternalWorkload/vm: metadata.name: default/vm already defined "
        "(bad.yaml:3)"}},
      {"WorkloadIPClaimedTwice",
       "apiVersion: workload.linkerd.io/v1beta1\nkind: ExternalWorkload\nmetadata: {name: other}\n"
       "spec:\n  meshTLS: {identity: a, serverName: a}\n  workloadIPs:\n  - ip: 10.1.0.5\n"
       "---\n"
       "apiVersion: workload.linkerd.io/v1beta1\nkind: ExternalWorkload\nmetadata: {name: vm}\n"
       "spec:\n  meshTLS: {identity: b, serverName: b}\n  workloadIPs:\n  - ip: 10.1.0.5\n",
       {"bad.yaml:15: ExternalWorkload/vm: spec.workloadIPs[0].ip: 10.1.0.5 already claimed by "
        "ExternalWorkload/other (bad.yaml:7)"}},
      {"WorkloadIPIsAClusterIP",
       "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
       "spec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}\n"
       "---\n"
       "apiVersion: workload.linkerd.io/v1beta1\nkind: ExternalWorkload\nmetadata: {name: vm}\n"
       "spec: {meshTLS: {identity: a, serverName: a}, workloadIPs: [{ip: 10.96.0.10}]}\n",
       {"bad.yaml:9: ExternalWorkload/vm: spec.workloadIPs[0].ip: 10.96.0.10 is the clusterIP of "
        "Service/web (bad.yaml:4)"}},
      {"ClusterIPIsAWorkloadIP",
       "apiVersion: workload.linkerd.io/v1beta1\nkind: ExternalWorkload\nmetadata: {name: vm}\n"
       "spec: {meshTLS: {identity: a, serverName: a}, workloadIPs: [{ip: 10.96.0.10}]}\n"
       "---\n"
       "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
       "spec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}\n",
       {"bad.yaml:9: Service/web: spec.clusterIP: 10.96.0.10 is a workload IP of "
        "ExternalWorkload/vm (bad.yaml:4)"}},
  };
}

class BadDocumentTest : public testing::TestWithParam<BadCase> {};

TEST_P(BadDocumentTest, IsRejectedWithExactErrors) {
  const BadCase& c = GetParam();
  LoadResult result = parseText(c.yaml, "bad.yaml");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(errorStrings(result), c.errors);
}

INSTANTIATE_TEST_SUITE_P(Document, BadDocumentTest, testing::ValuesIn(documentCases()), CaseName());
INSTANTIATE_TEST_SUITE_P(Service, BadDocumentTest, testing::ValuesIn(serviceCases()), CaseName());
INSTANTIATE_TEST_SUITE_P(Workload, BadDocumentTest, testing::ValuesIn(workloadCases()), CaseName());
INSTANTIATE_TEST_SUITE_P(CrossObject, BadDocumentTest, testing::ValuesIn(crossObjectCases()),
                         CaseName());

TEST(BadDocumentTest, FirstOfTwoClashingObjectsStaysInTheModel) {
  LoadResult result = parseText(crossObjectCases()[0].yaml, "bad.yaml");
  ASSERT_EQ(result.model.services.size(), 1u);
  EXPECT_EQ(result.model.services[0].name, "other");
}

TEST(BadDocumentTest, SameNameInAnotherNamespaceIsFine) {
  LoadResult result = parseText(
      "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
      "---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: prod}\n",
      "ok.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  EXPECT_EQ(result.model.services.size(), 2u);
}

}  // namespace
}  // namespace weir::config
