#pragma once

// Internal to weir_config: one document -> one model object, checked on its own. The lines kept
// beside each object are for the cross-object checks in validate.h.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/document.h"
#include "common/config/model.h"

namespace weir::config {

struct ParsedService {
  Service service;
  SourceRef nameAt;
  SourceRef clusterIPAt;
};

struct ParsedWorkload {
  ExternalWorkload workload;
  SourceRef nameAt;
  std::vector<SourceRef> ipAt;  // parallel to workload.ips
  // How clashes name the object and each address: "ExternalWorkload" and
  // "spec.workloadIPs[0].ip", or "Pod" and "status.podIPs[0].ip".
  std::string kind = "ExternalWorkload";
  std::vector<std::string> ipField;  // parallel to workload.ips
};

// `text` at `node` as a workload address: an IPv4 address other than 0.0.0.0, else nothing and the
// failure recorded (`expected` says what the field takes: "an IPv4 address").
std::optional<uint32_t> readWorkloadIP(Document& doc, const YAML::Node& node,
                                       const std::string& field, const std::string& text,
                                       std::string_view expected);

struct PortEntry {
  YAML::Node item;
  std::string field;  // "spec.ports[0]"
  std::string name;
  uint16_t port = 0;
  std::string protocol = "TCP";
};
enum class PortNames { kDnsLabel, kIanaServiceName };
// The well-formed entries of spec.ports: port 1..65535, protocol one of `protocols`, names as
// `names` wants them, no name or port/protocol twice. Errors go to `doc`.
std::vector<PortEntry> readPortList(Document& doc, const YAML::Node& spec, PortNames names,
                                    std::initializer_list<std::string_view> protocols);

// The kinds added since: the object, where its name is, and where the one field is that a
// cross-object check beyond the name may point at (TrafficSplit: spec.service).
template <typename T>
struct Parsed {
  T object;
  SourceRef nameAt;
  SourceRef claimAt;
};

// The start every namespaced policy and traffic kind shares: metadata into `out` (namespace, name,
// source, the name's line), then the required `spec` mapping. Returns the spec, or nothing when it
// is missing or not a mapping (the failure is recorded in `doc`).
template <typename T>
std::optional<YAML::Node> readObjectAndSpec(Document& doc, Parsed<T>& out) {
  Metadata meta;
  readMetadata(doc, meta, NameRule::kDnsSubdomain);
  out.object.ns = meta.ns;
  out.object.name = meta.name;
  out.object.src = doc.src();
  out.nameAt = meta.nameAt;
  YAML::Node spec = child(doc.root(), "spec");
  if (!present(spec)) {
    doc.fail(doc.root(), "spec", "required");
    return std::nullopt;
  }
  if (!expectMap(doc, spec, "spec")) {
    return std::nullopt;
  }
  return spec;
}

// Which Linkerd annotations a kind honours (see MeshAnnotations).
enum class AnnotationScope { kNamespace, kService, kWorkload, kPod };
// Reads them from `meta` into `out`; each bad value is recorded at its annotation's line.
void readMeshAnnotations(Document& doc, const Metadata& meta, AnnotationScope scope,
                         MeshAnnotations& out);
// The metadata of a workload kind (ExternalWorkload, Pod) into `out`: namespace, name, labels,
// annotations, the Linkerd annotations of `scope` and weir.io/weight. Returns it for the kind's
// own annotations.
Metadata readWorkloadMetadata(Document& doc, NameRule rule, AnnotationScope scope,
                              ParsedWorkload& out);

// Empty when the document had an error; every error is recorded in `doc`. One kind per
// parse_<kind>.cc.
std::optional<ParsedService> parseService(Document& doc);
std::optional<ParsedWorkload> parseWorkload(Document& doc);
// Empty also, without an error, for a pod that is not a workload (not Running, no IPv4 address,
// hostNetwork): see model.h.
std::optional<ParsedWorkload> parsePod(Document& doc);
std::optional<Parsed<Namespace>> parseNamespace(Document& doc);
std::optional<Parsed<ServiceAccount>> parseServiceAccount(Document& doc);
std::optional<Parsed<ServiceProfile>> parseServiceProfile(Document& doc);
std::optional<Parsed<TrafficSplit>> parseTrafficSplit(Document& doc);
std::optional<Parsed<HttpRoute>> parseHttpRoute(Document& doc);
std::optional<Parsed<Server>> parseServer(Document& doc);
std::optional<Parsed<ServerAuthorization>> parseServerAuthorization(Document& doc);
std::optional<Parsed<AuthorizationPolicy>> parseAuthorizationPolicy(Document& doc);
std::optional<Parsed<MeshTLSAuthentication>> parseMeshTLSAuthentication(Document& doc);
std::optional<Parsed<NetworkAuthentication>> parseNetworkAuthentication(Document& doc);

// Decides which pods of `model` are meshed, from their own linkerd.io/inject or else their
// Namespace's, and gives the meshed ones their identity (model.h). Needs the whole model, so it
// runs once the model is built.
void meshPods(Model& model);

}  // namespace weir::config
