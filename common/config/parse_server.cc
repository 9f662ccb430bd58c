// Linkerd's Server (policy.linkerd.io v1beta1..v1beta3). A field that exists only in a later
// version is an error in an earlier one: the API server would drop it without a word, and the
// user would get a different policy than the one written.

#include <utility>

#include "common/config/fields.h"
#include "common/config/kinds.h"
#include "common/config/parse.h"

namespace weir::config {

namespace {

constexpr const char* kPods = "podSelector";
constexpr const char* kExternal = "externalWorkloadSelector";

void readSelector(Document& doc, const YAML::Node& spec, bool v1beta1, Server& out) {
  YAML::Node pods = child(spec, kPods);
  YAML::Node external = child(spec, kExternal);
  if (present(external) && v1beta1) {
    doc.fail(external, "spec.externalWorkloadSelector",
             "requires policy.linkerd.io/v1beta2 or later");
    return;
  }
  if (present(pods) && present(external)) {
    doc.fail(external, "spec.externalWorkloadSelector", "must not be set with spec.podSelector");
    return;
  }
  if (!present(pods) && !present(external)) {
    doc.fail(spec, v1beta1 ? "spec.podSelector" : "spec",
             v1beta1 ? "required" : "must set podSelector or externalWorkloadSelector");
    return;
  }
  out.externalWorkloads = present(external);
  readLabelSelector(doc, out.externalWorkloads ? external : pods,
                    out.externalWorkloads ? "spec.externalWorkloadSelector" : "spec.podSelector",
                    out.selector);
}

}  // namespace

std::optional<Parsed<Server>> parseServer(Document& doc) {
  Parsed<Server> out;
  Server& server = out.object;
  Metadata meta;
  readMetadata(doc, meta, NameRule::kDnsSubdomain);
  server.ns = meta.ns;
  server.name = meta.name;
  server.labels = std::move(meta.labels);
  server.src = doc.src();
  out.nameAt = meta.nameAt;

  YAML::Node spec = child(doc.root(), "spec");
  if (!present(spec)) {
    doc.fail(doc.root(), "spec", "required");
    return std::nullopt;
  }
  if (!expectMap(doc, spec, "spec")) {
    return std::nullopt;
  }
  std::string_view version = versionOf(doc.apiVersion());
  readSelector(doc, spec, version == "v1beta1", server);
  YAML::Node port = child(spec, "port");
  if (!readPortOrName(doc, port, "spec.port", server.port, server.portName) && !present(port)) {
    doc.fail(spec, "spec.port", "required");
  }
  readEnum(doc, child(spec, "proxyProtocol"), "spec.proxyProtocol",
           {"unknown", "HTTP/1", "HTTP/2", "gRPC", "opaque", "TLS"}, server.proxyProtocol);
  YAML::Node access = child(spec, "accessPolicy");
  if (present(access) && version != "v1beta3") {
    doc.fail(access, "spec.accessPolicy", "requires policy.linkerd.io/v1beta3");
  } else {
    readEnum(doc, access, "spec.accessPolicy",
             {"deny", "audit", "all-authenticated", "all-unauthenticated", "cluster-authenticated",
              "cluster-unauthenticated"},
             server.accessPolicy);
  }
  if (!doc.clean()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace weir::config
