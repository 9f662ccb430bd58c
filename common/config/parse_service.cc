// Core Service (v1): the fields weir steers by.

#include <utility>

#include "common/config/ipv4.h"
#include "common/config/parse.h"

namespace weir::config {

namespace {

bool allDigits(std::string_view text) {
  size_t start = (!text.empty() && text.front() == '-') ? 1 : 0;
  if (start == text.size()) {
    return false;
  }
  for (size_t i = start; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
  }
  return true;
}

void readClusterIP(Document& doc, const YAML::Node& spec, ParsedService& out) {
  YAML::Node node = child(spec, "clusterIP");
  std::string text;
  if (!readString(doc, node, "spec.clusterIP", text) || text.empty() || text == "None") {
    return;  // headless, or no address given: not steered
  }
  auto ip = parseIPv4(text);
  if (!ip) {
    doc.fail(node, "spec.clusterIP", "must be an IPv4 address or \"None\", got " + quote(text));
  } else if (*ip == 0) {
    doc.fail(node, "spec.clusterIP", "must not be the unspecified address 0.0.0.0");
  } else {
    out.service.clusterIP = *ip;
    out.clusterIPAt = doc.at(node);
  }
}

// targetPort is Kubernetes' IntOrString: a number, or the name of a port on the backends.
void readTargetPort(Document& doc, const YAML::Node& item, const std::string& field,
                    ServicePort& port) {
  YAML::Node node = child(item, "targetPort");
  if (!present(node)) {
    port.targetPort = port.port;
    return;
  }
  if (!node.IsScalar()) {
    doc.fail(node, field, "must be a port number or name, got " + describe(node));
  } else if (allDigits(node.Scalar())) {
    readPort(doc, node, field, port.targetPort);
  } else if (isIanaServiceName(node.Scalar())) {
    port.targetPortName = node.Scalar();
  } else {
    doc.fail(node, field, ianaServiceNameReason(node.Scalar()));
  }
}

void readPorts(Document& doc, const YAML::Node& spec, ParsedService& out) {
  for (PortEntry& entry : readPortList(doc, spec, PortNames::kDnsLabel, {"TCP", "UDP", "SCTP"})) {
    ServicePort port{std::move(entry.name), entry.port, std::move(entry.protocol)};
    readTargetPort(doc, entry.item, entry.field + ".targetPort", port);
    out.service.ports.push_back(std::move(port));
  }
}

}  // namespace

std::optional<ParsedService> parseService(Document& doc) {
  ParsedService out;
  Metadata meta;
  readMetadata(doc, meta);
  out.service.ns = meta.ns;
  out.service.name = meta.name;
  readMeshAnnotations(doc, meta, AnnotationScope::kService, out.service.mesh);
  out.service.labels = std::move(meta.labels);
  out.service.annotations = std::move(meta.annotations);
  out.service.src = doc.src();
  out.nameAt = meta.nameAt;

  YAML::Node spec = child(doc.root(), "spec");
  if (present(spec) && !expectMap(doc, spec, "spec")) {
    return std::nullopt;
  }
  readClusterIP(doc, spec, out);
  readStringMap(doc, child(spec, "selector"), "spec.selector", out.service.selector);
  readPorts(doc, spec, out);
  YAML::Node ports = child(spec, "ports");
  if (out.service.clusterIP != 0 &&
      (!present(ports) || (ports.IsSequence() && ports.size() == 0))) {
    doc.fail(present(ports) ? ports : spec, "spec.ports", "required when spec.clusterIP is set");
  }
  if (!doc.clean()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace weir::config
