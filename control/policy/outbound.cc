#include "control/policy/outbound.h"

#include <arpa/inet.h>

#include <optional>
#include <vector>

#include "control/destination/endpoints.h"
#include "control/destination/opaque.h"
#include "control/destination/wire.h"
#include "control/policy/backends.h"
#include "control/policy/http_route.h"

namespace weir::control::policy {

namespace {

using destination::Catalog;
using destination::defaultOrigin;
using destination::resourceOrigin;

v1::WeightedBackend weighted(v1::Backend backend, uint32_t weight) {
  v1::WeightedBackend out;
  *out.mutable_backend() = std::move(backend);
  out.set_weight(weight);
  return out;
}

bool attachedTo(const config::HttpRoute& route, const config::Service& svc, uint16_t port) {
  for (const config::HttpParentRef& parent : route.parentRefs) {
    if (parent.ref.group.empty() && parent.ref.kind == "Service" && parent.ref.ns == svc.ns &&
        parent.ref.name == svc.name && (parent.port == 0 || parent.port == port)) {
      return true;
    }
  }
  return false;
}

// Routes in the client's namespace override the Service's own for that client only.
std::vector<const config::HttpRoute*> routesFor(const config::Model& model,
                                                const config::Service& svc, uint16_t port,
                                                const std::string& sourceNamespace) {
  std::vector<const config::HttpRoute*> consumer;
  std::vector<const config::HttpRoute*> producer;
  for (const config::HttpRoute& route : model.httpRoutes) {
    if (!attachedTo(route, svc, port)) {
      continue;
    }
    if (route.ns == svc.ns) {
      producer.push_back(&route);
    } else if (route.ns == sourceNamespace) {
      consumer.push_back(&route);
    }
  }
  return consumer.empty() ? producer : consumer;
}

// One backendRef; false when it carries a filter the proxy does not apply.
bool addBackend(const Catalog& catalog, const config::HttpBackendRef& ref, uint16_t parentPort,
                const Options& options,
                google::protobuf::RepeatedPtrField<v1::WeightedBackend>* out) {
  // A policy.linkerd.io route may leave out the port: the backend listens on the parent's.
  uint16_t port = ref.port != 0 ? ref.port : parentPort;
  v1::ResourceRef named;
  named.set_group(ref.ref.group);
  named.set_kind(ref.ref.kind);
  named.set_namespace_(ref.ref.ns);
  named.set_name(ref.ref.name);
  named.set_port(port);
  if (!ref.ref.group.empty() || ref.ref.kind != "Service") {
    *out->Add() = invalidBackend(resourceOrigin(std::move(named)), ref.weight,
                                 "unsupported backend kind " + ref.ref.kind);
    return true;
  }
  const destination::ServicePortRef* target = catalog.servicePort(ref.ref.ns, ref.ref.name, port);
  if (target == nullptr) {
    *out->Add() = invalidBackend(
        resourceOrigin(std::move(named)), ref.weight,
        "Service not found " + ref.ref.ns + "/" + ref.ref.name + ":" + std::to_string(port));
    return true;
  }
  v1::WeightedBackend backend =
      weighted(serviceBackend(*target->service, port, options), ref.weight);
  if (!addFilters(ref.filters, backend.mutable_filters())) {
    return false;
  }
  *out->Add() = std::move(backend);
  return true;
}

// Nothing when a filter is not supported (Linkerd does not accept such a route).
std::optional<v1::OutboundHttpRoute> outboundRoute(const Catalog& catalog,
                                                   const config::HttpRoute& route,
                                                   const v1::Backend& parent, uint16_t port,
                                                   const Options& options) {
  v1::OutboundHttpRoute out;
  *out.mutable_origin() = resourceOrigin(routeRef(route));
  addHosts(route.hostnames, out.mutable_hosts());
  for (const config::HttpRouteRule& rule : route.rules) {
    v1::OutboundHttpRoute::Rule* r = out.add_rules();
    for (const config::HttpRouteMatch& match : rule.matches) {
      *r->add_matches() = routeMatch(match);
    }
    if (!addFilters(rule.filters, r->mutable_filters())) {
      return std::nullopt;
    }
    for (const config::HttpBackendRef& ref : rule.backendRefs) {
      if (!addBackend(catalog, ref, port, options, r->mutable_backends())) {
        return std::nullopt;
      }
    }
    if (rule.backendRefs.empty()) {
      *r->add_backends() = weighted(parent, 1);  // no backendRefs: the parent itself
    }
    // timeouts.request only, as Linkerd: backendRequest has no counterpart in its proxy.
    if (rule.requestTimeout && rule.requestTimeout->count() > 0) {
      *r->mutable_timeouts()->mutable_request() = destination::duration(*rule.requestTimeout);
    }
  }
  return out;
}

v1::OutboundHttpRoute defaultRoute(const v1::Backend& backend) {
  v1::OutboundHttpRoute route;
  *route.mutable_origin() = defaultOrigin("default");
  v1::OutboundHttpRoute::Rule* rule = route.add_rules();
  rule->add_matches()->mutable_path()->set_prefix("/");
  *rule->add_backends() = weighted(backend, 1);
  return route;
}

v1::OutboundPolicy servicePolicy(const Catalog& catalog, const destination::ServicePortRef& ref,
                                 const std::string& sourceNamespace, const Options& options) {
  const config::Service& svc = *ref.service;
  const uint16_t port = ref.port->port;
  v1::OutboundPolicy out;
  *out.mutable_parent() = resourceOrigin(destination::serviceRef(svc, port));
  out.set_protocol(destination::servicePortOpaque(svc, port) ? v1::PROXY_PROTOCOL_OPAQUE
                                                             : v1::PROXY_PROTOCOL_DETECT);
  v1::Backend parent = serviceBackend(svc, port, options);
  for (const config::HttpRoute* route : routesFor(catalog.model(), svc, port, sourceNamespace)) {
    if (auto converted = outboundRoute(catalog, *route, parent, port, options)) {
      *out.add_http_routes() = std::move(*converted);
    }
  }
  if (out.http_routes_size() == 0) {
    *out.add_http_routes() = defaultRoute(parent);
  }
  *out.add_opaque_backends() = weighted(parent, 1);
  if (auto accrual = failureAccrual(svc)) {
    *out.mutable_failure_accrual() = std::move(*accrual);
  }
  return out;
}

// Straight to one address: a workload's (with its identity), or an unknown original destination.
v1::OutboundPolicy forwardPolicy(v1::Origin origin, v1::Endpoint endpoint, bool opaque) {
  v1::OutboundPolicy out;
  *out.mutable_parent() = origin;
  out.set_protocol(opaque ? v1::PROXY_PROTOCOL_OPAQUE : v1::PROXY_PROTOCOL_DETECT);
  v1::Backend backend;
  *backend.mutable_origin() = std::move(origin);
  *backend.mutable_forward() = std::move(endpoint);
  if (!opaque) {
    *out.add_http_routes() = defaultRoute(backend);
  }
  *out.add_opaque_backends() = weighted(std::move(backend), 1);
  return out;
}

}  // namespace

Result<destination::Authority> outboundTarget(const v1::OutboundTarget& target,
                                              const Options& options) {
  if (target.has_addr()) {
    const v1::TcpAddress& addr = target.addr();
    if (addr.port() == 0 || addr.port() > 65535) {
      return plainError("invalid target port " + std::to_string(addr.port()));
    }
    destination::Authority out;
    out.port = static_cast<uint16_t>(addr.port());
    if (addr.ip().has_ipv4()) {
      out.kind = destination::Authority::Kind::kIpv4;
      out.ip = htonl(addr.ip().ipv4());
    }
    return out;
  }
  if (target.has_authority()) {
    return destination::parseAuthority(target.authority(), options.clusterDomain);
  }
  return plainError("the target needs an address or an authority");
}

v1::OutboundPolicy compileOutbound(const Catalog& catalog, const destination::Authority& target,
                                   const std::string& sourceNamespace, const Options& options) {
  using Kind = destination::Authority::Kind;
  const destination::ServicePortRef* ref = nullptr;
  if (target.kind == Kind::kService) {
    ref = catalog.servicePort(target.ns, target.name, target.port);
  } else if (target.kind == Kind::kIpv4) {
    ref = catalog.servicePortByVip(target.ip, target.port);
  }
  if (ref != nullptr) {
    return servicePolicy(catalog, *ref, sourceNamespace, options);
  }
  if (target.kind != Kind::kIpv4) {
    v1::OutboundPolicy out;  // a name weir does not know: nothing to forward to
    *out.mutable_parent() = defaultOrigin("default");
    out.set_protocol(v1::PROXY_PROTOCOL_OPAQUE);
    return out;
  }
  if (const config::ExternalWorkload* w = catalog.workloadByIp(target.ip)) {
    v1::ResourceRef ref;
    ref.set_group("workload.linkerd.io");
    ref.set_kind("ExternalWorkload");
    ref.set_namespace_(w->ns);
    ref.set_name(w->name);
    ref.set_port(target.port);
    bool opaque = destination::workloadPortOpaque(catalog, *w, target.port);
    return forwardPolicy(resourceOrigin(std::move(ref)),
                         destination::endpointFor(*w, target.port, opaque), opaque);
  }
  v1::Endpoint original;
  *original.mutable_addr() = destination::tcpAddress(target.ip, target.port);
  original.set_weight(1);
  return forwardPolicy(defaultOrigin("default"), std::move(original), true);
}

}  // namespace weir::control::policy
