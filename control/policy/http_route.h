#pragma once

// The parts of an HTTPRoute (policy.linkerd.io or gateway.networking.k8s.io) that inbound and
// outbound policy share: host names, matches and filters.

#include <google/protobuf/repeated_ptr_field.h>

#include <optional>
#include <string>
#include <vector>

#include "common/config/model.h"
#include "weir/v1/http.pb.h"
#include "weir/v1/meta.pb.h"

namespace weir::control::policy {

// "*.example.com" is the wildcard suffix "example.com"; other names are exact.
void addHosts(const std::vector<std::string>& hostnames,
              google::protobuf::RepeatedPtrField<v1::HostMatch>* out);

v1::HttpRouteMatch routeMatch(const config::HttpRouteMatch& match);

// Nothing for a filter weir's proxy does not apply (RequestMirror, URLRewrite, ExtensionRef)
// or whose settings do not read: Linkerd does not accept such a route, so neither does weir.
std::optional<v1::HttpFilter> httpFilter(const config::HttpFilter& filter);
// Every filter converted, or false (and `out` partly filled) when one is not supported.
bool addFilters(const std::vector<config::HttpFilter>& filters,
                google::protobuf::RepeatedPtrField<v1::HttpFilter>* out);

// The route as an object reference: {group, "HTTPRoute", ns, name}.
v1::ResourceRef routeRef(const config::HttpRoute& route);

}  // namespace weir::control::policy
