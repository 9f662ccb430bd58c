#include "control/policy/inbound.h"

#include "common/policy/authz.h"
#include "common/policy/selection.h"
#include "control/destination/opaque.h"
#include "control/destination/wire.h"
#include "control/policy/http_route.h"

namespace weir::control::policy {

namespace {

using destination::defaultOrigin;
using ::weir::policy::attachedTo;
using ::weir::policy::defaultAuthorization;
using ::weir::policy::routeAuthorizations;
using ::weir::policy::serverAuthorizations;
using ::weir::policy::setMetricLabels;

v1::ProxyProtocol protocolOf(const std::string& proxyProtocol) {
  if (proxyProtocol == "HTTP/1") {
    return v1::PROXY_PROTOCOL_HTTP1;
  }
  if (proxyProtocol == "HTTP/2") {
    return v1::PROXY_PROTOCOL_HTTP2;
  }
  if (proxyProtocol == "gRPC") {
    return v1::PROXY_PROTOCOL_GRPC;
  }
  if (proxyProtocol == "opaque") {
    return v1::PROXY_PROTOCOL_OPAQUE;
  }
  if (proxyProtocol == "TLS") {
    return v1::PROXY_PROTOCOL_TLS;
  }
  return v1::PROXY_PROTOCOL_DETECT;
}

void setServerLabels(v1::InboundServer& out, const std::string& group, const std::string& kind,
                     const std::string& name) {
  setMetricLabels(*out.mutable_labels(), "srv_", group, kind, name);
}

// Protocols whose requests go through `http_routes`.
bool routesHttp(v1::ProxyProtocol protocol) {
  return protocol == v1::PROXY_PROTOCOL_DETECT || protocol == v1::PROXY_PROTOCOL_HTTP1 ||
         protocol == v1::PROXY_PROTOCOL_HTTP2;
}

// Linkerd's default routes: every request, with no authorization of their own.
void addDefaultRoutes(v1::InboundServer& out) {
  if (out.protocol() == v1::PROXY_PROTOCOL_GRPC) {
    v1::InboundGrpcRoute* route = out.add_grpc_routes();
    *route->mutable_origin() = defaultOrigin("default");
    route->add_rules()->add_matches();
  } else if (routesHttp(out.protocol())) {
    v1::InboundHttpRoute* route = out.add_http_routes();
    *route->mutable_origin() = defaultOrigin("default");
    route->add_rules()->add_matches()->mutable_path()->set_prefix("/");
  }
}

// HTTPRoutes on the Server, in the model's (namespace, name, group) order. A route with a
// filter the proxy does not apply is left out, as Linkerd does not accept it.
void addServerRoutes(const config::Model& model, const config::Server& server,
                     const Options& options, v1::InboundServer& out) {
  for (const config::HttpRoute& route : model.httpRoutes) {
    if (!attachedTo(route, server)) {
      continue;
    }
    v1::InboundHttpRoute converted;
    *converted.mutable_origin() = destination::resourceOrigin(routeRef(route));
    addHosts(route.hostnames, converted.mutable_hosts());
    bool supported = true;
    for (const config::HttpRouteRule& rule : route.rules) {
      v1::InboundHttpRoute::Rule* r = converted.add_rules();
      for (const config::HttpRouteMatch& match : rule.matches) {
        *r->add_matches() = routeMatch(match);
      }
      supported = supported && addFilters(rule.filters, r->mutable_filters());
    }
    if (!supported) {
      continue;
    }
    for (v1::Authorization& authz : routeAuthorizations(model, route, options)) {
      *converted.add_authorizations() = std::move(authz);
    }
    *out.add_http_routes() = std::move(converted);
  }
}

v1::InboundServer serverPolicy(const destination::Catalog& catalog, const config::Server& server,
                               uint16_t port, const Options& options) {
  const config::Model& model = catalog.model();
  v1::InboundServer out;
  v1::ResourceRef ref;
  ref.set_group("policy.linkerd.io");
  ref.set_kind("Server");
  ref.set_namespace_(server.ns);
  ref.set_name(server.name);
  ref.set_port(port);
  *out.mutable_server() = destination::resourceOrigin(std::move(ref));
  out.set_protocol(protocolOf(server.proxyProtocol));
  setServerLabels(out, "policy.linkerd.io", "server", server.name);
  for (v1::Authorization& authz : serverAuthorizations(model, server, options)) {
    *out.add_authorizations() = std::move(authz);
  }
  if (routesHttp(out.protocol())) {
    addServerRoutes(model, server, options, out);
  }
  if (out.http_routes_size() == 0) {
    addDefaultRoutes(out);
  }
  return out;
}

v1::InboundServer defaultPolicy(const destination::Catalog& catalog,
                                const config::ExternalWorkload* w, const std::string& ns,
                                uint16_t port, const Options& options) {
  v1::InboundServer out;
  std::string policy = ::weir::policy::defaultPolicyFor(catalog.model(), w, ns, port, options);
  *out.mutable_server() = defaultOrigin(policy);
  bool opaque = w != nullptr && destination::annotatedOpaque(catalog, *w, port);
  out.set_protocol(opaque ? v1::PROXY_PROTOCOL_OPAQUE : v1::PROXY_PROTOCOL_DETECT);
  setServerLabels(out, "", "default", policy);
  if (auto authz = defaultAuthorization(policy, options)) {
    *out.add_authorizations() = std::move(*authz);
  }
  addDefaultRoutes(out);
  return out;
}

}  // namespace

v1::InboundServer compileInbound(const destination::Catalog& catalog, const std::string& ns,
                                 const std::string& name, uint16_t port, const Options& options) {
  const config::ExternalWorkload* w = catalog.workload(ns, name);
  const config::Server* server = w != nullptr ? catalog.serverFor(*w, port) : nullptr;
  v1::InboundServer out = server != nullptr ? serverPolicy(catalog, *server, port, options)
                                            : defaultPolicy(catalog, w, ns, port, options);
  if (w != nullptr) {
    for (uint32_t ip : w->ips) {
      *out.add_server_ips() = destination::ipv4(ip);
    }
  }
  return out;
}

}  // namespace weir::control::policy
