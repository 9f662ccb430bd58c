// Linkerd's AuthorizationPolicy (policy.linkerd.io/v1alpha1), with the checks of Linkerd's
// admission webhook. The objects it references need not exist.

#include <utility>

#include "common/config/fields.h"
#include "common/config/parse.h"

namespace weir::config {

namespace {

std::string canonicalKind(const ObjectRef& ref) {
  return ref.group.empty() ? ref.kind : ref.group + "/" + ref.kind;
}

bool is(const ObjectRef& ref, std::string_view group, std::string_view kind) {
  return ref.group == group && ref.kind == kind;
}

void readTarget(Document& doc, const YAML::Node& spec, AuthorizationPolicy& out) {
  YAML::Node node = child(spec, "targetRef");
  if (!present(node)) {
    doc.fail(spec, "spec.targetRef", "required");
    return;
  }
  ObjectRef& ref = out.targetRef;
  if (!readObjectRef(doc, node, "spec.targetRef", RefRules{.localNs = out.ns}, ref)) {
    return;
  }
  if (is(ref, "", "Namespace")) {
    if (ref.name != out.ns) {
      doc.fail(child(node, "name"), "spec.targetRef.name",
               "must be the policy's own namespace " + quote(out.ns) + ", got " + quote(ref.name));
    }
  } else if (!is(ref, "policy.linkerd.io", "Server") &&
             !is(ref, "policy.linkerd.io", "HTTPRoute") &&
             !is(ref, "gateway.networking.k8s.io", "HTTPRoute") &&
             !is(ref, "gateway.networking.k8s.io", "GRPCRoute")) {
    doc.fail(
        child(node, "kind"), "spec.targetRef.kind",
        "must be a Server, HTTPRoute, GRPCRoute or Namespace, got " + quote(canonicalKind(ref)));
  }
}

void readAuthentications(Document& doc, const YAML::Node& spec, AuthorizationPolicy& out) {
  const std::string field = "spec.requiredAuthenticationRefs";
  YAML::Node list = child(spec, "requiredAuthenticationRefs");
  if (!present(list)) {
    doc.fail(spec, field, "required");
    return;
  }
  if (!readList(doc, list, field)) {
    return;
  }
  // At most one client identity (a MeshTLSAuthentication or a ServiceAccount) and one network.
  std::string identityAt;
  std::string networkAt;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string item = indexed(field, i);
    ObjectRef ref;
    RefRules rules{.namespaced = true, .localNs = out.ns};
    if (!readObjectRef(doc, list[i], item, rules, ref)) {
      if (!present(list[i])) {
        doc.fail(list[i], item, "must be a mapping, got null");
      }
      continue;
    }
    bool identity =
        is(ref, "policy.linkerd.io", "MeshTLSAuthentication") || is(ref, "", "ServiceAccount");
    YAML::Node kind = child(list[i], "kind");
    if (!identity && !is(ref, "policy.linkerd.io", "NetworkAuthentication")) {
      doc.fail(kind, item + ".kind",
               "must be a MeshTLSAuthentication, NetworkAuthentication or ServiceAccount, got " +
                   quote(canonicalKind(ref)));
      continue;
    }
    std::string& first = identity ? identityAt : networkAt;
    if (!first.empty()) {
      doc.fail(kind, item + ".kind",
               std::string(identity ? "only one MeshTLSAuthentication or ServiceAccount"
                                    : "only one NetworkAuthentication") +
                   " may be set, " + first + " is one");
      continue;
    }
    first = item;
    out.requiredAuthenticationRefs.push_back(std::move(ref));
  }
}

}  // namespace

std::optional<Parsed<AuthorizationPolicy>> parseAuthorizationPolicy(Document& doc) {
  Parsed<AuthorizationPolicy> out;
  AuthorizationPolicy& policy = out.object;
  std::optional<YAML::Node> found = readObjectAndSpec(doc, out);
  if (!found) {
    return std::nullopt;
  }
  YAML::Node spec = *found;
  readTarget(doc, spec, policy);
  readAuthentications(doc, spec, policy);
  if (!doc.clean()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace weir::config
