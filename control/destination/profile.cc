#include "control/destination/profile.h"

#include <algorithm>
#include <limits>

#include "control/destination/endpoints.h"
#include "control/destination/opaque.h"
#include "control/destination/wire.h"

namespace weir::control::destination {

namespace {

uint32_t clampWeight(uint64_t milli) {
  return static_cast<uint32_t>(std::min<uint64_t>(milli, std::numeric_limits<uint32_t>::max()));
}

const config::ServiceProfile* findProfile(const config::Model& model, const std::string& fqdn,
                                          const std::string& ns) {
  for (const config::ServiceProfile& sp : model.serviceProfiles) {
    if (sp.ns == ns && sp.name == fqdn) {
      return &sp;
    }
  }
  return nullptr;
}

// The first TrafficSplit of the service's namespace whose root is the service.
const config::TrafficSplit* findSplit(const config::Model& model, const config::Service& svc) {
  for (const config::TrafficSplit& ts : model.trafficSplits) {
    if (ts.ns == svc.ns && ts.service == svc.name) {
      return &ts;
    }
  }
  return nullptr;
}

void applyProfile(const config::ServiceProfile& profile, uint16_t port,
                  v1::DestinationProfile& out) {
  v1::ResourceRef* ref = out.mutable_profile();
  ref->set_group("linkerd.io");
  ref->set_kind("ServiceProfile");
  ref->set_namespace_(profile.ns);
  ref->set_name(profile.name);
  for (const config::ProfileRoute& route : profile.routes) {
    *out.add_routes() = profileRoute(route);
  }
  if (profile.retryBudget) {
    v1::RetryBudget* budget = out.mutable_retry_budget();
    budget->set_retry_ratio(static_cast<float>(profile.retryBudget->retryRatio));
    budget->set_min_retries_per_second(profile.retryBudget->minRetriesPerSecond);
    *budget->mutable_ttl() = duration(profile.retryBudget->ttl);
  }
  for (const config::WeightedDst& dst : profile.dstOverrides) {
    v1::WeightedDst* entry = out.add_dst_overrides();
    // Linkerd appends the requested port to an authority written without one.
    bool hasPort = dst.authority.find(':') != std::string::npos;
    entry->set_authority(hasPort ? dst.authority : dst.authority + ":" + std::to_string(port));
    entry->set_weight(clampWeight(dst.weightMilli));
  }
}

void applySplit(const config::TrafficSplit& split, uint16_t port, const Options& options,
                v1::DestinationProfile& out) {
  out.clear_dst_overrides();
  for (const config::TrafficSplitBackend& backend : split.backends) {
    v1::WeightedDst* dst = out.add_dst_overrides();
    dst->set_authority(serviceFqdn(split.ns, backend.service, options.clusterDomain) + ":" +
                       std::to_string(port));
    dst->set_weight(clampWeight(backend.weightMilli));
    v1::ResourceRef* ref = dst->mutable_backend();
    ref->set_kind("Service");
    ref->set_namespace_(split.ns);
    ref->set_name(backend.service);
    ref->set_port(port);
  }
}

// linkerd.io/load-balancer of the Service, else of its Namespace (the parser reads it on both),
// else Linkerd's default.
std::string loadBalancer(const Catalog& catalog, const config::Service& svc) {
  if (!svc.mesh.loadBalancer.empty()) {
    return svc.mesh.loadBalancer;
  }
  const config::Namespace* ns = catalog.findNamespace(svc.ns);
  if (ns != nullptr && !ns->mesh.loadBalancer.empty()) {
    return ns->mesh.loadBalancer;
  }
  return "ewma";
}

v1::DestinationProfile endpointProfile(const Catalog& catalog, const Authority& authority) {
  v1::DestinationProfile out;
  const config::ExternalWorkload* w = catalog.workloadByIp(authority.ip);
  if (w != nullptr) {
    bool opaque = workloadPortOpaque(catalog, *w, authority.port);
    *out.mutable_endpoint() = endpointFor(*w, authority.port, opaque);
    out.set_opaque_protocol(opaque);
  }
  return out;
}

}  // namespace

v1::DestinationProfile compileProfile(const Catalog& catalog, const Authority& authority,
                                      const std::string& sourceNamespace, const Options& options) {
  const ServicePortRef* ref = nullptr;
  if (authority.kind == Authority::Kind::kService) {
    ref = catalog.servicePort(authority.ns, authority.name, authority.port);
  } else if (authority.kind == Authority::Kind::kIpv4) {
    ref = catalog.servicePortByVip(authority.ip, authority.port);
    if (ref == nullptr) {
      return endpointProfile(catalog, authority);
    }
  }
  v1::DestinationProfile out;
  if (ref == nullptr) {
    return out;
  }
  const config::Service& svc = *ref->service;
  const uint16_t port = ref->port->port;
  const std::string fqdn = serviceFqdn(svc.ns, svc.name, options.clusterDomain);
  out.set_fully_qualified_name(fqdn);
  out.set_opaque_protocol(servicePortOpaque(svc, port));
  *out.mutable_parent() = serviceRef(svc, port);
  out.set_load_balancer(loadBalancer(catalog, svc));

  const config::ServiceProfile* profile = nullptr;
  if (!sourceNamespace.empty()) {
    profile = findProfile(catalog.model(), fqdn, sourceNamespace);
  }
  if (profile == nullptr) {
    profile = findProfile(catalog.model(), fqdn, svc.ns);
  }
  if (profile != nullptr) {
    applyProfile(*profile, port, out);
  }
  if (const config::TrafficSplit* split = findSplit(catalog.model(), svc)) {
    applySplit(*split, port, options, out);
  }
  return out;
}

}  // namespace weir::control::destination
