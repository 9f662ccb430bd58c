// SMI's TrafficSplit (split.smi-spec.io v1alpha1..v1alpha4), as Linkerd's SMI extension reads it.
// Weights are quantities in v1alpha1 ("900m") and integers later; both are taken in any version.

#include <utility>

#include "common/config/fields.h"
#include "common/config/kinds.h"
#include "common/config/parse.h"

namespace weir::config {

namespace {

void readBackends(Document& doc, const YAML::Node& spec, TrafficSplit& out) {
  YAML::Node list = child(spec, "backends");
  if (!present(list)) {
    doc.fail(spec, "spec.backends", "required");
    return;
  }
  if (!readList(doc, list, "spec.backends")) {
    return;
  }
  if (list.size() == 0) {
    doc.fail(list, "spec.backends", "must not be empty");
    return;
  }
  bool weighed = true;  // every weight was read
  uint64_t anyWeight = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string field = indexed("spec.backends", i);
    TrafficSplitBackend backend;
    if (!expectMap(doc, list[i], field)) {
      weighed = false;
      continue;
    }
    requireString(doc, list[i], "service", field + ".service", backend.service);
    YAML::Node weight = child(list[i], "weight");
    if (!readQuantity(doc, weight, field + ".weight", backend.weightMilli)) {
      if (!present(weight)) {
        doc.fail(list[i], field + ".weight", "required");
      }
      weighed = false;
    }
    anyWeight |= backend.weightMilli;
    out.backends.push_back(std::move(backend));
  }
  // Linkerd would send no traffic anywhere.
  if (weighed && anyWeight == 0) {
    doc.fail(list, "spec.backends", "total weight must be greater than zero");
  }
}

// v1alpha3+: the HTTPRouteGroup or TCPRoute a split applies to, as typed local references.
void readMatches(Document& doc, const YAML::Node& spec, TrafficSplit& out) {
  YAML::Node list = child(spec, "matches");
  if (!present(list)) {
    return;
  }
  std::string_view version = versionOf(doc.apiVersion());
  if (version == "v1alpha1" || version == "v1alpha2") {
    doc.fail(list, "spec.matches", "requires split.smi-spec.io/v1alpha3 or later");
    return;
  }
  if (!readList(doc, list, "spec.matches")) {
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    std::string field = indexed("spec.matches", i);
    ObjectRef ref;
    if (!expectMap(doc, list[i], field)) {
      continue;
    }
    readString(doc, child(list[i], "apiGroup"), field + ".apiGroup", ref.group);
    requireString(doc, list[i], "kind", field + ".kind", ref.kind);
    requireString(doc, list[i], "name", field + ".name", ref.name);
    ref.ns = out.ns;
    out.matches.push_back(std::move(ref));
  }
}

}  // namespace

std::optional<Parsed<TrafficSplit>> parseTrafficSplit(Document& doc) {
  Parsed<TrafficSplit> out;
  TrafficSplit& split = out.object;
  std::optional<YAML::Node> found = readObjectAndSpec(doc, out);
  if (!found) {
    return std::nullopt;
  }
  YAML::Node spec = *found;
  requireString(doc, spec, "service", "spec.service", split.service);
  out.claimAt = doc.at(child(spec, "service"));
  readBackends(doc, spec, split);
  readMatches(doc, spec, split);
  if (!doc.clean()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace weir::config
