#pragma once

// One published model, indexed for the Destination and Policy streams: service ports by name and
// by VIP with the endpoints the kernel would pick for them, workloads by name and by address, and
// the Server owning a workload's port. Built once per published version and shared by every
// stream (CatalogCache), so a change costs one index build, not one per watcher.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/config/model.h"
#include "common/mesh/node_plan.h"
#include "control/nodesync/publisher.h"

namespace weir::control::destination {

// A TCP port of a Service with a cluster IP, as mesh::plan() selected its endpoints.
struct ServicePortRef {
  const config::Service* service = nullptr;
  const config::ServicePort* port = nullptr;
  const mesh::PlanServicePort* plan = nullptr;
};

class Catalog {
 public:
  explicit Catalog(std::shared_ptr<const config::Model> model);
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  const config::Model& model() const { return *model_; }

  // Null when the Service does not exist, is headless, or has no such TCP port: ports the
  // kernel does not steer are not the mesh's either.
  const ServicePortRef* servicePort(const std::string& ns, const std::string& name,
                                    uint16_t port) const;
  const ServicePortRef* servicePortByVip(uint32_t vip, uint16_t port) const;  // network order

  const config::ExternalWorkload* workload(const std::string& ns, const std::string& name) const;
  // The workload with this address (its first workloadIP, the one endpoints use).
  const config::ExternalWorkload* workloadByIp(uint32_t ip) const;
  const config::Namespace* findNamespace(const std::string& name) const;

  // The Server selecting `port` of `w`, or null (weir::policy::serverFor).
  const config::Server* serverFor(const config::ExternalWorkload& w, uint16_t port) const;

 private:
  std::shared_ptr<const config::Model> model_;
  mesh::NodePlan plan_;
  std::unordered_map<std::string, ServicePortRef> ports_;  // by plan id "ns/name:port"
  std::map<std::pair<uint32_t, uint16_t>, const ServicePortRef*> byVip_;
  std::unordered_map<std::string, const config::ExternalWorkload*> workloads_;  // "ns/name"
  std::unordered_map<uint32_t, const config::ExternalWorkload*> workloadsByIp_;
};

// The catalog of the newest version asked for; older versions are built on demand and not kept.
class CatalogCache {
 public:
  std::shared_ptr<const Catalog> get(const nodesync::Published& published);

 private:
  std::mutex mutex_;
  uint64_t version_ = 0;
  std::shared_ptr<const Catalog> catalog_;
};

}  // namespace weir::control::destination
