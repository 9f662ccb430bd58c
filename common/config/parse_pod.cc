// Core Pod (v1), read by the Kubernetes source only (ObjectOptions::pods): a pod that can take
// connections is a workload (model.h). The API server has validated every pod already, so the
// checks here are lenient where Kubernetes is (port names may repeat across containers; the first
// wins, as Kubernetes resolves a named targetPort) and strict only about values weir cannot use
// and shapes no API server sends.

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "common/config/fields.h"
#include "common/config/parse.h"
#include "common/config/values.h"

namespace weir::config {

namespace {

// Linkerd's identity for a service account in the default control-plane namespace ("linkerd")
// and trust domain ("cluster.local").
constexpr std::string_view kIdentitySuffix = ".serviceaccount.identity.linkerd.cluster.local";

// Running, on the pod network: whether the pod can be a workload at all. Pods that cannot are
// left out whatever else they hold, so a finished Job's pod never holds up the model.
bool runsOnPodNetwork(Document& doc, const YAML::Node& spec, const YAML::Node& status) {
  std::string phase;
  bool hostNetwork = false;
  readString(doc, child(status, "phase"), "status.phase", phase);
  readBool(doc, child(spec, "hostNetwork"), "spec.hostNetwork", hostNetwork);
  return phase == "Running" && !hostNetwork;
}

bool isIPv6(std::string_view text) {
  Cidr cidr;
  return text.find('/') == std::string_view::npos && !parseCidr(text, cidr) && cidr.ipv6;
}

// status.podIPs[].ip, or status.podIP where podIPs is absent. IPv6 addresses are left out: the
// model holds IPv4 only (see docs/ARCHITECTURE.md).
void readPodIPs(Document& doc, const YAML::Node& status, ParsedWorkload& out) {
  std::vector<std::pair<YAML::Node, std::string>> entries;  // the ip node, its field
  YAML::Node list = child(status, "podIPs");
  if (readList(doc, list, "status.podIPs")) {
    for (size_t i = 0; i < list.size(); ++i) {
      std::string field = indexed("status.podIPs", i);
      if (expectMap(doc, list[i], field)) {
        entries.emplace_back(child(list[i], "ip"), field + ".ip");
      }
    }
  } else if (!present(list)) {
    entries.emplace_back(child(status, "podIP"), "status.podIP");
  }
  for (const auto& [node, field] : entries) {
    std::string text;
    if (!readString(doc, node, field, text) || text.empty() || isIPv6(text)) {
      continue;
    }
    auto ip = readWorkloadIP(doc, node, field, text, "an IP address");
    if (ip && std::find(out.workload.ips.begin(), out.workload.ips.end(), *ip) ==
               out.workload.ips.end()) {
      out.workload.ips.push_back(*ip);
      out.ipAt.push_back(doc.at(node));
      out.ipField.push_back(field);
    }
  }
}

void readContainerPorts(Document& doc, const YAML::Node& container, const std::string& prefix,
                        std::set<std::pair<uint16_t, std::string>>& seenPorts,
                        std::set<std::string>& seenNames, ParsedWorkload& out) {
  YAML::Node ports = child(container, "ports");
  if (!readList(doc, ports, prefix + ".ports")) {
    return;
  }
  for (size_t i = 0; i < ports.size(); ++i) {
    std::string field = indexed(prefix + ".ports", i);
    if (!expectMap(doc, ports[i], field)) {
      continue;
    }
    WorkloadPort port;
    YAML::Node number = child(ports[i], "containerPort");
    if (!readPort(doc, number, field + ".containerPort", port.port)) {
      if (!present(number)) {
        doc.fail(ports[i], field + ".containerPort", "required");
      }
      continue;
    }
    readProtocol(doc, child(ports[i], "protocol"), field + ".protocol", {"TCP", "UDP", "SCTP"},
                 port.protocol);
    YAML::Node name = child(ports[i], "name");
    if (readString(doc, name, field + ".name", port.name) && !port.name.empty() &&
        !isIanaServiceName(port.name)) {
      doc.fail(name, field + ".name", ianaServiceNameReason(port.name));
    }
    if (!seenPorts.emplace(port.port, port.protocol).second) {
      continue;
    }
    if (!port.name.empty() && !seenNames.insert(port.name).second) {
      port.name.clear();
    }
    out.workload.ports.push_back(std::move(port));
  }
}

void readContainers(Document& doc, const YAML::Node& spec, ParsedWorkload& out) {
  YAML::Node containers = child(spec, "containers");
  if (!readList(doc, containers, "spec.containers")) {
    return;
  }
  std::set<std::pair<uint16_t, std::string>> seenPorts;
  std::set<std::string> seenNames;
  for (size_t i = 0; i < containers.size(); ++i) {
    std::string field = indexed("spec.containers", i);
    if (expectMap(doc, containers[i], field)) {
      readContainerPorts(doc, containers[i], field, seenPorts, seenNames, out);
    }
  }
}

// The Ready condition is "True" (a pod being deleted is on its way out whatever it says).
bool readReady(Document& doc, const YAML::Node& status) {
  if (present(child(child(doc.root(), "metadata"), "deletionTimestamp"))) {
    return false;
  }
  YAML::Node conditions = child(status, "conditions");
  if (!readList(doc, conditions, "status.conditions")) {
    return false;
  }
  for (size_t i = 0; i < conditions.size(); ++i) {
    std::string field = indexed("status.conditions", i);
    std::string type;
    std::string value;
    if (expectMap(doc, conditions[i], field) &&
        readString(doc, child(conditions[i], "type"), field + ".type", type) &&
        readString(doc, child(conditions[i], "status"), field + ".status", value) &&
        type == "Ready") {
      return value == "True";
    }
  }
  return false;
}

}  // namespace

std::optional<ParsedWorkload> parsePod(Document& doc) {
  YAML::Node spec = child(doc.root(), "spec");
  YAML::Node status = child(doc.root(), "status");
  if ((present(spec) && !expectMap(doc, spec, "spec")) ||
      (present(status) && !expectMap(doc, status, "status")) ||
      !runsOnPodNetwork(doc, spec, status)) {
    return std::nullopt;
  }
  ParsedWorkload out;
  out.kind = "Pod";
  readPodIPs(doc, status, out);
  if (out.workload.ips.empty()) {
    return std::nullopt;  // no IPv4 address (yet): nothing can connect to it
  }

  readWorkloadMetadata(doc, NameRule::kDnsSubdomain, AnnotationScope::kPod, out);
  YAML::Node uid = child(child(doc.root(), "metadata"), "uid");
  if (!readString(doc, uid, "metadata.uid", out.workload.podUid) || out.workload.podUid.empty()) {
    doc.fail(present(uid) ? uid : doc.root(), "metadata.uid", "required");
  }

  readString(doc, child(spec, "nodeName"), "spec.nodeName", out.workload.node);
  YAML::Node account = child(spec, "serviceAccountName");
  if (!readString(doc, account, "spec.serviceAccountName", out.workload.serviceAccount) ||
      out.workload.serviceAccount.empty()) {
    out.workload.serviceAccount = "default";
  }
  readContainers(doc, spec, out);
  out.workload.ready = readReady(doc, status);
  out.workload.meshed = false;  // until meshPods() has seen the Namespace
  if (!doc.clean()) {
    return std::nullopt;
  }
  return out;
}

void meshPods(Model& model) {
  std::map<std::string, const Namespace*> namespaces;
  for (const Namespace& ns : model.namespaces) {
    namespaces.emplace(ns.name, &ns);
  }
  for (ExternalWorkload& w : model.workloads) {
    if (w.podUid.empty()) {
      continue;
    }
    std::string inject = w.mesh.inject;
    if (auto it = namespaces.find(w.ns); inject.empty() && it != namespaces.end()) {
      inject = it->second->mesh.inject;
    }
    w.meshed = inject == "enabled" || inject == "ingress";
    w.identity = w.meshed ? w.serviceAccount + "." + w.ns + std::string(kIdentitySuffix) : "";
    w.serverName = w.identity;
  }
}

}  // namespace weir::config
