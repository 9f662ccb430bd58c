// Linkerd's ExternalWorkload (workload.linkerd.io/v1beta1) plus weir's annotations on it.

#include <utility>

#include "common/config/ipv4.h"
#include "common/config/parse.h"

namespace weir::config {

namespace {

constexpr const char* kCgroupAnnotation = "weir.io/cgroup";
constexpr const char* kNodeAnnotation = "weir.io/node";
constexpr const char* kWeightAnnotation = "weir.io/weight";
constexpr int64_t kMaxWeight = 1000000;
constexpr size_t kMaxTlsNameLength = 253;  // Linkerd's CRD limit for identity and serverName

// identity and serverName: required, 1..253 characters, as Linkerd's CRD has them.
void readTlsName(Document& doc, const YAML::Node& meshTLS, const char* key, std::string& out) {
  std::string field = std::string("spec.meshTLS.") + key;
  YAML::Node node = child(meshTLS, key);
  if (!readString(doc, node, field, out)) {
    if (!present(node)) {
      doc.fail(meshTLS, field, "required");
    }
  } else if (out.empty()) {
    doc.fail(node, field, "required");
  } else if (out.size() > kMaxTlsNameLength) {
    doc.fail(node, field, "must be at most 253 characters, got " + std::to_string(out.size()));
  }
}

void readMeshTLS(Document& doc, const YAML::Node& spec, ParsedWorkload& out) {
  YAML::Node meshTLS = child(spec, "meshTLS");
  if (!present(meshTLS)) {
    doc.fail(spec, "spec.meshTLS", "required");
    return;
  }
  if (!expectMap(doc, meshTLS, "spec.meshTLS")) {
    return;
  }
  readTlsName(doc, meshTLS, "identity", out.workload.identity);
  readTlsName(doc, meshTLS, "serverName", out.workload.serverName);
}

void readWorkloadIPs(Document& doc, const YAML::Node& spec, ParsedWorkload& out) {
  YAML::Node ips = child(spec, "workloadIPs");
  if (!present(ips)) {
    doc.fail(spec, "spec.workloadIPs", "required");
    return;
  }
  if (!readList(doc, ips, "spec.workloadIPs")) {
    return;
  }
  if (ips.size() == 0) {
    doc.fail(ips, "spec.workloadIPs", "must not be empty");
    return;
  }
  std::map<uint32_t, std::string> seen;  // -> field
  for (size_t i = 0; i < ips.size(); ++i) {
    std::string field = indexed("spec.workloadIPs", i);
    if (!expectMap(doc, ips[i], field)) {
      continue;
    }
    field += ".ip";
    YAML::Node node = child(ips[i], "ip");
    std::string text;
    if (!readString(doc, node, field, text)) {
      if (!present(node)) {
        doc.fail(ips[i], field, "required");
      }
      continue;
    }
    auto ip = readWorkloadIP(doc, node, field, text, "an IPv4 address");
    if (!ip) {
      continue;
    }
    if (auto [it, fresh] = seen.emplace(*ip, field); !fresh) {
      doc.fail(node, field, text + " already listed at " + it->second);
    } else {
      out.workload.ips.push_back(*ip);
      out.ipAt.push_back(doc.at(node));
      out.ipField.push_back(field);
    }
  }
}

void readPorts(Document& doc, const YAML::Node& spec, ParsedWorkload& out) {
  for (PortEntry& entry : readPortList(doc, spec, PortNames::kIanaServiceName, {"TCP", "UDP"})) {
    out.workload.ports.push_back(
        WorkloadPort{std::move(entry.name), entry.port, std::move(entry.protocol)});
  }
}

bool hasDotDotSegment(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    if (path.substr(start, end - start) == "..") {
      return true;
    }
    start = end + 1;
  }
  return false;
}

void readWeirAnnotations(Document& doc, const Metadata& meta, ParsedWorkload& out) {
  auto node = [&meta](const char* key) { return child(meta.annotationsNode, key); };
  if (auto it = meta.annotations.find(kCgroupAnnotation); it != meta.annotations.end()) {
    const std::string& path = it->second;
    std::string field = annotationField(kCgroupAnnotation);
    if (path.empty()) {
      doc.fail(node(kCgroupAnnotation), field, "must not be empty");
    } else if (path.front() == '/') {
      doc.fail(node(kCgroupAnnotation), field,
               "must be relative to the agent's cgroup root, got " + quote(path));
    } else if (hasDotDotSegment(path)) {
      doc.fail(node(kCgroupAnnotation), field, "must not contain \"..\", got " + quote(path));
    } else {
      out.workload.cgroup = path;
    }
  }
  if (auto it = meta.annotations.find(kNodeAnnotation); it != meta.annotations.end()) {
    out.workload.node = it->second;
  }
}

void readWeightAnnotation(Document& doc, const Metadata& meta, uint32_t& out) {
  if (auto it = meta.annotations.find(kWeightAnnotation); it != meta.annotations.end()) {
    int64_t weight = 0;
    if (auto reason = checkInt(it->second, 1, kMaxWeight, weight)) {
      doc.fail(child(meta.annotationsNode, kWeightAnnotation), annotationField(kWeightAnnotation),
               *reason);
    } else {
      out = static_cast<uint32_t>(weight);
    }
  }
}

}  // namespace

std::optional<uint32_t> readWorkloadIP(Document& doc, const YAML::Node& node,
                                       const std::string& field, const std::string& text,
                                       std::string_view expected) {
  auto ip = parseIPv4(text);
  if (!ip) {
    doc.fail(node, field, "must be " + std::string(expected) + ", got " + quote(text));
    return std::nullopt;
  }
  if (*ip == 0) {
    doc.fail(node, field, "must not be the unspecified address 0.0.0.0");
    return std::nullopt;
  }
  return ip;
}

Metadata readWorkloadMetadata(Document& doc, NameRule rule, AnnotationScope scope,
                              ParsedWorkload& out) {
  Metadata meta;
  readMetadata(doc, meta, rule);
  readMeshAnnotations(doc, meta, scope, out.workload.mesh);
  readWeightAnnotation(doc, meta, out.workload.weight);
  out.workload.ns = meta.ns;
  out.workload.name = meta.name;
  out.workload.labels = meta.labels;
  out.workload.annotations = meta.annotations;
  out.workload.src = doc.src();
  out.nameAt = meta.nameAt;
  return meta;
}

std::optional<ParsedWorkload> parseWorkload(Document& doc) {
  ParsedWorkload out;
  Metadata meta = readWorkloadMetadata(doc, NameRule::kDnsLabel, AnnotationScope::kWorkload, out);
  readWeirAnnotations(doc, meta, out);

  YAML::Node spec = child(doc.root(), "spec");
  if (!present(spec)) {
    doc.fail(doc.root(), "spec", "required");
    return std::nullopt;
  }
  if (!expectMap(doc, spec, "spec")) {
    return std::nullopt;
  }
  readMeshTLS(doc, spec, out);
  readWorkloadIPs(doc, spec, out);
  readPorts(doc, spec, out);
  if (!doc.clean()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace weir::config
