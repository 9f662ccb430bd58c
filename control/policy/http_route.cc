#include "control/policy/http_route.h"

#include <yaml-cpp/yaml.h>

#include "control/destination/wire.h"

namespace weir::control::policy {

namespace {

std::string scalar(const YAML::Node& node, const char* key) {
  YAML::Node value = node[key];
  return value && value.IsScalar() ? value.Scalar() : std::string();
}

uint32_t number(const YAML::Node& node, const char* key) {
  YAML::Node value = node[key];
  return value && value.IsScalar() ? value.as<uint32_t>(0) : 0;
}

// Gateway API HTTPHeaderFilter: {add: [{name, value}], set: [...], remove: [names]}.
v1::HeaderModifier headerModifier(const YAML::Node& config) {
  v1::HeaderModifier out;
  for (const char* list : {"add", "set"}) {
    for (const YAML::Node& header : config[list]) {
      v1::HeaderModifier::Header* h =
          std::string_view(list) == "add" ? out.add_add() : out.add_set();
      h->set_name(scalar(header, "name"));
      h->set_value(scalar(header, "value"));
    }
  }
  for (const YAML::Node& name : config["remove"]) {
    out.add_remove(name.Scalar());
  }
  return out;
}

// Gateway API HTTPRequestRedirectFilter: {scheme, hostname, path: {type, replaceFullPath |
// replacePrefixMatch}, port, statusCode}.
v1::HttpRedirect redirect(const YAML::Node& config) {
  v1::HttpRedirect out;
  out.set_scheme(scalar(config, "scheme"));
  out.set_host(scalar(config, "hostname"));
  if (YAML::Node path = config["path"]; path && path.IsMap()) {
    if (scalar(path, "type") == "ReplaceFullPath") {
      out.set_replace_full_path(scalar(path, "replaceFullPath"));
    } else if (scalar(path, "type") == "ReplacePrefixMatch") {
      out.set_replace_prefix(scalar(path, "replacePrefixMatch"));
    }
  }
  out.set_port(number(config, "port"));
  out.set_status(number(config, "statusCode"));
  return out;
}

// Header and query parameter matches share their shape: a name, and exact or regex.
template <typename Match>
Match valueMatch(const config::HttpValueMatch& match) {
  Match out;
  out.set_name(match.name);
  if (match.type == "RegularExpression") {
    out.set_regex(match.value);
  } else {
    out.set_exact(match.value);
  }
  return out;
}

}  // namespace

void addHosts(const std::vector<std::string>& hostnames,
              google::protobuf::RepeatedPtrField<v1::HostMatch>* out) {
  // The model has checked them: lower-case host names, a wildcard only as the first label.
  for (const std::string& host : hostnames) {
    if (host.starts_with("*.")) {
      out->Add()->set_wildcard_suffix(host.substr(2));
    } else {
      out->Add()->set_exact(host);
    }
  }
}

v1::HttpRouteMatch routeMatch(const config::HttpRouteMatch& match) {
  v1::HttpRouteMatch out;
  v1::PathMatch* path = out.mutable_path();
  if (match.path.type == "Exact") {
    path->set_exact(match.path.value);
  } else if (match.path.type == "RegularExpression") {
    path->set_regex(match.path.value);
  } else {
    path->set_prefix(match.path.value);
  }
  for (const config::HttpValueMatch& header : match.headers) {
    *out.add_headers() = valueMatch<v1::HeaderMatch>(header);
  }
  for (const config::HttpValueMatch& param : match.queryParams) {
    *out.add_query_params() = valueMatch<v1::QueryParamMatch>(param);
  }
  if (!match.method.empty()) {
    *out.mutable_method() = destination::httpMethod(match.method);
  }
  return out;
}

std::optional<v1::HttpFilter> httpFilter(const config::HttpFilter& filter) {
  // The model keeps a filter's settings as flow YAML it has checked; a malformed one still
  // only drops its route, never the stream.
  try {
    const YAML::Node config = YAML::Load(filter.config);
    if (!config.IsMap()) {
      return std::nullopt;
    }
    v1::HttpFilter out;
    if (filter.type == "RequestHeaderModifier") {
      *out.mutable_request_header_modifier() = headerModifier(config);
    } else if (filter.type == "ResponseHeaderModifier") {
      *out.mutable_response_header_modifier() = headerModifier(config);
    } else if (filter.type == "RequestRedirect") {
      *out.mutable_redirect() = redirect(config);
    } else {
      return std::nullopt;
    }
    return out;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

bool addFilters(const std::vector<config::HttpFilter>& filters,
                google::protobuf::RepeatedPtrField<v1::HttpFilter>* out) {
  for (const config::HttpFilter& filter : filters) {
    std::optional<v1::HttpFilter> converted = httpFilter(filter);
    if (!converted) {
      return false;
    }
    *out->Add() = std::move(*converted);
  }
  return true;
}

v1::ResourceRef routeRef(const config::HttpRoute& route) {
  v1::ResourceRef ref;
  ref.set_group(route.group);
  ref.set_kind("HTTPRoute");
  ref.set_namespace_(route.ns);
  ref.set_name(route.name);
  return ref;
}

}  // namespace weir::control::policy
