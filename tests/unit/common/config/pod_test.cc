// Core v1 Pods as the Kubernetes source reads them (objects.h with pods on): which pods are
// workloads, the exact model of each, the exact errors of bad ones, and how a pod's Namespace
// meshes it. The pods are JSON in the shape the API server sends (metadata.uid,
// resourceVersion, ownerReferences, status.podIPs, conditions, ...).

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>

#include "common/config/objects.h"
#include "tests/unit/common/config/test_util.h"

namespace weir::config {
namespace {

using nlohmann::json;

const ObjectOptions kPods{.pods = true};

// A Deployment's pod as `kubectl get pod -o json` shows it, managedFields left out.
json webPod() {
  return json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {
      "name": "web-5f8c7d9b6-x2k4p", "generateName": "web-5f8c7d9b6-", "namespace": "emojivoto",
      "uid": "3c2b1a09-8f7e-4d6c-b5a4-938271605f4e", "resourceVersion": "871",
      "creationTimestamp": "2024-06-04T09:12:50Z",
      "labels": {"app": "web-svc", "pod-template-hash": "5f8c7d9b6", "version": "v11"},
      "annotations": {"config.linkerd.io/opaque-ports": "mysql,3306"},
      "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5f8c7d9b6",
                           "uid": "0d4b2f6e-1c3a-4e5d-8f7a-9b0c1d2e3f40", "controller": true,
                           "blockOwnerDeletion": true}]
    },
    "spec": {
      "containers": [{
        "name": "web-svc", "image": "docker.l5d.io/buoyantio/emojivoto-web:v11",
        "env": [{"name": "WEB_PORT", "value": "8080"}],
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "resources": {"requests": {"cpu": "100m"}},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent"
      }],
      "dnsPolicy": "ClusterFirst", "enableServiceLinks": true, "nodeName": "node-a",
      "restartPolicy": "Always", "schedulerName": "default-scheduler", "securityContext": {},
      "serviceAccount": "web", "serviceAccountName": "web", "terminationGracePeriodSeconds": 30
    },
    "status": {
      "phase": "Running",
      "conditions": [
        {"type": "Initialized", "status": "True", "lastProbeTime": null,
         "lastTransitionTime": "2024-06-04T09:12:50Z"},
        {"type": "Ready", "status": "True", "lastProbeTime": null,
         "lastTransitionTime": "2024-06-04T09:12:58Z"},
        {"type": "ContainersReady", "status": "True", "lastProbeTime": null,
         "lastTransitionTime": "2024-06-04T09:12:58Z"},
        {"type": "PodScheduled", "status": "True", "lastProbeTime": null,
         "lastTransitionTime": "2024-06-04T09:12:50Z"}
      ],
      "hostIP": "192.168.49.2", "hostIPs": [{"ip": "192.168.49.2"}],
      "podIP": "10.244.1.7", "podIPs": [{"ip": "10.244.1.7"}],
      "qosClass": "Burstable", "startTime": "2024-06-04T09:12:50Z"
    }
  })");
}

json ns(const std::string& name, const std::string& inject) {
  json out = {{"apiVersion", "v1"},
              {"kind", "Namespace"},
              {"metadata", {{"name", name}, {"uid", "9a8b7c6d-" + name}}},
              {"spec", {{"finalizers", {"kubernetes"}}}},
              {"status", {{"phase", "Active"}}}};
  if (!inject.empty()) {
    out["metadata"]["annotations"]["linkerd.io/inject"] = inject;
  }
  return out;
}

std::string sourceOf(const json& object) {
  const json& meta = object["metadata"];
  std::string name = meta["name"];
  return "kubernetes:" + object["kind"].get<std::string>() + "/" +
         (meta.contains("namespace") ? meta["namespace"].get<std::string>() + "/" + name : name);
}

LoadResult build(const std::vector<json>& objects) {
  std::vector<ObjectPtr> parsed;
  for (const json& o : objects) {
    parsed.push_back(parseObject(sourceOf(o), o.dump(), kPods));
  }
  return buildModel(parsed);
}

// webPod() as the model holds it, meshed through an injected namespace.
ExternalWorkload webWorkload() {
  ExternalWorkload w;
  w.ns = "emojivoto";
  w.name = "web-5f8c7d9b6-x2k4p";
  w.labels = {{"app", "web-svc"}, {"pod-template-hash", "5f8c7d9b6"}, {"version", "v11"}};
  w.annotations = {{"config.linkerd.io/opaque-ports", "mysql,3306"}};
  w.mesh.opaquePorts = PortList{{{3306, 3306}}, {"mysql"}};
  w.ips = {ip("10.244.1.7")};
  w.ports = {{"http", 8080, "TCP"}};
  w.node = "node-a";
  w.src = {"kubernetes:Pod/emojivoto/web-5f8c7d9b6-x2k4p", 0};
  w.podUid = "3c2b1a09-8f7e-4d6c-b5a4-938271605f4e";
  w.serviceAccount = "web";
  w.meshed = true;
  w.identity = "web.emojivoto.serviceaccount.identity.linkerd.cluster.local";
  w.serverName = w.identity;
  w.ready = true;
  return w;
}

struct PodCase {
  std::string name;
  json pod;
  std::string nsInject;  // the emojivoto Namespace's linkerd.io/inject ("" = none)
  ExternalWorkload expected;
};

std::vector<PodCase> podCases() {
  std::vector<PodCase> cases;
  cases.push_back({"MeshedByItsNamespace", webPod(), "enabled", webWorkload()});

  {
    json pod = webPod();
    pod["metadata"]["annotations"]["linkerd.io/inject"] = "disabled";
    ExternalWorkload w = webWorkload();
    w.annotations["linkerd.io/inject"] = "disabled";
    w.mesh.inject = "disabled";
    w.meshed = false;
    w.identity = w.serverName = "";
    cases.push_back({"PodOptsOutOfAnInjectedNamespace", pod, "enabled", w});
  }
  {
    json pod = webPod();
    pod["metadata"]["annotations"]["linkerd.io/inject"] = "ingress";
    pod["spec"].erase("serviceAccountName");
    pod["spec"].erase("serviceAccount");
    ExternalWorkload w = webWorkload();
    w.annotations["linkerd.io/inject"] = "ingress";
    w.mesh.inject = "ingress";
    w.serviceAccount = "default";
    w.identity = w.serverName = "default.emojivoto.serviceaccount.identity.linkerd.cluster.local";
    cases.push_back({"PodOptsInWithTheDefaultServiceAccount", pod, "", w});
  }
  {
    ExternalWorkload w = webWorkload();
    w.meshed = false;
    w.identity = w.serverName = "";
    cases.push_back({"NamespaceNotInjected", webPod(), "disabled", w});
  }
  {
    // Dual-stack, two containers (a port name repeated in the second: the first wins), SCTP,
    // weir's weight, and not ready yet.
    json pod = webPod();
    pod["status"]["podIPs"] = json::parse(R"([{"ip": "fd00:10:244:1::7"}, {"ip": "10.244.1.7"}])");
    pod["status"]["conditions"][1]["status"] = "False";
    pod["metadata"]["annotations"]["weir.io/weight"] = "40";
    pod["spec"]["containers"].push_back(json::parse(R"({
      "name": "sidecar", "image": "example/sidecar:1",
      "ports": [{"containerPort": 9090, "name": "http", "protocol": "TCP"},
                {"containerPort": 8080, "protocol": "TCP"},
                {"containerPort": 5060, "name": "sip", "protocol": "SCTP"},
                {"containerPort": 5353, "protocol": "UDP"}]})"));
    ExternalWorkload w = webWorkload();
    w.annotations["weir.io/weight"] = "40";
    w.weight = 40;
    w.ports = {{"http", 8080, "TCP"}, {"", 9090, "TCP"}, {"sip", 5060, "SCTP"}, {"", 5353, "UDP"}};
    w.ready = false;
    cases.push_back({"DualStackTwoContainersNotReady", pod, "enabled", w});
  }
  {
    json pod = webPod();
    pod["metadata"]["deletionTimestamp"] = "2024-06-04T11:00:00Z";
    pod["metadata"]["deletionGracePeriodSeconds"] = 30;
    ExternalWorkload w = webWorkload();
    w.ready = false;
    cases.push_back({"TerminatingIsNotReady", pod, "enabled", w});
  }
  {
    json pod = webPod();
    pod["status"].erase("podIPs");
    pod["spec"]["containers"][0].erase("ports");
    ExternalWorkload w = webWorkload();
    w.ports.clear();
    cases.push_back({"OnlyStatusPodIPAndNoPorts", pod, "enabled", w});
  }
  return cases;
}

class PodParseTest : public testing::TestWithParam<PodCase> {};

TEST_P(PodParseTest, Parses) {
  const PodCase& c = GetParam();
  LoadResult result = build({ns("emojivoto", c.nsInject), c.pod});
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  ASSERT_EQ(result.model.workloads.size(), 1u);
  EXPECT_EQ(result.model.workloads[0], c.expected);
}

INSTANTIATE_TEST_SUITE_P(Good, PodParseTest, testing::ValuesIn(podCases()), CaseName());

// Pods that cannot take connections are not workloads, and their contents are not checked.
TEST(Pod, OnlyRunningPodsWithAnIPv4AddressOnThePodNetworkAreWorkloads) {
  std::vector<json> objects{ns("emojivoto", "enabled")};
  json pending = webPod();
  pending["metadata"]["name"] = "pending";
  pending["status"] = json::parse(R"({"phase": "Pending", "qosClass": "Burstable",
      "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]})");
  objects.push_back(pending);
  json done = webPod();
  done["metadata"]["name"] = "job-done";
  done["metadata"]["annotations"]["weir.io/weight"] = "zero";  // would be an error if read
  done["status"]["phase"] = "Succeeded";
  objects.push_back(done);
  json host = webPod();
  host["metadata"]["name"] = "node-exporter";
  host["spec"]["hostNetwork"] = true;
  host["status"]["podIPs"] = json::parse(R"([{"ip": "192.168.49.2"}])");
  objects.push_back(host);
  json v6 = webPod();
  v6["metadata"]["name"] = "v6-only";
  v6["status"]["podIP"] = "fd00:10:244:1::8";
  v6["status"]["podIPs"] = json::parse(R"([{"ip": "fd00:10:244:1::8"}])");
  objects.push_back(v6);
  json starting = webPod();
  starting["metadata"]["name"] = "no-ip-yet";
  starting["status"].erase("podIP");
  starting["status"].erase("podIPs");
  objects.push_back(starting);

  LoadResult result = build(objects);
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  EXPECT_TRUE(result.model.workloads.empty());
  EXPECT_EQ(result.model.namespaces.size(), 1u);
}

struct BadPodCase {
  std::string name;
  json pod;
  std::vector<std::string> errors;
};

const std::string kAt = "kubernetes:Pod/emojivoto/web-5f8c7d9b6-x2k4p: Pod/web-5f8c7d9b6-x2k4p: ";

std::vector<BadPodCase> badPodCases() {
  std::vector<BadPodCase> cases;
  auto with = [](const std::function<void(json&)>& change) {
    json pod = webPod();
    change(pod);
    return pod;
  };
  cases.push_back({"NoUid",
                   with([](json& p) { p["metadata"].erase("uid"); }),
                   {kAt + "metadata.uid: required"}});
  cases.push_back(
      {"PortZero",
       with([](json& p) { p["spec"]["containers"][0]["ports"][0]["containerPort"] = 0; }),
       {kAt + "spec.containers[0].ports[0].containerPort: must be between 1 and 65535, "
              "got 0"}});
  cases.push_back(
      {"PortWithoutNumber",
       with([](json& p) { p["spec"]["containers"][0]["ports"][0].erase("containerPort"); }),
       {kAt + "spec.containers[0].ports[0].containerPort: required"}});
  cases.push_back(
      {"UnknownProtocol",
       with([](json& p) { p["spec"]["containers"][0]["ports"][0]["protocol"] = "ICMP"; }),
       {kAt + "spec.containers[0].ports[0].protocol: must be one of TCP, UDP, SCTP, got "
              "\"ICMP\""}});
  cases.push_back({"BadPortName",
                   with([](json& p) { p["spec"]["containers"][0]["ports"][0]["name"] = "HTTP_1"; }),
                   {kAt + "spec.containers[0].ports[0].name: must be an IANA service name (at most "
                          "15 lowercase letters, digits and '-'), got \"HTTP_1\""}});
  cases.push_back({"ContainersNotAList",
                   with([](json& p) { p["spec"]["containers"] = json::object(); }),
                   {kAt + "spec.containers: must be a list, got a mapping"}});
  cases.push_back({"BadPodIP",
                   with([](json& p) {
                     p["status"]["podIPs"] = {{{"ip", "10.244.1"}}};
                   }),
                   {kAt + "status.podIPs[0].ip: must be an IP address, got \"10.244.1\""}});
  cases.push_back({"UnspecifiedPodIP",
                   with([](json& p) {
                     p["status"]["podIPs"] = {{{"ip", "0.0.0.0"}}};
                   }),
                   {kAt + "status.podIPs[0].ip: must not be the unspecified address 0.0.0.0"}});
  cases.push_back({"PhaseNotAString",
                   with([](json& p) { p["status"]["phase"] = {"Running"}; }),
                   {kAt + "status.phase: must be a string, got a list"}});
  cases.push_back(
      {"InjectNotAChoice",
       with([](json& p) { p["metadata"]["annotations"]["linkerd.io/inject"] = "true"; }),
       {kAt + "metadata.annotations[\"linkerd.io/inject\"]: must be one of enabled, "
              "disabled, ingress, got \"true\""}});
  cases.push_back(
      {"WeightOutOfRange",
       with([](json& p) { p["metadata"]["annotations"]["weir.io/weight"] = "0"; }),
       {kAt + "metadata.annotations[\"weir.io/weight\"]: must be between 1 and 1000000, "
              "got 0"}});
  return cases;
}

class BadPodTest : public testing::TestWithParam<BadPodCase> {};

TEST_P(BadPodTest, IsRejectedWithExactErrors) {
  const BadPodCase& c = GetParam();
  LoadResult result = build({ns("emojivoto", "enabled"), c.pod});
  EXPECT_EQ(errorStrings(result), c.errors);
  EXPECT_TRUE(result.model.workloads.empty());
}

INSTANTIATE_TEST_SUITE_P(Bad, BadPodTest, testing::ValuesIn(badPodCases()), CaseName());

TEST(Pod, TwoPodsClaimingOneAddressAreRejectedNamingBoth) {
  json other = webPod();
  other["metadata"]["name"] = "web-5f8c7d9b6-q9z7m";
  other["metadata"]["uid"] = "7d6c5b4a-3f2e-4d1c-9b8a-716253443f2e";
  LoadResult result = build({webPod(), other});
  EXPECT_EQ(errorStrings(result),
            std::vector<std::string>{
                "kubernetes:Pod/emojivoto/web-5f8c7d9b6-q9z7m: Pod/web-5f8c7d9b6-q9z7m: "
                "status.podIPs[0].ip: 10.244.1.7 already claimed by Pod/web-5f8c7d9b6-x2k4p "
                "(kubernetes:Pod/emojivoto/web-5f8c7d9b6-x2k4p)"});
}

TEST(Pod, MalformedTextIsNamedBySourceWithoutALine) {
  LoadResult result =
      buildModel({parseObject("kubernetes:Pod/emojivoto/broken", "{\"a\": [", kPods)});
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].src, (SourceRef{"kubernetes:Pod/emojivoto/broken", 0}));
  EXPECT_TRUE(result.errors[0].reason.starts_with("malformed YAML: ")) << result.errors[0].reason;
}

// Pods are read only when the caller asks: files, and objects without the option, skip them.
TEST(Pod, SkippedUnlessAskedFor) {
  json pod = webPod();
  LoadResult result = buildModel({parseObject(sourceOf(pod), pod.dump(), ObjectOptions{})});
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(result.model.workloads.empty());
  EXPECT_EQ(result.skipped,
            std::vector<std::string>{"kubernetes:Pod/emojivoto/web-5f8c7d9b6-x2k4p: "
                                     "Pod/web-5f8c7d9b6-x2k4p: not used by weir"});

  LoadResult file = parseText(pod.dump(), "pods.json");
  EXPECT_TRUE(file.ok());
  EXPECT_TRUE(file.model.workloads.empty());
  EXPECT_EQ(file.skipped,
            std::vector<std::string>{"pods.json:1: Pod/web-5f8c7d9b6-x2k4p: not used by weir"});
}

// A pod and an ExternalWorkload share one namespace of names, as NodeSync's workload ids do.
TEST(Pod, AnExternalWorkloadOfTheSameNameClashes) {
  json ew = json::parse(R"({"apiVersion": "workload.linkerd.io/v1beta1", "kind": "ExternalWorkload",
      "metadata": {"name": "web-5f8c7d9b6-x2k4p", "namespace": "emojivoto",
                   "uid": "5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716", "resourceVersion": "900"},
      "spec": {"meshTLS": {"identity": "vm.example", "serverName": "vm.example"},
               "workloadIPs": [{"ip": "192.0.2.10"}]}})");
  LoadResult result = build({ew, webPod()});
  EXPECT_EQ(errorStrings(result),
            std::vector<std::string>{kAt + "metadata.name: emojivoto/web-5f8c7d9b6-x2k4p already "
                                           "defined (kubernetes:ExternalWorkload/emojivoto/"
                                           "web-5f8c7d9b6-x2k4p)"});
}

}  // namespace
}  // namespace weir::config
