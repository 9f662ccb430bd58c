// HTTPRoute: Linkerd's (policy.linkerd.io v1beta1..v1beta3) and the Gateway API's
// (gateway.networking.k8s.io v1beta1, v1). The CRDs' defaults are applied as the API server
// would; the checks are the CRDs' and those of Linkerd's admission webhook.

#include <utility>

#include "common/config/fields.h"
#include "common/config/kinds.h"
#include "common/config/parse.h"
#include "common/config/values.h"

namespace weir::config {

namespace {

constexpr std::string_view kGateway = "gateway.networking.k8s.io";
constexpr int64_t kMaxWeight = 1000000;

struct Route {
  Document& doc;
  HttpRoute& out;
  bool gateway;      // gateway.networking.k8s.io, else policy.linkerd.io
  bool hasTimeouts;  // gateway.networking.k8s.io, or policy.linkerd.io/v1beta3
};

bool isHeaderName(std::string_view text) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  for (char c : text) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && kSymbols.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return !text.empty();
}

void readPath(Document& doc, const YAML::Node& node, const std::string& field, HttpPathMatch& out) {
  if (!readMap(doc, node, field)) {
    return;
  }
  readEnum(doc, child(node, "type"), field + ".type", {"Exact", "PathPrefix", "RegularExpression"},
           out.type);
  YAML::Node value = child(node, "value");
  if (out.type == "RegularExpression") {
    readRegex(doc, value, field + ".value", out.value);
  } else if (readString(doc, value, field + ".value", out.value) && !out.value.starts_with('/')) {
    doc.fail(value, field + ".value", "must start with \"/\", got " + quote(out.value));
  }
}

// headers[] and queryParams[]: {type, name, value}.
void readValueMatches(Document& doc, const YAML::Node& match, const char* key,
                      const std::string& field, std::vector<HttpValueMatch>& out) {
  YAML::Node list = child(match, key);
  if (!readList(doc, list, field)) {
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    std::string item = indexed(field, i);
    HttpValueMatch m;
    if (!expectMap(doc, list[i], item)) {
      continue;
    }
    readEnum(doc, child(list[i], "type"), item + ".type", {"Exact", "RegularExpression"}, m.type);
    if (requireString(doc, list[i], "name", item + ".name", m.name) &&
        std::string_view(key) == "headers" && !isHeaderName(m.name)) {
      doc.fail(child(list[i], "name"), item + ".name",
               "must be an HTTP header name, got " + quote(m.name));
    }
    if (requireString(doc, list[i], "value", item + ".value", m.value) &&
        m.type == "RegularExpression") {
      if (auto reason = checkRegex(m.value)) {
        doc.fail(child(list[i], "value"), item + ".value", *reason);
      }
    }
    out.push_back(std::move(m));
  }
}

void readMatches(Document& doc, const YAML::Node& rule, const std::string& field,
                 HttpRouteRule& out) {
  YAML::Node list = child(rule, "matches");
  if (!readList(doc, list, field)) {
    out.matches.emplace_back();  // the CRD's default: PathPrefix "/"
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    std::string item = indexed(field, i);
    HttpRouteMatch m;
    if (!readMap(doc, list[i], item)) {
      out.matches.push_back(std::move(m));  // "- {}" or "- ~": the defaults
      continue;
    }
    readPath(doc, child(list[i], "path"), item + ".path", m.path);
    readValueMatches(doc, list[i], "headers", item + ".headers", m.headers);
    readValueMatches(doc, list[i], "queryParams", item + ".queryParams", m.queryParams);
    readEnum(doc, child(list[i], "method"), item + ".method",
             {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"},
             m.method);
    out.matches.push_back(std::move(m));
  }
  if (list.size() == 0) {
    out.matches.emplace_back();
  }
}

// Kept generically: the type, and the object under the type's own key.
void readFilters(const Route& route, const YAML::Node& parent, const std::string& field,
                 std::vector<HttpFilter>& out) {
  static constexpr std::pair<std::string_view, const char*> kKeys[] = {
      {"RequestHeaderModifier", "requestHeaderModifier"},
      {"ResponseHeaderModifier", "responseHeaderModifier"},
      {"RequestRedirect", "requestRedirect"},
      {"RequestMirror", "requestMirror"},
      {"URLRewrite", "urlRewrite"},
      {"ExtensionRef", "extensionRef"}};
  Document& doc = route.doc;
  YAML::Node list = child(parent, "filters");
  if (!readList(doc, list, field)) {
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    std::string item = indexed(field, i);
    HttpFilter filter;
    if (!expectMap(doc, list[i], item)) {
      continue;
    }
    YAML::Node type = child(list[i], "type");
    // Linkerd's own HTTPRoute knows the first three filter types only.
    bool known =
        route.gateway
            ? readEnum(doc, type, item + ".type",
                       {"RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect",
                        "RequestMirror", "URLRewrite", "ExtensionRef"},
                       filter.type)
            : readEnum(doc, type, item + ".type",
                       {"RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect"},
                       filter.type);
    if (!known) {
      if (!present(type)) {
        doc.fail(list[i], item + ".type", "required");
      }
      continue;
    }
    for (const auto& [name, key] : kKeys) {
      if (name != filter.type) {
        continue;
      }
      if (YAML::Node config = child(list[i], key); present(config)) {
        renderFlow(doc, config, item + "." + key, filter.config);
      } else {
        doc.fail(list[i], item + "." + key, "required for type " + filter.type);
      }
    }
    out.push_back(std::move(filter));
  }
}

void readBackendRefs(const Route& route, const YAML::Node& rule, const std::string& field,
                     HttpRouteRule& out) {
  Document& doc = route.doc;
  YAML::Node list = child(rule, "backendRefs");
  if (!readList(doc, list, field)) {
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    std::string item = indexed(field, i);
    HttpBackendRef backend;
    RefRules rules{.namespaced = true, .localNs = route.out.ns, .defaultKind = "Service"};
    if (!readObjectRef(doc, list[i], item, rules, backend.ref)) {
      if (!present(list[i])) {
        doc.fail(list[i], item, "must be a mapping, got null");
      }
      continue;
    }
    YAML::Node port = child(list[i], "port");
    bool service = backend.ref.group.empty() && backend.ref.kind == "Service";
    if (!readPort(doc, port, item + ".port", backend.port) && !present(port) && service &&
        route.gateway) {
      // Linkerd's admission webhook: "cannot reference a Service without a port".
      doc.fail(list[i], item + ".port", "required for a Service");
    }
    int64_t weight = 1;
    if (readInt(doc, child(list[i], "weight"), item + ".weight", 0, kMaxWeight, weight)) {
      backend.weight = static_cast<uint32_t>(weight);
    }
    readFilters(route, list[i], item + ".filters", backend.filters);
    out.backendRefs.push_back(std::move(backend));
  }
}

void readTimeouts(const Route& route, const YAML::Node& rule, const std::string& field,
                  HttpRouteRule& out) {
  Document& doc = route.doc;
  YAML::Node timeouts = child(rule, "timeouts");
  if (present(timeouts) && !route.hasTimeouts) {
    doc.fail(timeouts, field, "requires policy.linkerd.io/v1beta3");
    return;
  }
  if (!readMap(doc, timeouts, field)) {
    return;
  }
  std::chrono::milliseconds value{0};
  if (readDuration(doc, child(timeouts, "request"), field + ".request", value)) {
    out.requestTimeout = value;
  }
  YAML::Node backend = child(timeouts, "backendRequest");
  if (readDuration(doc, backend, field + ".backendRequest", value)) {
    out.backendRequestTimeout = value;
    if (out.requestTimeout && value > *out.requestTimeout) {
      doc.fail(backend, field + ".backendRequest",
               "must not be longer than request (" + child(timeouts, "request").Scalar() +
                   "), got " + quote(backend.Scalar()));
    }
  }
}

void readRules(const Route& route, const YAML::Node& spec) {
  YAML::Node list = child(spec, "rules");
  if (!readList(route.doc, list, "spec.rules") || list.size() == 0) {
    route.out.rules.emplace_back().matches.emplace_back();  // the CRD's default
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    std::string field = indexed("spec.rules", i);
    HttpRouteRule rule;
    if (!readMap(route.doc, list[i], field)) {
      rule.matches.emplace_back();
      route.out.rules.push_back(std::move(rule));
      continue;
    }
    readMatches(route.doc, list[i], field + ".matches", rule);
    readFilters(route, list[i], field + ".filters", rule.filters);
    readBackendRefs(route, list[i], field + ".backendRefs", rule);
    readTimeouts(route, list[i], field + ".timeouts", rule);
    route.out.rules.push_back(std::move(rule));
  }
}

void readParentRefs(const Route& route, const YAML::Node& spec) {
  Document& doc = route.doc;
  YAML::Node list = child(spec, "parentRefs");
  if (!readList(doc, list, "spec.parentRefs")) {
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    std::string field = indexed("spec.parentRefs", i);
    HttpParentRef parent;
    RefRules rules{.namespaced = true,
                   .localNs = route.out.ns,
                   .defaultGroup = route.gateway ? kGateway : "policy.linkerd.io",
                   .defaultKind = "Gateway"};
    if (!readObjectRef(doc, list[i], field, rules, parent.ref)) {
      if (!present(list[i])) {
        doc.fail(list[i], field, "must be a mapping, got null");
      }
      continue;
    }
    readString(doc, child(list[i], "sectionName"), field + ".sectionName", parent.sectionName);
    readPort(doc, child(list[i], "port"), field + ".port", parent.port);
    route.out.parentRefs.push_back(std::move(parent));
  }
}

void readHostnames(Document& doc, const YAML::Node& spec, HttpRoute& out) {
  YAML::Node list = child(spec, "hostnames");
  if (!readStringList(doc, list, "spec.hostnames", out.hostnames)) {
    return;
  }
  for (size_t i = 0; i < out.hostnames.size(); ++i) {
    std::string_view host = out.hostnames[i];
    if (!isDnsSubdomain(host.starts_with("*.") ? host.substr(2) : host)) {
      doc.fail(
          list[i], indexed("spec.hostnames", i),
          "must be a hostname such as \"example.com\" or \"*.example.com\", got " + quote(host));
    }
  }
}

}  // namespace

std::optional<Parsed<HttpRoute>> parseHttpRoute(Document& doc) {
  Parsed<HttpRoute> out;
  HttpRoute& route = out.object;
  Metadata meta;
  readMetadata(doc, meta, NameRule::kDnsSubdomain);
  route.group = std::string(groupOf(doc.apiVersion()));
  route.ns = meta.ns;
  route.name = meta.name;
  route.src = doc.src();
  out.nameAt = meta.nameAt;

  YAML::Node spec = child(doc.root(), "spec");
  if (!present(spec)) {
    doc.fail(doc.root(), "spec", "required");
    return std::nullopt;
  }
  if (!expectMap(doc, spec, "spec")) {
    return std::nullopt;
  }
  bool gateway = route.group == kGateway;
  Route ctx{doc, route, gateway, gateway || versionOf(doc.apiVersion()) == "v1beta3"};
  readParentRefs(ctx, spec);
  readHostnames(doc, spec, route);
  readRules(ctx, spec);
  if (!doc.clean()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace weir::config
