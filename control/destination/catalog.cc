#include "control/destination/catalog.h"

#include "common/policy/selection.h"

namespace weir::control::destination {

namespace {

std::string key(const std::string& ns, const std::string& name) { return ns + "/" + name; }

}  // namespace

Catalog::Catalog(std::shared_ptr<const config::Model> model)
    : model_(model ? std::move(model) : std::make_shared<const config::Model>()) {
  // The same selection the kernel gets: endpoints, targetPort resolution and weights come
  // from mesh::plan(), never from a second implementation. Node and proxy do not matter here.
  plan_ = mesh::plan(*model_, mesh::PlanOptions{}).plan;

  std::unordered_map<std::string, const config::Service*> services;
  for (const config::Service& svc : model_->services) {
    services[key(svc.ns, svc.name)] = &svc;
  }
  for (const mesh::PlanServicePort& planned : plan_.servicePorts) {
    const config::Service* svc = services.at(key(planned.ns, planned.name));
    for (const config::ServicePort& sp : svc->ports) {
      if (sp.port == planned.port && sp.protocol == "TCP") {
        ServicePortRef& ref = ports_[planned.id];
        ref = ServicePortRef{svc, &sp, &planned};
        byVip_[{planned.vip4, planned.port}] = &ref;
      }
    }
  }
  for (const config::ExternalWorkload& w : model_->workloads) {
    workloads_[key(w.ns, w.name)] = &w;
    if (!w.ips.empty()) {
      workloadsByIp_.emplace(w.ips.front(), &w);
    }
  }
}

const ServicePortRef* Catalog::servicePort(const std::string& ns, const std::string& name,
                                           uint16_t port) const {
  auto it = ports_.find(key(ns, name) + ":" + std::to_string(port));
  return it == ports_.end() ? nullptr : &it->second;
}

const ServicePortRef* Catalog::servicePortByVip(uint32_t vip, uint16_t port) const {
  auto it = byVip_.find({vip, port});
  return it == byVip_.end() ? nullptr : it->second;
}

const config::ExternalWorkload* Catalog::workload(const std::string& ns,
                                                  const std::string& name) const {
  auto it = workloads_.find(key(ns, name));
  return it == workloads_.end() ? nullptr : it->second;
}

const config::ExternalWorkload* Catalog::workloadByIp(uint32_t ip) const {
  auto it = workloadsByIp_.find(ip);
  return it == workloadsByIp_.end() ? nullptr : it->second;
}

const config::Namespace* Catalog::findNamespace(const std::string& name) const {
  return ::weir::policy::findNamespace(*model_, name);
}

const config::Server* Catalog::serverFor(const config::ExternalWorkload& w, uint16_t port) const {
  return ::weir::policy::serverFor(*model_, w, port);
}

std::shared_ptr<const Catalog> CatalogCache::get(const nodesync::Published& published) {
  std::lock_guard lock(mutex_);
  if (catalog_ && version_ == published.version) {
    return catalog_;
  }
  auto built = std::make_shared<const Catalog>(published.model);
  if (!catalog_ || published.version > version_) {
    catalog_ = built;
    version_ = published.version;
  }
  return built;
}

}  // namespace weir::control::destination
