#include "control/destination/endpoints.h"

#include <arpa/inet.h>
#include <google/protobuf/util/message_differencer.h>

#include "control/destination/opaque.h"
#include "control/destination/wire.h"

namespace weir::control::destination {

namespace {

using google::protobuf::util::MessageDifferencer;

constexpr char kServiceAccountInfix[] = ".serviceaccount.identity.";

v1::Update noEndpoints(bool exists) {
  v1::Update update;
  update.mutable_no_endpoints()->set_exists(exists);
  return update;
}

v1::EndpointSet* newSet(const EndpointView& view, v1::Update& update) {
  v1::EndpointSet* set = update.mutable_add();
  set->mutable_metric_labels()->insert(view.labels.begin(), view.labels.end());
  return set;
}

bool inRanges(const config::PortList& list, uint16_t port) {
  for (const auto& r : list.ranges) {
    if (port >= r.first && port <= r.last) {
      return true;
    }
  }
  return false;
}

}  // namespace

v1::Endpoint endpointFor(const config::ExternalWorkload& w, uint16_t port, bool opaque) {
  v1::Endpoint ep;
  *ep.mutable_addr() = tcpAddress(w.ips.empty() ? 0 : w.ips.front(), port);
  ep.set_weight(w.weight);
  auto& labels = *ep.mutable_metric_labels();
  labels["external_workload"] = w.name;
  // Linkerd's identities name the service account first: "<sa>.<ns>.serviceaccount.identity...".
  if (size_t infix = w.identity.find(kServiceAccountInfix); infix != std::string::npos) {
    std::string head = w.identity.substr(0, infix);
    if (size_t dot = head.find('.'); dot != std::string::npos) {
      labels["serviceaccount"] = head.substr(0, dot);
    }
  }
  const bool meshed = !w.identity.empty();
  if (meshed) {
    ep.mutable_tls_identity()->set_name(w.identity);
    ep.mutable_tls_identity()->set_server_name(w.serverName.empty() ? w.identity : w.serverName);
  }
  if (opaque) {
    ep.mutable_protocol_hint()->set_protocol(v1::ProtocolHint::PROTOCOL_OPAQUE);
  } else if (meshed) {
    // The endpoint's node proxy accepts HTTP/2 from other proxies (Linkerd's H2 upgrade).
    ep.mutable_protocol_hint()->set_protocol(v1::ProtocolHint::PROTOCOL_HTTP2);
  }
  *ep.mutable_workload() = workloadRef(w);
  ep.set_node(w.node);
  return ep;
}

EndpointView resolveEndpoints(const Catalog& catalog, const Authority& authority) {
  const ServicePortRef* ref = nullptr;
  if (authority.kind == Authority::Kind::kService) {
    ref = catalog.servicePort(authority.ns, authority.name, authority.port);
  } else if (authority.kind == Authority::Kind::kIpv4) {
    ref = catalog.servicePortByVip(authority.ip, authority.port);
  }
  EndpointView view;
  if (ref == nullptr) {
    return view;
  }
  view.exists = true;
  view.labels = {{"namespace", ref->service->ns}, {"service", ref->service->name}};
  const bool serviceOpaque = servicePortOpaque(*ref->service, ref->port->port);
  for (const mesh::PlanEndpoint& planned : ref->plan->endpoints) {
    size_t slash = planned.workloadId.find('/');
    const config::ExternalWorkload* w =
        catalog.workload(planned.workloadId.substr(0, slash), planned.workloadId.substr(slash + 1));
    if (w == nullptr) {
      continue;  // cannot happen: the plan was made from this model
    }
    bool opaque = serviceOpaque || workloadPortOpaque(catalog, *w, planned.port);
    v1::Endpoint ep = endpointFor(*w, planned.port, opaque);
    // The plan's address and weight are the kernel's; endpointFor derives the same from `w`.
    *ep.mutable_addr() = tcpAddress(planned.ip4, planned.port);
    ep.set_weight(planned.weight);
    view.endpoints[{ntohl(planned.ip4), planned.port}] = std::move(ep);
    if (w->mesh.skipInboundPorts && inRanges(*w->mesh.skipInboundPorts, planned.port)) {
      view.skipInbound.insert({ntohl(planned.ip4), planned.port});
    }
  }
  return view;
}

v1::Update firstUpdate(const EndpointView& view) {
  if (!view.exists || view.endpoints.empty()) {
    return noEndpoints(view.exists);
  }
  v1::Update update;
  v1::EndpointSet* set = newSet(view, update);
  for (const auto& [key, ep] : view.endpoints) {
    *set->add_endpoints() = ep;
  }
  return update;
}

std::vector<v1::Update> changes(const EndpointView& before, const EndpointView& after) {
  if (!after.exists) {
    return before.exists ? std::vector<v1::Update>{noEndpoints(false)} : std::vector<v1::Update>{};
  }
  if (!before.exists) {
    return {firstUpdate(after)};
  }
  // Set labels travel with adds: when they change (a VIP now names another Service), every
  // endpoint is sent again under the new labels.
  const bool relabel = before.labels != after.labels;
  v1::Update add;
  v1::EndpointSet* set = newSet(after, add);
  for (const auto& [key, ep] : after.endpoints) {
    auto old = before.endpoints.find(key);
    if (relabel || old == before.endpoints.end() || !MessageDifferencer::Equals(old->second, ep)) {
      *set->add_endpoints() = ep;
    }
  }
  v1::Update remove;
  for (const auto& [key, ep] : before.endpoints) {
    if (!after.endpoints.contains(key)) {
      *remove.mutable_remove()->add_addrs() = ep.addr();
    }
  }
  std::vector<v1::Update> out;
  if (set->endpoints_size() > 0) {
    out.push_back(std::move(add));
  }
  if (remove.has_remove()) {
    out.push_back(std::move(remove));
  }
  return out;
}

}  // namespace weir::control::destination
