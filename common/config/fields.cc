#include "common/config/fields.h"

#include <strings.h>

#include <utility>

#include "common/config/values.h"

namespace weir::config {

namespace {

// The kinds a reference may name that weir knows, as (group, kind).
constexpr std::pair<std::string_view, std::string_view> kRefKinds[] = {
    {"", "Namespace"},
    {"", "Service"},
    {"", "ServiceAccount"},
    {"policy.linkerd.io", "Server"},
    {"policy.linkerd.io", "HTTPRoute"},
    {"policy.linkerd.io", "MeshTLSAuthentication"},
    {"policy.linkerd.io", "NetworkAuthentication"},
    {"policy.linkerd.io", "EgressNetwork"},
    {"gateway.networking.k8s.io", "HTTPRoute"},
    {"gateway.networking.k8s.io", "GRPCRoute"},
    {"gateway.networking.k8s.io", "Gateway"},
};

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool readCidr(Document& doc, const YAML::Node& node, const std::string& field, Cidr& out) {
  std::string text;
  if (!readString(doc, node, field, text)) {
    return false;
  }
  if (auto reason = parseCidr(text, out)) {
    doc.fail(node, field, *reason);
    return false;
  }
  return true;
}

bool readRequirement(Document& doc, const YAML::Node& item, const std::string& field,
                     LabelRequirement& out) {
  if (!expectMap(doc, item, field)) {
    return false;
  }
  bool ok = requireString(doc, item, "key", field + ".key", out.key);
  YAML::Node op = child(item, "operator");
  if (readEnum(doc, op, field + ".operator", {"In", "NotIn", "Exists", "DoesNotExist"}, out.op)) {
    YAML::Node values = child(item, "values");
    ok = (readStringList(doc, values, field + ".values", out.values) || !present(values)) && ok;
    bool wantsValues = out.op == "In" || out.op == "NotIn";
    // Kubernetes' own rule for label selectors; Linkerd's CRD does not check it, but an In
    // without values selects nothing and an Exists with values does not mean what it says.
    if (ok && wantsValues && out.values.empty()) {
      doc.fail(present(values) ? values : op, field + ".values", "required for operator " + out.op);
      ok = false;
    } else if (ok && !wantsValues && !out.values.empty()) {
      doc.fail(values, field + ".values", "must be empty for operator " + out.op);
      ok = false;
    }
  } else {
    if (!present(op)) {
      doc.fail(item, field + ".operator", "required");
    }
    ok = false;
  }
  return ok;
}

}  // namespace

bool readBool(Document& doc, const YAML::Node& node, const std::string& field, bool& out) {
  if (!present(node)) {
    return false;
  }
  if (node.IsScalar()) {
    for (std::string_view yes : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}) {
      if (node.Scalar() == yes) {
        out = true;
        return true;
      }
    }
    for (std::string_view no : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}) {
      if (node.Scalar() == no) {
        out = false;
        return true;
      }
    }
  }
  doc.fail(node, field, "must be true or false, got " + describe(node));
  return false;
}

bool readInt(Document& doc, const YAML::Node& node, const std::string& field, int64_t lo,
             int64_t hi, int64_t& out) {
  if (!present(node)) {
    return false;
  }
  if (!node.IsScalar()) {
    doc.fail(node, field, "must be an integer, got " + describe(node));
    return false;
  }
  if (auto reason = checkInt(node.Scalar(), lo, hi, out)) {
    doc.fail(node, field, *reason);
    return false;
  }
  return true;
}

bool readStringList(Document& doc, const YAML::Node& node, const std::string& field,
                    std::vector<std::string>& out) {
  if (!readList(doc, node, field)) {
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < node.size(); ++i) {
    std::string value;
    if (readString(doc, node[i], indexed(field, i), value)) {
      out.push_back(std::move(value));
    } else {
      if (!present(node[i])) {
        doc.fail(node[i], indexed(field, i), "must be a string, got null");
      }
      ok = false;
    }
  }
  return ok;
}

bool readEnum(Document& doc, const YAML::Node& node, const std::string& field,
              std::initializer_list<std::string_view> allowed, std::string& out) {
  // readProtocol words it the same way; it was written for exactly this.
  return readProtocol(doc, node, field, allowed, out);
}

bool requireString(Document& doc, const YAML::Node& parent, const char* key,
                   const std::string& field, std::string& out) {
  YAML::Node node = child(parent, key);
  if (readString(doc, node, field, out)) {
    if (!out.empty()) {
      return true;
    }
    doc.fail(node, field, "required");
  } else if (!present(node)) {
    doc.fail(parent, field, "required");
  }
  return false;
}

bool readDuration(Document& doc, const YAML::Node& node, const std::string& field,
                  std::chrono::milliseconds& out) {
  std::string text;
  if (!readString(doc, node, field, text)) {
    return false;
  }
  if (auto reason = parseDuration(text, out)) {
    doc.fail(node, field, *reason);
    return false;
  }
  return true;
}

bool readQuantity(Document& doc, const YAML::Node& node, const std::string& field,
                  uint64_t& outMilli) {
  std::string text;
  if (!readString(doc, node, field, text)) {
    return false;
  }
  if (auto reason = parseQuantityMilli(text, outMilli)) {
    doc.fail(node, field, *reason);
    return false;
  }
  return true;
}

bool readRegex(Document& doc, const YAML::Node& node, const std::string& field, std::string& out) {
  if (!readString(doc, node, field, out)) {
    return false;
  }
  if (auto reason = checkRegex(out)) {
    doc.fail(node, field, *reason);
    return false;
  }
  return true;
}

bool readPortOrName(Document& doc, const YAML::Node& node, const std::string& field, uint16_t& port,
                    std::string& name) {
  if (!present(node)) {
    return false;
  }
  if (!node.IsScalar()) {
    doc.fail(node, field, "must be a port number or name, got " + describe(node));
    return false;
  }
  const std::string& text = node.Scalar();
  bool number = !text.empty() && text.find_first_not_of("-0123456789") == std::string::npos;
  if (number) {
    return readPort(doc, node, field, port);
  }
  if (!isIanaServiceName(text)) {
    doc.fail(node, field, ianaServiceNameReason(text));
    return false;
  }
  name = text;
  return true;
}

bool readLabelSelector(Document& doc, const YAML::Node& node, const std::string& field,
                       LabelSelector& out) {
  if (!readMap(doc, node, field)) {
    return false;
  }
  bool ok =
      readStringMap(doc, child(node, "matchLabels"), field + ".matchLabels", out.matchLabels) ||
      !present(child(node, "matchLabels"));
  YAML::Node exprs = child(node, "matchExpressions");
  if (readList(doc, exprs, field + ".matchExpressions")) {
    for (size_t i = 0; i < exprs.size(); ++i) {
      LabelRequirement req;
      if (readRequirement(doc, exprs[i], indexed(field + ".matchExpressions", i), req)) {
        out.matchExpressions.push_back(std::move(req));
      } else {
        ok = false;
      }
    }
  } else if (present(exprs)) {
    ok = false;
  }
  return ok;
}

bool readNetworks(Document& doc, const YAML::Node& node, const std::string& field,
                  std::vector<Network>& out) {
  if (!readList(doc, node, field)) {
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < node.size(); ++i) {
    std::string item = indexed(field, i);
    Network net;
    if (!expectMap(doc, node[i], item)) {
      ok = false;
      continue;
    }
    YAML::Node cidr = child(node[i], "cidr");
    if (!readCidr(doc, cidr, item + ".cidr", net.cidr)) {
      if (!present(cidr)) {
        doc.fail(node[i], item + ".cidr", "required");
      }
      ok = false;
      continue;
    }
    YAML::Node except = child(node[i], "except");
    if (readList(doc, except, item + ".except")) {
      for (size_t j = 0; j < except.size(); ++j) {
        std::string exceptField = indexed(item + ".except", j);
        Cidr cut;
        if (!readCidr(doc, except[j], exceptField, cut)) {
          ok = false;
        } else if (cidrContains(cut, net.cidr)) {
          doc.fail(except[j], exceptField,
                   "must not cover all of " + formatCidr(net.cidr) + ", got " +
                       quote(except[j].Scalar()));
          ok = false;
        } else if (!cidrContains(net.cidr, cut)) {
          doc.fail(except[j], exceptField,
                   "must be inside " + formatCidr(net.cidr) + ", got " + quote(except[j].Scalar()));
          ok = false;
        } else {
          net.except.push_back(cut);
        }
      }
    } else if (present(except)) {
      ok = false;
    }
    out.push_back(std::move(net));
  }
  return ok;
}

bool readObjectRef(Document& doc, const YAML::Node& node, const std::string& field,
                   const RefRules& rules, ObjectRef& out) {
  if (!readMap(doc, node, field)) {
    return false;
  }
  bool ok = true;
  YAML::Node group = child(node, "group");
  if (readString(doc, group, field + ".group", out.group)) {
    if (equalsIgnoreCase(out.group, "core")) {
      out.group.clear();
    }
  } else if (present(group)) {
    ok = false;
  } else {
    out.group = std::string(rules.defaultGroup);
  }
  if (rules.defaultKind.empty()) {
    ok = requireString(doc, node, "kind", field + ".kind", out.kind) && ok;
  } else if (!readString(doc, child(node, "kind"), field + ".kind", out.kind)) {
    ok = ok && !present(child(node, "kind"));
    out.kind = std::string(rules.defaultKind);
  }
  for (const auto& [knownGroup, knownKind] : kRefKinds) {
    if (equalsIgnoreCase(out.group, knownGroup) && equalsIgnoreCase(out.kind, knownKind)) {
      out.group = knownGroup;
      out.kind = knownKind;
    }
  }
  YAML::Node name = child(node, "name");
  if (rules.nameRequired) {
    ok = requireString(doc, node, "name", field + ".name", out.name) && ok;
  } else if (!readString(doc, name, field + ".name", out.name) && present(name)) {
    ok = false;
  }
  YAML::Node ns = child(node, "namespace");
  if (!rules.namespaced) {
    out.ns = std::string(rules.localNs);  // local references: always the referrer's namespace
    return ok;
  }
  if (readString(doc, ns, field + ".namespace", out.ns) && !out.ns.empty() && !isDnsLabel(out.ns)) {
    doc.fail(ns, field + ".namespace", dnsLabelReason(out.ns));
    ok = false;
  } else if (present(ns) && !ns.IsScalar()) {
    ok = false;
  }
  if (out.ns.empty()) {
    out.ns = std::string(rules.localNs);
  }
  return ok;
}

}  // namespace weir::config
