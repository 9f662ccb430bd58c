// Linkerd's MeshTLSAuthentication (policy.linkerd.io/v1alpha1), with the checks of Linkerd's
// CRD and admission webhook.

#include <utility>

#include "common/config/fields.h"
#include "common/config/parse.h"
#include "common/config/values.h"

namespace weir::config {

namespace {

void readIdentities(Document& doc, const YAML::Node& list, MeshTLSAuthentication& out) {
  if (!readStringList(doc, list, "spec.identities", out.identities)) {
    return;
  }
  if (list.size() == 0) {
    doc.fail(list, "spec.identities", "must not be empty");
  }
  for (size_t i = 0; i < out.identities.size(); ++i) {
    if (auto reason = checkIdentity(out.identities[i])) {
      doc.fail(list[i], indexed("spec.identities", i), *reason);
    }
  }
}

void readIdentityRefs(Document& doc, const YAML::Node& list, MeshTLSAuthentication& out) {
  if (!readList(doc, list, "spec.identityRefs")) {
    return;
  }
  if (list.size() == 0) {
    doc.fail(list, "spec.identityRefs", "must not be empty");
  }
  for (size_t i = 0; i < list.size(); ++i) {
    std::string field = indexed("spec.identityRefs", i);
    ObjectRef ref;
    RefRules rules{.nameRequired = false, .namespaced = true, .localNs = out.ns};
    if (!readObjectRef(doc, list[i], field, rules, ref)) {
      if (!present(list[i])) {
        doc.fail(list[i], field, "must be a mapping, got null");
      }
      continue;
    }
    if (ref.group == "" && ref.kind == "Namespace") {
      if (YAML::Node ns = child(list[i], "namespace"); present(ns)) {
        doc.fail(ns, field + ".namespace", "must not be set for a Namespace (cluster-scoped)");
      }
      ref.ns.clear();
    } else if (ref.group != "" || ref.kind != "ServiceAccount") {
      std::string kind = ref.group.empty() ? ref.kind : ref.group + "/" + ref.kind;
      doc.fail(child(list[i], "kind"), field + ".kind",
               "must be a ServiceAccount or Namespace, got " + quote(kind));
    }
    out.identityRefs.push_back(std::move(ref));
  }
}

}  // namespace

std::optional<Parsed<MeshTLSAuthentication>> parseMeshTLSAuthentication(Document& doc) {
  Parsed<MeshTLSAuthentication> out;
  MeshTLSAuthentication& authn = out.object;
  std::optional<YAML::Node> found = readObjectAndSpec(doc, out);
  if (!found) {
    return std::nullopt;
  }
  YAML::Node spec = *found;
  YAML::Node identities = child(spec, "identities");
  YAML::Node refs = child(spec, "identityRefs");
  if (present(identities) && present(refs)) {
    doc.fail(refs, "spec.identityRefs", "must not be set with spec.identities");
  } else if (present(identities)) {
    readIdentities(doc, identities, authn);
  } else if (present(refs)) {
    readIdentityRefs(doc, refs, authn);
  } else {
    doc.fail(spec, "spec", "must set identities or identityRefs");
  }
  if (!doc.clean()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace weir::config
